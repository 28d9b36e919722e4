"""The French catalogue is complete, compiled, up to date with the source, and used by the pages.

Government of Canada rule: everything a person reads is in English and French. These tests fail
when a string is left untranslated or fuzzy, when the committed .mo was not recompiled after
the .po changed, and when someone marks a new string without running makemessages.

To fix a failure:
    cd src/longroom && ../../.venv/bin/python -m longroom makemessages -l fr --no-obsolete
    (translate the new or fuzzy entries in locale/fr/LC_MESSAGES/django.po)
    msgfmt --check -o locale/fr/LC_MESSAGES/django.mo locale/fr/LC_MESSAGES/django.po
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "src" / "longroom"
FR_DIR = PACKAGE_DIR / "locale" / "fr" / "LC_MESSAGES"
PO_FILE = FR_DIR / "django.po"
MO_FILE = FR_DIR / "django.mo"


# --- a tiny .po reader (no third-party dependency) -------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(literal: str) -> str:
    body = literal.strip()
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise ValueError(f"not a quoted .po string: {literal!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body[1:-1])


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def label(self) -> str:
        where = f"django.po:{self.line}"
        context = f" [context {self.msgctxt!r}]" if self.msgctxt is not None else ""
        return f"{where} {self.msgid!r}{context}"

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural.get(i, "") for i in range(max(self.msgstr_plural, default=-1) + 1)] or [""]


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """Return the header entry and the message entries of a .po file; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None
    seen_keyword = False

    def finish() -> None:
        nonlocal current, target, seen_keyword
        if seen_keyword:
            entries.append(current)
        current, target, seen_keyword = Entry(), None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if seen_keyword:  # a comment after msgstr starts the next entry
                finish()
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and target and target[0] in ("msgstr", "msgstr_plural"):
                finish()  # a new entry without a blank line before it
            if not seen_keyword:
                current.line = number
            seen_keyword = True
            text = _unquote(literal)
            if keyword == "msgctxt":
                current.msgctxt, target = text, ("msgctxt", None)
            elif keyword == "msgid":
                current.msgid, target = text, ("msgid", None)
            elif keyword == "msgid_plural":
                current.msgid_plural, target = text, ("msgid_plural", None)
            elif index is not None:
                current.msgstr_plural[int(index)], target = text, ("msgstr_plural", int(index))
            else:
                current.msgstr, target = text, ("msgstr", None)
            continue
        if line.startswith('"') and target is not None:
            text = _unquote(line)
            name, index = target
            if name == "msgstr_plural":
                current.msgstr_plural[index] += text  # type: ignore[index]
            else:
                setattr(current, name, (getattr(current, name) or "") + text)
            continue
        raise ValueError(f"{path}:{number}: cannot parse {raw!r}")
    finish()

    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    if len(headers) != 1:
        raise ValueError(f"{path}: expected one header entry, found {len(headers)}")
    return headers[0], [e for e in entries if e is not headers[0]]


def _header_fields(header: Entry) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in header.msgstr.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


# --- the tests -----------------------------------------------------------------------------------


def test_the_french_catalogue_header_is_filled_in() -> None:
    header, _entries = read_po(PO_FILE)
    fields = _header_fields(header)
    assert "fuzzy" not in header.flags, "remove the '#, fuzzy' flag from the header once it is filled in"
    assert fields.get("Language") == "fr"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == "nplurals=2; plural=(n > 1);"


def test_every_french_string_is_translated() -> None:
    _header, entries = read_po(PO_FILE)
    assert entries, "the French catalogue is empty"
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.label}")
        elif entry.msgid_plural is not None and sorted(entry.msgstr_plural) != [0, 1]:
            problems.append(f"needs msgstr[0] and msgstr[1] (French has two plural forms): {entry.label}")
        elif any(not text.strip() for text in entry.translations):
            problems.append(f"untranslated: {entry.label}")
    assert not problems, f"{len(problems)} French entries need a translator:\n" + "\n".join(problems)


def test_the_french_translations_keep_their_placeholders() -> None:
    placeholder = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%%|\{\{[^}]*\}\}")
    _header, entries = read_po(PO_FILE)
    problems = []
    for entry in entries:
        wanted = sorted(set(placeholder.findall(entry.msgid + (entry.msgid_plural or ""))))
        for text in entry.translations:
            if text and sorted(set(placeholder.findall(text))) != wanted:
                problems.append(
                    f"{entry.label}: expected {wanted}, got {sorted(set(placeholder.findall(text)))}"
                )
    assert not problems, "placeholders differ from the English:\n" + "\n".join(problems)


def test_the_compiled_french_catalogue_matches_the_po_file() -> None:
    assert MO_FILE.exists(), f"{MO_FILE} is missing: compile it with msgfmt --check -o django.mo django.po"
    _header, entries = read_po(PO_FILE)
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("language") == "fr"
    assert compiled.info().get("plural-forms") == "nplurals=2; plural=(n > 1);"
    stale = []
    for entry in entries:
        if "fuzzy" in entry.flags or not all(entry.translations):
            continue  # msgfmt leaves these out on purpose; the test above reports them
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                got = compiled.gettext(entry.msgid)
            else:
                got = compiled.pgettext(entry.msgctxt, entry.msgid)
            if got != entry.msgstr:
                stale.append(f"{entry.label}: .mo has {got!r}, .po has {entry.msgstr!r}")
            continue
        for n, index in ((1, 0), (2, 1)):
            if entry.msgctxt is None:
                got = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
            else:
                got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
            if got != entry.msgstr_plural[index]:
                stale.append(
                    f"{entry.label} (n={n}): .mo has {got!r}, .po has {entry.msgstr_plural[index]!r}"
                )
    assert not stale, (
        f"django.mo is out of date with django.po ({len(stale)} differences); recompile with\n"
        f"  msgfmt --check -o {MO_FILE} {PO_FILE}\n" + "\n".join(stale[:50])
    )


def _ignore_for_extraction(directory: str, names: list[str]) -> set[str]:
    ignored = {
        name
        for name in names
        if name in {"__pycache__", "node_modules"} or name.endswith((".pyc", ".mo", ".po"))
    }
    if Path(directory).as_posix().endswith("static/core") and "vendor" in names:
        ignored.add("vendor")
    return ignored


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msguniq") is None,
    reason="GNU gettext is not installed (apt-get install gettext): makemessages cannot extract strings",
)
def test_the_catalogue_covers_every_marked_string_in_the_source(tmp_path: Path) -> None:
    # Extract into a copy of the package, run the documented command there, and never touch the real files.
    copy = tmp_path / "src" / "longroom"
    shutil.copytree(PACKAGE_DIR, copy, ignore=_ignore_for_extraction)
    (copy / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    before = PO_FILE.read_bytes()
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "src"),  # the copy's settings, so LOCALE_PATHS points into the copy
        "DJANGO_SETTINGS_MODULE": "longroom.settings",
        "LONGROOM_VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "longroom", "makemessages", "-l", "fr", "--no-obsolete"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    assert PO_FILE.read_bytes() == before, "makemessages wrote into the real package instead of the copy"
    fresh_po = copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    assert fresh_po.exists(), f"makemessages produced no catalogue:\n{result.stdout}\n{result.stderr}"

    _h, fresh = read_po(fresh_po)
    _h, committed = read_po(PO_FILE)
    committed_keys = {(e.msgctxt, e.msgid, e.msgid_plural) for e in committed}
    missing = sorted(
        {(e.msgctxt, e.msgid, e.msgid_plural) for e in fresh} - committed_keys,
        key=lambda k: (k[1], k[0] or ""),
    )
    assert fresh, "the extraction found no strings at all; the test setup is wrong"
    assert not missing, (
        f"{len(missing)} marked strings are missing from the French catalogue; run makemessages, translate:\n"
        + "\n".join(f"  {msgid!r}" + (f" [context {ctxt!r}]" if ctxt else "") for ctxt, msgid, _p in missing)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "french", "english"),
    [
        (
            "/fr/",
            ["Comment envoyer une demande", "courriel", "Emplacements", "Vérifier une estampille"],
            ["How to send a request", "by e-mail"],
        ),
        (
            "/fr/locations/",
            ["Bureaux qui offrent l’e-Longroom", "Fuseau horaire", "Fret", "Mainlevée"],
            ["Offices offering", "Time zone"],
        ),
        (
            "/fr/desk/verify/",
            ["Vérifier un document estampillé", "Téléverser le fichier", "Vérifier le fichier"],
            ["Verify a stamped document", "Upload the file"],
        ),
    ],
)
def test_pages_render_in_french(client, office, path: str, french: list[str], english: list[str]) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<html[^>]*\blang="fr"', html), 'the page does not declare lang="fr"'
    absent = [text for text in french if text not in html]
    assert not absent, f"French text missing from {path}: {absent}"
    leftover = [text for text in english if text in html]
    assert not leftover, f"English text left on the French page {path}: {leftover}"
