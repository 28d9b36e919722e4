"""The French→English customs vocabulary (data/fr_en.tsv), self-authored.

The tariff data is English only, so a French query is translated word by word and phrase by
phrase ("bijoux de fantaisie" → "imitation jewellery") before it meets the index. Entries are
matched on French Snowball stems, so plural and feminine forms ("chaussures", "tricotées")
find the singular entry; unknown words within one edit of an entry ("cotton", "chausures") are
taken as that entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from longroom.tariff.search import text as tx
from longroom.tariff.search.resources import read_pairs

MAX_PHRASE = 5


class FrenchLexicon:
    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        self._single: dict[str, str] = {}
        for french, english in pairs:
            words = list(tx.words(tx.fold(french), parts=False))
            if not words:
                continue
            key = tuple(tx.stem_fr(w) for w in words)
            self._phrases.setdefault(key, english)
            if len(words) == 1 and len(words[0]) >= 4:
                self._single.setdefault(words[0], english)
        self._single_list = sorted(self._single)

    def __len__(self) -> int:
        return len(self._phrases)

    def english(self, french: str) -> str | None:
        key = tuple(tx.stem_fr(w) for w in tx.words(tx.fold(french), parts=False))
        return self._phrases.get(key)

    def translate(self, words: Sequence[str]) -> list[tuple[str, str | None]]:
        """(French words, English or None) for folded query words, longest phrases first.

        `words` as `text.words(..., parts=False)` gives them: "boucles d'oreilles" is two words,
        "boucles" and "doreilles", as in the vocabulary's own keys."""
        stems = [tx.stem_fr(w) for w in words]
        out: list[tuple[str, str | None]] = []
        k = 0
        while k < len(words):
            for n in range(min(MAX_PHRASE, len(words) - k), 0, -1):
                english = self._phrases.get(tuple(stems[k : k + n]))
                if english is not None:
                    out.append((" ".join(words[k : k + n]), english))
                    k += n
                    break
            else:
                word = words[k]
                out.append((word, None if word in tx.FR_STOPWORDS else self._near(word)))
                k += 1
        return out

    def _near(self, word: str) -> str | None:
        if len(word) < 5 or word.isdigit():
            return None
        found = process.extractOne(word, self._single_list, scorer=OSA.distance, score_cutoff=1)
        return self._single[found[0]] if found else None


@lru_cache(maxsize=1)
def french_lexicon() -> FrenchLexicon:
    return FrenchLexicon(read_pairs("fr_en.tsv"))
