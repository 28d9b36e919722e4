"""The guided classification flow: ask what best separates the candidates, one question at a time.

Candidates are `Lead`s: a code, a weight, and the texts from its chapter down to it (the
Canadian group rows included, so "Other" under "Men's or boys':" under "Of cotton" is
understood). `next_question` picks, among the feature questions (material, knitted, for whom,
parts, electric, sport) and the code questions (which chapter, heading, subheading or tariff
item), the one with the largest expected information gain over the candidates' weights;
`apply_answer` re-weights (features) or filters (codes) them; `proposal` names the leader with
its reasons: the words matched and the answers given.

Everything a question needs travels in its ids, which are stable and short, made for a URL
query string (the web flow is stateless GET): question ids are feature ids ("material"),
"chapter", "heading", "subheading" or "item", prefixed "item-" one level down (the Canadian
items under the chosen subheading); option ids are feature option ids ("cotton") or codes
("6109"), and "unknown" for "I don't know". `step` replays a description and its answers to
the next question or the proposal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from longroom.tariff.search import features as ft
from longroom.tariff.search.classify import Candidate, Classifier, Reason
from longroom.tariff.search.index import Language, SearchIndex

UNKNOWN = "unknown"
ITEM_PREFIX = "item-"
# The leader is proposed without another question once it holds this share of the weight.
CONFIDENT = 0.8
# A question must be worth this many bits to be asked.
MIN_GAIN = 0.05
# What a question costs the person answering: a fact about the goods ("what is it made of?") is
# easy; choosing among several tariff texts is harder the more there are. Questions are ranked
# by information gain per unit of this cost.
FEATURE_COST = 1.0
CODE_COST_PER_BIT = 1.2
MAX_CODE_OPTIONS = 8
# The heading counts as settled once it holds this share of the weight.
SETTLED = 0.9
# A person's answer is firmer than a shop attribute: a silent "Other" keeps less of its weight
# when a sibling names the answer than it does in the classifier.
ANSWERED_SILENT_WITH_RIVAL = 0.35
# The materials offered for a candidate that names only the broad class.
_USUAL = {"textile": ("cotton", "synthetic", "wool"), "base_metal": ("iron_steel", "copper", "aluminium")}


@dataclass(frozen=True, slots=True)
class Lead:
    code: str
    weight: float
    # (code, English text, French text) from the chapter down to the code, group rows included.
    path: tuple[tuple[str, str, str], ...]
    reasons: tuple[Reason, ...] = ()

    @property
    def texts(self) -> list[str]:
        return [text_en for _, text_en, _ in self.path]

    def label(self, language: Language) -> str:
        _, text_en, text_fr = self.path[-1]
        return text_fr if language == "fr" and text_fr else text_en


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label_en: str
    label_fr: str
    # Share of the current weight that this answer would keep (for showing, and for tests).
    share: float = 0.0


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    label_en: str
    label_fr: str
    options: tuple[Option, ...]
    gain: float  # expected information gain, bits

    def label(self, language: Language) -> str:
        return self.label_fr if language == "fr" else self.label_en


@dataclass(frozen=True, slots=True)
class Proposal:
    code: str
    share: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Step:
    """Where a replayed flow stands: a question to ask, or a proposal (or both empty: nothing found)."""

    level: str  # "subheading" or "item"
    leads: tuple[Lead, ...]
    question: Question | None
    proposal: Proposal | None
    subheading: str = ""  # the HS6 chosen, once the flow is at the item level


CODE_QUESTIONS = {
    "chapter": (
        "Which chapter do the goods belong to?",
        "À quel chapitre les marchandises appartiennent-elles?",
    ),
    "heading": (
        "Which of these best describes the goods?",
        "Laquelle de ces positions décrit le mieux les marchandises?",
    ),
    "subheading": (
        "Which of these best describes the goods?",
        "Laquelle de ces sous-positions décrit le mieux les marchandises?",
    ),
    "item": ("Which tariff item fits the goods?", "Quel numéro tarifaire convient aux marchandises?"),
}
UNKNOWN_LABEL = ("I don't know", "Je ne sais pas")
_CODE_LENGTH = {"chapter": 2, "heading": 4, "subheading": 6, "item": 8}


# ── building leads ────────────────────────────────────────────────────────────────────────


def lead_for(index: SearchIndex, code: str, weight: float, reasons: Sequence[Reason] = ()) -> Lead:
    return Lead(code, weight, tuple(index.lineage(code)), tuple(reasons))


def leads_from(candidates: Sequence[Candidate], index: SearchIndex) -> list[Lead]:
    """Classifier candidates as leads (weights: their scores, floored so none starts at zero)."""
    return [lead_for(index, c.code6, max(c.score, 1e-3), c.reasons) for c in candidates if c.code6 in index]


def item_leads(
    index: SearchIndex, subheading: str, description: str = "", language: Language = "en"
) -> list[Lead]:
    """The Canadian 8-digit tariff items under an HS subheading, weighted by how well the
    description matches each (all equal when it says nothing about them)."""
    items = [code for code in index.descendants(subheading) if len(code) == 8]
    scores: dict[str, float] = {}
    if description.strip() and items:
        for hit in index.search(f"{subheading} {description}", language=language, limit=200, levels=[8, 10]):
            scores[hit.code[:8]] = max(scores.get(hit.code[:8], 0.0), hit.score)
    top = max(scores.values(), default=0.0)
    return [lead_for(index, code, 1.0 + (scores.get(code, 0.0) / top if top else 0.0)) for code in items]


# ── questions ─────────────────────────────────────────────────────────────────────────────


def _shares(leads: Sequence[Lead]) -> list[float]:
    total = sum(lead.weight for lead in leads) or 1.0
    return [lead.weight / total for lead in leads]


def _entropy(shares: Sequence[float]) -> float:
    return -sum(p * math.log2(p) for p in shares if p > 0)


def _gain(shares: Sequence[float], likelihood: Sequence[Sequence[float]]) -> float:
    """Expected information gain of a question whose answer `o` has likelihood[i][o] for lead i
    (each row normalised to 1 here: every lead answers something)."""
    options = len(likelihood[0]) if likelihood else 0
    rows = []
    for row in likelihood:
        total = sum(row)
        rows.append([v / total for v in row] if total else [1.0 / options] * options)
    before = _entropy(shares)
    after = 0.0
    for o in range(options):
        p_answer = sum(p * row[o] for p, row in zip(shares, rows, strict=True))
        if p_answer <= 0:
            continue
        posterior = [p * row[o] / p_answer for p, row in zip(shares, rows, strict=True)]
        after += p_answer * _entropy(posterior)
    return before - after


def _feature_fits(feature: ft.Feature, leads: Sequence[Lead], answer: str) -> list[float]:
    claims = [ft.claims(feature, lead.texts) for lead in leads]
    wider = ft.broader(answer)
    fits = []
    for i, stated in enumerate(claims):
        # Rivals are the siblings (same heading, or same subheading for tariff items): a silent
        # "Other" loses to the sibling that names the answer, not to a code elsewhere.
        family = leads[i].code[: max(2, len(leads[i].code) - 2)]
        others = [c for j, c in enumerate(claims) if j != i and leads[j].code.startswith(family)]
        if stated.stated:
            rivals = any(answer in c.stated for c in others)
        else:
            rivals = any(answer in c.stated or bool(wider and wider in c.stated) for c in others)
        fits.append(ft.compatibility(feature, stated, answer, rivals, ANSWERED_SILENT_WITH_RIVAL))
    return fits


def _feature_question(feature: ft.Feature, leads: Sequence[Lead], question_id: str) -> Question | None:
    claims = [ft.claims(feature, lead.texts) for lead in leads]
    stated = {o for c in claims for o in c.stated}
    # Only the options some candidate states are offered (plus "I don't know"); the broad
    # "fabric"/"other metal" options only when nothing narrower is stated.
    offered_ids = {o for o in stated if not _hidden_by_narrower(o, stated)}
    # A candidate that is only "of textile materials" (or "other than cotton") stands for every
    # other fibre: when the fibre matters (another candidate names one), offer the usual ones so
    # that "polyester" can be answered.
    named = {ft.broader(x) for c in claims for x in (*c.stated, *c.excluded) if ft.broader(x)}
    for c in claims:
        broad_only = {x for x in c.stated if x in named and not any(ft.broader(y) == x for y in c.stated)}
        for broad in broad_only | {ft.broader(x) for x in c.excluded if ft.broader(x)}:
            offered_ids.update(_USUAL.get(broad, ()))
    offered = [o for o in feature.options if o.id in offered_ids]
    if feature.silent and any(not c.stated for c in claims) and feature.silent not in {o.id for o in offered}:
        silent = feature.option(feature.silent)
        if silent is not None:
            offered.append(silent)
    if len(offered) < 2:
        return None
    shares = _shares(leads)
    likelihood = [[0.0] * len(offered) for _ in leads]
    for o, option in enumerate(offered):
        for i, fit in enumerate(_feature_fits(feature, leads, option.id)):
            likelihood[i][o] = fit
    gain = _gain(shares, likelihood)
    kept = [
        sum(s for s, row in zip(shares, likelihood, strict=True) if row[o] >= 0.5)
        for o in range(len(offered))
    ]
    options = tuple(
        Option(o.id, o.label_en, o.label_fr, round(k, 3)) for o, k in zip(offered, kept, strict=True)
    )
    return Question(
        question_id,
        feature.label_en,
        feature.label_fr,
        (*options, Option(UNKNOWN, *UNKNOWN_LABEL)),
        round(gain, 4),
    )


def _hidden_by_narrower(option_id: str, stated: set[str]) -> bool:
    return option_id in ft.GENERIC_MATERIALS and any(ft.broader(s) == option_id for s in stated)


def _code_question(kind: str, leads: Sequence[Lead], question_id: str) -> Question | None:
    length = _CODE_LENGTH[kind]
    shares = _shares(leads)
    groups: dict[str, float] = {}
    labels: dict[str, tuple[str, str]] = {}
    for lead, share in zip(leads, shares, strict=True):
        key = lead.code[:length]
        groups[key] = groups.get(key, 0.0) + share
        if key not in labels:
            labels[key] = _label_of(lead, key)
    if len(groups) < 2:
        return None
    ranked = sorted(groups, key=lambda k: -groups[k])[:MAX_CODE_OPTIONS]
    likelihood = [[1.0 if lead.code[:length] == key else 0.0 for key in ranked] for lead in leads]
    # Leads outside the offered options would answer "none of these": a column of their own.
    for row, lead in zip(likelihood, leads, strict=True):
        row.append(0.0 if lead.code[:length] in ranked else 1.0)
    gain = _gain(shares, likelihood)
    label_en, label_fr = CODE_QUESTIONS[kind]
    options = tuple(
        Option(
            key,
            f"{format_code(key)} — {labels[key][0]}",
            f"{format_code(key)} — {labels[key][1]}",
            round(groups[key], 3),
        )
        for key in ranked
    )
    return Question(
        question_id, label_en, label_fr, (*options, Option(UNKNOWN, *UNKNOWN_LABEL)), round(gain, 4)
    )


def _label_of(lead: Lead, code: str) -> tuple[str, str]:
    for c, en, fr in lead.path:
        if c == code:
            return en, fr or en
    return code, code


def next_question(
    leads: Sequence[Lead], *, asked: Sequence[str] = (), level: str = "subheading"
) -> Question | None:
    """The question that best separates `leads`, or None when one is clearly ahead or nothing does.

    `asked`: question ids already answered (never asked twice). `level`: "subheading" (HS
    candidates: feature, chapter, heading and subheading questions) or "item" (Canadian items
    under one subheading: feature questions and which item; ids prefixed "item-").
    """
    live = [lead for lead in leads if lead.weight > 0]
    if len(live) < 2:
        return None
    shares = _shares(live)
    if max(shares) >= CONFIDENT:
        return None
    prefix = ITEM_PREFIX if level == "item" else ""
    done = set(asked)
    best: tuple[float, Question] | None = None
    for feature in ft.FEATURES:
        question_id = prefix + feature.id
        if question_id in done:
            continue
        question = _feature_question(feature, live, question_id)
        if question is not None and question.gain >= MIN_GAIN:
            score = question.gain / FEATURE_COST
            if best is None or score > best[0]:
                best = (score, question)
    kinds = ["item"] if level == "item" else ["chapter", "heading"]
    # Coarse to fine: which subheading is asked only once the heading is (nearly) settled;
    # "drill bits or power drills?" comes before a list mixing both.
    if level != "item" and _concentration(live, 4) >= SETTLED:
        kinds.append("subheading")
    for kind in kinds:
        question_id = kind if kind == "item" else prefix + kind
        if question_id in done:
            continue
        question = _code_question(kind, live, question_id)
        if question is not None and question.gain >= MIN_GAIN:
            choices = len(question.options) - 1  # "I don't know" costs nothing to read
            score = question.gain / (1.0 + CODE_COST_PER_BIT * math.log2(max(choices, 2)))
            if best is None or score > best[0]:
                best = (score, question)
    return best[1] if best else None


def _concentration(leads: Sequence[Lead], length: int) -> float:
    """The share of the weight held by the leading code prefix of `length` digits."""
    groups: dict[str, float] = {}
    for lead, share in zip(leads, _shares(leads), strict=True):
        groups[lead.code[:length]] = groups.get(lead.code[:length], 0.0) + share
    return max(groups.values(), default=1.0)


def apply_answer(leads: Sequence[Lead], question_id: str, option_id: str) -> list[Lead]:
    """Leads re-weighted by a feature answer, or filtered by a code answer ("unknown": unchanged)."""
    if option_id == UNKNOWN:
        return list(leads)
    kind = question_id.removeprefix(ITEM_PREFIX)
    if kind in _CODE_LENGTH:
        kept = [lead for lead in leads if lead.code.startswith(option_id)]
        return kept or list(leads)  # an option that no longer exists changes nothing
    feature = ft.FEATURE_BY_ID.get(kind)
    if feature is None or feature.option(option_id) is None:
        return list(leads)
    fits = _feature_fits(feature, leads, option_id)
    answered = Reason("answer", (), "", feature.id, option_id)
    reweighted = [
        replace(lead, weight=lead.weight * fit, reasons=(*lead.reasons, answered))
        for lead, fit in zip(leads, fits, strict=True)
    ]
    kept = [lead for lead in reweighted if lead.weight > 0]
    return kept or list(leads)


def proposal(leads: Sequence[Lead]) -> Proposal | None:
    live = [lead for lead in leads if lead.weight > 0]
    if not live:
        return None
    shares = _shares(live)
    best = max(range(len(live)), key=lambda i: (shares[i], -len(live[i].code)))
    return Proposal(live[best].code, round(shares[best], 3), live[best].reasons)


# ── the whole flow, replayed from its answers ─────────────────────────────────────────────


def step(
    classifier: Classifier,
    description: str,
    answers: Sequence[tuple[str, str]] | Mapping[str, str] = (),
    *,
    category: str = "",
    attributes: Mapping[str, str] | None = None,
    language: Language = "en",
    candidates: int = 15,
    max_questions: int = 8,
) -> Step:
    """Replay `answers` (question id, option id) over the candidates for `description`.

    Returns the next question, or the proposal: the HS subheading first, then, once it is
    settled, the Canadian tariff item under it (its own questions, ids prefixed "item-").
    """
    pairs = list(answers.items()) if isinstance(answers, Mapping) else list(answers)
    index = classifier.index
    found = classifier.classify(
        description, category=category, attributes=attributes, language=language, limit=candidates
    )
    leads = leads_from(found, index)
    hs_answers = [(q, o) for q, o in pairs if not q.startswith(ITEM_PREFIX) and q != "item"]
    item_answers = [(q, o) for q, o in pairs if q.startswith(ITEM_PREFIX) or q == "item"]
    for question_id, option_id in hs_answers:
        leads = apply_answer(leads, question_id, option_id)
    if not leads:
        return Step("subheading", (), None, None)
    asked = [q for q, _ in hs_answers]
    question = None if len(asked) >= max_questions else next_question(leads, asked=asked)
    if question is not None:
        return Step("subheading", tuple(leads), question, None)
    chosen = proposal(leads)
    assert chosen is not None
    # One level down: the Canadian items under the chosen subheading.
    items = item_leads(index, chosen.code, description, language)
    if not items:
        return Step("subheading", tuple(leads), None, chosen)
    carried = tuple(r for r in chosen.reasons)
    items = [replace(lead, reasons=carried) for lead in items]
    for question_id, option_id in item_answers:
        items = apply_answer(items, question_id, option_id)
    asked_items = [q for q, _ in item_answers]
    question = (
        None if len(asked_items) >= max_questions else next_question(items, asked=asked_items, level="item")
    )
    if question is not None:
        return Step("item", tuple(items), question, None, chosen.code)
    return Step("item", tuple(items), None, proposal(items), chosen.code)


def format_code(code: str) -> str:
    """Codes as printed: 61, 61.09, 6109.10, 6109.10.00, 6109.10.00.12."""
    if len(code) <= 2:
        return code
    if len(code) == 4:
        return f"{code[:2]}.{code[2:]}"
    parts = [code[:4], code[4:6]] + [code[i : i + 2] for i in range(6, len(code), 2)]
    return ".".join(p for p in parts if p)
