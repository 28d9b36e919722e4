""" "Help me classify": from a description to a tariff item, one question at a time.

The flow is stateless: the description and every answer travel in the query string, so the
back button, bookmarks and a shared link all work. Each step ranks HS subheadings with the
classifier, re-weights them by the answers given, and then either asks the question that best
separates what remains (the one with the largest expected information gain: which heading, or
a fact such as the material or whether the fabric is knitted) or proposes a subheading; below
the subheading it asks which Canadian tariff item fits. The proposal carries its reasons.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Edition
from .search import features as ft
from .search.classify import Candidate, Classifier
from .search.index import Language
from .search_index import classifier_for

# A subheading this far ahead of the rest is proposed without another question.
CONFIDENT_SHARE = 0.6
MAX_QUESTIONS = 6
CANDIDATES = 12
HEADING_OPTIONS = 6
SKIP = "skip"
WHICH_DESCRIBES = _("Which of these best describes the goods?")


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    language: str = "en"


@dataclass(frozen=True)
class Question:
    id: str  # a feature id, "heading", "subheading" or "item"
    label: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Lead:
    code: str
    share: float
    reasons: tuple[str, ...]

    @property
    def percent(self) -> int:
        return round(self.share * 100)


@dataclass
class Step:
    description: str
    answers: dict[str, str]
    leads: list[Lead] = field(default_factory=list)
    question: Question | None = None
    subheading: str = ""
    item: selectors.ItemView | None = None
    reasons: list[str] = field(default_factory=list)
    answered: list[tuple[str, str]] = field(default_factory=list)  # (question, answer) as shown

    @property
    def done(self) -> bool:
        return self.item is not None


def _entropy(shares: list[float]) -> float:
    return -sum(p * math.log2(p) for p in shares if p > 0)


def _weighted(
    candidates: list[Candidate], classifier: Classifier, answers: Mapping[str, str]
) -> dict[str, float]:
    """Scores after the answers: a code whose text contradicts an answer drops out; one that says
    nothing either way stays, at a discount, since the answer may still hold for it."""
    weights: dict[str, float] = {}
    for candidate in candidates:
        weight = max(candidate.score, 1e-6)
        for feature_id, option in answers.items():
            feature = ft.FEATURE_BY_ID.get(feature_id)
            if feature is None or option == SKIP:
                continue
            claims = classifier.claims(feature, candidate.code6)
            if option in claims.excluded or (claims.stated and option not in claims.stated):
                weight = 0.0
            elif option not in claims.stated:
                weight *= 0.5
        if answers.get("heading") not in (None, SKIP) and candidate.code6[:4] != answers["heading"]:
            weight = 0.0
        if weight > 0:
            weights[candidate.code6] = weight
    return weights


def _shares(weights: Mapping[str, float]) -> dict[str, float]:
    total = sum(weights.values()) or 1.0
    return {code: value / total for code, value in weights.items()}


def _feature_question(
    feature: ft.Feature, shares: Mapping[str, float], classifier: Classifier, language: str
) -> tuple[float, Question] | None:
    groups: dict[str, float] = defaultdict(float)
    silent = 0.0
    for code, share in shares.items():
        stated = classifier.claims(feature, code).stated & {o.id for o in feature.options}
        if not stated:
            silent += share
        for option in stated:
            groups[option] += share / len(stated)
    if len([g for g in groups.values() if g > 0.05]) < 2:
        return None
    # Silent codes stay whatever the answer, so they do not make the question any better.
    gain = _entropy([*groups.values(), silent]) - silent * _entropy(list(shares.values()))
    choices = tuple(
        Choice(o.id, o.label_fr if language == "fr" else o.label_en, language)
        for o in feature.options
        if groups.get(o.id, 0) > 0
    )
    label = feature.label_fr if language == "fr" else feature.label_en
    return gain, Question(feature.id, label, choices)


def _heading_question(
    shares: Mapping[str, float], classifier: Classifier, language: str
) -> tuple[float, Question] | None:
    headings: dict[str, float] = defaultdict(float)
    for code, share in shares.items():
        headings[code[:4]] += share
    top = sorted(headings.items(), key=lambda kv: -kv[1])[:HEADING_OPTIONS]
    if len(top) < 2:
        return None
    choices = tuple(
        Choice(code, _label(classifier, code, language), _language_of(classifier, code, language))
        for code, _ in top
    )
    return _entropy([share for _, share in top]), Question("heading", str(WHICH_DESCRIBES), choices)


def _answered(key: str, value: str, classifier: Classifier, language: str) -> tuple[str, str]:
    dont_know = str(_("I don't know"))
    feature = ft.FEATURE_BY_ID.get(key)
    if feature is not None:
        option = feature.option(value)
        question = feature.label_fr if language == "fr" else feature.label_en
        answer = (option.label_fr if language == "fr" else option.label_en) if option else dont_know
        return question, answer
    return str(
        WHICH_DESCRIBES
    ), dont_know if value == SKIP else f"{value} — {_label(classifier, value, language)}"


def _label(classifier: Classifier, code: str, language: str) -> str:
    document = classifier.index.get(code)
    if document is None:
        return code
    text = document.text_fr if language == "fr" and document.text_fr else document.text_en
    return text.split(" | ")[-1]


def _language_of(classifier: Classifier, code: str, language: str) -> str:
    document = classifier.index.get(code)
    return "fr" if language == "fr" and document is not None and document.text_fr else "en"


def step(
    *, edition: Edition, description: str, answers: Mapping[str, str], on: dt.date, language: str
) -> Step:
    """The next question, or the proposal, for `description` given `answers`."""
    classifier = classifier_for(edition)
    answers = dict(answers)
    current = Step(description=description, answers=answers)
    lang: Language = "fr" if language == "fr" else "en"
    candidates = classifier.classify(description, language=lang, limit=CANDIDATES)
    shares = _shares(_weighted(candidates, classifier, answers))
    reasons = {c.code6: tuple(dict.fromkeys(r.text(lang) for r in c.reasons)) for c in candidates}
    current.answered = [_answered(key, value, classifier, lang) for key, value in answers.items()]
    current.leads = [
        Lead(code, share, reasons.get(code, ()))
        for code, share in sorted(shares.items(), key=lambda kv: -kv[1])
    ][:5]
    if not shares:
        return current
    chosen = answers.get("subheading")
    asked = sum(1 for key in answers if key not in ("subheading", "item"))
    leader, lead_share = current.leads[0].code, current.leads[0].share
    if not chosen and lead_share < CONFIDENT_SHARE and asked < MAX_QUESTIONS:
        options = [
            q
            for q in (
                *(_feature_question(f, shares, classifier, lang) for f in ft.FEATURES if f.id not in answers),
                _heading_question(shares, classifier, lang) if "heading" not in answers else None,
            )
            if q is not None
        ]
        if options:
            current.question = max(options, key=lambda pair: pair[0])[1]
            return current
        if len(current.leads) > 1:
            current.question = Question(
                "subheading",
                str(WHICH_DESCRIBES),
                tuple(
                    Choice(
                        lead.code,
                        _label(classifier, lead.code, lang),
                        _language_of(classifier, lead.code, lang),
                    )
                    for lead in current.leads
                ),
            )
            return current
    subheading = chosen if chosen and chosen != SKIP else leader
    current.subheading = subheading
    current.reasons = list(reasons.get(subheading, ()))
    return _down_to_item(current, edition=edition, on=on, language=lang)


def _down_to_item(current: Step, *, edition: Edition, on: dt.date, language: str) -> Step:
    """Below the HS subheading the tariff is Canadian: ask which 8-digit item fits, if more than one."""
    items = [node for node in _items_under(current.subheading, on) if node.is_item]
    chosen = current.answers.get("item")
    if chosen and any(node.code == chosen for node in items):
        current.item = selectors.tariff_item(chosen, on)
        return current
    if len(items) == 1:
        current.item = selectors.tariff_item(items[0].code, on)
        return current
    if not items:
        return current
    current.question = Question(
        "item",
        str(_("Which tariff item fits the goods?")),
        tuple(Choice(node.code, f"{node.display} — {node.description}", node.language) for node in items),
    )
    return current


def _items_under(subheading: str, on: dt.date) -> list[selectors.TreeNode]:
    """The 8-digit items under a subheading, through any Canadian group rows between them."""
    found: list[selectors.TreeNode] = []
    _path, children = selectors.tree_children(subheading, on)
    for child in children:
        if child.is_item:
            found.append(child)
        elif child.has_children:
            found.extend(_items_under(child.code, on))
    return found
