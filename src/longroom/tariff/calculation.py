"""Duties and taxes on imported goods: a pure engine, step by step in the order of the law.

For each line (``docs``: ``/work/shared/domain/tariff.md`` §1):

1. value for duty (VFD) in CAD = value × exchange rate, to the cent (Customs Act ss. 47–55);
2. customs duty from the tariff rate (Customs Tariff s. 20), see :func:`longroom.tariff.rates.duty_for`;
3. surtax = % × VFD, where a surtax order applies;
4. anti-dumping and countervailing duty (SIMA), amounts in CAD as assessed;
5. excise duty and excise tax, amounts in CAD as assessed;
6. value for tax (VFT) = VFD + every duty and tax above (Excise Tax Act s. 215(1));
7. GST = GST rate × VFT (Excise Tax Act s. 212), or HST instead of GST where the caller gives one;
8. PST / QST = rate × VFT;
9. total of duties and taxes = everything except the VFD.

Every figure is a Decimal in CAD, rounded to the cent, half-up, line by line; an invoice's figures
are the sums of its lines' figures. Each figure comes with a :class:`Step` naming the rate and the
rule that produced it. Tax rates are never built in: the caller passes the rates in force on the
relevant date (:class:`TaxRates`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from django.utils.translation import gettext_lazy as _

from longroom.core.spreadsheets import safe_cell

from .rates import Number, Rate, RateError, check_amount, duty_for, message, round_cents

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ZERO: Final = Decimal("0.00")
_HUNDRED: Final = Decimal(100)
_CURRENCY_CODE: Final = re.compile(r"[A-Z]{3}")


# --- errors -----------------------------------------------------------------------------------


class CalculationError(ValueError):
    """Input the engine refuses. ``code`` is stable for the API; ``message`` is translated.

    ``field`` names the input at fault; ``line_number`` (1-based) is set by
    :func:`calculate_invoice` for the line at fault.
    """

    code: str = "calculation_error"

    def __init__(self, message: StrOrPromise, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.line_number: int | None = None

    def __str__(self) -> str:
        return str(self.message)


class InvalidAmount(CalculationError):
    """Not a finite, non-negative Decimal (floats are refused too: money is never float)."""

    code = "invalid_amount"


class ExchangeRateNotPositive(CalculationError):
    code = "exchange_rate_not_positive"


class InvalidCurrency(CalculationError):
    code = "currency_invalid"


class InvalidProvincialTaxes(CalculationError):
    code = "provincial_taxes_invalid"


class NoLines(CalculationError):
    code = "no_lines"


class RateNotUsable(CalculationError):
    """The tariff rate cannot be applied as given; ``code`` is the rate error's own code
    (``quantity_required``, ``unit_mismatch``, ``unit_unknown``, ``rate_not_applicable``,
    ``rate_incomplete``, ``invalid_amount``)."""

    def __init__(self, error: RateError) -> None:
        super().__init__(error.message, field="rate")
        self.code = error.code
        self.rate_error = error


# --- inputs -----------------------------------------------------------------------------------


class ProvincialTaxKind(StrEnum):
    HST = "HST"
    PST = "PST"
    QST = "QST"


@dataclass(frozen=True)
class TaxComponent:
    """A provincial tax and its rate in percent (``TaxComponent(ProvincialTaxKind.PST, Decimal("7"))``)."""

    kind: ProvincialTaxKind
    percent: Decimal


@dataclass(frozen=True)
class TaxRates:
    """The sales-tax rates in force for the importation, in percent. ``gst`` is not used when an
    HST component is given (HST is the combined federal and provincial rate, charged instead)."""

    gst: Decimal
    provincial: tuple[TaxComponent, ...] = ()


@dataclass(frozen=True, kw_only=True)
class LineInput:
    """One line of goods. ``value`` is in ``currency``; ``exchange_rate`` is CAD per unit of it.

    ``quantity``/``unit`` are needed when the rate is specific or compound. Anti-dumping,
    countervailing, excise duty and excise tax are the amounts in CAD as assessed.
    """

    tariff_item: str
    treatment: str
    rate: Rate
    value: Decimal
    currency: str
    exchange_rate: Decimal
    quantity: Decimal | None = None
    unit: str | None = None
    surtax_percent: Decimal | None = None
    anti_dumping: Decimal = ZERO
    countervailing: Decimal = ZERO
    excise_duty: Decimal = ZERO
    excise_tax: Decimal = ZERO


# --- results ----------------------------------------------------------------------------------


class StepCode(StrEnum):
    VALUE_FOR_DUTY = "value_for_duty"
    CUSTOMS_DUTY = "customs_duty"
    SURTAX = "surtax"
    ANTI_DUMPING = "anti_dumping"
    COUNTERVAILING = "countervailing"
    EXCISE_DUTY = "excise_duty"
    EXCISE_TAX = "excise_tax"
    VALUE_FOR_TAX = "value_for_tax"
    GST = "gst"
    HST = "hst"
    PST = "pst"
    QST = "qst"
    TOTAL = "total_duties_and_taxes"


LABELS: Final[dict[StepCode, StrOrPromise]] = {
    StepCode.VALUE_FOR_DUTY: _("Value for duty (VFD)"),
    StepCode.CUSTOMS_DUTY: _("Customs duty"),
    StepCode.SURTAX: _("Surtax"),
    StepCode.ANTI_DUMPING: _("Anti-dumping duty"),
    StepCode.COUNTERVAILING: _("Countervailing duty"),
    StepCode.EXCISE_DUTY: _("Excise duty"),
    StepCode.EXCISE_TAX: _("Excise tax"),
    StepCode.VALUE_FOR_TAX: _("Value for tax (VFT)"),
    StepCode.GST: _("GST"),
    StepCode.HST: _("HST"),
    StepCode.PST: _("PST"),
    StepCode.QST: _("QST"),
    StepCode.TOTAL: _("Total duties and taxes"),
}

RULES: Final[dict[StepCode, StrOrPromise]] = {
    StepCode.VALUE_FOR_DUTY: _("Customs Act ss. 47–55; Currency Exchange for Customs Valuation Regulations"),
    StepCode.CUSTOMS_DUTY: _("Customs Tariff s. 20"),
    StepCode.SURTAX: _("Customs Tariff s. 53 (surtax orders)"),
    StepCode.ANTI_DUMPING: _("Special Import Measures Act s. 3"),
    StepCode.COUNTERVAILING: _("Special Import Measures Act s. 3"),
    StepCode.EXCISE_DUTY: _("Excise Act, 2001; Customs Tariff ss. 21.1–21.2"),
    StepCode.EXCISE_TAX: _("Excise Tax Act s. 23 and Schedule I"),
    StepCode.VALUE_FOR_TAX: _("Excise Tax Act s. 215(1)"),
    StepCode.GST: _("Excise Tax Act s. 212"),
    StepCode.HST: _("Excise Tax Act ss. 212 and 212.1"),
    StepCode.PST: _("Provincial sales tax statute of the province of destination"),
    StepCode.QST: _("Act respecting the Québec sales tax"),
    StepCode.TOTAL: _("Sum of the duties and taxes above (every figure except the VFD)"),
}


@dataclass(frozen=True)
class Step:
    """One figure and how it was obtained: the rate applied, to what (``basis``), under which rule."""

    code: StepCode
    label: StrOrPromise
    amount: Decimal
    rate_text: StrOrPromise
    basis: Decimal | None
    rule_reference: StrOrPromise
    explanation: StrOrPromise = ""


@dataclass(frozen=True, kw_only=True)
class Figures:
    """The amounts of a line or of a whole invoice, in CAD."""

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


FIGURE_NAMES: Final[tuple[str, ...]] = tuple(f.name for f in fields(Figures))
# Everything added to the VFD to make the VFT (Excise Tax Act s. 215(1)): every duty and tax but GST.
DUTIES_IN_VALUE_FOR_TAX: Final = (
    "customs_duty",
    "surtax",
    "anti_dumping",
    "countervailing",
    "excise_duty",
    "excise_tax",
)
SALES_TAXES: Final = ("gst", "hst", "pst", "qst")


@dataclass(frozen=True, kw_only=True)
class LineResult(Figures):
    line: LineInput
    steps: tuple[Step, ...]

    def step(self, code: StepCode) -> Step | None:
        return next((s for s in self.steps if s.code == code), None)


@dataclass(frozen=True, kw_only=True)
class InvoiceResult(Figures):
    lines: tuple[LineResult, ...]
    taxes: TaxRates


# --- checks -----------------------------------------------------------------------------------


def _amount(field: str, value: object) -> Decimal:
    try:
        return check_amount(field, value)
    except RateError:
        raise InvalidAmount(
            message(
                _("%(field)s must be a finite decimal number, zero or more (got %(value)s)."),
                field=field,
                value=value,
            ),
            field=field,
        ) from None


@dataclass(frozen=True)
class _Checked:
    """The line's numbers, checked and as Decimals (ints are accepted on input)."""

    value: Decimal
    exchange_rate: Decimal
    quantity: Decimal | None
    surtax_percent: Decimal | None
    anti_dumping: Decimal
    countervailing: Decimal
    excise_duty: Decimal
    excise_tax: Decimal


def _check_line(line: LineInput) -> _Checked:
    rate = line.exchange_rate
    if (
        isinstance(rate, Decimal | int)
        and not isinstance(rate, bool)
        and Decimal(rate).is_finite()
        and rate <= 0
    ):
        raise ExchangeRateNotPositive(
            message(_("The exchange rate must be more than zero (got %(value)s)."), value=rate),
            field="exchange_rate",
        )
    checked = _Checked(
        value=_amount("value", line.value),
        exchange_rate=_amount("exchange_rate", rate),
        quantity=None if line.quantity is None else _amount("quantity", line.quantity),
        surtax_percent=None
        if line.surtax_percent is None
        else _amount("surtax_percent", line.surtax_percent),
        anti_dumping=_amount("anti_dumping", line.anti_dumping),
        countervailing=_amount("countervailing", line.countervailing),
        excise_duty=_amount("excise_duty", line.excise_duty),
        excise_tax=_amount("excise_tax", line.excise_tax),
    )
    if not isinstance(line.currency, str) or not _CURRENCY_CODE.fullmatch(line.currency):
        raise InvalidCurrency(
            message(
                _("“%(currency)s” is not a three-letter currency code such as USD."), currency=line.currency
            ),
            field="currency",
        )
    if line.currency == "CAD" and checked.exchange_rate != 1:
        raise InvalidCurrency(
            _("A value in Canadian dollars takes an exchange rate of 1."), field="exchange_rate"
        )
    return checked


def _check_taxes(taxes: TaxRates) -> tuple[Decimal, dict[ProvincialTaxKind, Decimal]]:
    gst = _amount("gst", taxes.gst)
    kinds = [component.kind for component in taxes.provincial]
    provincial = {
        component.kind: _amount(f"provincial.{component.kind}", component.percent)
        for component in taxes.provincial
    }
    if len(kinds) != len(set(kinds)):
        raise InvalidProvincialTaxes(_("Each provincial tax can be given only once."), field="provincial")
    if ProvincialTaxKind.HST in kinds and len(kinds) > 1:
        raise InvalidProvincialTaxes(
            _("HST replaces GST and provincial sales tax: it cannot be combined with PST or QST."),
            field="provincial",
        )
    return gst, provincial


# --- the engine -------------------------------------------------------------------------------


def _percent_step(code: StepCode, percent: Decimal, basis: Decimal) -> Step:
    amount = round_cents(basis * percent / _HUNDRED)
    rate_text = message(_("%(percent)s %%"), percent=Number(percent))
    explanation = message(
        _("%(rate)s of %(basis)s = %(amount)s"),
        rate=rate_text,
        basis=Number(basis, 2),
        amount=Number(amount, 2),
    )
    return Step(code, LABELS[code], amount, rate_text, basis, RULES[code], explanation)


def _assessed_step(code: StepCode, amount: Decimal) -> Step:
    return Step(code, LABELS[code], amount, _("as assessed"), None, RULES[code], _("amount given, in CAD"))


def _sum_step(code: StepCode, parts: Sequence[Decimal]) -> Step:
    amount = sum(parts, ZERO)
    shown = [part for part in parts if part] or [ZERO]
    addition: StrOrPromise = message("%(part)s", part=Number(shown[0], 2))
    for part in shown[1:]:
        addition = message("%(left)s + %(right)s", left=addition, right=Number(part, 2))
    explanation = message(_("%(parts)s = %(amount)s"), parts=addition, amount=Number(amount, 2))
    return Step(code, LABELS[code], amount, "", None, RULES[code], explanation)


def calculate_line(line: LineInput, taxes: TaxRates) -> LineResult:
    """The duties and taxes on one line, with every step. CalculationError on bad input."""
    checked = _check_line(line)
    gst_percent, provincial = _check_taxes(taxes)
    steps: list[Step] = []

    # 1. VFD in CAD, converted at the rate given and rounded to the cent before anything is applied.
    value_for_duty = round_cents(checked.value * checked.exchange_rate)
    steps.append(
        Step(
            StepCode.VALUE_FOR_DUTY,
            LABELS[StepCode.VALUE_FOR_DUTY],
            value_for_duty,
            message(
                _("%(rate)s CAD/%(currency)s"), rate=Number(checked.exchange_rate), currency=line.currency
            ),
            checked.value,
            RULES[StepCode.VALUE_FOR_DUTY],
            message(
                _("%(value)s %(currency)s × %(rate)s = %(amount)s"),
                value=Number(checked.value, 2),
                currency=line.currency,
                rate=Number(checked.exchange_rate),
                amount=Number(value_for_duty, 2),
            ),
        )
    )

    # 2. Customs duty from the tariff rate.
    try:
        duty = duty_for(line.rate, value_for_duty=value_for_duty, quantity=checked.quantity, unit=line.unit)
    except RateError as error:
        raise RateNotUsable(error) from error
    steps.append(
        Step(
            StepCode.CUSTOMS_DUTY,
            LABELS[StepCode.CUSTOMS_DUTY],
            duty.amount,
            line.rate.text,
            value_for_duty,
            RULES[StepCode.CUSTOMS_DUTY],
            duty.explanation,
        )
    )

    # 3. Surtax, on the VFD.
    surtax = ZERO
    if checked.surtax_percent is not None:
        surtax_step = _percent_step(StepCode.SURTAX, checked.surtax_percent, value_for_duty)
        surtax = surtax_step.amount
        steps.append(surtax_step)

    # 4–5. SIMA and excise amounts are assessed elsewhere; they are taken as given, to the cent.
    assessed = {
        StepCode.ANTI_DUMPING: round_cents(checked.anti_dumping),
        StepCode.COUNTERVAILING: round_cents(checked.countervailing),
        StepCode.EXCISE_DUTY: round_cents(checked.excise_duty),
        StepCode.EXCISE_TAX: round_cents(checked.excise_tax),
    }
    steps.extend(_assessed_step(code, amount) for code, amount in assessed.items() if amount)

    # 6. VFT: the VFD plus every duty and tax except GST.
    duties = [duty.amount, surtax, *assessed.values()]
    vft_step = _sum_step(StepCode.VALUE_FOR_TAX, [value_for_duty, *duties])
    value_for_tax = vft_step.amount
    steps.append(vft_step)

    # 7–8. Sales taxes, each on the VFT. Project decision (docs: tariff.md §1): PST and QST are
    # charged on the VFT like GST, not on VFT + GST, and HST, when given, is charged on the VFT
    # instead of GST. Provinces' own bases differ in detail; the caller's rates decide what is due.
    sales = {code: ZERO for code in (StepCode.GST, StepCode.HST, StepCode.PST, StepCode.QST)}
    if ProvincialTaxKind.HST not in provincial:
        sales[StepCode.GST] = _append(steps, _percent_step(StepCode.GST, gst_percent, value_for_tax))
    for kind, code in (
        (ProvincialTaxKind.HST, StepCode.HST),
        (ProvincialTaxKind.PST, StepCode.PST),
        (ProvincialTaxKind.QST, StepCode.QST),
    ):
        if kind in provincial:
            sales[code] = _append(steps, _percent_step(code, provincial[kind], value_for_tax))

    # 9. Everything owed: duties and taxes, not the VFD.
    total_step = _sum_step(StepCode.TOTAL, [*duties, *sales.values()])
    steps.append(total_step)

    return LineResult(
        line=line,
        steps=tuple(steps),
        value_for_duty=value_for_duty,
        customs_duty=duty.amount,
        surtax=surtax,
        anti_dumping=assessed[StepCode.ANTI_DUMPING],
        countervailing=assessed[StepCode.COUNTERVAILING],
        excise_duty=assessed[StepCode.EXCISE_DUTY],
        excise_tax=assessed[StepCode.EXCISE_TAX],
        value_for_tax=value_for_tax,
        gst=sales[StepCode.GST],
        hst=sales[StepCode.HST],
        pst=sales[StepCode.PST],
        qst=sales[StepCode.QST],
        total_duties_and_taxes=total_step.amount,
    )


def _append(steps: list[Step], step: Step) -> Decimal:
    steps.append(step)
    return step.amount


def calculate_invoice(lines: Iterable[LineInput], taxes: TaxRates) -> InvoiceResult:
    """Every line calculated on its own, and the invoice's figures as the sums of the lines'.

    A CalculationError names its line in ``line_number`` (1-based).
    """
    results: list[LineResult] = []
    for number, line in enumerate(lines, start=1):
        try:
            results.append(calculate_line(line, taxes))
        except CalculationError as error:
            error.line_number = number
            raise
    if not results:
        raise NoLines(_("Add at least one line of goods."), field="lines")
    totals = {name: sum((getattr(result, name) for result in results), ZERO) for name in FIGURE_NAMES}
    return InvoiceResult(lines=tuple(results), taxes=taxes, **totals)


# --- export -----------------------------------------------------------------------------------

_LINE_COLUMNS: Final[tuple[tuple[str, StrOrPromise], ...]] = (
    ("tariff_item", _("Tariff item")),
    ("treatment", _("Tariff treatment")),
    ("rate", _("Rate")),
    ("value", _("Value")),
    ("currency", _("Currency")),
    ("exchange_rate", _("Exchange rate")),
    ("quantity", _("Quantity")),
    ("unit", _("Unit")),
)


def _number_cell(value: Decimal | None) -> str:
    return "" if value is None else f"{Decimal(value):f}"


def as_csv_rows(result: InvoiceResult | LineResult) -> list[list[str]]:
    """Rows for a CSV export: a header, one row per line, then a totals row. Amounts as ``1234.50``."""
    lines = result.lines if isinstance(result, InvoiceResult) else (result,)
    header = [str(label) for _name, label in _LINE_COLUMNS]
    header += [str(LABELS[StepCode(name)]) for name in FIGURE_NAMES]
    rows = [header]
    for line_result in lines:
        line = line_result.line
        rows.append(
            [
                safe_cell(line.tariff_item),
                safe_cell(line.treatment),
                safe_cell(line.rate.text),
                _number_cell(line.value),
                safe_cell(line.currency),
                _number_cell(line.exchange_rate),
                _number_cell(line.quantity),
                safe_cell(line.unit),
                *(f"{getattr(line_result, name):.2f}" for name in FIGURE_NAMES),
            ]
        )
    totals = [str(_("Total")), *[""] * (len(_LINE_COLUMNS) - 1)]
    rows.append(totals + [f"{getattr(result, name):.2f}" for name in FIGURE_NAMES])
    return rows


__all__ = [
    "FIGURE_NAMES",
    "LABELS",
    "RULES",
    "CalculationError",
    "ExchangeRateNotPositive",
    "Figures",
    "InvalidAmount",
    "InvalidCurrency",
    "InvalidProvincialTaxes",
    "InvoiceResult",
    "LineInput",
    "LineResult",
    "NoLines",
    "ProvincialTaxKind",
    "RateNotUsable",
    "Step",
    "StepCode",
    "TaxComponent",
    "TaxRates",
    "as_csv_rows",
    "calculate_invoice",
    "calculate_line",
]
