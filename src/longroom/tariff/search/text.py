"""Text normalisation shared by the index, the classifier and the guided flow.

Everything is folded the same way on both sides (documents and queries): lower case, accents
stripped, US spellings mapped to the tariff's British ones, hyphenated words kept both joined
("tshirt") and split ("shirt"), then stemmed with Snowball. Negated spans of the nomenclature
("(other than cotton)", "not knitted or crocheted") are split off, because a query for "cotton"
must not find the subheading that excludes cotton.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer

from longroom.tariff.search.resources import read_lines, read_pairs

_EN = snowballstemmer.stemmer("english")
_FR = snowballstemmer.stemmer("french")

EN_STOPWORDS = frozenset(word for line in read_lines("stopwords_en.txt") for word in line.split())
FR_STOPWORDS = frozenset(word for line in read_lines("stopwords_fr.txt") for word in line.split())

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'/][a-z0-9]+)*")
_NEGATION = re.compile(
    r"\((?:other than|excluding|except|not|non)\b[^()]*\)"  # parenthesised exclusions
    r"|\b(?:excluding|except)\b[^;.()]*"  # bare "excluding woven, knitted or crocheted fabrics"
    r"|\bother than\b[^;,.()]*"  # bare "other than of base metal", up to the next comma
    r"|\bnot\s+(?:knitted|crocheted|elsewhere|of|in|exceeding|more|less)\b[^;,.()]*"
)


def fold(text: str) -> str:
    """Lower case without accents; typographic apostrophes become plain ones."""
    text = text.replace("’", "'").replace("‘", "'").replace("´", "'")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def split_negations(text: str) -> tuple[str, str]:
    """(text without its negated spans, the negated spans), both folded."""
    folded = fold(text)
    negated = " ".join(match.group(0) for match in _NEGATION.finditer(folded))
    return _NEGATION.sub(" ", folded), negated


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    return {fold(a): fold(b) for a, b in read_pairs("en_variants.tsv")}


def words(text: str, *, parts: bool = True) -> Iterator[str]:
    """Surface words of already folded text: hyphenated words give the joined form, then parts.

    "t-shirts" gives "tshirts" then "shirts" ("t" is too short to mean anything); possessive
    "'s" and a trailing "'" are dropped ("men's" → "men", "girls'" → "girls"). With
    parts=False only the joined form is given (phrase matching wants one word per word).
    """
    variants = _variants()
    with_parts = parts
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        if raw.endswith("'s"):
            raw = raw[:-2]
        raw = raw.strip("'")
        pieces = [p for p in re.split(r"[-'/]", raw) if p]
        if len(pieces) > 1:
            if all(p.isdigit() for p in pieces):
                yield from pieces
                continue
            joined = "".join(pieces)
            if "/" not in raw:
                yield variants.get(joined, joined)
                if not with_parts:
                    continue
            for part in pieces:
                if len(part) >= 2:
                    yield variants.get(part, part)
        elif raw:
            yield variants.get(raw, raw)


# Words Snowball would merge with other goods: "glasses" (spectacles) are not "glass", "bedding"
# is not a "bed", "painting" not "paint", "fitness" and "fittings" not "fit", a "bowling" ball
# not a "bowl", "cupping" sets not "cups", "checkers" (the game) not a "checker" pattern, and
# "pumps" (shoes; a "pump" is a machine) not "pump".
_OWN_STEM = {
    "glasses": "glasses",
    "bedding": "bedding",
    "painting": "painting",
    "paintings": "painting",
    "fitting": "fitting",
    "fittings": "fitting",
    "fitness": "fitness",
    "quilting": "quilting",
    "bowling": "bowling",
    "cupping": "cupping",
    "checkers": "checkers",
    "pastels": "pastels",
    "pumps": "pumps",
}


@lru_cache(maxsize=200_000)
def stem_en(word: str) -> str:
    return _OWN_STEM.get(word) or str(_EN.stemWord(word))


@lru_cache(maxsize=100_000)
def stem_fr(word: str) -> str:
    return str(_FR.stemWord(word))


def terms_en(text: str) -> list[str]:
    """Stemmed English index terms of raw text, stopwords and bare numbers dropped."""
    return [stem_en(w) for w in words(fold(text)) if keep_en(w)]


def keep_en(word: str) -> bool:
    return len(word) >= 2 and word not in EN_STOPWORDS and not word.isdigit()


def keep_fr(word: str) -> bool:
    return len(word) >= 2 and word not in FR_STOPWORDS and not word.isdigit()


def terms_fr(text: str) -> list[str]:
    """French index terms, prefixed so they never collide with English stems."""
    return ["fr:" + stem_fr(w) for w in words(fold(text)) if keep_fr(w)]
