"""Estimating duties and taxes: find the rate, exchange rate and tax rates in force, then calculate.

This is the one place that turns what a user (or an API client, or later a declaration) gives —
tariff item, origin, value, currency, date — into the pure engine's inputs. Every line is checked
before any figure is produced: one bad line refuses the whole estimate, with every line's
problems listed, so a total never silently leaves a line out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from longroom.core.geography import PROVINCES

from . import selectors
from .calculation import (
    FIGURE_NAMES,
    ZERO,
    CalculationError,
    InvoiceResult,
    LineInput,
    LineResult,
    ProvincialTaxKind,
    TaxComponent,
    TaxRates,
    calculate_line,
)
from .models import Edition, SalesTaxRate
from .rates import Rate, RateSyntaxError, parse_rate
from .treatments import TREATMENTS, claimable_treatments, treatment_name


@lru_cache(maxsize=4096)
def cached_rate(text: str) -> Rate:
    return parse_rate(text)


@dataclass(frozen=True)
class EstimateLine:
    tariff_item: str
    origin: str
    value: Decimal
    currency: str = "CAD"
    quantity: Decimal | None = None
    unit: str = ""
    treatment: str = ""
    surtax_percent: Decimal | None = None
    anti_dumping: Decimal = Decimal(0)
    countervailing: Decimal = Decimal(0)
    excise_duty: Decimal = Decimal(0)
    excise_tax: Decimal = Decimal(0)
    description: str = ""
    row: int = 0  # the row of an uploaded file, so problems name the row the user sees


@dataclass(frozen=True)
class EstimateRequest:
    date: dt.date
    lines: tuple[EstimateLine, ...]
    casual: bool = False
    province: str = ""


@dataclass(frozen=True)
class LineProblem:
    line: int  # 1-based
    field: str
    code: str
    message: str | Promise


class EstimateRefused(Exception):
    def __init__(self, problems: list[LineProblem]) -> None:
        self.problems = problems
        # The summary the API returns beside the list, so it is in the reader's language too.
        super().__init__(
            "; ".join(
                str(_("line %(line)s: %(message)s") % {"line": p.line, "message": p.message})
                for p in problems
            )
        )


@dataclass(frozen=True)
class LineContext:
    """What was looked up for a line, shown beside its figures."""

    item: selectors.PricedItem
    treatment: str
    treatment_name: str | Promise
    rate_text: str
    claimable: tuple[str, ...]
    exchange_rate: selectors.ExchangeRateView
    notes: tuple[str | Promise, ...] = ()


@dataclass
class Estimate:
    request: EstimateRequest
    edition: Edition
    result: InvoiceResult
    contexts: list[LineContext]
    taxes: list[SalesTaxRate] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[EstimateLine, LineContext, LineResult, FigureGroups]]:
        return [
            (line, context, result, figure_groups(result))
            for line, context, result in zip(
                self.request.lines, self.contexts, self.result.lines, strict=True
            )
        ]

    @property
    def totals(self) -> FigureGroups:
        return figure_groups(self.result)


_PROVINCIAL_KIND = {
    SalesTaxRate.Kind.HST: ProvincialTaxKind.HST,
    SalesTaxRate.Kind.PST: ProvincialTaxKind.PST,
    SalesTaxRate.Kind.QST: ProvincialTaxKind.QST,
}


def _tax_rates(taxes: list[SalesTaxRate]) -> TaxRates:
    gst = next((t.rate_percent for t in taxes if t.kind == SalesTaxRate.Kind.GST), Decimal(0))
    return TaxRates(
        gst=gst,
        provincial=tuple(
            TaxComponent(_PROVINCIAL_KIND[SalesTaxRate.Kind(t.kind)], t.rate_percent)
            for t in taxes
            if t.kind != SalesTaxRate.Kind.GST
        ),
    )


# The largest amount the form takes (14 digits before the point); beyond it a number is a typing
# error, and far beyond it the cents arithmetic would overflow.
MAX_AMOUNT = Decimal("99999999999999.9999")
AMOUNT_FIELDS = (
    "value",
    "quantity",
    "surtax_percent",
    "anti_dumping",
    "countervailing",
    "excise_duty",
    "excise_tax",
)

# The engine names the rate as the field at fault; the user fixes these in the quantity or unit.
_ERROR_FIELD = {"quantity_required": "quantity", "unit_mismatch": "unit", "unknown_unit": "unit"}


class _LineRefused(Exception):
    def __init__(self, field: str, code: str, message: str | Promise) -> None:
        self.field, self.code, self.message = field, code, message
        super().__init__(str(message))


def _choose_treatment(
    line: EstimateLine, item: selectors.PricedItem, edition: Edition, on: dt.date
) -> tuple[str, list[str], list[str | Promise]]:
    """The treatment asked for if the origin may claim it, else the most favourable one published."""
    origin = line.origin.strip().upper()
    if len(origin) != 2 or not origin.isalpha():
        raise _LineRefused("origin", "unknown_origin", _("Choose the country of origin."))
    claimable = claimable_treatments(origin, on)
    published = item.rates
    wanted = line.treatment.strip().upper()
    if wanted:
        if wanted not in TREATMENTS:
            raise _LineRefused(
                "treatment",
                "unknown_treatment",
                _("“%(code)s” is not a tariff treatment.") % {"code": wanted},
            )
        if wanted not in claimable:
            raise _LineRefused(
                "treatment",
                "treatment_not_claimable",
                _("Goods from %(origin)s cannot claim the %(treatment)s; they may claim: %(claimable)s.")
                % {"origin": origin, "treatment": treatment_name(wanted), "claimable": ", ".join(claimable)},
            )
        if wanted not in published:
            raise _LineRefused(
                "treatment",
                "no_rate_for_treatment",
                _("Edition %(edition)s publishes no %(treatment)s rate for %(item)s.")
                % {"edition": edition.code, "treatment": wanted, "item": item.display_number},
            )
        return wanted, claimable, []
    available = [
        code for code in claimable if code in published and cached_rate(published[code]).is_applicable
    ]
    if not available:
        raise _LineRefused(
            "treatment",
            "no_rate_for_treatment",
            _("Edition %(edition)s publishes no rate that goods from %(origin)s may claim for %(item)s.")
            % {"edition": edition.code, "origin": origin, "item": item.display_number},
        )
    chosen = available[0]
    skipped = [code for code in claimable[: claimable.index(chosen)] if code not in published]
    notes: list[str | Promise] = []
    if skipped:
        notes.append(
            _("This edition has no %(skipped)s rates; %(chosen)s was used.")
            % {"skipped": ", ".join(skipped), "chosen": chosen}
        )
    return chosen, claimable, notes


def _resolve_line(
    line: EstimateLine,
    *,
    on: dt.date,
    edition: Edition,
    items: dict[str, selectors.PricedItem],
    currencies: dict[str, selectors.ExchangeRateView],
) -> tuple[LineInput, LineContext]:
    """Everything one line needs from the tables; _LineRefused or TariffLookupError on a problem."""
    number = selectors.normalise_number(line.tariff_item)
    item = items.get(number)
    if item is None:
        raise _LineRefused(
            "tariff_item",
            "unknown_tariff_item",
            _("%(number)s is not a tariff item in edition %(edition)s.")
            % {"number": line.tariff_item.strip() or "—", "edition": edition.code},
        )
    chosen, claimable, notes = _choose_treatment(line, item, edition, on)
    rate_text = item.rates[chosen]
    try:
        rate = cached_rate(rate_text)
    except RateSyntaxError as error:  # an edition is checked on import; this guards an edited row
        raise _LineRefused("treatment", "unreadable_rate", str(error)) from error
    currency = line.currency.strip().upper()
    if currency not in currencies:
        currencies[currency] = selectors.exchange_rate(currency, on)
    fx = currencies[currency]
    if fx.is_carried_forward:
        notes.append(
            _("No %(currency)s rate is published for this day; the rate of %(date)s applies.")
            % {"currency": fx.currency, "date": fx.published_on.isoformat()}
        )
    engine_line = LineInput(
        tariff_item=item.display_number,
        treatment=chosen,
        rate=rate,
        value=line.value,
        currency=fx.currency,
        exchange_rate=fx.rate,
        quantity=line.quantity,
        unit=line.unit or None,
        surtax_percent=line.surtax_percent,
        anti_dumping=line.anti_dumping,
        countervailing=line.countervailing,
        excise_duty=line.excise_duty,
        excise_tax=line.excise_tax,
    )
    context = LineContext(
        item=item,
        treatment=chosen,
        treatment_name=treatment_name(chosen),
        rate_text=rate_text,
        claimable=tuple(claimable),
        exchange_rate=fx,
        notes=tuple(notes),
    )
    return engine_line, context


def estimate(request: EstimateRequest) -> Estimate:
    """The duties and taxes on every line, or EstimateRefused listing every problem of every line."""
    if not request.lines:
        raise EstimateRefused([LineProblem(0, "lines", "no_lines", _("Add at least one line of goods."))])
    if len(request.lines) > settings.LONGROOM_CALCULATOR_MAX_LINES:
        raise EstimateRefused(
            [
                LineProblem(
                    0,
                    "lines",
                    "too_many_lines",
                    _("At most %(count)s lines can be calculated at once.")
                    % {"count": settings.LONGROOM_CALCULATOR_MAX_LINES},
                )
            ]
        )
    if request.casual and request.province.upper() not in dict(PROVINCES):
        raise EstimateRefused(
            [
                LineProblem(
                    0,
                    "province",
                    "province_required",
                    _("A casual import needs the province or territory the goods are going to."),
                )
            ]
        )
    try:
        edition = selectors.edition_in_force(request.date)
        taxes = selectors.sales_taxes(on=request.date, province=request.province, casual=request.casual)
    except selectors.TariffLookupError as error:
        raise EstimateRefused([LineProblem(0, "date", error.code, error.message)]) from error
    tax_rates = _tax_rates(taxes)
    items = selectors.priced_items(edition, {line.tariff_item for line in request.lines})
    currencies: dict[str, selectors.ExchangeRateView] = {}
    problems: list[LineProblem] = []
    results: list[LineResult] = []
    contexts: list[LineContext] = []
    for number, line in enumerate(request.lines, start=1):
        shown = line.row or number
        too_large = [name for name in AMOUNT_FIELDS if (getattr(line, name) or 0) > MAX_AMOUNT]
        if too_large:
            problems.extend(
                LineProblem(shown, name, "too_large", _("This amount is too large to be real."))
                for name in too_large
            )
            continue
        try:
            engine_line, context = _resolve_line(
                line, on=request.date, edition=edition, items=items, currencies=currencies
            )
            results.append(calculate_line(engine_line, tax_rates))
        except selectors.TariffLookupError as error:
            problems.append(LineProblem(shown, "currency", error.code, error.message))
            continue
        except _LineRefused as refused:
            problems.append(LineProblem(shown, refused.field, refused.code, refused.message))
            continue
        except CalculationError as error:
            problems.append(
                LineProblem(
                    shown, _ERROR_FIELD.get(error.code, error.field or "value"), error.code, error.message
                )
            )
            continue
        contexts.append(context)
    if problems:
        raise EstimateRefused(problems)
    # The lines are already calculated (to find every problem at once); the invoice is their sum.
    totals = {name: sum((getattr(result, name) for result in results), ZERO) for name in FIGURE_NAMES}
    invoice = InvoiceResult(lines=tuple(results), taxes=tax_rates, **totals)
    return Estimate(request=request, edition=edition, result=invoice, contexts=contexts, taxes=taxes)


# --- CSV of lines ----------------------------------------------------------------------------

CSV_COLUMNS = (
    "tariff_item",
    "origin",
    "value",
    "currency",
    "quantity",
    "unit",
    "treatment",
    "surtax_percent",
    "anti_dumping",
    "countervailing",
    "excise_duty",
    "excise_tax",
    "description",
)
_REQUIRED = ("tariff_item", "origin", "value")


def _decimal_text(cell: str) -> str:
    """`1,234.56` and `1234,56` (French) both mean 1234.56; spaces group thousands in French."""
    cell = cell.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("$", "")
    if "," in cell and "." in cell:
        return cell.replace(",", "")
    return cell.replace(",", ".")


def lines_from_csv(data: bytes) -> list[EstimateLine]:
    """Parse an uploaded CSV of lines; EstimateRefused lists every bad row (row 1 is the header)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise EstimateRefused(
            [
                LineProblem(
                    1,
                    "header",
                    "missing_columns",
                    _("The first row must name the columns; missing: %(columns)s.")
                    % {"columns": ", ".join(missing)},
                )
            ]
        )
    problems: list[LineProblem] = []
    lines: list[EstimateLine] = []
    for record in reader:
        row_number = reader.line_num  # the file's own line: DictReader skips blank lines silently
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items() if k is not None}
        if not any(cells.values()):
            continue
        values: dict[str, Decimal | None] = {}
        for name in AMOUNT_FIELDS:
            raw = _decimal_text(cells.get(name, ""))
            if not raw:
                values[name] = None
                continue
            try:
                amount = Decimal(raw)
                if not amount.is_finite() or amount < 0:
                    raise InvalidOperation
                values[name] = amount
            except InvalidOperation:
                problems.append(
                    LineProblem(
                        row_number,
                        name,
                        "invalid_number",
                        _("“%(value)s” is not a positive number.") % {"value": cells.get(name)},
                    )
                )
        for name in _REQUIRED:
            if not cells.get(name):
                problems.append(LineProblem(row_number, name, "required", _("This column is required.")))
        if problems and problems[-1].line == row_number:
            continue
        lines.append(
            EstimateLine(
                tariff_item=cells["tariff_item"],
                origin=cells["origin"],
                value=values["value"] or Decimal(0),
                currency=(cells.get("currency") or "CAD").upper(),
                quantity=values["quantity"],
                unit=cells.get("unit", ""),
                treatment=cells.get("treatment", ""),
                surtax_percent=values["surtax_percent"],
                anti_dumping=values["anti_dumping"] or Decimal(0),
                countervailing=values["countervailing"] or Decimal(0),
                excise_duty=values["excise_duty"] or Decimal(0),
                excise_tax=values["excise_tax"] or Decimal(0),
                description=cells.get("description", "")[:200],
                row=row_number,
            )
        )
    if problems:
        raise EstimateRefused(problems)
    if not lines:
        raise EstimateRefused([LineProblem(0, "file", "no_lines", _("The file has no lines."))])
    return lines


@dataclass(frozen=True)
class FigureGroups:
    """A line's or invoice's figures grouped as the result table shows them."""

    other_duties: Decimal  # surtax, anti-dumping, countervailing, excise duty and excise tax
    federal_tax: Decimal  # GST, or HST where it replaces GST
    provincial_tax: Decimal  # PST or QST


def figure_groups(figures: InvoiceResult | LineResult) -> FigureGroups:
    return FigureGroups(
        other_duties=figures.surtax
        + figures.anti_dumping
        + figures.countervailing
        + figures.excise_duty
        + figures.excise_tax,
        federal_tax=figures.gst + figures.hst,
        provincial_tax=figures.pst + figures.qst,
    )
