"""The product-term index (data/product_terms.tsv): shop words → likely HS headings.

Nomenclature text says "Footwear with outer soles of rubber or plastics and uppers of textile
materials"; people say "sneakers". This self-authored index bridges the two, like the WCO's
alphabetical index. Matching is on stemmed words, longest phrase first, so "key ring" is read
as a key ring and not as a finger ring; a two-word entry also matches written as one word
("key chain" / "keychain").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from longroom.tariff.search import text as tx
from longroom.tariff.search.resources import read_pairs

MAX_PHRASE = 4


@dataclass(frozen=True, slots=True)
class TermMatch:
    term: str  # as written in the data file
    words: str  # as found in the text
    codes: tuple[tuple[str, float], ...]


def phrase_words(text: str) -> list[str]:
    """Folded words for phrase matching: one per written word ("t-shirt" stays "tshirt")."""
    return list(tx.words(tx.fold(text), parts=False))


class ProductTerms:
    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._entries: dict[tuple[str, ...], tuple[str, tuple[tuple[str, float], ...]]] = {}
        self.vocabulary: set[str] = set()  # stems of every word of every entry
        for term, spec in pairs:
            codes = tuple(_parse_code(part) for part in spec.split())
            words = phrase_words(term)
            if not words or not codes:
                continue
            key = tuple(tx.stem_en(w) for w in words)
            self._entries.setdefault(key, (term, codes))
            self.vocabulary.update(key)
            if len(words) == 2:
                self._entries.setdefault((tx.stem_en("".join(words)),), (term, codes))

    def __len__(self) -> int:
        return len(self._entries)

    def find(self, text: str) -> list[TermMatch]:
        """Non-overlapping entries found in `text`, each once, longest first at each position."""
        words = phrase_words(text)
        stems = [tx.stem_en(w) for w in words]
        found: dict[str, TermMatch] = {}
        k = 0
        while k < len(stems):
            for n in range(min(MAX_PHRASE, len(stems) - k), 0, -1):
                entry = self._entries.get(tuple(stems[k : k + n]))
                if entry is not None:
                    term, codes = entry
                    found.setdefault(term, TermMatch(term, " ".join(words[k : k + n]), codes))
                    k += n
                    break
            else:
                k += 1
        return list(found.values())

    def aliases(self) -> dict[str, list[str]]:
        """Code → the terms that point at it with full weight (for the search index)."""
        out: dict[str, list[str]] = {}
        for term, codes in self._entries.values():
            for code, weight in codes:
                if weight >= 1.0:
                    out.setdefault(code, [])
                    if term not in out[code]:
                        out[code].append(term)
        return out


def _parse_code(part: str) -> tuple[str, float]:
    code, _, weight = part.partition(":")
    if not code.isdigit() or len(code) not in (4, 6):
        raise ValueError(f"data/product_terms.tsv: bad code {part!r}")
    return code, float(weight) if weight else 1.0


@lru_cache(maxsize=1)
def product_terms() -> ProductTerms:
    return ProductTerms(read_pairs("product_terms.tsv"))
