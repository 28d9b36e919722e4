"""Estimates through the whole stack: item look-up in the full edition, treatment, exchange rate and
the sales-tax table, then the engine. A problem on any line refuses the estimate, naming the line.

The worked examples are those of `shared/domain/tariff.md` §2, to the cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from longroom.tariff.estimates import (
    EstimateLine,
    EstimateRefused,
    EstimateRequest,
    estimate,
    lines_from_csv,
)
from longroom.tariff.models import ExchangeRate, TariffRate
from longroom.tariff.services import exchange_rate_set

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 2)


def D(text: str) -> Decimal:
    return Decimal(text)


def line(
    tariff_item: str = "6109.10.00", origin: str = "CN", value: str = "100", currency: str = "CAD", **more
):
    return EstimateLine(tariff_item=tariff_item, origin=origin, value=D(value), currency=currency, **more)


def estimated(*lines: EstimateLine, on: dt.date = MONDAY, **request):
    return estimate(EstimateRequest(date=on, lines=tuple(lines), **request))


def refused(*lines: EstimateLine, on: dt.date = MONDAY, **request) -> list[tuple[int, str, str, str]]:
    with pytest.raises(EstimateRefused) as refusal:
        estimated(*lines, on=on, **request)
    return [(p.line, p.field, p.code, str(p.message)) for p in refusal.value.problems]


@pytest.fixture
def usd_at_1_15(rates_admin):
    return exchange_rate_set(
        actor=rates_admin, currency="USD", date=MONDAY, rate=D("1.15"), source="CBSA guide example"
    )


# --- worked examples -------------------------------------------------------------------------


def test_worked_example_1_us_100_at_1_15_with_4_percent_duty_costs_10_58(full_edition, usd_at_1_15):
    four_percent = (
        TariffRate.objects.filter(line__edition=full_edition, line__level=8, treatment="MFN", text="4 %")
        .order_by("line__number")
        .values_list("line__number", flat=True)
        .first()
    )
    assert four_percent is not None, "T2026-0 has tariff items at 4 % MFN"
    result = estimated(line(four_percent, origin="BR", value="100", currency="USD"))
    figures = result.result
    assert result.edition == full_edition
    assert [(t.jurisdiction, t.kind, t.rate_percent) for t in result.taxes] == [("CA", "GST", D("5"))]
    assert (result.contexts[0].treatment, result.contexts[0].rate_text) == ("MFN", "4 %")
    assert result.contexts[0].exchange_rate.rate == D("1.15")
    assert figures.value_for_duty == D("115.00")
    assert figures.customs_duty == D("4.60")
    assert figures.value_for_tax == D("119.60")
    assert figures.gst == D("5.98")
    assert figures.total_duties_and_taxes == D("10.58")


def test_worked_example_2_free_item_with_10_percent_surtax_on_150_dollars_costs_23_25(full_edition):
    free = TariffRate.objects.get(line__edition=full_edition, line__number="84713000", treatment="MFN")
    assert free.text == "Free"
    result = estimated(line("8471.30.00", origin="CN", value="150", surtax_percent=D("10")))
    figures = result.result
    assert result.contexts[0].treatment == "MFN"
    assert figures.value_for_duty == D("150.00")  # B3 field 37
    assert figures.customs_duty == D("0.00")  # field 38
    assert figures.surtax == D("15.00")  # field 39
    assert figures.value_for_tax == D("165.00")  # field 41
    assert figures.gst == D("8.25")
    assert figures.total_duties_and_taxes == D("23.25")


# --- refusals, with the line at fault ---------------------------------------------------------


def test_an_unknown_tariff_item_is_refused_with_its_line_number(full_edition):
    assert refused(line("6109.10.00"), line("9999.99.99")) == [
        (2, "tariff_item", "unknown_tariff_item", "9999.99.99 is not a tariff item in edition T2026-0.")
    ]


def test_a_heading_is_not_accepted_as_a_tariff_item(full_edition):
    assert refused(line("6109"))[0][:3] == (1, "tariff_item", "unknown_tariff_item")


def test_goods_from_china_cannot_claim_the_united_states_tariff(full_edition):
    assert refused(line("6109.10.00", origin="CN", treatment="UST")) == [
        (
            1,
            "treatment",
            "treatment_not_claimable",
            "Goods from CN cannot claim the United States Tariff (CUSMA); they may claim: MFN.",
        )
    ]


def test_cheese_charged_by_weight_needs_a_quantity(full_edition):
    assert refused(line("0406.10.10", value="100")) == [
        (
            1,
            "quantity",
            "quantity_required",
            "The rate “3.32 ¢/kg” is charged by quantity: give the quantity in kg.",
        )
    ]


def test_cheese_within_access_commitment_pays_3_32_cents_per_kg(full_edition):
    figures = estimated(line("0406.10.10", value="500", quantity=D("100"), unit="kg")).result
    assert figures.customs_duty == D("3.32")
    assert figures.value_for_tax == D("503.32")


def test_a_quantity_in_the_wrong_kind_of_unit_is_refused(full_edition):
    problems = refused(line("0406.10.10", quantity=D("10"), unit="litre"))
    assert [p[:3] for p in problems] == [(1, "unit", "unit_mismatch")]


def test_a_date_before_the_edition_is_refused_without_a_figure(full_edition):
    assert refused(line(), on=dt.date(2025, 12, 31)) == [
        (
            0,
            "date",
            "no_edition_in_force",
            "2025-12-31 is before the first loaded edition of the tariff (T2026-0, in force from 2026-01-01).",
        )
    ]


def test_a_currency_without_a_published_rate_is_refused(full_edition):
    assert refused(line(currency="EUR")) == [
        (
            1,
            "currency",
            "no_exchange_rate",
            "No exchange rate for EUR is published on or in the 7 days before 2026-03-02.",
        )
    ]


def test_every_problem_of_every_line_is_listed_at_once(full_edition):
    problems = refused(
        line("6109.10.00"),
        line("0000.00.00"),
        line("6109.10.00", currency="XYZ"),
        line("6109.10.00", treatment="UST"),
        line("6109.10.00", origin="?"),
    )
    assert [(p[0], p[2]) for p in problems] == [
        (2, "unknown_tariff_item"),
        (3, "no_exchange_rate"),
        (4, "treatment_not_claimable"),
        (5, "unknown_origin"),
    ]


def test_no_lines_is_refused():
    with pytest.raises(EstimateRefused, match=r"Add at least one line of goods\."):
        estimated()


# --- choosing the treatment ------------------------------------------------------------------


def test_goods_from_france_fall_back_to_mfn_with_a_note_when_the_edition_has_no_ceut_rates(full_edition):
    assert "CEUT" not in full_edition.treatments
    result = estimated(line("6109.10.00", origin="FR"))
    context = result.contexts[0]
    assert (context.treatment, context.rate_text) == ("MFN", "18 %")
    assert context.claimable == ("CEUT", "MFN")
    assert [str(note) for note in context.notes] == ["This edition has no CEUT rates; MFN was used."]
    assert result.result.customs_duty == D("18.00")


def test_us_goods_get_the_free_cusma_rate_without_asking(full_edition):
    result = estimated(line("6109.10.00", origin="US"))
    assert (result.contexts[0].treatment, result.result.customs_duty) == ("UST", D("0.00"))
    assert result.contexts[0].notes == ()


def test_russian_goods_pay_the_general_tariff(full_edition):
    result = estimated(line("6109.10.00", origin="RU"))
    assert (result.contexts[0].treatment, result.result.customs_duty) == ("GT", D("35.00"))


def test_a_statistical_line_is_priced_with_its_tariff_items_rate(full_edition):
    result = estimated(line("6109.10.00.12"))
    assert (result.contexts[0].rate_text, result.result.customs_duty) == ("18 %", D("18.00"))


# --- several lines, dates, taxes ---------------------------------------------------------------


def test_the_total_of_several_lines_is_the_sum_of_the_lines(full_edition, usd_at_1_15):
    result = estimated(
        line("6109.10.00", value="100"),
        line("8703.23.00", origin="JP", value="20000", currency="USD"),
        line("0406.10.10", value="50", quantity=D("12.5")),
        line("8471.30.00", value="999.99", surtax_percent=D("10")),
    )
    figures = result.result
    assert len(figures.lines) == 4
    for name in (
        "value_for_duty",
        "customs_duty",
        "surtax",
        "value_for_tax",
        "gst",
        "total_duties_and_taxes",
    ):
        assert getattr(figures, name) == sum((getattr(one, name) for one in figures.lines), D("0"))
    assert [one.customs_duty for one in figures.lines] == [D("18.00"), D("1403.00"), D("0.42"), D("0.00")]
    assert figures.total_duties_and_taxes == D("2804.99")


def test_a_weekend_date_uses_fridays_exchange_rate_and_says_so(full_edition):
    ExchangeRate.objects.create(currency="USD", date=dt.date(2026, 3, 6), rate=D("1.3498"), source="CBSA")
    result = estimated(line(value="100", currency="USD"), on=dt.date(2026, 3, 8))
    assert result.result.value_for_duty == D("134.98")
    assert [str(n) for n in result.contexts[0].notes] == [
        "No USD rate is published for this day; the rate of 2026-03-06 applies."
    ]


def test_a_casual_import_to_ontario_pays_hst_in_place_of_gst(full_edition):
    figures = estimated(line(value="100"), casual=True, province="ON").result
    assert (figures.gst, figures.hst) == (D("0.00"), D("15.34"))
    assert figures.total_duties_and_taxes == D("33.34")


def test_a_casual_import_to_quebec_pays_gst_and_qst(full_edition):
    figures = estimated(line(value="100"), casual=True, province="QC").result
    assert (figures.gst, figures.qst) == (D("5.90"), D("11.77"))


# --- a CSV of lines --------------------------------------------------------------------------


def test_a_csv_with_semicolons_and_french_decimal_commas_is_read():
    lines = lines_from_csv(
        b"tariff_item;origin;value;currency;quantity;unit\n"
        b"6109.10.00;CN;1 234,56;USD;;\n"
        b"0406.10.10;US;99,5;CAD;12,5;kg\n"
    )
    assert [
        (one.tariff_item, one.origin, one.value, one.currency, one.quantity, one.row) for one in lines
    ] == [
        ("6109.10.00", "CN", D("1234.56"), "USD", None, 2),
        ("0406.10.10", "US", D("99.5"), "CAD", D("12.5"), 3),
    ]


def test_a_csv_with_english_thousands_separators_is_read():
    lines = lines_from_csv(b'tariff_item,origin,value\n6109.10.00,CN,"1,234.56"\n')
    assert lines[0].value == D("1234.56")


def test_empty_rows_of_a_csv_are_skipped():
    lines = lines_from_csv(b"tariff_item,origin,value\n6109.10.00,CN,10\n,,\n8471.30.00,US,20\n")
    assert [(one.tariff_item, one.row) for one in lines] == [("6109.10.00", 2), ("8471.30.00", 4)]


def test_bad_rows_of_a_csv_are_reported_by_their_row_in_the_file():
    with pytest.raises(EstimateRefused) as refusal:
        lines_from_csv(
            b"tariff_item,origin,value,currency\n6109.10.00,CN,12,USD\n6109.10.00,CN,abc,USD\n,CN,5,CAD\n"
        )
    assert [(p.line, p.field, p.code) for p in refusal.value.problems] == [
        (3, "value", "invalid_number"),
        (4, "tariff_item", "required"),
    ]


def test_rows_after_a_blank_line_are_still_reported_by_their_row_in_the_file():
    with pytest.raises(EstimateRefused) as refusal:
        lines_from_csv(b"tariff_item,origin,value\n6109.10.00,CN,12\n\n6109.10.00,CN,abc\n")
    assert [(p.line, p.field) for p in refusal.value.problems] == [(4, "value")]


def test_a_csv_without_the_required_columns_is_refused():
    with pytest.raises(EstimateRefused) as refusal:
        lines_from_csv(b"item,country,amount\n6109.10.00,CN,12\n")
    assert [(p.line, p.code, str(p.message)) for p in refusal.value.problems] == [
        (1, "missing_columns", "The first row must name the columns; missing: tariff_item, origin, value.")
    ]


def test_problems_in_an_uploaded_file_name_the_file_row(full_edition):
    lines = lines_from_csv(b"tariff_item,origin,value\n6109.10.00,CN,12\n9999.99.99,CN,5\n")
    problems = refused(*lines)
    assert [(p[0], p[2]) for p in problems] == [(3, "unknown_tariff_item")]
