"""Text for cells of a CSV that people open in a spreadsheet."""

from __future__ import annotations

# Spreadsheets run a cell starting with one of these as a formula ("CSV injection"); a leading
# quote keeps a client's text as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text
