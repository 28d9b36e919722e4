"""An in-memory BM25 index over the nomenclature and the Canadian tariff.

Each document is indexed with its own text and, at lower weight, its ancestors' text: a
Canadian item reading "Of cotton" is only findable as "cotton T-shirt" through its heading.
Query words that the index does not know are corrected against its vocabulary (typos), French
words are translated with the package's bilingual customs vocabulary, and code-like queries
("6109", "6109.10", "610910") list the code and its descendants.

Codes of odd length (the Canadian tariff's dash-level group rows such as "0101.2" or
"6109.10.00.1") may be passed too: they are used as ancestor text of the codes under them
("Men's or boys':") but are never returned as hits nor listed as children.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from longroom.tariff.search import text as tx
from longroom.tariff.search.terms import product_terms
from longroom.tariff.search.vocabulary import FrenchLexicon, french_lexicon

Language = Literal["en", "fr"]

# BM25 parameters. b is lower than the usual 0.75 because tariff texts are short and a long
# heading text (4202 lists forty containers) is long for a reason, not padding.
K1 = 1.2
B = 0.5
# Weight of an ancestor's words in a document, by distance (parent, grandparent, ...): enough
# for "Of cotton" under "T-shirts" to answer "cotton t-shirt", small enough that the heading
# itself ranks above its hundred descendants for a query naming only the heading.
ANCESTOR_WEIGHTS = (0.55, 0.4, 0.3, 0.25, 0.2)
FUZZY_WEIGHT = {0: 1.0, 1: 0.8, 2: 0.6}
# Everyday words for a code (the product-term index: "sneakers" for 6404) count this much of one
# occurrence of a word of the code's own text.
ALIAS_WEIGHT = 0.6
ANCESTOR_FIRST = 0.99
_CODE = re.compile(r"^\d{2}(?:\d{2})?(?:\.?\d{2}){0,3}$")


@dataclass(frozen=True, slots=True)
class Document:
    """One code of the nomenclature or tariff. `code` is digits only; `parent` the code above it."""

    code: str
    level: int
    text_en: str
    text_fr: str = ""
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    score: float
    matched_terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One word of the query (as the user wrote it) and the index terms that stand for it."""

    surface: str
    alternatives: tuple[tuple[str, float], ...]


@dataclass(slots=True)
class ParsedQuery:
    terms: list[QueryTerm] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BuildStats:
    documents: int
    terms: int
    postings: int
    seconds: float


class SearchIndex:
    """Build once (`SearchIndex.build(documents)`), then query from any thread: it is read-only."""

    def __init__(self) -> None:
        self._docs: list[Document] = []
        self._pos: dict[str, int] = {}
        self._parent: list[int] = []
        self._children: dict[str, list[str]] = {}
        self._is_group: list[bool] = []
        self._sorted_codes: list[str] = []
        self._postings: dict[str, tuple[array[int], array[float]]] = {}
        self._own_terms: list[frozenset[str]] = []
        self._surface: dict[str, str] = {}
        self._surface_list: list[str] = []
        self._lexicon: FrenchLexicon = french_lexicon()
        self.stats = BuildStats(0, 0, 0, 0.0)

    # ── building ──────────────────────────────────────────────────────────────────────────

    @classmethod
    def build(
        cls, documents: Iterable[Document], *, aliases: Mapping[str, Sequence[str]] | None = None
    ) -> SearchIndex:
        """Index `documents`. `aliases`: code → everyday words for it, indexed at lower weight
        ("sneakers" for 6404); by default the package's product-term index."""
        started = time.perf_counter()
        index = cls()
        index._load(documents)
        index._index_text(product_terms().aliases() if aliases is None else aliases)
        postings = sum(len(ids) for ids, _ in index._postings.values())
        index.stats = BuildStats(
            documents=sum(1 for g in index._is_group if not g),
            terms=len(index._postings),
            postings=postings,
            seconds=time.perf_counter() - started,
        )
        return index

    def _load(self, documents: Iterable[Document]) -> None:
        docs = sorted(documents, key=lambda d: d.code)
        for doc in docs:
            if not doc.code.isdigit():
                raise ValueError(f"document code must be digits only: {doc.code!r}")
            if doc.code in self._pos:
                raise ValueError(f"duplicate document code {doc.code}")
            self._pos[doc.code] = len(self._docs)
            self._docs.append(doc)
        self._is_group = [len(d.code) % 2 == 1 for d in self._docs]
        self._sorted_codes = [d.code for d in self._docs]  # already sorted
        for doc in self._docs:
            self._parent.append(self._resolve_parent(doc))
        for i, doc in enumerate(self._docs):
            if self._is_group[i]:
                continue
            above = self._real_parent(i)
            key = self._docs[above].code if above >= 0 else ""
            self._children.setdefault(key, []).append(doc.code)

    def _resolve_parent(self, doc: Document) -> int:
        # The longest code that prefixes this one is its parent, unless the caller names another:
        # a dash-level group row ("Men's or boys':", 6109.10.00.1) between an item and its
        # statistical lines is found this way even when the caller names the item as parent.
        nearest = -1
        for length in range(len(doc.code) - 1, 1, -1):
            above = self._pos.get(doc.code[:length])
            if above is not None:
                nearest = above
                break
        given = self._pos.get(doc.parent) if doc.parent and doc.parent != doc.code else None
        if given is None:
            return nearest
        if nearest >= 0 and self._docs[nearest].code.startswith(self._docs[given].code):
            return nearest
        return given

    def _real_parent(self, i: int) -> int:
        above = self._parent[i]
        while above >= 0 and self._is_group[above]:
            above = self._parent[above]
        return above

    def _index_text(self, aliases: Mapping[str, Sequence[str]]) -> None:
        own: list[tuple[Counter[str], int]] = []
        for doc in self._docs:
            positive, _negated = tx.split_negations(doc.text_en)
            words = [w for w in tx.words(positive) if tx.keep_en(w)]
            terms = [tx.stem_en(w) for w in words]
            for word, term in zip(words, terms, strict=True):
                if len(word) >= 3:
                    self._surface.setdefault(word, term)
            if doc.text_fr:
                fr_positive, _ = tx.split_negations(doc.text_fr)
                terms += ["fr:" + tx.stem_fr(w) for w in tx.words(fr_positive) if tx.keep_fr(w)]
            counts: Counter[str] = Counter(terms)
            for alias in aliases.get(doc.code, ()):
                for word in tx.words(tx.fold(alias)):
                    if tx.keep_en(word):
                        term = tx.stem_en(word)
                        # In their own namespace: search weighs them (ALIAS_WEIGHT), the classifier
                        # leaves them out (it counts the product-term index itself).
                        counts["a:" + term] += 1
                        if len(word) >= 3:
                            self._surface.setdefault(word, term)
            own.append((counts, len(terms)))
            self._own_terms.append(frozenset(terms))

        weighted: list[tuple[int, dict[str, float], float]] = []
        df: Counter[str] = Counter()
        for i in range(len(self._docs)):
            if self._is_group[i]:
                continue
            counts, length = own[i]
            tf: dict[str, float] = {t: float(c) for t, c in counts.items()}
            total = float(length)
            above, depth = self._parent[i], 0
            while above >= 0:
                weight = ANCESTOR_WEIGHTS[min(depth, len(ANCESTOR_WEIGHTS) - 1)]
                up_counts, up_length = own[above]
                for term, count in up_counts.items():
                    tf[term] = tf.get(term, 0.0) + weight * count
                total += weight * up_length
                above, depth = self._parent[above], depth + 1
            weighted.append((i, tf, total))
            df.update(tf.keys())

        n = len(weighted) or 1
        avg = sum(total for _, _, total in weighted) / n or 1.0
        idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        lists: dict[str, tuple[array[int], array[float]]] = {}
        for i, tf, total in weighted:
            norm = K1 * (1 - B + B * total / avg)
            for term, f in tf.items():
                ids, weights = lists.get(term) or lists.setdefault(term, (array("i"), array("f")))
                ids.append(i)
                weights.append(idf[term] * f * (K1 + 1) / (f + norm))
        self._postings = lists
        # Group rows' words reach the index only through the codes under them; keep the
        # vocabulary to words that can actually be found.
        self._surface = {w: t for w, t in self._surface.items() if t in lists or "a:" + t in lists}
        self._surface_list = sorted(self._surface)

    # ── the tree ──────────────────────────────────────────────────────────────────────────

    def __len__(self) -> int:
        return self.stats.documents

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._pos and not self._is_group[self._pos[code]]

    def get(self, code: str) -> Document | None:
        i = self._pos.get(code)
        return None if i is None or self._is_group[i] else self._docs[i]

    def children(self, code: str = "") -> list[str]:
        """Codes directly under `code` (chapters for ""), skipping the tariff's group rows."""
        return list(self._children.get(code, ()))

    def path(self, code: str) -> list[Document]:
        """The code's ancestors from the chapter down, then the code itself (group rows left out)."""
        i = self._pos.get(code)
        chain: list[Document] = []
        while i is not None and i >= 0:
            if not self._is_group[i]:
                chain.append(self._docs[i])
            i = self._parent[i]
        return chain[::-1]

    def context(self, code: str, language: Language = "en") -> list[str]:
        """Texts from the chapter down to the code, group rows included ("Men's or boys':")."""
        i = self._pos.get(code)
        texts: list[str] = []
        while i is not None and i >= 0:
            doc = self._docs[i]
            texts.append((doc.text_fr if language == "fr" and doc.text_fr else doc.text_en).strip())
            i = self._parent[i]
        return texts[::-1]

    def lineage(self, code: str) -> list[tuple[str, str, str]]:
        """(code, English text, French text) from the chapter down to the code, group rows included."""
        i = self._pos.get(code)
        chain: list[tuple[str, str, str]] = []
        while i is not None and i >= 0:
            doc = self._docs[i]
            chain.append((doc.code, doc.text_en.strip(), doc.text_fr.strip()))
            i = self._parent[i]
        return chain[::-1]

    def label(self, code: str, language: Language = "en") -> str:
        doc = self.get(code)
        if doc is None:
            return code
        return (doc.text_fr if language == "fr" and doc.text_fr else doc.text_en).strip()

    def codes(self, *, level: int | None = None) -> list[str]:
        return [
            d.code
            for d, group in zip(self._docs, self._is_group, strict=True)
            if not group and (level is None or len(d.code) == level)
        ]

    def descendants(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._sorted_codes, prefix)
        found = []
        for code in self._sorted_codes[start:]:
            if not code.startswith(prefix):
                break
            if not self._is_group[self._pos[code]]:
                found.append(code)
        return found

    # ── queries ───────────────────────────────────────────────────────────────────────────

    def parse(self, query: str, language: Language = "en", *, aliases: bool = True) -> ParsedQuery:
        """Query terms and code prefixes. `aliases`: also match the everyday words indexed for
        codes (search wants them; the classifier counts the product-term index on its own)."""
        parsed = ParsedQuery()
        rest: list[str] = []
        for chunk in query.split():
            if _CODE.match(chunk.strip(",;")):
                parsed.prefixes.append(chunk.strip(",;").replace(".", ""))
            else:
                rest.append(chunk)
        words = list(tx.words(tx.fold(" ".join(rest))))
        if language == "fr":
            for french, english in self._lexicon.translate(
                list(tx.words(tx.fold(" ".join(rest)), parts=False))
            ):
                if english is None:
                    term = self._french_term(french)
                    if term is not None:
                        parsed.terms.append(term)
                else:
                    parsed.terms.extend(self._translated_terms(french, english))
        else:
            parsed.terms.extend(self._english_terms(words))
        if aliases:
            parsed.terms = [self._with_aliases(term) for term in parsed.terms]
        else:
            parsed.terms = [
                t for t in parsed.terms if any(name in self._postings for name, _ in t.alternatives)
            ]
        return parsed

    def _with_aliases(self, term: QueryTerm) -> QueryTerm:
        extra = tuple(
            ("a:" + name, weight * ALIAS_WEIGHT)
            for name, weight in term.alternatives
            if not name.startswith(("fr:", "a:")) and "a:" + name in self._postings
        )
        return QueryTerm(term.surface, term.alternatives + extra) if extra else term

    def _known(self, term: str) -> bool:
        return term in self._postings or "a:" + term in self._postings

    def _english_terms(self, words: Sequence[str]) -> list[QueryTerm]:
        terms: list[QueryTerm] = []
        seen: set[str] = set()
        for k, word in enumerate(words):
            # "t shirt" written apart: the joined form is what the tariff indexes ("T-shirts").
            if k + 1 < len(words) and len(word) <= 3:
                joined = word + words[k + 1]
                if self._known(tx.stem_en(joined)) and joined not in seen:
                    seen.add(joined)
                    terms.append(QueryTerm(f"{word} {words[k + 1]}", ((tx.stem_en(joined), 1.0),)))
            if not tx.keep_en(word) or word in seen:
                continue
            seen.add(word)
            term = self._english_term(word)
            if term is not None:
                terms.append(term)
        return terms

    def _english_term(self, word: str, surface: str | None = None, weight: float = 1.0) -> QueryTerm | None:
        stem = tx.stem_en(word)
        if self._known(stem):
            return QueryTerm(surface or word, ((stem, weight),))
        corrected = self._correct(word)
        if not corrected:
            return None
        return QueryTerm(surface or word, tuple((t, w * weight) for t, w in corrected))

    def _correct(self, word: str) -> list[tuple[str, float]]:
        """Index terms one or two edits away from an unknown word (typos: "cottn", "tshrit")."""
        if len(word) < 4 or word.isdigit():
            return []
        limit = 1 if len(word) < 8 else 2
        found = process.extract(word, self._surface_list, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not found:
            return []
        best = min(int(d) for _, d, _ in found)
        alternatives: dict[str, float] = {}
        for surface, distance, _ in found:
            if int(distance) == best:
                term = self._surface[surface]
                alternatives[term] = max(alternatives.get(term, 0.0), FUZZY_WEIGHT[best])
        return sorted(alternatives.items(), key=lambda kv: -kv[1])[:3]

    def _translated_terms(self, french: str, english: str) -> list[QueryTerm]:
        # One French word can stand for several English ones ("chaussures" → "footwear",
        # "bijoux de fantaisie" → "imitation jewellery"): one query term per English word, all
        # reported under the French the user typed.
        stems = [
            stem
            for word in tx.words(tx.fold(english))
            if tx.keep_en(word) and self._known(stem := tx.stem_en(word))
        ]
        fr_term = "fr:" + tx.stem_fr(french)
        own = ((fr_term, 1.0),) if " " not in french and fr_term in self._postings else ()
        if not stems:
            return [QueryTerm(french, own)] if own else []
        return [QueryTerm(french, ((stem, 1.0), *(own if k == 0 else ()))) for k, stem in enumerate(stems)]

    def _french_term(self, french: str) -> QueryTerm | None:
        if not tx.keep_fr(french):
            return None
        alternatives: dict[str, float] = {}
        fr_term = "fr:" + tx.stem_fr(french)
        if fr_term in self._postings:
            alternatives[fr_term] = 1.0
        # Words the vocabulary does not know are often the same in English ("pyjama", "nylon").
        english = self._english_term(french, weight=0.8)
        if english is not None:
            for term, weight in english.alternatives:
                alternatives.setdefault(term, weight)
        if not alternatives:
            return None
        return QueryTerm(french, tuple(alternatives.items()))

    def score_terms(
        self, terms: Sequence[QueryTerm], weights: Sequence[float] | None = None
    ) -> dict[int, float]:
        """BM25 per document position; each query term counts once (its best alternative)."""
        scores, _ = self._score(terms, weights)
        return scores

    def _score(
        self, terms: Sequence[QueryTerm], weights: Sequence[float] | None = None
    ) -> tuple[dict[int, float], dict[int, int]]:
        scores: dict[int, float] = {}
        masks: dict[int, int] = {}
        for g, term in enumerate(terms):
            bit = 1 << g
            boost = weights[g] if weights is not None else 1.0
            if len(term.alternatives) == 1:
                name, weight = term.alternatives[0]
                found = self._postings.get(name)
                if found is None:
                    continue
                factor = weight * boost
                ids, values = found
                get = scores.get
                for i, value in zip(ids, values, strict=True):
                    scores[i] = get(i, 0.0) + value * factor
                    masks[i] = masks.get(i, 0) | bit
                continue
            best: dict[int, float] = {}
            for name, weight in term.alternatives:
                found = self._postings.get(name)
                if found is None:
                    continue
                ids, values = found
                for i, value in zip(ids, values, strict=True):
                    v = value * weight
                    if v > best.get(i, 0.0):
                        best[i] = v
            for i, v in best.items():
                scores[i] = scores.get(i, 0.0) + v * boost
                masks[i] = masks.get(i, 0) | bit
        return scores, masks

    def search(
        self,
        query: str,
        *,
        language: Language = "en",
        limit: int = 20,
        levels: Iterable[int] | None = None,
    ) -> list[Hit]:
        """Ranked codes for words and/or a code prefix; `levels` keeps only codes of those lengths."""
        wanted = set(levels) if levels is not None else None
        parsed = self.parse(query, language)
        if parsed.prefixes and not parsed.terms:
            return self._prefix_hits(parsed.prefixes, wanted, limit, query)
        scores, masks = self._score(parsed.terms)
        allowed = tuple(parsed.prefixes)

        def keep(i: int) -> bool:
            code = self._docs[i].code
            return (wanted is None or len(code) in wanted) and (not allowed or code.startswith(allowed))

        # A Canadian line inherits its ancestors' words, so "Other T-shirts" under "Of cotton" under
        # "T-shirts...; of cotton" matches "cotton t-shirt" as well as the subheading does. It may
        # outrank its subheading only if its own words match something the subheading's own words
        # do not ("Stuffed, plush-covered" under "Other" toys); otherwise it ranks just below.
        shortlist = heapq.nlargest(
            max(limit * 10, 200), (i for i in scores if keep(i)), key=scores.__getitem__
        )
        for i in shortlist:
            own = self._own_mask(i, parsed.terms)
            above = self._real_parent(i)
            while above >= 0 and len(self._docs[above].code) >= 6:
                if above in scores and own & ~self._own_mask(above, parsed.terms) == 0:
                    scores[i] = min(scores[i], scores[above] * ANCESTOR_FIRST)
                above = self._real_parent(above)
        best = heapq.nlargest(limit, shortlist, key=lambda i: (round(scores[i], 6), -len(self._docs[i].code)))
        return [
            Hit(
                code=self._docs[i].code,
                score=round(scores[i], 4),
                matched_terms=tuple(
                    dict.fromkeys(t.surface for g, t in enumerate(parsed.terms) if masks[i] >> g & 1)
                ),
            )
            for i in best
        ]

    def _own_mask(self, i: int, terms: Sequence[QueryTerm]) -> int:
        """Query terms found in the document's own text (and the group rows just above it)."""
        own = self._own_terms[i]
        above = self._parent[i]
        while above >= 0 and self._is_group[above]:
            own = own | self._own_terms[above]
            above = self._parent[above]
        mask = 0
        for g, term in enumerate(terms):
            if any(name in own for name, _ in term.alternatives):
                mask |= 1 << g
        return mask

    def _prefix_hits(self, prefixes: list[str], wanted: set[int] | None, limit: int, query: str) -> list[Hit]:
        hits: list[Hit] = []
        for prefix in prefixes:
            for code in self.descendants(prefix):
                if wanted is not None and len(code) not in wanted:
                    continue
                # The code itself first, then its descendants level by level, each in code order.
                hits.append(Hit(code, round(1.0 / (1 + (len(code) - len(prefix)) / 2), 4), (query.strip(),)))
        hits.sort(key=lambda h: (-h.score, h.code))
        return hits[:limit]
