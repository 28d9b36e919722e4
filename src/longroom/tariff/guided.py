""" "Help me classify" for the pages: the search package's guided flow, replayed from the query string.

The flow itself (which question best separates the candidates, how answers re-weight them, when
to propose) is `search.guided.step`, Django-free and tested on its own. This module turns its
answer into what a page shows: the question and choices in the reader's language, the leading
subheadings with their reasons, the answers given so far, and — once the flow has settled on a
Canadian tariff item — that item as of the date, with its rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import selectors
from .models import Edition
from .search import features as ft
from .search import guided as flow
from .search.index import Language, SearchIndex
from .search_index import classifier_for

# Answers carried in one URL: more than the flow ever asks, fewer than a forged link could hold.
MAX_ANSWERS = 20


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    language: str = "en"


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Lead:
    code: str
    display: str
    label: str
    percent: int
    reasons: tuple[str, ...]


@dataclass
class Page:
    description: str
    answers: list[tuple[str, str]]
    question: Question | None = None
    leads: list[Lead] = field(default_factory=list)
    item: selectors.ItemView | None = None
    reasons: list[str] = field(default_factory=list)
    # The subheading proposed when the edition loaded has no tariff item under it (a sample).
    subheading: Lead | None = None
    answered: list[tuple[str, str]] = field(default_factory=list)  # (question, answer) as shown

    @property
    def done(self) -> bool:
        return self.item is not None


def _question_label(question_id: str, language: Language) -> str:
    base = question_id.removeprefix(flow.ITEM_PREFIX)
    feature = ft.FEATURE_BY_ID.get(base)
    if feature is not None:
        return feature.label_fr if language == "fr" else feature.label_en
    labels = flow.CODE_QUESTIONS.get(base)
    return (labels[1] if language == "fr" else labels[0]) if labels else question_id


def _answer_label(question_id: str, option_id: str, index: SearchIndex, language: Language) -> str:
    if option_id == flow.UNKNOWN:
        return flow.UNKNOWN_LABEL[1] if language == "fr" else flow.UNKNOWN_LABEL[0]
    feature = ft.FEATURE_BY_ID.get(question_id.removeprefix(flow.ITEM_PREFIX))
    option = feature.option(option_id) if feature is not None else None
    if option is not None:
        return option.label_fr if language == "fr" else option.label_en
    return f"{flow.format_code(option_id)} — {index.label(option_id, language)}"


def page(
    *, edition: Edition, description: str, answers: Sequence[tuple[str, str]], on: dt.date, language: str
) -> Page:
    """What the classify page shows for `description` after `answers`, as of `on`."""
    lang: Language = "fr" if language == "fr" else "en"
    classifier = classifier_for(edition)
    index = classifier.index
    answers = list(answers)[:MAX_ANSWERS]
    result = flow.step(classifier, description, answers, language=lang)
    shown = Page(description=description, answers=answers)
    shown.answered = [(_question_label(q, lang), _answer_label(q, o, index, lang)) for q, o in answers]
    total = sum(lead.weight for lead in result.leads) or 1.0
    shown.leads = [
        Lead(
            lead.code,
            flow.format_code(lead.code),
            lead.label(lang),
            round(100 * lead.weight / total),
            tuple(dict.fromkeys(r.text(lang) for r in lead.reasons)),
        )
        for lead in sorted(result.leads, key=lambda lead: -lead.weight)[:5]
    ]
    if result.question is not None:
        question = result.question
        shown.question = Question(
            question.id,
            question.label(lang),
            tuple(
                Choice(
                    o.id,
                    o.label_fr if lang == "fr" else o.label_en,
                    lang if lang == "en" or o.label_fr else "en",
                )
                for o in question.options
            ),
        )
    elif result.proposal is not None and result.level == "item":
        try:
            shown.item = selectors.tariff_item(result.proposal.code, on)
        except selectors.TariffLookupError:
            shown.item = None
        shown.reasons = list(dict.fromkeys(r.text(lang) for r in result.proposal.reasons))
    elif result.proposal is not None:
        code = result.proposal.code
        reasons = tuple(dict.fromkeys(r.text(lang) for r in result.proposal.reasons))
        shown.subheading = Lead(code, flow.format_code(code), index.label(code, lang), 100, reasons)
    return shown
