"""The CBSA subject grammar as clients actually type it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from longroom.desk.mail.subject import (
    DEFAULT_WRAPPER_COLOURS,
    find_reference,
    parse_subject,
    strip_subject_prefixes,
    transaction_number_in_filename,
)

TYPES = {"RMD", "A48", "BSF673"}


def parse(subject: str):  # type: ignore[no-untyped-def]
    return parse_subject(subject, request_types=TYPES)


@pytest.mark.parametrize(
    ("subject", "colour", "rtype", "number"),
    [
        ("RMD – 132432000123459", None, "RMD", "132432000123459"),
        ("A48 - 123451900123459", None, "A48", "123451900123459"),
        ("BSF673 - 01428442347324", None, "BSF673", "01428442347324"),
        ("Gold- RMD - 123456789101112131415", "Gold", "RMD", "123456789101112131415"),
    ],
)
def test_cbsa_published_examples_parse(subject: str, colour: str | None, rtype: str, number: str) -> None:
    result = parse(subject)
    assert result.ok, result
    assert (result.wrapper_colour, result.request_type, result.transaction_number) == (colour, rtype, number)
    assert result.problem is None


@pytest.mark.parametrize(
    "subject",
    [
        "RMD-132432000123459",
        "RMD—132432000123459",
        "RMD − 132432000123459",
        "RMD  –132432000123459",
        "rmd 132432000123459",
        "  RMD\t-\t132432000123459  ",
        "RMD ‐ 132432000123459.",
        "RMD - 13243 2000 123459",
    ],
)
def test_dash_and_spacing_variants_are_accepted(subject: str) -> None:
    result = parse(subject)
    assert result.ok and result.request_type == "RMD"
    assert result.transaction_number == "132432000123459"


@pytest.mark.parametrize(
    "subject",
    [
        "Re: RMD - 132432000123459",
        "RE : RMD - 132432000123459",
        "Fwd: FW: RMD - 132432000123459",
        "TR: RÉF: RMD - 132432000123459",
        "AW: Re[2]: RMD - 132432000123459",
        "[EXTERNAL] RE: [EXTERNAL] RMD - 132432000123459",
        "Re: [LR-410-C-2026-000123] RMD - 132432000123459",
    ],
)
def test_reply_and_forward_prefixes_are_ignored(subject: str) -> None:
    result = parse(subject)
    assert result.ok and result.transaction_number == "132432000123459"


def test_reference_token_in_subject_is_reported() -> None:
    result = parse("RE: [lr-410-c-2026-000123] RMD - 132432000123459")
    assert result.reference == "LR-410-C-2026-000123"


def test_colours_are_case_insensitive_and_canonical() -> None:
    assert parse("gold - rmd - 132432000123459").wrapper_colour == "Gold"
    assert parse("GREY-A48-123451900123459").wrapper_colour == "Grey"
    assert parse("Gray - A48 - 123451900123459").wrapper_colour == "Grey"
    assert parse("Or - A48 - 123451900123459").wrapper_colour == "Gold"
    custom = parse_subject("Teal - RMD - 132432000123459", request_types=TYPES, wrapper_colours=["Teal"])
    assert custom.ok and custom.wrapper_colour == "Teal"
    assert set(DEFAULT_WRAPPER_COLOURS) >= {"White", "Yellow", "Pink", "Green", "Blue", "Gold", "Grey"}


@pytest.mark.parametrize(
    ("subject", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Re: Fwd:", "empty"),
        ("RMD", "missing_transaction_number"),
        ("RMD - 1234567", "missing_transaction_number"),
        ("RMD - 12345678901234567890123456", "missing_transaction_number"),
        ("Gold - RMD", "missing_transaction_number"),
        ("XYZ - 132432000123459", "unknown_request_type"),
        ("132432000123459", "unknown_request_type"),
        ("Gold - XYZ - 132432000123459", "unknown_request_type"),
        ("Urgent - RMD - 132432000123459", "malformed"),
        ("Please find attached my release request", "malformed"),
        ("RMD - 132432000123459 and 132432000123460", "malformed"),
    ],
)
def test_problems_are_classified_for_the_auto_reply(subject: str, problem: str) -> None:
    result = parse(subject)
    assert not result.ok
    assert result.problem == problem


def test_transaction_number_length_is_not_fixed() -> None:
    assert parse("RMD - 12345678").transaction_number == "12345678"
    assert parse("RMD - " + "9" * 25).transaction_number == "9" * 25


def test_trailing_words_after_the_number_are_tolerated() -> None:
    result = parse("RMD - 132432000123459 (corrected)")
    assert result.ok and result.transaction_number == "132432000123459"


_DASH = st.sampled_from(["-", "–", "—", "−", "‑"])
_SPACE = st.sampled_from(["", " ", "  ", "\t"])


@given(
    colour=st.one_of(st.none(), st.sampled_from(DEFAULT_WRAPPER_COLOURS)),
    rtype=st.sampled_from(sorted(TYPES)),
    number=st.from_regex(r"[0-9]{8,25}", fullmatch=True),
    dash=_DASH,
    s1=_SPACE,
    s2=_SPACE,
    case=st.sampled_from([str.upper, str.lower, str.title]),
    prefix=st.sampled_from(["", "Re: ", "TR: ", "FW: RE: ", "[EXTERNAL] "]),
)
def test_any_dash_spacing_case_and_prefix_combination_parses(
    colour: str | None,
    rtype: str,
    number: str,
    dash: str,
    s1: str,
    s2: str,
    case,
    prefix: str,  # type: ignore[no-untyped-def]
) -> None:
    head = f"{case(colour)}{s1}{dash}{s2}" if colour else ""
    subject = f"{prefix}{head}{case(rtype)}{s1}{dash}{s2}{number}"
    result = parse(subject)
    assert result.ok, (subject, result)
    assert result.wrapper_colour == colour
    assert result.request_type == rtype
    assert result.transaction_number == number


@given(st.text(max_size=200))
def test_parser_never_raises_on_any_subject(subject: str) -> None:
    result = parse(subject)
    assert result.ok or result.problem in {
        "empty",
        "missing_transaction_number",
        "unknown_request_type",
        "malformed",
    }


def test_prefix_stripping_is_bounded_and_leaves_the_rest() -> None:
    assert strip_subject_prefixes("Re: " * 500 + "RMD - 1") == "RMD - 1"


def test_reference_token_is_found_anywhere_and_upper_cased() -> None:
    assert find_reference("Your request lr-410-r-2026-0001234 was received") == "LR-410-R-2026-0001234"
    assert find_reference("Re: [LR-410-E-2026-000123]") == "LR-410-E-2026-000123"
    assert find_reference("ELR-410-C-2026-000123") is None
    assert find_reference("LR-410-X-2026-000123") is None
    assert find_reference("LR-410-C-2026-12345") is None
    assert find_reference("") is None


@pytest.mark.parametrize(
    ("filename", "number"),
    [
        ("123451900123459.pdf", "123451900123459"),
        ("123451900123459.PDF", "123451900123459"),
        ("123451900123459.pdf.pdf", "123451900123459"),
        ("123451900123459 (1).pdf", "123451900123459"),
        ("RMD-123451900123459.pdf", "123451900123459"),
        ("Gold - RMD - 123456789101112131415.pdf", "123456789101112131415"),
        ("C:\\Users\\me\\123451900123459.pdf", "123451900123459"),
        ("scan_20260114_123456.pdf", None),
        ("invoice.pdf", None),
        ("1234.pdf", None),
        (None, None),
        ("", None),
    ],
)
def test_transaction_number_is_read_from_the_pdf_filename(filename: str | None, number: str | None) -> None:
    assert transaction_number_in_filename(filename) == number
