"""Reading tariff rate cells and computing the duty they levy (longroom.tariff.rates)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from longroom.tariff.rates import (
    CANONICAL_UNITS,
    AdValorem,
    Applied,
    Combination,
    InvalidAmount,
    QuantityRequired,
    RateIncomplete,
    RateKind,
    RateNotApplicable,
    RateSyntaxError,
    SourceIssue,
    Specific,
    UnitMismatch,
    UnknownUnit,
    canonical_unit,
    convert_quantity,
    duty_for,
    parse_rate,
)
from tests.conftest import SHARED_DATA

TARIFF_DB = SHARED_DATA / "tariff" / "ca_tariff.db"
RATE_COLUMNS = ("mfn", "ust", "mxt", "general_rate")


def D(text: str) -> Decimal:
    return Decimal(text)


# --- reading ----------------------------------------------------------------------------------


def test_free_and_not_applicable_are_different_answers():
    assert parse_rate("Free").kind is RateKind.FREE
    for text in ("N/A", "", "  "):
        rate = parse_rate(text)
        assert rate.kind is RateKind.NOT_APPLICABLE
        assert not rate.is_applicable
    assert parse_rate("Free").is_applicable


@pytest.mark.parametrize(
    ("text", "percent"),
    [("18 %", "18"), ("6.1 %", "6.1"), ("35%", "35"), ("6.1\u00a0%", "6.1"), ("9.5%", "9.5")],
)
def test_ad_valorem_rate_keeps_its_percentage(text, percent):
    rate = parse_rate(text)
    assert rate.kind is RateKind.AD_VALOREM
    assert rate.base == AdValorem(D(percent))
    assert rate.ad_valorem_reg == D(percent)
    assert rate.text == text
    assert not rate.needs_quantity
    assert rate.unit is None


@pytest.mark.parametrize(
    ("text", "dollars", "unit"),
    [
        ("3.32 ¢/kg", "0.0332", "kg"),
        ("28.16 ¢/litre", "0.2816", "litre"),
        ("12.28 ¢/litre of absolute ethyl alcohol", "0.1228", "litre_absolute_alcohol"),
        ("0.86 ¢each", "0.0086", "each"),
        ("1.51 ¢/dozen", "0.0151", "dozen"),
        ("$1.52/kg", "1.52", "kg"),
        ("$.99/tonne", "0.99", "tonne"),
        ("$106.91/tonne", "106.91", "tonne"),
        ("10 ¢/litre", "0.10", "litre"),
    ],
)
def test_specific_rate_is_stored_in_dollars_per_canonical_unit(text, dollars, unit):
    rate = parse_rate(text)
    assert rate.kind is RateKind.SPECIFIC
    assert rate.base == Specific(D(dollars), unit)
    assert rate.specific_reg == D(dollars)
    assert rate.needs_quantity
    assert rate.unit == unit


def test_specific_plus_ad_valorem_is_compound_plus():
    rate = parse_rate("5.42 ¢/kg plus 4 %")
    assert rate.kind is RateKind.COMPOUND
    assert rate.combination is Combination.PLUS
    assert (rate.specific_reg, rate.ad_valorem_reg) == (D("0.0542"), D("4"))
    assert (rate.ad_valorem_min, rate.specific_min, rate.ad_valorem_max, rate.specific_max) == (None,) * 4


def test_specific_with_ad_valorem_floor():
    rate = parse_rate("8.43 ¢/kg but not less than 8.5 %")
    assert rate.combination is Combination.NOT_LESS_THAN
    assert rate.specific_reg == D("0.0843")
    assert rate.ad_valorem_min == D("8.5")
    assert rate.describe() == "the greater of 8.43 ¢/kg and 8.5 %"


def test_ad_valorem_with_specific_floor_in_dollars():
    rate = parse_rate("238 % but not less than $1.25/kg")
    assert rate.combination is Combination.NOT_LESS_THAN
    assert rate.ad_valorem_reg == D("238")
    assert rate.specific_min == D("1.25")
    assert rate.unit == "kg"


def test_ad_valorem_between_two_specific_amounts():
    rate = parse_rate("5 % but not less than 4.74 ¢/kg or more than 9.48 ¢/kg")
    assert rate.combination is Combination.NOT_LESS_THAN_OR_MORE_THAN
    assert (rate.specific_min, rate.ad_valorem_reg, rate.specific_max) == (D("0.0474"), D("5"), D("0.0948"))


def test_floor_then_addition_keeps_both_percentages_apart():
    rate = parse_rate("1.88 ¢/kg but not less than 4 % plus 4 %")
    assert rate.combination is Combination.NOT_LESS_THAN_PLUS
    assert rate.base == Specific(D("0.0188"), "kg")
    assert rate.minimum == AdValorem(D("4"))
    assert rate.addition == AdValorem(D("4"))


def test_per_hectolitre_and_per_dozen_floors():
    assert parse_rate("241 % but not less than $34.50/hl").specific_min == D("34.50")
    assert parse_rate("241 % but not less than $34.50/hl").unit == "hl"
    assert parse_rate("163.5 % but not less than 79.9 ¢/dozen").unit == "dozen"
    assert parse_rate("238 % but not less than 30.8 ¢each").unit == "each"


def test_spelling_variants_read_the_same():
    assert parse_rate("3.32 cents per kg").base == parse_rate("3.32 ¢/kg").base
    assert parse_rate("5.42¢/KG + 4%").base == parse_rate("5.42 ¢/kg plus 4 %").base
    assert parse_rate("  FREE ").kind is RateKind.FREE


def test_cut_off_free_is_read_as_free_and_says_so():
    rate = parse_rate("Fre")
    assert rate.kind is RateKind.FREE
    assert rate.source_issue is SourceIssue.WORD_CUT_OFF


def test_bound_without_unit_takes_the_unit_of_the_other_bound():
    rate = parse_rate("5 % but not less than 4.74 ¢/kg or more than 9.48 ¢")
    assert rate.kind is RateKind.COMPOUND
    assert rate.maximum == Specific(D("0.0948"), "kg")
    assert rate.source_issue is SourceIssue.BOUND_UNIT_MISSING


@pytest.mark.parametrize(
    ("text", "issue"),
    [("1.9 ¢", SourceIssue.UNIT_MISSING), ("8.47 ¢/kg plus 8.", SourceIssue.NUMBER_CUT_OFF)],
)
def test_rate_missing_information_parses_as_incomplete_and_is_never_applied(text, issue):
    rate = parse_rate(text)
    assert rate.kind is RateKind.INCOMPLETE
    assert rate.source_issue is issue
    assert not rate.is_applicable
    assert text in rate.describe()
    with pytest.raises(RateIncomplete) as raised:
        duty_for(rate, value_for_duty=D("100"), quantity=D("1"), unit="kg")
    assert raised.value.code == "rate_incomplete"


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "5",
        "8.",
        "3.32 ¢/furlong",
        "5 % or more than 3 ¢/kg",
        "5 % plus 4 %",
        "3 ¢/kg plus 2 ¢/litre",
        "5 % but not less than 9 ¢/kg or more than 4 ¢/kg",
        "5 %/kg",
        "4 % plus 3 ¢/kg plus 1 %",
    ],
)
def test_text_that_is_not_a_rate_is_refused_with_its_text(text):
    with pytest.raises(RateSyntaxError) as raised:
        parse_rate(text)
    assert raised.value.text == text
    assert raised.value.code == "rate_syntax"
    assert text in str(raised.value)


def test_rate_is_frozen_and_hashable():
    rate = parse_rate("5.42 ¢/kg plus 4 %")
    assert rate == parse_rate("5.42 ¢/kg plus 4 %")
    assert len({rate, parse_rate("5.42 ¢/kg plus 4 %")}) == 1
    with pytest.raises(AttributeError):
        rate.text = "Free"  # type: ignore[misc]


def test_describe_gives_short_texts():
    assert parse_rate("Free").describe() == "Free"
    assert parse_rate("18 %").describe() == "18 %"
    assert parse_rate("3.32 ¢/kg").describe() == "3.32 ¢/kg"
    assert parse_rate("$1.52/kg").describe() == "$1.52/kg"
    assert parse_rate("0.86 ¢each").describe() == "0.86 ¢ each"
    assert parse_rate("5.42 ¢/kg plus 4 %").describe() == "5.42 ¢/kg, plus 4 %"
    assert parse_rate("N/A").describe() == "Not applicable: no rate under this treatment"


# --- every rate string in the shared tariff file --------------------------------------------


def _distinct_rate_strings() -> dict[str, set[str]]:
    if not TARIFF_DB.exists():
        pytest.skip("../shared/data/tariff/ca_tariff.db is not available")
    with sqlite3.connect(f"file:{TARIFF_DB}?mode=ro", uri=True) as db:
        return {
            column: {text for (text,) in db.execute(f"SELECT DISTINCT {column} FROM ca_tariff") if text}  # noqa: S608
            for column in RATE_COLUMNS
        }


def test_every_distinct_rate_string_in_the_tariff_file_parses():
    by_column = _distinct_rate_strings()
    every = set().union(*by_column.values())
    refused = {}
    for text in sorted(every):
        try:
            parse_rate(text)
        except RateSyntaxError as error:
            refused[text] = str(error)
    assert refused == {}
    # Edition T2026-0 as copied: 238 distinct non-empty strings over the four columns. The count
    # pins the file; if it changes, look at the new strings before updating it.
    assert len(every) == 238
    incomplete = {text for text in every if parse_rate(text).kind is RateKind.INCOMPLETE}
    assert incomplete == {"1.9 ¢", "8.47 ¢/kg plus 8."}


def test_every_applicable_rate_in_the_file_computes_a_duty():
    every = set().union(*_distinct_rate_strings().values())
    for text in every:
        rate = parse_rate(text)
        if rate.is_applicable:
            duty = duty_for(rate, value_for_duty=D("1000.00"), quantity=D("100"), unit=rate.unit)
            assert duty.amount >= 0
            assert duty.amount == duty.amount.quantize(D("0.01"))


# --- units ------------------------------------------------------------------------------------


def test_canonical_units_cover_what_the_tariff_uses():
    assert {"kg", "tonne", "litre", "hl", "litre_absolute_alcohol", "each", "dozen"} <= set(CANONICAL_UNITS)


@pytest.mark.parametrize(
    ("spelling", "unit"),
    [
        ("KGM", "kg"),
        ("kilograms", "kg"),
        ("TNE", "tonne"),
        ("LTR", "litre"),
        ("L", "litre"),
        ("HLT", "hl"),
        ("LPA", "litre_absolute_alcohol"),
        ("NMB", "each"),
        ("DZN", "dozen"),
        ("GRM", "g"),
        ("ml", "ml"),
    ],
)
def test_unit_spellings_and_uom_codes_map_to_canonical_names(spelling, unit):
    assert canonical_unit(spelling) == unit


def test_unknown_unit_is_refused():
    with pytest.raises(UnknownUnit):
        canonical_unit("furlong")


@pytest.mark.parametrize(
    ("quantity", "source", "target", "expected"),
    [
        ("1500", "g", "kg", "1.5"),
        ("2", "tonne", "kg", "2000"),
        ("250", "kg", "tonne", "0.25"),
        ("750", "ml", "litre", "0.75"),
        ("3", "hl", "litre", "300"),
        ("10", "dozen", "each", "120"),
        ("24", "each", "dozen", "2"),
    ],
)
def test_quantity_converts_within_its_dimension(quantity, source, target, expected):
    assert convert_quantity(D(quantity), from_unit=source, to_unit=target) == D(expected)


@pytest.mark.parametrize(
    ("source", "target"),
    [("kg", "litre"), ("litre", "litre_absolute_alcohol"), ("each", "kg"), ("dozen", "tonne")],
)
def test_quantity_does_not_convert_across_dimensions(source, target):
    with pytest.raises(UnitMismatch) as raised:
        convert_quantity(D("1"), from_unit=source, to_unit=target)
    assert raised.value.code == "unit_mismatch"


# --- duty -------------------------------------------------------------------------------------


def test_ad_valorem_duty_is_rounded_half_up_to_the_cent():
    duty = duty_for(parse_rate("6.1 %"), value_for_duty=D("12.50"), quantity=None, unit=None)
    assert duty.amount == D("0.76")  # 0.7625
    assert str(duty.explanation) == "6.1 % of 12.50 = 0.76"
    assert duty_for(parse_rate("5 %"), value_for_duty=D("0.10"), quantity=None, unit=None).amount == D("0.01")


def test_free_rate_levies_nothing_even_without_quantity():
    duty = duty_for(parse_rate("Free"), value_for_duty=D("500"), quantity=None, unit=None)
    assert duty.amount == D("0.00")


def test_cheese_within_access_commitment_3_32_cents_per_kg_on_1000_kg():
    duty = duty_for(parse_rate("3.32 ¢/kg"), value_for_duty=D("8000"), quantity=D("1000"), unit="kg")
    assert duty.amount == D("33.20")
    assert str(duty.explanation) == "3.32 ¢/kg × 1,000 kg = 33.20"


def test_quantity_in_tonnes_is_converted_for_a_per_kg_rate():
    duty = duty_for(parse_rate("3.32 ¢/kg"), value_for_duty=D("8000"), quantity=D("1"), unit="tonne")
    assert duty.amount == D("33.20")
    assert str(duty.explanation) == "3.32 ¢/kg × 1,000 kg (1 t) = 33.20"


def test_quantity_without_unit_is_taken_in_the_rates_unit():
    assert duty_for(parse_rate("$1.52/kg"), value_for_duty=D("1"), quantity=D("10"), unit=None).amount == D(
        "15.20"
    )


def test_eggs_per_dozen_counted_each():
    duty = duty_for(parse_rate("1.51 ¢/dozen"), value_for_duty=D("100"), quantity=D("1200"), unit="each")
    assert duty.amount == D("1.51")


def test_specific_floor_wins_over_small_ad_valorem_amount():
    rate = parse_rate("8.43 ¢/kg but not less than 8.5 %")
    duty = duty_for(rate, value_for_duty=D("1000.00"), quantity=D("120"), unit="kg")
    assert duty.amount == D("85.00")
    assert duty.applied is Applied.MINIMUM
    assert str(duty.explanation) == "8.5 % of 1,000.00 = 85.00 (greater than 8.43 ¢/kg × 120 kg = 10.12)"


def test_specific_part_applies_when_it_is_greater_than_its_floor():
    rate = parse_rate("8.43 ¢/kg but not less than 8.5 %")
    duty = duty_for(rate, value_for_duty=D("100.00"), quantity=D("1000"), unit="kg")
    assert duty.amount == D("84.30")
    assert duty.applied is Applied.REGULAR


def test_supply_managed_rate_charges_specific_floor_on_cheap_goods():
    rate = parse_rate("238 % but not less than $1.25/kg")
    low_value = duty_for(rate, value_for_duty=D("10.00"), quantity=D("100"), unit="kg")
    assert (low_value.amount, low_value.applied) == (D("125.00"), Applied.MINIMUM)
    high_value = duty_for(rate, value_for_duty=D("1000.00"), quantity=D("100"), unit="kg")
    assert (high_value.amount, high_value.applied) == (D("2380.00"), Applied.REGULAR)


@pytest.mark.parametrize(
    ("value", "amount", "applied"),
    [
        ("100.00", "47.40", Applied.MINIMUM),  # 5 % = 5.00, below 4.74 ¢ × 1,000 kg
        ("1500.00", "75.00", Applied.REGULAR),  # 5 % = 75.00, between 47.40 and 94.80
        ("5000.00", "94.80", Applied.MAXIMUM),  # 5 % = 250.00, above 9.48 ¢ × 1,000 kg
    ],
)
def test_ad_valorem_kept_between_its_specific_minimum_and_maximum(value, amount, applied):
    rate = parse_rate("5 % but not less than 4.74 ¢/kg or more than 9.48 ¢/kg")
    duty = duty_for(rate, value_for_duty=D(value), quantity=D("1000"), unit="kg")
    assert (duty.amount, duty.applied) == (D(amount), applied)


def test_specific_plus_ad_valorem_adds_both_rounded_parts():
    rate = parse_rate("5.42 ¢/kg plus 4 %")
    duty = duty_for(rate, value_for_duty=D("1000.00"), quantity=D("1000"), unit="kg")
    assert duty.amount == D("94.20")
    assert str(duty.explanation) == (
        "5.42 ¢/kg × 1,000 kg = 54.20, plus 4 % of 1,000.00 = 40.00; total 94.20"
    )


def test_floor_then_addition():
    rate = parse_rate("1.88 ¢/kg but not less than 4 % plus 4 %")
    duty = duty_for(rate, value_for_duty=D("1000.00"), quantity=D("500"), unit="kg")
    assert duty.amount == D("80.00")  # max(9.40, 40.00) + 40.00
    assert duty.applied is Applied.MINIMUM


def test_specific_rate_without_quantity_asks_for_it():
    with pytest.raises(QuantityRequired) as raised:
        duty_for(parse_rate("3.32 ¢/kg"), value_for_duty=D("100"), quantity=None, unit=None)
    assert raised.value.code == "quantity_required"
    assert "kg" in str(raised.value)
    with pytest.raises(QuantityRequired):
        duty_for(
            parse_rate("238 % but not less than $1.25/kg"), value_for_duty=D("100"), quantity=None, unit=None
        )


def test_quantity_in_another_dimension_is_refused():
    with pytest.raises(UnitMismatch):
        duty_for(parse_rate("28.16 ¢/litre"), value_for_duty=D("100"), quantity=D("5"), unit="kg")
    with pytest.raises(UnitMismatch):
        duty_for(
            parse_rate("12.28 ¢/litre of absolute ethyl alcohol"),
            value_for_duty=D("100"),
            quantity=D("5"),
            unit="litre",
        )


def test_not_applicable_rate_cannot_be_applied():
    with pytest.raises(RateNotApplicable):
        duty_for(parse_rate("N/A"), value_for_duty=D("100"), quantity=None, unit=None)


@pytest.mark.parametrize("value", [D("-1"), D("NaN"), D("Infinity"), 1.5, "100"])
def test_negative_non_finite_or_float_amounts_are_refused(value):
    with pytest.raises(InvalidAmount):
        duty_for(parse_rate("5 %"), value_for_duty=value, quantity=None, unit=None)
    with pytest.raises(InvalidAmount):
        duty_for(parse_rate("3.32 ¢/kg"), value_for_duty=D("1"), quantity=value, unit="kg")


def test_explanation_follows_the_readers_language():
    duty = duty_for(parse_rate("6.1 %"), value_for_duty=D("1234.50"), quantity=None, unit=None)
    with translation.override("fr"):
        assert "1\xa0234,50" in str(duty.explanation)
    with translation.override("en"):
        assert "1,234.50" in str(duty.explanation)


money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value=0, max_value=1_000_000, places=3, allow_nan=False, allow_infinity=False)
compound_texts = st.sampled_from(
    [
        "8.43 ¢/kg but not less than 8.5 %",
        "5 % but not less than 4.74 ¢/kg or more than 9.48 ¢/kg",
        "238 % but not less than $1.25/kg",
        "5.42 ¢/kg plus 4 %",
        "1.88 ¢/kg but not less than 4 % plus 4 %",
    ]
)


@given(text=compound_texts, value=money, quantity=quantities)
def test_compound_duty_respects_its_bounds(text, value, quantity):
    rate = parse_rate(text)
    duty = duty_for(rate, value_for_duty=value, quantity=quantity, unit="kg").amount
    assert duty >= 0
    assert duty == duty.quantize(D("0.01"))
    parts = {
        component: duty_for(
            parse_rate(str(component.describe())), value_for_duty=value, quantity=quantity, unit="kg"
        ).amount
        for component in rate.components
    }
    added = parts[rate.addition] if rate.addition else D(0)
    if rate.minimum is not None:
        assert duty - added >= parts[rate.minimum]
    if rate.maximum is not None:
        assert duty - added <= parts[rate.maximum]
