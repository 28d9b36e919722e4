"""The CBSA e-Longroom subject grammar and our own reference tokens.

Subject: ``[wrapper colour -] request type - transaction number``, e.g.
``RMD – 132432000123459`` or ``Gold- RMD - 123456789101112131415``. Clients type
these by hand, so the parser is tolerant about dashes, spacing, case and the
prefixes mail clients and gateways add, and strict about what it extracts.

Decisions worth knowing:

* Dashes: hyphen, en dash, em dash, minus sign, figure dash, non-breaking and
  full-width hyphens all count, with any or no spacing. Whitespace alone also
  separates (``RMD 132432000123459``), since request types contain a letter and
  the transaction number is all digits, so this is unambiguous.
* Transaction numbers are 8 to 25 ASCII digits. Single spaces *inside* the
  number (``1234 5190 0123 459``) are joined only when the digit groups run to
  the end of the subject: then nothing else could be meant. Otherwise text
  after the number is allowed and ignored (``RMD - 123... corrected``), unless
  it holds another 8+ digit number (two transactions in one mail: malformed).
* Request types must contain a letter (all CBSA codes do: RMD, A48, BSF673...).
* Wrapper colours are configurable; the default is the D17-1-10 list below.
  French names and "Gray" are accepted as aliases of the canonical English name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

__all__ = [
    "DEFAULT_WRAPPER_COLOURS",
    "MAX_TRANSACTION_DIGITS",
    "MIN_TRANSACTION_DIGITS",
    "SubjectParse",
    "find_reference",
    "parse_subject",
    "strip_subject_prefixes",
    "transaction_number_in_filename",
]

MIN_TRANSACTION_DIGITS = 8
MAX_TRANSACTION_DIGITS = 25

# D17-1-10 wrapper colours. Offices can pass their own list to parse_subject().
DEFAULT_WRAPPER_COLOURS: tuple[str, ...] = (
    "White",
    "Yellow",
    "Pink",
    "Green",
    "Blue",
    "Gold",
    "Orange",
    "Red",
    "Purple",
    "Grey",
)
# Alias -> canonical English name; used only if the canonical name is configured.
COLOUR_ALIASES: dict[str, str] = {
    "gray": "Grey",
    "blanc": "White",
    "blanche": "White",
    "jaune": "Yellow",
    "rose": "Pink",
    "vert": "Green",
    "verte": "Green",
    "bleu": "Blue",
    "bleue": "Blue",
    "or": "Gold",
    "doré": "Gold",
    "dore": "Gold",
    "rouge": "Red",
    "violet": "Purple",
    "violette": "Purple",
    "pourpre": "Purple",
    "mauve": "Purple",
    "gris": "Grey",
    "grise": "Grey",
}

PROBLEMS = ("empty", "missing_transaction_number", "unknown_request_type", "malformed")

# Every dash-like character clients paste from Word, Outlook or PDFs.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043"
_DASH_TABLE = str.maketrans(dict.fromkeys(_DASHES, "-"))
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# Reply/forward prefixes in the languages our clients' mail clients use
# (EN, FR, DE, NL, ES/PT, IT, Nordic, PL...), optionally counted: "Re[2]:", "RE (3) :".
_PREFIX_RE = re.compile(
    r"""^(?:\s*(?:
        (?:re|fw|fwd|tr|réf|ref|rép|rep|aw|wg|antw|sv|vs|vb|rv|res|enc|odp|pd|r|i|rif)
        \s*(?:\[\d+\]|\(\d+\))?\s*:
      | \[[^\[\]]*\]          # [EXTERNAL], [LR-410-C-2026-000123], [SPAM?]
      | \(external\)
      | \*{1,3}\s*external\s*\*{1,3}
    ))+\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_TOKEN_RE = re.compile(r"[^\s-]+")
_DIGITS_RE = re.compile(r"[0-9]+")
_REFERENCE_RE = re.compile(
    r"(?<![A-Za-z0-9])LR-([0-9]+)-([CRE])-([0-9]{4})-([0-9]{6,})(?![0-9])", re.IGNORECASE
)


@dataclass(frozen=True)
class SubjectParse:
    """Result of :func:`parse_subject`.

    When ``ok`` is False, ``problem`` is one of "empty",
    "missing_transaction_number", "unknown_request_type", "malformed"; fields
    that could still be recognised (e.g. the request type when only the number
    is missing) are filled in to help the auto-reply and the clerk.
    """

    ok: bool
    wrapper_colour: str | None = None
    request_type: str | None = None
    transaction_number: str | None = None
    problem: str | None = None
    reference: str | None = None
    # The subject after prefix stripping and dash normalisation, for display.
    normalised: str = ""


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = _INVISIBLE_RE.sub("", text).translate(_DASH_TABLE)
    return " ".join(text.split())


def strip_subject_prefixes(subject: str) -> str:
    """Remove leading reply/forward prefixes and bracketed tags, repeatedly."""
    text = _normalise(subject)
    # One pass strips the whole run ("Re: [EXTERNAL] Fwd: ..."); no loop to bound.
    return _PREFIX_RE.sub("", text, count=1).strip()


def _valid_number(digits: str) -> bool:
    return MIN_TRANSACTION_DIGITS <= len(digits) <= MAX_TRANSACTION_DIGITS


def parse_subject(
    subject: str,
    *,
    request_types: Collection[str],
    wrapper_colours: Collection[str] = DEFAULT_WRAPPER_COLOURS,
) -> SubjectParse:
    """Parse ``[wrapper colour -] request type - transaction number``.

    ``request_types`` and ``wrapper_colours`` are matched case-insensitively;
    the result carries their configured spelling.
    """
    reference = find_reference(subject or "")
    body = strip_subject_prefixes(subject or "").rstrip(" .;,:!")
    if not body:
        return SubjectParse(ok=False, problem="empty", reference=reference)

    types = {t.casefold(): t for t in request_types}
    colours = {c.casefold(): c for c in wrapper_colours}
    for alias, canonical in COLOUR_ALIASES.items():
        if canonical.casefold() in colours and alias not in types:
            colours.setdefault(alias, colours[canonical.casefold()])

    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(body)]
    first_digit = next((i for i, (tok, _, _) in enumerate(tokens) if tok.isascii() and tok.isdigit()), None)
    head = [tok for tok, _, _ in tokens[: len(tokens) if first_digit is None else first_digit]]

    number: str | None = None
    tail: list[str] = []
    if first_digit is not None:
        rest = tokens[first_digit:]
        seps = [body[rest[k - 1][2] : rest[k][1]] for k in range(1, len(rest))]
        if all(tok.isascii() and tok.isdigit() for tok, _, _ in rest) and all(s == " " for s in seps):
            number = "".join(tok for tok, _, _ in rest)  # "1234 5190 0123 459" up to the end
        else:
            number = rest[0][0]
            tail = [tok for tok, _, _ in rest[1:]]
        if not _valid_number(number):
            number = None

    colour: str | None = None
    rtype: str | None = None
    problem: str | None = None
    if len(head) == 1:
        rtype = types.get(head[0].casefold())
        if rtype is None:
            problem = "unknown_request_type"
    elif len(head) == 2:
        colour = colours.get(head[0].casefold())
        rtype = types.get(head[1].casefold())
        if rtype is None:
            problem = "unknown_request_type" if colour else "malformed"
        elif colour is None:
            problem = "malformed"  # "Urgent - RMD - ...": not a colour we know
    elif not head:
        problem = "unknown_request_type"  # only a number: no request type given
    else:
        problem = "malformed"

    if problem is None and number is None:
        problem = "missing_transaction_number"
    if problem is None and any(len(d) >= MIN_TRANSACTION_DIGITS for t in tail for d in _DIGITS_RE.findall(t)):
        problem = "malformed"  # a second transaction number: which one is meant?

    return SubjectParse(
        ok=problem is None,
        wrapper_colour=colour,
        request_type=rtype,
        transaction_number=number,
        problem=problem,
        reference=reference,
        normalised=body,
    )


def find_reference(text: str) -> str | None:
    """Find our request reference ``LR-<office>-<C|R|E>-<yyyy>-<serial>``, upper-cased."""
    if not text:
        return None
    m = _REFERENCE_RE.search(_normalise(text))
    if m is None:
        return None
    return f"LR-{m.group(1)}-{m.group(2).upper()}-{m.group(3)}-{m.group(4)}"


# "123451900123459.pdf", "RMD-123451900123459.pdf", "Gold - RMD - 1234...pdf",
# "123451900123459 (1).pdf", "123451900123459_2.PDF". A stem with other digits
# ("scan_20260114_123456") is *not* read, so a date is never taken for a number.
_FILENAME_RE = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9]*\s*[-_ ]\s*){0,2}"
    rf"(?P<n>[0-9]{{{MIN_TRANSACTION_DIGITS},{MAX_TRANSACTION_DIGITS}}})"
    r"(?:\s*\(\d{1,3}\)|[-_ ]\d{1,3}|\s*[-_ ]?\s*(?:copy|copie))?$",
    re.IGNORECASE,
)
_EXTENSIONS_RE = re.compile(r"(?:\.[A-Za-z][A-Za-z0-9]{0,4})+$")


def transaction_number_in_filename(filename: str | None) -> str | None:
    """The transaction number a file is named after (``123451900123459.pdf``), or None."""
    if not filename:
        return None
    name = PureWindowsPath(PurePosixPath(_normalise(filename)).name).name
    stem = _EXTENSIONS_RE.sub("", name).strip()
    m = _FILENAME_RE.match(stem)
    return m.group("n") if m else None
