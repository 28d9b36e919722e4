"""Suggest HS6 subheadings for a description of goods, with the reasons for each.

Three kinds of evidence are combined:

1. the product-term index (shop words → headings), read from the shop category (its last
   level counts most: it is what the seller chose), from "Item Type"-like attributes and from
   the description;
2. BM25 over the nomenclature and the Canadian tariff (whose 8- and 10-digit lines name goods
   such as "Stuffed, plush-covered"), each subheading taking the best score of its own text and
   its descendants';
3. the facts a person would give the guided flow (material, knitted or not, for whom, parts,
   electric, sport), read from attributes and words, which re-weight codes whose text states or
   excludes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from longroom.tariff.search import features as ft
from longroom.tariff.search import text as tx
from longroom.tariff.search.index import Language, QueryTerm, SearchIndex
from longroom.tariff.search.listing import CHAPTER_PRIORS, Firmness, Listing, parse_attributes
from longroom.tariff.search.terms import ProductTerms, TermMatch, product_terms

__all__ = ["Candidate", "Classifier", "Gathered", "Reason", "Weights", "parse_attributes"]

ReasonKind = Literal["term", "text", "feature", "answer"]


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a code was proposed. `kind`: "term" (a product word points at the heading), "text"
    (words found in the code's tariff text), "feature" (a stated fact fits the code's text:
    feature/option ids as in `features`), "answer" (a guided-flow answer)."""

    kind: ReasonKind
    words: tuple[str, ...] = ()
    code: str = ""
    feature: str = ""
    option: str = ""

    def text(self, language: Language = "en") -> str:
        quoted = ", ".join(f"“{w}”" for w in self.words)
        if self.kind == "term":
            return (
                f"{quoted} usually classified in {self.code}"
                if language == "en"
                else f"{quoted} : habituellement classé dans {self.code}"
            )
        if self.kind == "text":
            return (
                f"tariff text mentions {quoted}"
                if language == "en"
                else f"le texte du tarif mentionne {quoted}"
            )
        feature = ft.FEATURE_BY_ID.get(self.feature)
        option = feature.option(self.option) if feature else None
        label = (option.label_en if language == "en" else option.label_fr) if option else self.option
        if self.kind == "answer":
            return f"you answered: {label}" if language == "en" else f"votre réponse : {label}"
        return (
            f"fits the stated {self.feature}: {label}"
            if language == "en"
            else f"correspond à la caractéristique indiquée : {label}"
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    code6: str
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Weights:
    """Tuned on the even-position half of the development set (see bench/bench_classification.py)."""

    term_heading: float = 1.5
    term_subheading: float = 0.6
    text: float = 0.2
    text_in_heading: float = 0.4
    # Product-term evidence by where it was found.
    source_leaf: float = 2.0
    source_category: float = 0.5
    source_type: float = 1.0
    source_name: float = 1.5
    # Within the title: before "for"/"with" (the goods) and after (the device served, features).
    name_head: float = 1.0
    name_tail: float = 0.3
    # How much a term's weight is shared among the headings it names (0: not at all, 1: split).
    term_spread: float = 0.4
    # A second, third… term for the same heading in one place adds this share of its weight.
    term_extra: float = 0.3
    # Lexical query: weight of each part of the input.
    query_name: float = 1.0
    query_leaf: float = 1.0
    query_type: float = 1.2
    query_material: float = 0.8
    query_other_words: float = 0.3
    # Exponent on feature compatibility: attributes say it outright, the description only hints.
    feature_attribute: float = 1.0
    feature_words: float = 1.0
    # ... and when nothing is said, the default ("a whole article, not a part") counts little.
    feature_default: float = 0.1
    fit_floor: float = 0.02
    # Bonus for the chapters the shop's department usually holds (data/shop_categories.tsv).
    department: float = 0.3
    # Bonus for the residual subheading ("Other") of a heading: most goods that match nothing
    # more specific end there.
    residual: float = 0.3
    # Jewellery naming the stones set in it also points at 7116 (articles of stones), at this
    # share of its jewellery evidence.
    stones: float = 1.0
    # At most this many subheadings of one heading among the first five (0: no limit).
    per_heading: int = 2
    candidates_from_text: int = 40
    heading_floor: float = 0.15


_RESIDUAL = re.compile(r"\bn\.?e\.?c\b|\bother\b|\bnot elsewhere")
# "with outer soles and uppers of rubber or plastics", "rubber or plastic outer soles".
_SOLE_TEXT = re.compile(
    r"outer soles?\s+(?:and uppers\s+)?(?:solely\s+)?of\s+([^;()]*?)(?=,?\s*(?:and\s+)?uppers?\b|[;()]|$)"
    r"|((?:rubber|plastics?|leather)(?:\s+or\s+(?:rubber|plastics?|leather))*)\s+outer soles?"
)


@dataclass(slots=True)
class _Evidence:
    headings: dict[str, float] = field(default_factory=dict)
    subheadings: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, list[Reason]] = field(default_factory=dict)
    # Headings one product word names together ("beads" → 3926 7018 7117).
    groups: list[frozenset[str]] = field(default_factory=list)


@dataclass(slots=True)
class Gathered:
    evidence: _Evidence
    text_scores: dict[str, float]
    text_words: dict[str, tuple[str, ...]]
    pool: set[str]
    # code → (feature id, option the code states and the goods have, fit, how firmly said)
    fits: dict[str, list[tuple[str, str, float, Firmness]]]
    # HS chapter → prior weight from the shop's department ("Shoes" → 64), empty when unknown.
    chapters: dict[str, float] = field(default_factory=dict)


class Classifier:
    """`Classifier(index).classify("cotton t-shirt", category="Men's Clothing > Tops & Tees")`."""

    def __init__(
        self, index: SearchIndex, terms: ProductTerms | None = None, weights: Weights | None = None
    ) -> None:
        self.index = index
        self.terms = terms or product_terms()
        self.weights = weights or Weights()
        self._claims: dict[tuple[str, str], ft.Claims] = {}
        self._residuals: dict[str, bool] = {}
        self._subheadings: dict[str, list[str]] = {}
        for code in index.codes(level=6):
            self._subheadings.setdefault(code[:4], []).append(code)

    def with_weights(self, weights: Weights) -> Classifier:
        clone = Classifier.__new__(Classifier)
        clone.index, clone.terms, clone.weights = self.index, self.terms, weights
        clone._claims, clone._subheadings = self._claims, self._subheadings
        clone._residuals = self._residuals
        return clone

    def claims(self, feature: ft.Feature, code: str) -> ft.Claims:
        key = (feature.id, code)
        found = self._claims.get(key)
        if found is None:
            found = self._claims[key] = ft.claims(feature, self.index.context(code))
        return found

    # ── the entry point ───────────────────────────────────────────────────────────────────

    def classify(
        self,
        description: str,
        *,
        category: str = "",
        attributes: Mapping[str, str] | None = None,
        language: Language = "en",
        limit: int = 10,
    ) -> list[Candidate]:
        gathered = self.gather(description, category=category, attributes=attributes, language=language)
        return self.rank(gathered, limit=limit)

    def gather(
        self,
        description: str,
        *,
        category: str = "",
        attributes: Mapping[str, str] | None = None,
        language: Language = "en",
    ) -> Gathered:
        """Everything `rank` weighs, collected once (the benchmark re-ranks it to tune Weights)."""
        w = self.weights
        parts = Listing.read(description, category, attributes or {}, language)
        evidence = self._term_evidence(parts)
        self._stones_in_jewellery(evidence, parts)
        text_scores, text_words = self._text_evidence(parts)
        detected = {f.id: parts.detect(f) for f in ft.FEATURES}
        self._mirror_garments(evidence, text_scores, text_words, detected[ft.KNIT.id][0])
        top_heading = max(evidence.headings.values(), default=0.0)
        pool = {c for c, _ in sorted(text_scores.items(), key=lambda kv: -kv[1])[: w.candidates_from_text]}
        for heading, value in evidence.headings.items():
            if top_heading and value / top_heading >= w.heading_floor:
                pool.update(self._subheadings.get(heading, ()))
        pool.update(c for c in evidence.subheadings if c in self.index)
        fits: dict[str, list[tuple[str, str, float, Firmness]]] = {}
        for feature in ft.FEATURES:
            answers, firmness = detected[feature.id]
            if not answers:
                continue
            # Which codes of each heading state each answer: a silent sibling ("Other") is the
            # less likely home when one of them does.
            stating: dict[tuple[str, str], set[str]] = {}
            for answer in answers:
                wider = ft.broader(answer)
                for code in pool:
                    says = self.claims(feature, code).stated
                    if answer in says:
                        stating.setdefault((answer, code[:4]), set()).add(code)
                    if answer in says or (wider and wider in says):
                        stating.setdefault(("~" + answer, code[:4]), set()).add(code)
            for code in pool:
                stated = self.claims(feature, code)
                # A silent code competes with siblings that state the answer or its broader kind;
                # a code stating only the broader kind competes with those stating the answer.
                key = "" if stated.stated else "~"
                fit, best = 0.0, ""
                for answer in answers:
                    others = stating.get((key + answer, code[:4]), set()) - {code}
                    if feature is ft.MATERIAL and not stated.stated and firmness == "attribute":
                        # "Beads" may be 3926, 7018 or 7117 by what they are made of: a heading
                        # named with others by one shop word competes with them as siblings do.
                        for group in evidence.groups:
                            if code[:4] in group:
                                for heading in group - {code[:4]}:
                                    others |= stating.get((answer, heading), set())
                    value = ft.compatibility(feature, stated, answer, bool(others))
                    if value > fit:
                        fit, best = value, answer
                shown = best if best in stated.stated and best != feature.silent else ""
                fits.setdefault(code, []).append((feature.id, shown, fit, firmness))
        soles = ft.detect(ft.MATERIAL, parts.sole_words) if parts.sole_words else set()
        if soles:
            # Footwear whose text names the outer sole's material fits only a sole of it.
            for code in pool:
                said = self._sole_claims(code)
                if said:
                    fit = 1.0 if soles & said else 0.03
                    fits.setdefault(code, []).append((ft.MATERIAL.id, "", fit, "attribute"))
        chapters = CHAPTER_PRIORS.get(parts.department, {})
        return Gathered(evidence, text_scores, text_words, pool, fits, chapters)

    def rank(self, gathered: Gathered, *, limit: int = 10) -> list[Candidate]:
        w = self.weights
        evidence, text_scores = gathered.evidence, gathered.text_scores
        top_heading = max(evidence.headings.values(), default=0.0)
        best_sub: dict[str, float] = {}
        for code, value in evidence.subheadings.items():
            best_sub[code[:4]] = max(best_sub.get(code[:4], 0.0), value)
        top_text = max(text_scores.values(), default=0.0)
        best_in_heading: dict[str, float] = {}
        for code in gathered.pool:
            best_in_heading[code[:4]] = max(best_in_heading.get(code[:4], 0.0), text_scores.get(code, 0.0))

        scored: list[Candidate] = []
        for code in gathered.pool:
            heading = code[:4]
            reasons = list(evidence.reasons.get(heading, ())) + list(evidence.reasons.get(code, ()))
            value = 0.0
            if top_heading:
                value += w.term_heading * evidence.headings.get(heading, 0.0) / top_heading
            if best_sub.get(heading):
                # A subheading hint chooses within its heading; it does not make the heading likelier.
                value += (
                    w.term_subheading
                    * evidence.subheadings.get(code, 0.0)
                    / best_sub[heading]
                    * evidence.headings.get(heading, 0.0)
                    / top_heading
                )
            text = text_scores.get(code, 0.0)
            if top_text:
                value += w.text * text / top_text
            if best_in_heading.get(heading):
                value += w.text_in_heading * text / best_in_heading[heading]
            if self._residual(code):
                value += w.residual
            if gathered.chapters:
                value += w.department * gathered.chapters.get(code[:2], 0.0)
            if gathered.text_words.get(code):
                reasons.append(Reason("text", gathered.text_words[code], code))
            for feature_id, shown, fit, firmness in gathered.fits.get(code, ()):
                exponent = {"attribute": w.feature_attribute, "words": w.feature_words}.get(
                    firmness, w.feature_default
                )
                # Never quite zero: shops mislabel, and a wrong attribute must not hide the answer.
                value *= max(fit, w.fit_floor) ** exponent
                if shown:
                    reasons.append(Reason("feature", (), code, feature_id, shown))
            scored.append(Candidate(code, round(value, 4), tuple(reasons)))
        scored.sort(key=lambda c: (-c.score, c.code6))
        return _diversify(scored, limit, w.per_heading)

    def _mirror_garments(
        self,
        evidence: _Evidence,
        text_scores: dict[str, float],
        text_words: dict[str, tuple[str, ...]],
        knit: set[str],
    ) -> None:
        """When the listing says knitted (or woven), a garment that points only at the other
        chapter ("jeans" → 6203, "Trousers ... of cotton (not knitted)") also points at the
        same garment in its twin heading (6103, "Trousers ... of cotton, knitted")."""
        if len(knit) != 1:
            return
        twins = _WOVEN_TWIN if "knitted" in knit else _KNITTED_TWIN
        for heading, value in list(evidence.headings.items()):
            twin = twins.get(heading)
            if twin is not None and evidence.headings.get(twin, 0.0) < value:
                evidence.headings[twin] = value
        for code, value in list(text_scores.items()):
            twin_code = self._twin_subheading(code, twins)
            if twin_code and text_scores.get(twin_code, 0.0) < value:
                text_scores[twin_code] = value
                text_words[twin_code] = text_words.get(code, ())

    def _twin_subheading(self, code: str, twins: Mapping[str, str]) -> str:
        """The subheading of the twin heading naming the same garment, wearer and fibre."""
        twin = twins.get(code[:4])
        if twin is None:
            return ""
        key = self._garment_key(code)
        return next((c for c in self._subheadings.get(twin, ()) if self._garment_key(c) == key), "")

    def _garment_key(self, code: str) -> tuple[str, frozenset[str], frozenset[str]]:
        name = tx.fold(self.index.label(code)).split(";")[0].strip()
        return name, self.claims(ft.MATERIAL, code).stated, self.claims(ft.GENDER, code).stated

    def _sole_claims(self, code: str) -> frozenset[str]:
        """Materials a chapter-64 code's text gives the outer sole ("of rubber or plastics")."""
        if not code.startswith("64"):
            return frozenset()
        said: set[str] = set()
        for match in _SOLE_TEXT.finditer(tx.fold(self.index.label(code))):
            span = match.group(1) or match.group(2) or ""
            said |= ft.claims(ft.MATERIAL, [span]).stated
        return frozenset(said)

    def _residual(self, code: str) -> bool:
        """A subheading that takes what its siblings do not ("Other", "n.e.c."): by HS numbering
        convention its last or second-last digit is 9, or its text says so."""
        found = self._residuals.get(code)
        if found is None:
            text = tx.fold(self.index.label(code))
            found = code[4] == "9" or code[5] == "9" or bool(_RESIDUAL.search(text))
            self._residuals[code] = found
        return found

    # ── evidence ──────────────────────────────────────────────────────────────────────────

    def _term_evidence(self, parts: Listing) -> _Evidence:
        w = self.weights
        evidence = _Evidence()
        sources = [
            (parts.leaf, w.source_leaf),
            (parts.category, w.source_category),
            (parts.types, w.source_type),
            (parts.name_head, w.source_name * w.name_head),
            (parts.name_tail, w.source_name * w.name_tail),
        ]
        for text, weight in sources:
            if not text:
                continue
            matches = self.terms.find(text)
            self._add_matches(evidence, matches, weight)
        return evidence

    def _add_matches(self, evidence: _Evidence, matches: Sequence[TermMatch], weight: float) -> None:
        per_code: dict[str, list[float]] = {}
        for match in matches:
            listed = {code for code, _ in match.codes}
            headings = frozenset(code for code in listed if len(code) == 4)
            if len(headings) > 1 and headings not in evidence.groups:
                evidence.groups.append(headings)
            # A word that could be any of four headings ("shoes") says less about each than one
            # that names a single heading ("insole").
            spread = sum(strength for code, strength in match.codes if len(code) == 4) or 1.0
            damp = max(spread, 1.0) ** -self.weights.term_spread
            for code, strength in match.codes:
                strength *= damp
                per_code.setdefault(code, []).append(strength)
                if len(code) == 6 and code[:4] not in listed:
                    # "fish hook → 9507.20" also says "9507", once per term.
                    listed.add(code[:4])
                    per_code.setdefault(code[:4], []).append(strength)
                reasons = evidence.reasons.setdefault(code, [])
                if not any(r.kind == "term" and match.words in r.words for r in reasons):
                    reasons.append(Reason("term", (match.words,), code))
        for code, strengths in per_code.items():
            strengths.sort(reverse=True)
            value = weight * (strengths[0] + self.weights.term_extra * sum(strengths[1:]))
            target = evidence.headings if len(code) == 4 else evidence.subheadings
            target[code] = target.get(code, 0.0) + value

    def _stones_in_jewellery(self, evidence: _Evidence, parts: Listing) -> None:
        """Zircon, crystal or pearls named on jewellery are set in it, not sold loose: they point
        at heading 7116 (articles of pearls or of precious, semi-precious, synthetic or
        reconstructed stones), which may take the article when the stones give its character."""
        jewellery = max(evidence.headings.get("7113", 0.0), evidence.headings.get("7117", 0.0))
        if not jewellery or jewellery < max(evidence.headings.values()) * self.weights.heading_floor:
            return
        said = " ; ".join((parts.name, parts.stone_words, parts.materials))
        stones = [m for m in self.terms.find(said) if any(code[:4] in _LOOSE_STONES for code, _ in m.codes)]
        if not stones:
            return
        pearls = all(any(code[:4] == "7101" for code, _ in m.codes) for m in stones)
        value = self.weights.stones * jewellery
        subheading = "711610" if pearls else "711620"
        evidence.headings["7116"] = max(evidence.headings.get("7116", 0.0), value)
        evidence.subheadings[subheading] = max(evidence.subheadings.get(subheading, 0.0), value)
        words = tuple(dict.fromkeys(m.words for m in stones))
        evidence.reasons.setdefault("7116", []).append(Reason("term", words, "7116"))

    def _text_evidence(self, parts: Listing) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
        w = self.weights
        terms: list[QueryTerm] = []
        boosts: list[float] = []
        seen: set[str] = set()
        for text, weight in (
            (parts.leaf, w.query_leaf),
            (parts.types, w.query_type),
            (parts.name, w.query_name),
            (parts.materials, w.query_material),
        ):
            for term in self.index.parse(text, "en", aliases=False).terms:
                key = term.alternatives[0][0]
                if key in seen:
                    continue
                seen.add(key)
                terms.append(term)
                # In a listing title most words are brand, colour, size or sales talk; the words
                # that name goods (those of the product-term index) carry the lexical match.
                if text is parts.name and key not in self.terms.vocabulary:
                    boosts.append(weight * w.query_other_words)
                else:
                    boosts.append(weight)
        scores, masks = self.index._score(terms, boosts)
        best: dict[str, float] = {}
        best_doc: dict[str, int] = {}
        docs = self.index._docs
        for i, value in scores.items():
            code = docs[i].code
            if len(code) < 6:
                continue
            code6 = code[:6]
            if value > best.get(code6, 0.0):
                best[code6] = value
                best_doc[code6] = i
        words = {
            code: tuple(dict.fromkeys(t.surface for g, t in enumerate(terms) if masks[i] >> g & 1))
            for code, i in best_doc.items()
        }
        return best, words


# Headings of loose stones: pearls, diamonds, precious and synthetic stones, glass imitations.
_LOOSE_STONES = frozenset({"7101", "7102", "7103", "7104", "7018"})

# Clothing is split first on the fabric: chapter 61 (knitted or crocheted) and chapter 62 (not)
# hold the same garments under parallel headings.
_KNITTED_TWIN = {
    "6101": "6201", "6102": "6202", "6103": "6203", "6104": "6204", "6105": "6205",
    "6106": "6206", "6107": "6207", "6108": "6208", "6111": "6209", "6113": "6210",
    "6112": "6211", "6114": "6211", "6116": "6216", "6117": "6217",
}  # fmt: skip
_WOVEN_TWIN: dict[str, str] = {}
for _knitted, _woven in _KNITTED_TWIN.items():
    _WOVEN_TWIN.setdefault(_woven, _knitted)


def _diversify(ranked: list[Candidate], limit: int, per_heading: int) -> list[Candidate]:
    """The first `limit` candidates with at most `per_heading` from one heading among the first
    five: when the heading itself is in doubt, five variations of it are one guess, not five."""
    if per_heading <= 0:
        return ranked[:limit]
    head: list[Candidate] = []
    deferred: list[Candidate] = []
    counts: dict[str, int] = {}
    for candidate in ranked:
        if len(head) >= min(5, limit):
            break
        heading = candidate.code6[:4]
        if counts.get(heading, 0) < per_heading:
            counts[heading] = counts.get(heading, 0) + 1
            head.append(candidate)
        else:
            deferred.append(candidate)
    taken = {c.code6 for c in head}
    rest = [c for c in ranked if c.code6 not in taken]
    return (head + rest)[:limit]
