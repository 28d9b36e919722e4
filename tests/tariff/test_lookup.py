"""Looking things up: items and their rates as of a date, the tree, search, exchange and sales-tax rates.

Acceptance 1 runs against the full T2026-0 edition (skipped when the shared data is absent). The
editions built here for the as-of questions are dated years before it, so they hold whether or not
the full edition is loaded in this module.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from longroom.tariff import selectors
from longroom.tariff.models import ExchangeRate
from longroom.tariff.rates import RateKind, parse_rate
from longroom.tariff.services import tariff_edition_import

from .conftest import FULL_EDITION

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 2)


def rates_of(item: selectors.ItemView) -> dict[str, str]:
    return {rate.treatment: rate.text for rate in item.rates}


# --- acceptance 1: the full edition ------------------------------------------------------------


def test_full_edition_holds_every_line_and_tariff_item_of_t2026_0(full_edition):
    assert full_edition.code == FULL_EDITION
    assert (full_edition.line_count, full_edition.item_count) == (22460, 7351)
    assert full_edition.treatments == ["MFN", "UST", "MXT", "GT"]
    assert not full_edition.is_sample


def test_cotton_t_shirts_6109_10_00_pay_18_percent_mfn_free_under_cusma_and_35_percent_general(full_edition):
    item = selectors.tariff_item("6109.10.00", ON)
    assert item.edition == full_edition
    assert rates_of(item) == {"MFN": "18 %", "UST": "Free", "MXT": "Free", "GT": "35%"}
    mfn = parse_rate(item.rate_for("MFN").text)
    assert (mfn.kind, mfn.base.percent) == (RateKind.AD_VALOREM, Decimal("18"))


def test_cars_8703_23_00_pay_6_1_percent_mfn(full_edition):
    item = selectors.tariff_item("8703.23.00", ON)
    assert item.rate_for("MFN").text == "6.1 %"
    assert parse_rate("6.1 %").base.percent == Decimal("6.1")


def test_cheese_0406_10_10_pays_a_specific_3_32_cents_per_kg(full_edition):
    item = selectors.tariff_item("0406.10.10", ON)
    text = item.rate_for("MFN").text
    assert text == "3.32 ¢/kg"
    rate = parse_rate(text)
    assert rate.kind == RateKind.SPECIFIC
    assert (rate.base.amount, rate.base.unit) == (Decimal("0.0332"), "kg")


def test_a_statistical_line_without_rates_takes_its_tariff_items(full_edition, hs_loaded):
    line = selectors.tariff_item("6109.10.00.12", ON)
    assert rates_of(line) == {"MFN": "18 %", "UST": "Free", "MXT": "Free", "GT": "35%"}
    assert {rate.inherited_from for rate in line.rates} == {"6109.10.00"}
    assert [step.kind for step in line.path] == [
        "section", "chapter", "heading", "subheading", "item", "group", "statistical",
    ]  # fmt: skip


def test_a_tariff_item_lists_its_statistical_lines(full_edition):
    item = selectors.tariff_item("61091000", ON)
    assert [line.display_number for line in item.statistical_lines] == [
        "6109.10.00.11", "6109.10.00.12", "6109.10.00.19", "6109.10.00.21", "6109.10.00.22", "6109.10.00.29",
    ]  # fmt: skip


def test_a_heading_or_unknown_number_is_not_a_tariff_item(full_edition):
    for number in ("6109", "6109.10", "9999.99.99", "", "abc"):
        with pytest.raises(
            selectors.UnknownTariffItem, match=f"is not a tariff item in edition {FULL_EDITION}"
        ):
            selectors.tariff_item(number, ON)


def test_browsing_goes_from_chapter_to_heading_to_subheading_to_item(full_edition, hs_loaded):
    path, chapter = selectors.tree_children("61", ON)
    assert [step.kind for step in path] == ["section", "chapter"]
    assert path[0].code == "XI"
    headings = [node.code for node in chapter]
    assert headings[0] == "6101" and "6109" in headings
    assert all(len(code) == 4 for code in headings)

    _, heading = selectors.tree_children("6109", ON)
    assert [node.code for node in heading] == ["610910", "610990"]
    assert not any(node.is_item for node in heading)

    path, subheading = selectors.tree_children("6109.10", ON)
    assert [step.code for step in path][-1] == "610910"
    assert [(node.display, node.description, node.is_item) for node in subheading] == [
        ("6109.10.00", "Of cotton", True)
    ]


def test_searching_cotton_t_shirt_finds_6109_10_00(full_edition, hs_loaded):
    results = selectors.search("cotton t-shirt", on=ON)
    codes = [result.code for result in results]
    assert "61091000" in codes
    item = next(result for result in results if result.code == "61091000")
    assert item.is_item
    assert {rate.treatment: rate.text for rate in item.rates}["MFN"] == "18 %"
    assert all(code.startswith("61") for code in codes[:5])


# --- editions in force -----------------------------------------------------------------------

HEADER = "TARIFF,DESC1,DESC2,DESC3,UOM,FOOTNOTE,EFF_DATE,MFN,UST,MXT,General Tariff"


def small_edition(tmp_path: Path, code: str, effective_from: dt.date, mfn: str):
    path = tmp_path / f"{code}.csv"
    path.write_text(
        f"{HEADER}\n6109.10.00,Of cotton,,,,,{effective_from.isoformat()},{mfn},Free,Free,35%\n"
        "6109.10.00.12,Other T-shirts,,,NMB,,,,,,\n",
        encoding="utf-8",
    )
    return tariff_edition_import(path=path, code=code, effective_from=effective_from).edition


def test_a_date_is_answered_by_the_edition_in_force_that_day(tmp_path):
    old = small_edition(tmp_path, "T2019-0", dt.date(2019, 1, 1), "18 %")
    new = small_edition(tmp_path, "T2019-2", dt.date(2019, 9, 1), "17 %")
    assert selectors.edition_in_force(dt.date(2019, 1, 1)) == old
    assert selectors.edition_in_force(dt.date(2019, 8, 31)) == old
    assert selectors.edition_in_force(dt.date(2019, 9, 1)) == new
    assert selectors.tariff_item("6109.10.00", dt.date(2019, 8, 31)).rate_for("MFN").text == "18 %"
    assert selectors.tariff_item("6109.10.00", dt.date(2019, 9, 1)).rate_for("MFN").text == "17 %"


def test_a_date_before_the_first_edition_is_refused_with_a_clear_message(tmp_path):
    small_edition(tmp_path, "T2019-0", dt.date(2019, 1, 1), "18 %")
    expected = (
        r"2018-12-31 is before the first loaded edition of the tariff \(T2019-0, in force from 2019-01-01\)\."
    )
    with pytest.raises(selectors.NoEditionInForce, match=expected):
        selectors.edition_in_force(dt.date(2018, 12, 31))
    with pytest.raises(selectors.NoEditionInForce, match=expected):
        selectors.tariff_item("6109.10.00", dt.date(2018, 12, 31))


# --- exchange rates --------------------------------------------------------------------------

FRIDAY = dt.date(2026, 3, 6)


@pytest.fixture
def usd_to_friday():
    for day, rate in ((dt.date(2026, 3, 5), "1.3512"), (FRIDAY, "1.3498")):
        ExchangeRate.objects.create(currency="USD", date=day, rate=Decimal(rate), source="CBSA")


def test_on_a_weekend_the_exchange_rate_of_friday_applies(usd_to_friday):
    for weekend_day in (dt.date(2026, 3, 7), dt.date(2026, 3, 8)):
        found = selectors.exchange_rate("usd", weekend_day)
        assert (found.rate, found.published_on, found.requested_for) == (
            Decimal("1.3498"),
            FRIDAY,
            weekend_day,
        )
        assert found.is_carried_forward
    weekday = selectors.exchange_rate("USD", FRIDAY)
    assert not weekday.is_carried_forward


def test_no_exchange_rate_is_used_beyond_the_allowed_gap(usd_to_friday, settings):
    settings.LONGROOM_FX_MAX_GAP_DAYS = 3
    assert selectors.exchange_rate("USD", dt.date(2026, 3, 9)).published_on == FRIDAY
    with pytest.raises(
        selectors.NoExchangeRate,
        match="No exchange rate for USD is published on or in the 3 days before 2026-03-10",
    ):
        selectors.exchange_rate("USD", dt.date(2026, 3, 10))


def test_an_exchange_rate_is_never_taken_from_a_later_day(usd_to_friday):
    with pytest.raises(selectors.NoExchangeRate):
        selectors.exchange_rate("USD", dt.date(2026, 3, 4))


def test_canadian_dollars_need_no_exchange_rate():
    found = selectors.exchange_rate("CAD", FRIDAY)
    assert found.rate == Decimal(1)


# --- sales taxes -----------------------------------------------------------------------------


def taxes(**question) -> list[tuple[str, str, Decimal]]:
    return [(t.jurisdiction, t.kind, t.rate_percent) for t in selectors.sales_taxes(**question)]


GST = ("CA", "GST", Decimal("5"))


def test_commercial_goods_pay_gst_only_whatever_the_province():
    for province in ("", "ON", "QC", "BC"):
        assert taxes(on=ON, province=province) == [GST]


def test_casual_imports_to_ontario_pay_13_percent_hst_in_place_of_gst():
    assert taxes(on=ON, province="ON", casual=True) == [("ON", "HST", Decimal("13"))]


def test_casual_imports_to_quebec_pay_gst_and_qst():
    assert taxes(on=ON, province="QC", casual=True) == [GST, ("QC", "QST", Decimal("9.975"))]


def test_casual_imports_to_alberta_pay_gst_only():
    assert taxes(on=ON, province="AB", casual=True) == [GST]


def test_nova_scotia_hst_went_from_15_to_14_percent_on_1_april_2025():
    assert taxes(on=dt.date(2025, 3, 31), province="NS", casual=True) == [("NS", "HST", Decimal("15"))]
    assert taxes(on=dt.date(2025, 4, 1), province="NS", casual=True) == [("NS", "HST", Decimal("14"))]


def test_no_sales_tax_is_guessed_for_a_date_before_the_table():
    with pytest.raises(selectors.NoTaxRate, match="No GST rate is recorded for 2007-12-31"):
        selectors.sales_taxes(on=dt.date(2007, 12, 31))
