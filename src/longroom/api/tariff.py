"""The tariff over HTTP: items and their duties as of a date, search, exchange rates, the calculator.

Public (published information, no token needed) and rate-limited per client address
(LONGROOM_TARIFF_API_RATE). Messages follow the Accept-Language header (English or French).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from ninja import Field, Query, Router, Schema, Status
from ninja.throttling import SimpleRateThrottle

from longroom.core.language import current_language
from longroom.tariff import selectors
from longroom.tariff.calculation import LineResult, Step
from longroom.tariff.estimates import (
    EstimateLine,
    EstimateRefused,
    EstimateRequest,
    cached_rate,
    estimate,
)
from longroom.tariff.rates import RateSyntaxError


class ClientAddressThrottle(SimpleRateThrottle):
    """Every caller counts, signed in or not: the limit protects the service, not a quota."""

    scope = "tariff"

    def __init__(self) -> None:
        super().__init__(settings.LONGROOM_TARIFF_API_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # The setting is read on each request, so an operator's change (or a test's) applies at once.
        if self.rate != settings.LONGROOM_TARIFF_API_RATE:
            self.rate = settings.LONGROOM_TARIFF_API_RATE
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


router = Router(tags=["tariff"], auth=None, throttle=[ClientAddressThrottle()])


class ErrorOut(Schema):
    code: str
    message: str


class ProblemOut(Schema):
    line: int = Field(..., description="1-based line (0: the request as a whole)")
    field: str
    code: str
    message: str


class RefusedOut(Schema):
    code: str = "refused"
    message: str
    problems: list[ProblemOut]


class EditionOut(Schema):
    code: str
    effective_from: dt.date
    is_sample: bool


class PathStepOut(Schema):
    code: str
    kind: str
    description: str


class DutyOut(Schema):
    """One treatment's rate, as published and in structured form (as CARM's customsDuties)."""

    treatment: str
    treatment_name: str
    text: str
    kind: str
    ad_valorem_min: Decimal | None = Field(default=None, description="percent")
    ad_valorem_reg: Decimal | None = Field(default=None, description="percent")
    ad_valorem_max: Decimal | None = Field(default=None, description="percent")
    specific_min: Decimal | None = Field(default=None, description="CAD per unit")
    specific_reg: Decimal | None = Field(default=None, description="CAD per unit")
    specific_max: Decimal | None = Field(default=None, description="CAD per unit")
    unit: str | None = None
    inherited_from: str | None = None


class ItemOut(Schema):
    number: str
    display_number: str
    description: str
    unit_of_measure: str
    as_of: dt.date
    edition: EditionOut
    path: list[PathStepOut]
    duties: list[DutyOut]


def _duty(view: selectors.RateView) -> DutyOut:
    published = DutyOut(
        treatment=view.treatment,
        treatment_name=str(view.treatment_name),
        text=view.text,
        kind="unreadable",
        inherited_from=view.inherited_from,
    )
    try:
        rate = cached_rate(view.text)
    except RateSyntaxError:
        return published
    return published.model_copy(
        update=dict(
            kind=str(rate.kind),
            ad_valorem_min=rate.ad_valorem_min,
            ad_valorem_reg=rate.ad_valorem_reg,
            ad_valorem_max=rate.ad_valorem_max,
            specific_min=rate.specific_min,
            specific_reg=rate.specific_reg,
            specific_max=rate.specific_max,
            unit=rate.unit,
        )
    )


def _today(as_of: dt.date | None) -> dt.date:
    return as_of or timezone.localdate()


@router.get(
    "/tariff/items/{number}",
    response={200: ItemOut, 404: ErrorOut},
    summary="A tariff item and its duties per treatment, as of a date",
)
def tariff_item(request: HttpRequest, number: str, as_of: dt.date | None = None) -> Status[object]:
    on = _today(as_of)
    item = selectors.tariff_item(number, on)  # a lookup error answers 404 (api.urls)
    return Status(
        200,
        ItemOut(
            number=item.number,
            display_number=item.display_number,
            description=item.line.description,
            unit_of_measure=item.line.unit_of_measure,
            as_of=on,
            edition=EditionOut(
                code=item.edition.code,
                effective_from=item.edition.effective_from,
                is_sample=item.edition.is_sample,
            ),
            path=[PathStepOut(code=s.code, kind=s.kind, description=s.description) for s in item.path],
            duties=[_duty(r) for r in item.rates],
        ),
    )


class SearchHitOut(Schema):
    code: str
    display_number: str
    kind: str
    description: str
    heading: str
    qualifiers: list[str]
    path: list[str]
    matched: list[str]
    duties: list[DutyOut]


class SearchQuery(Schema):
    q: str = Field(
        ..., min_length=1, max_length=300, description="Words (English or French) or a number prefix"
    )
    as_of: dt.date | None = None
    language: Literal["en", "fr"] | None = Field(
        default=None, description="Default: the Accept-Language header"
    )
    limit: int = Field(20, ge=1, le=100)


@router.get(
    "/tariff/search",
    response={200: list[SearchHitOut], 404: ErrorOut},
    summary="Search the tariff by words or number prefix",
)
def tariff_search(request: HttpRequest, query: Query[SearchQuery]) -> Status[object]:
    language = query.language or current_language()
    with translation.override(language):  # descriptions and messages in the language asked for
        results = selectors.search(query.q, on=_today(query.as_of), language=language, limit=query.limit)
    return Status(
        200,
        [
            SearchHitOut(
                code=r.code,
                display_number=r.display,
                kind=r.kind,
                description=r.description,
                heading=r.heading,
                qualifiers=r.qualifiers,
                path=[display for _code, display in r.path],
                matched=list(r.matched),
                duties=[_duty(rate) for rate in r.rates],
            )
            for r in results
        ],
    )


class ExchangeRateOut(Schema):
    currency: str
    date: dt.date = Field(..., description="The day asked about")
    published_on: dt.date = Field(..., description="The day the rate in force was published")
    rate: Decimal = Field(..., description="CAD per unit of the currency")
    source: str


@router.get(
    "/tariff/exchange-rates/{currency}",
    response={200: ExchangeRateOut, 404: ErrorOut},
    summary="The exchange rate in force for a currency on a date",
)
def exchange_rate(request: HttpRequest, currency: str, date: dt.date | None = None) -> Status[object]:
    found = selectors.exchange_rate(currency, _today(date))
    return Status(
        200,
        ExchangeRateOut(
            currency=found.currency,
            date=found.requested_for,
            published_on=found.published_on,
            rate=found.rate,
            source=found.source,
        ),
    )


class LineIn(Schema):
    tariff_item: str = Field(..., max_length=20, examples=["6109.10.00"])
    origin: str = Field(..., min_length=2, max_length=2, description="ISO 3166 country code", examples=["CN"])
    value: Decimal = Field(..., ge=0, description="Value for duty in `currency`")
    currency: str = Field("CAD", min_length=3, max_length=3)
    quantity: Decimal | None = Field(default=None, ge=0)
    unit: str = ""
    treatment: str = Field("", description="Empty: the most favourable treatment the origin may claim")
    surtax_percent: Decimal | None = Field(default=None, ge=0)
    anti_dumping: Decimal = Field(Decimal(0), ge=0)
    countervailing: Decimal = Field(Decimal(0), ge=0)
    excise_duty: Decimal = Field(Decimal(0), ge=0)
    excise_tax: Decimal = Field(Decimal(0), ge=0)
    description: str = Field("", max_length=200)


class CalculationIn(Schema):
    date: dt.date = Field(..., description="Date of import: rates in force that day are used")
    import_kind: Literal["commercial", "casual"] = "commercial"
    province: str = Field("", max_length=2, description="Province of destination (casual imports)")
    lines: list[LineIn] = Field(..., min_length=1)


class FiguresOut(Schema):
    value_for_duty: Decimal
    customs_duty: Decimal
    surtax: Decimal
    anti_dumping: Decimal
    countervailing: Decimal
    excise_duty: Decimal
    excise_tax: Decimal
    value_for_tax: Decimal
    gst: Decimal
    hst: Decimal
    pst: Decimal
    qst: Decimal
    total_duties_and_taxes: Decimal


class StepOut(Schema):
    code: str
    label: str
    amount: Decimal
    rate: str
    basis: Decimal | None
    rule: str
    explanation: str


class LineOut(FiguresOut):
    tariff_item: str
    treatment: str
    rate: str
    exchange_rate: Decimal
    exchange_rate_published_on: dt.date
    notes: list[str]
    steps: list[StepOut]


class CalculationOut(Schema):
    edition: EditionOut
    date: dt.date
    lines: list[LineOut]
    totals: FiguresOut


def _step(step: Step) -> StepOut:
    return StepOut(
        code=str(step.code),
        label=str(step.label),
        amount=step.amount,
        rate=str(step.rate_text),
        basis=step.basis,
        rule=str(step.rule_reference),
        explanation=str(step.explanation),
    )


def _figures(result: object) -> dict[str, Decimal]:
    return {name: getattr(result, name) for name in FiguresOut.model_fields}


@router.post(
    "/tariff/calculations",
    response={200: CalculationOut, 404: ErrorOut, 422: RefusedOut},
    summary="Duties and taxes on one or many lines",
)
def calculate(request: HttpRequest, payload: CalculationIn) -> Status[object]:
    lines = tuple(EstimateLine(**line.dict()) for line in payload.lines)
    try:
        result = estimate(
            EstimateRequest(
                date=payload.date,
                lines=lines,
                casual=payload.import_kind == "casual",
                province=payload.province,
            )
        )
    except EstimateRefused as refused:
        return Status(
            422,
            RefusedOut(
                message=str(refused),
                problems=[
                    ProblemOut(line=p.line, field=p.field, code=p.code, message=str(p.message))
                    for p in refused.problems
                ],
            ),
        )
    out_lines = []
    for context, line_result in zip(result.contexts, result.result.lines, strict=True):
        assert isinstance(line_result, LineResult)
        out_lines.append(
            LineOut(
                tariff_item=context.item.display_number,
                treatment=context.treatment,
                rate=context.rate_text,
                exchange_rate=context.exchange_rate.rate,
                exchange_rate_published_on=context.exchange_rate.published_on,
                notes=[str(n) for n in context.notes],
                steps=[_step(s) for s in line_result.steps],
                **_figures(line_result),
            )
        )
    return Status(
        200,
        CalculationOut(
            edition=EditionOut(
                code=result.edition.code,
                effective_from=result.edition.effective_from,
                is_sample=result.edition.is_sample,
            ),
            date=payload.date,
            lines=out_lines,
            totals=FiguresOut(**_figures(result.result)),
        ),
    )
