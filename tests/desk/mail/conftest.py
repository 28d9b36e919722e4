"""The mail package is Django-free; its tests run without Django settings. Dovecot: tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_files() -> None:
    """Override the project-wide autouse fixture: this package uses no Django settings.

    Keeps ``pytest tests/desk/mail -p no:django`` working (the parent fixture
    needs pytest-django's ``settings``).
    """
