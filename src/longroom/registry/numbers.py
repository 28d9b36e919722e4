"""The agency's identifiers: business number (BN9), program account (BN15) and the customs
broker's account security number (ASEC), read leniently and checked strictly.

People write a BN with spaces or dashes ("123 456 782 RM 0001"); what is stored is the bare
form (`123456782`, `123456782RM0001`). The ninth digit of a BN is a check digit computed like a
SIN's (the Luhn algorithm), so most mistyped numbers are caught before they reach a record.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

IMPORT_PROGRAM = "RM"  # the import/export program; CBSA issues RM accounts (CN 24-18)
_SEPARATORS = re.compile(r"[\s\-]+")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def clean_bn9(value: str) -> str:
    return _SEPARATORS.sub("", value or "")


def clean_bn15(value: str) -> str:
    return _SEPARATORS.sub("", value or "").upper()


def bn9_problem(value: str) -> str | None:
    """Why `value` (already cleaned) is not a business number, or None."""
    if not re.fullmatch(r"\d{9}", value):
        return _("a business number (BN9) has exactly 9 digits")
    if not luhn_valid(value):
        return _("the business number %(bn9)s fails its check digit; check for a mistyped digit") % {
            "bn9": value
        }
    return None


def bn15_problem(value: str, bn9: str | None = None) -> str | None:
    """Why `value` (already cleaned) is not an import program account of `bn9`, or None."""
    match = re.fullmatch(r"(\d{9})([A-Z]{2})(\d{4})", value)
    if match is None:
        return _("a program account number (BN15) is 9 digits, 2 letters and 4 digits, e.g. 123456782RM0001")
    if match.group(2) != IMPORT_PROGRAM:
        return _("only import program accounts (RM) are kept here, not %(program)s") % {
            "program": match.group(2)
        }
    problem = bn9_problem(match.group(1))
    if problem:
        return problem
    if bn9 is not None and match.group(1) != bn9:
        return _("the program account %(bn15)s does not belong to business %(bn9)s") % {
            "bn15": value,
            "bn9": bn9,
        }
    if match.group(3) == "0000":
        return _("program account references start at 0001")
    return None


def asec_problem(value: str) -> str | None:
    if not re.fullmatch(r"\d{5}", value or ""):
        return _("an account security number (ASEC) has exactly 5 digits")
    return None


def format_bn15(value: str) -> str:
    """`123456782RM0001` → `123456782 RM 0001`, as CBSA prints it."""
    return f"{value[:9]} {value[9:11]} {value[11:]}" if len(value) == 15 else value
