# The only entry points: setup, run, test, lint, bench. Each installs what it needs first.
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export DJANGO_SETTINGS_MODULE := longroom.settings

.PHONY: setup run test test-fast lint format bench assets messages clean

setup: $(VENV)/.installed node_modules/.installed src/longroom/core/static/core/vendor/.built

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python 3.12 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(PY) -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

src/longroom/core/static/core/vendor/.built: node_modules/.installed scripts/build-assets.mjs
	node scripts/build-assets.mjs
	@touch $@

assets: src/longroom/core/static/core/vendor/.built

run: setup
	$(PY) -m longroom migrate --no-input -v0
	LONGROOM_DEMO=1 $(PY) -m longroom demo_load
	LONGROOM_DEMO=1 $(PY) -m longroom run

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

format: setup
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Needs GNU gettext (apt-get install gettext). The compiled .mo is committed, so running does not.
messages: setup
	cd src/longroom && ../../$(PY) -m longroom makemessages -l fr --no-obsolete -v0
	cd src/longroom && ../../$(PY) -m longroom compilemessages -v0

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules var src/longroom/core/static/core/vendor
