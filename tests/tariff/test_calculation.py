"""The duties-and-taxes engine (longroom.tariff.calculation): order of the law, cents, steps, errors."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from longroom.tariff.calculation import (
    DUTIES_IN_VALUE_FOR_TAX,
    FIGURE_NAMES,
    SALES_TAXES,
    CalculationError,
    ExchangeRateNotPositive,
    InvalidAmount,
    InvalidCurrency,
    InvalidProvincialTaxes,
    LineInput,
    NoLines,
    ProvincialTaxKind,
    RateNotUsable,
    StepCode,
    TaxComponent,
    TaxRates,
    as_csv_rows,
    calculate_invoice,
    calculate_line,
)
from longroom.tariff.rates import parse_rate


def D(text: str) -> Decimal:
    return Decimal(text)


GST_ONLY = TaxRates(gst=D("5"))


def line(**overrides) -> LineInput:
    fields = {
        "tariff_item": "6109.10.00",
        "treatment": "MFN",
        "rate": parse_rate("18 %"),
        "value": D("100.00"),
        "currency": "USD",
        "exchange_rate": D("1.15"),
    }
    return LineInput(**(fields | overrides))


# --- worked examples (tariff.md §2) -----------------------------------------------------------


def test_worked_example_1_guide_to_importing_commercial_goods():
    result = calculate_line(line(rate=parse_rate("4 %"), value=D("100"), exchange_rate=D("1.15")), GST_ONLY)
    assert result.value_for_duty == D("115.00")
    assert result.customs_duty == D("4.60")
    assert result.value_for_tax == D("119.60")
    assert result.gst == D("5.98")
    assert result.total_duties_and_taxes == D("10.58")


def test_worked_example_2_tcc18_077_surtax():
    result = calculate_line(
        line(
            rate=parse_rate("0 %"),
            value=D("150"),
            currency="CAD",
            exchange_rate=D("1"),
            surtax_percent=D("10"),
        ),
        GST_ONLY,
    )
    assert result.value_for_duty == D("150.00")  # B3 field 37
    assert result.customs_duty == D("0.00")  # field 38
    assert result.surtax == D("15.00")  # field 39
    assert result.value_for_tax == D("165.00")  # field 41
    assert result.gst == D("8.25")
    assert result.total_duties_and_taxes == D("23.25")


# --- steps ------------------------------------------------------------------------------------


def test_every_figure_names_its_rate_and_rule():
    result = calculate_line(line(rate=parse_rate("4 %"), value=D("100")), GST_ONLY)
    by_code = {step.code: step for step in result.steps}
    assert [step.code for step in result.steps] == [
        StepCode.VALUE_FOR_DUTY,
        StepCode.CUSTOMS_DUTY,
        StepCode.VALUE_FOR_TAX,
        StepCode.GST,
        StepCode.TOTAL,
    ]
    vfd = by_code[StepCode.VALUE_FOR_DUTY]
    assert (vfd.amount, str(vfd.rate_text), vfd.basis) == (D("115.00"), "1.15 CAD/USD", D("100"))
    assert "Customs Act ss. 47–55" in vfd.rule_reference
    assert str(vfd.explanation) == "100.00 USD × 1.15 = 115.00"
    duty = by_code[StepCode.CUSTOMS_DUTY]
    assert (duty.rate_text, duty.basis, duty.rule_reference) == ("4 %", D("115.00"), "Customs Tariff s. 20")
    assert str(duty.explanation) == "4 % of 115.00 = 4.60"
    assert by_code[StepCode.VALUE_FOR_TAX].rule_reference == "Excise Tax Act s. 215(1)"
    assert str(by_code[StepCode.VALUE_FOR_TAX].explanation) == "115.00 + 4.60 = 119.60"
    gst = by_code[StepCode.GST]
    assert (str(gst.rate_text), gst.basis, gst.rule_reference) == (
        "5 %",
        D("119.60"),
        "Excise Tax Act s. 212",
    )
    assert str(by_code[StepCode.TOTAL].explanation) == "4.60 + 5.98 = 10.58"
    assert str(vfd.label) == "Value for duty (VFD)"


def test_assessed_sima_and_excise_amounts_enter_the_value_for_tax():
    result = calculate_line(
        line(
            rate=parse_rate("Free"),
            value=D("1000"),
            currency="CAD",
            exchange_rate=D("1"),
            anti_dumping=D("120.00"),
            countervailing=D("30.00"),
            excise_duty=D("11.70"),
            excise_tax=D("10.00"),
        ),
        GST_ONLY,
    )
    assert result.value_for_tax == D("1171.70")
    assert result.gst == D("58.59")  # 58.585 rounded half-up
    assert result.total_duties_and_taxes == D("230.29")
    codes = {step.code for step in result.steps}
    assert {
        StepCode.ANTI_DUMPING,
        StepCode.COUNTERVAILING,
        StepCode.EXCISE_DUTY,
        StepCode.EXCISE_TAX,
    } <= codes
    assert result.step(StepCode.ANTI_DUMPING).rule_reference == "Special Import Measures Act s. 3"


# --- specific and compound rates --------------------------------------------------------------


def test_cheese_0406_10_10_at_3_32_cents_per_kg_on_1000_kg():
    result = calculate_line(
        line(
            tariff_item="0406.10.10",
            rate=parse_rate("3.32 ¢/kg"),
            value=D("8000"),
            currency="CAD",
            exchange_rate=D("1"),
            quantity=D("1000"),
            unit="kg",
        ),
        GST_ONLY,
    )
    assert result.customs_duty == D("33.20")
    assert result.value_for_tax == D("8033.20")
    assert result.gst == D("401.66")
    assert str(result.step(StepCode.CUSTOMS_DUTY).explanation) == "3.32 ¢/kg × 1,000 kg = 33.20"


def test_specific_floor_applies_on_cheap_goods_and_ad_valorem_on_dear_ones():
    rate = parse_rate("238 % but not less than $1.25/kg")
    cheap = calculate_line(
        line(rate=rate, value=D("10"), currency="CAD", exchange_rate=D("1"), quantity=D("100"), unit="kg"),
        GST_ONLY,
    )
    dear = calculate_line(
        line(rate=rate, value=D("1000"), currency="CAD", exchange_rate=D("1"), quantity=D("100"), unit="kg"),
        GST_ONLY,
    )
    assert cheap.customs_duty == D("125.00")
    assert dear.customs_duty == D("2380.00")


@pytest.mark.parametrize(
    ("value", "duty", "why"),
    [("100", "47.40", "greater than"), ("1500", "75.00", "not less than"), ("5000", "94.80", "less than")],
)
def test_ad_valorem_between_minimum_and_maximum(value, duty, why):
    rate = parse_rate("5 % but not less than 4.74 ¢/kg or more than 9.48 ¢/kg")
    result = calculate_line(
        line(rate=rate, value=D(value), currency="CAD", exchange_rate=D("1"), quantity=D("1000"), unit="kg"),
        GST_ONLY,
    )
    assert result.customs_duty == D(duty)
    assert why in str(result.step(StepCode.CUSTOMS_DUTY).explanation)


def test_quantity_in_grams_converted_for_a_per_kg_rate():
    result = calculate_line(
        line(
            rate=parse_rate("3.32 ¢/kg"), currency="CAD", exchange_rate=D("1"), quantity=D("250000"), unit="g"
        ),
        GST_ONLY,
    )
    assert result.customs_duty == D("8.30")


def test_specific_rate_without_quantity_is_refused_with_quantity_required():
    with pytest.raises(RateNotUsable) as raised:
        calculate_line(line(rate=parse_rate("3.32 ¢/kg")), GST_ONLY)
    assert raised.value.code == "quantity_required"
    assert isinstance(raised.value, CalculationError)


def test_quantity_in_another_dimension_is_refused_with_unit_mismatch():
    with pytest.raises(RateNotUsable) as raised:
        calculate_line(line(rate=parse_rate("28.16 ¢/litre"), quantity=D("10"), unit="kg"), GST_ONLY)
    assert raised.value.code == "unit_mismatch"


def test_item_without_a_rate_under_the_treatment_is_refused():
    with pytest.raises(RateNotUsable) as raised:
        calculate_line(line(rate=parse_rate("N/A")), GST_ONLY)
    assert raised.value.code == "rate_not_applicable"


# --- provincial taxes -------------------------------------------------------------------------


def test_hst_is_charged_on_the_value_for_tax_instead_of_gst():
    taxes = TaxRates(gst=D("5"), provincial=(TaxComponent(ProvincialTaxKind.HST, D("13")),))
    result = calculate_line(line(rate=parse_rate("4 %"), value=D("100")), taxes)
    assert result.gst == D("0.00")
    assert result.hst == D("15.55")  # 13 % of 119.60 = 15.548
    assert result.total_duties_and_taxes == D("20.15")
    assert result.step(StepCode.GST) is None
    assert result.step(StepCode.HST).basis == D("119.60")


def test_pst_is_added_to_gst_on_the_value_for_tax():
    taxes = TaxRates(gst=D("5"), provincial=(TaxComponent(ProvincialTaxKind.PST, D("7")),))
    result = calculate_line(line(rate=parse_rate("4 %"), value=D("100")), taxes)
    assert (result.gst, result.pst) == (D("5.98"), D("8.37"))  # 7 % of 119.60 = 8.372
    assert result.total_duties_and_taxes == D("18.95")


def test_qst_is_added_to_gst_on_the_value_for_tax():
    taxes = TaxRates(gst=D("5"), provincial=(TaxComponent(ProvincialTaxKind.QST, D("9.975")),))
    result = calculate_line(line(rate=parse_rate("4 %"), value=D("100")), taxes)
    assert (result.gst, result.qst) == (D("5.98"), D("11.93"))  # 9.975 % of 119.60 = 11.9301
    assert result.step(StepCode.QST).rule_reference == "Act respecting the Québec sales tax"


def test_the_gst_rate_comes_from_the_caller():
    result = calculate_line(line(rate=parse_rate("4 %"), value=D("100")), TaxRates(gst=D("0")))
    assert result.gst == D("0.00")
    assert result.total_duties_and_taxes == D("4.60")


@pytest.mark.parametrize(
    "provincial",
    [
        (TaxComponent(ProvincialTaxKind.HST, D("13")), TaxComponent(ProvincialTaxKind.PST, D("7"))),
        (TaxComponent(ProvincialTaxKind.PST, D("7")), TaxComponent(ProvincialTaxKind.PST, D("6"))),
    ],
)
def test_impossible_provincial_tax_combinations_are_refused(provincial):
    with pytest.raises(InvalidProvincialTaxes) as raised:
        calculate_line(line(), TaxRates(gst=D("5"), provincial=provincial))
    assert raised.value.code == "provincial_taxes_invalid"


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("value", D("-0.01")),
        ("value", D("NaN")),
        ("value", D("Infinity")),
        ("value", 100.0),
        ("quantity", D("-1")),
        ("surtax_percent", D("-10")),
        ("anti_dumping", D("-5")),
        ("countervailing", D("sNaN")),
        ("excise_duty", D("-Infinity")),
        ("excise_tax", 1.5),
        ("exchange_rate", D("NaN")),
    ],
)
def test_negative_non_finite_and_float_inputs_are_refused(field, bad):
    with pytest.raises(InvalidAmount) as raised:
        calculate_line(line(**{field: bad}), GST_ONLY)
    assert raised.value.code == "invalid_amount"
    assert raised.value.field == field
    assert field in str(raised.value)


@pytest.mark.parametrize("rate", [D("0"), D("-1.3"), 0])
def test_zero_or_negative_exchange_rate_is_refused(rate):
    with pytest.raises(ExchangeRateNotPositive) as raised:
        calculate_line(line(exchange_rate=rate), GST_ONLY)
    assert raised.value.code == "exchange_rate_not_positive"


def test_negative_or_non_finite_tax_rates_are_refused():
    with pytest.raises(InvalidAmount):
        calculate_line(line(), TaxRates(gst=D("-5")))
    with pytest.raises(InvalidAmount):
        calculate_line(
            line(), TaxRates(gst=D("5"), provincial=(TaxComponent(ProvincialTaxKind.PST, D("NaN")),))
        )


@pytest.mark.parametrize(("currency", "rate"), [("usd", D("1.3")), ("US$", D("1.3")), ("CAD", D("1.3"))])
def test_bad_currency_is_refused(currency, rate):
    with pytest.raises(InvalidCurrency):
        calculate_line(line(currency=currency, exchange_rate=rate), GST_ONLY)


def test_refusal_message_is_translated_and_code_is_stable():
    from django.utils import translation

    with pytest.raises(ExchangeRateNotPositive) as raised:
        calculate_line(line(exchange_rate=D("0")), GST_ONLY)
    with translation.override("en"):
        assert "exchange rate" in str(raised.value)
    assert raised.value.code == "exchange_rate_not_positive"


def test_invoice_error_names_the_line_at_fault():
    with pytest.raises(RateNotUsable) as raised:
        calculate_invoice([line(), line(rate=parse_rate("3.32 ¢/kg"))], GST_ONLY)
    assert raised.value.line_number == 2


def test_invoice_without_lines_is_refused():
    with pytest.raises(NoLines):
        calculate_invoice([], GST_ONLY)


# --- invoice and export -----------------------------------------------------------------------


def test_invoice_totals_are_the_sums_of_line_figures():
    lines = [
        line(rate=parse_rate("4 %"), value=D("100")),
        line(
            rate=parse_rate("3.32 ¢/kg"), value=D("50"), quantity=D("1000"), unit="kg", surtax_percent=D("10")
        ),
    ]
    invoice = calculate_invoice(lines, GST_ONLY)
    assert invoice.value_for_duty == D("115.00") + D("57.50")
    assert invoice.customs_duty == D("4.60") + D("33.20")
    assert invoice.surtax == D("5.75")
    assert invoice.total_duties_and_taxes == sum(r.total_duties_and_taxes for r in invoice.lines)


def test_csv_rows_have_a_header_one_row_per_line_and_a_totals_row():
    invoice = calculate_invoice(
        [line(rate=parse_rate("4 %"), value=D("100")), line(tariff_item="=cmd()")], GST_ONLY
    )
    rows = as_csv_rows(invoice)
    header, first, second, totals = rows
    assert header[:3] == ["Tariff item", "Tariff treatment", "Rate"]
    assert header[-1] == "Total duties and taxes"
    assert len({len(row) for row in rows}) == 1
    columns = dict(zip(header, first, strict=True))
    assert columns["Value for duty (VFD)"] == "115.00"
    assert columns["Customs duty"] == "4.60"
    assert columns["GST"] == "5.98"
    assert columns["Total duties and taxes"] == "10.58"
    assert columns["Exchange rate"] == "1.15"
    assert second[0] == "'=cmd()"  # a spreadsheet would run it as a formula
    assert totals[0] == "Total"
    assert (
        dict(zip(header, totals, strict=True))["Total duties and taxes"]
        == f"{invoice.total_duties_and_taxes:.2f}"
    )


def test_csv_rows_of_a_single_line():
    rows = as_csv_rows(calculate_line(line(), GST_ONLY))
    assert len(rows) == 3


# --- properties -------------------------------------------------------------------------------

RATE_TEXTS = [
    "Free",
    "0 %",
    "4 %",
    "6.1 %",
    "18 %",
    "3.32 ¢/kg",
    "$1.52/kg",
    "$106.50/tonne plus 7 %",
    "5.42 ¢/kg plus 4 %",
    "8.43 ¢/kg but not less than 8.5 %",
    "238 % but not less than $1.25/kg",
    "5 % but not less than 4.74 ¢/kg or more than 9.48 ¢/kg",
    "1.88 ¢/kg but not less than 4 % plus 4 %",
]


def money(max_value: int = 1_000_000) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=max_value, places=2, allow_nan=False, allow_infinity=False)


percents = st.decimals(min_value=0, max_value=300, places=3, allow_nan=False, allow_infinity=False)
exchange_rates = st.decimals(
    min_value=D("0.0001"), max_value=1000, places=4, allow_nan=False, allow_infinity=False
)
provincial_taxes = st.sampled_from(
    [
        (),
        (TaxComponent(ProvincialTaxKind.PST, D("7")),),
        (TaxComponent(ProvincialTaxKind.QST, D("9.975")),),
        (TaxComponent(ProvincialTaxKind.HST, D("13")),),
        (TaxComponent(ProvincialTaxKind.HST, D("15")),),
    ]
)
tax_rates = st.builds(
    TaxRates,
    gst=st.decimals(min_value=0, max_value=15, places=3, allow_nan=False, allow_infinity=False),
    provincial=provincial_taxes,
)
lines = st.builds(
    LineInput,
    tariff_item=st.just("0406.10.10"),
    treatment=st.sampled_from(["MFN", "UST", "General Tariff"]),
    rate=st.sampled_from(RATE_TEXTS).map(parse_rate),
    value=money(),
    currency=st.sampled_from(["USD", "EUR", "MXN"]),
    exchange_rate=exchange_rates,
    quantity=st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(["kg", "g", "tonne", None]),
    surtax_percent=st.none() | percents,
    anti_dumping=money(100_000),
    countervailing=money(100_000),
    excise_duty=money(100_000),
    excise_tax=money(100_000),
)


def _half_up(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"), rounding=ROUND_HALF_UP)


@given(line_input=lines, taxes=tax_rates)
def test_line_total_is_the_sum_of_its_duties_and_taxes(line_input, taxes):
    result = calculate_line(line_input, taxes)
    parts = [getattr(result, name) for name in (*DUTIES_IN_VALUE_FOR_TAX, *SALES_TAXES)]
    assert result.total_duties_and_taxes == sum(parts)
    assert result.step(StepCode.TOTAL).amount == result.total_duties_and_taxes


@given(line_input=lines, taxes=tax_rates)
def test_value_for_tax_includes_every_duty_and_gst_is_charged_on_it(line_input, taxes):
    result = calculate_line(line_input, taxes)
    duties = sum(getattr(result, name) for name in DUTIES_IN_VALUE_FOR_TAX)
    assert result.value_for_tax == result.value_for_duty + duties
    if any(c.kind is ProvincialTaxKind.HST for c in taxes.provincial):
        assert result.gst == 0
    else:
        assert result.gst == _half_up(result.value_for_tax * taxes.gst / 100)
    for step in result.steps:
        if step.code in (StepCode.GST, StepCode.HST, StepCode.PST, StepCode.QST):
            assert step.basis == result.value_for_tax


@given(line_input=lines, taxes=tax_rates)
def test_results_are_never_negative_and_always_in_cents(line_input, taxes):
    result = calculate_line(line_input, taxes)
    for name in FIGURE_NAMES:
        figure = getattr(result, name)
        assert figure >= 0
        assert figure == figure.quantize(D("0.01"))
    assert result.value_for_duty == _half_up(line_input.value * line_input.exchange_rate)


@given(line_input=lines, taxes=tax_rates)
def test_same_input_gives_the_same_output(line_input, taxes):
    assert calculate_line(line_input, taxes) == calculate_line(replace(line_input), taxes)


@given(line_inputs=st.lists(lines, min_size=1, max_size=5), taxes=tax_rates)
def test_invoice_total_is_the_sum_of_line_totals(line_inputs, taxes):
    invoice = calculate_invoice(line_inputs, taxes)
    singles = [calculate_line(item, taxes) for item in line_inputs]
    assert invoice.lines == tuple(singles)
    for name in FIGURE_NAMES:
        assert getattr(invoice, name) == sum(getattr(single, name) for single in singles)
    parts = [getattr(invoice, name) for name in (*DUTIES_IN_VALUE_FOR_TAX, *SALES_TAXES)]
    assert invoice.total_duties_and_taxes == sum(parts)
