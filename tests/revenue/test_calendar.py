"""The revenue calendar: statement cycles, due dates and cut-offs, business days, RPP security
dates and interest days.

Expected dates are worked out by hand from the printed calendars (``calendar.month``) quoted in
the comments; "W1".."W10" number the weekdays counted towards a due date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from longroom.revenue.calendar import (
    EASTERN,
    FEDERAL_CALENDAR,
    FederalCalendar,
    StatementCycle,
    add_weekdays,
    business_date,
    business_date_bounds,
    business_days,
    card_billing_cycle,
    cycles_between,
    interest_days,
    is_business_day,
    next_business_day,
    paid_on_time,
    payment_cut_off,
    previous_business_day,
    security_due_date,
    security_review_date,
    security_review_window,
    statement_cycle_ending,
    statement_cycle_for_release,
)

# --- Statement cycles and due dates -------------------------------------------------------------


def test_a_release_on_the_17th_belongs_to_the_cycle_ending_that_day():
    #      March 2026
    # Mo Tu We Th Fr Sa Su
    # 16 17 18 19 20 21 22      17 is a Tuesday: W1–W3 = 18–20, W4–W8 = 23–27,
    # 23 24 25 26 27 28 29      W9 = 30, W10 = Tue 31 March.
    # 30 31
    assert statement_cycle_for_release(date(2026, 3, 17)) == StatementCycle(
        start=date(2026, 2, 18),
        end=date(2026, 3, 17),
        issue_date=date(2026, 3, 25),
        due_date=date(2026, 3, 31),
    )


def test_a_release_on_the_18th_opens_the_next_cycle():
    #      April 2026             May 2026
    # Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su
    # 13 14 15 16 17 18 19                  1  2  3
    # 20 21 22 23 24 25 26     17 April is a Friday: W1–W5 = 20–24 April,
    # 27 28 29 30              W6–W9 = 27–30 April, W10 = Fri 1 May.
    assert statement_cycle_for_release(date(2026, 3, 18)) == StatementCycle(
        start=date(2026, 3, 18),
        end=date(2026, 4, 17),
        issue_date=date(2026, 4, 25),
        due_date=date(2026, 5, 1),
    )


def test_the_december_cycle_rolls_over_into_january():
    #     January 2027
    # Mo Tu We Th Fr Sa Su
    #              1  2  3
    # 11 12 13 14 15 16 17      17 January is a Sunday: W1–W5 = 18–22,
    # 18 19 20 21 22 23 24      W6–W10 = 25–29, due Fri 29 January 2027.
    # 25 26 27 28 29 30 31
    expected = StatementCycle(
        start=date(2026, 12, 18),
        end=date(2027, 1, 17),
        issue_date=date(2027, 1, 25),
        due_date=date(2027, 1, 29),
    )
    assert statement_cycle_for_release(date(2026, 12, 18)) == expected
    assert statement_cycle_for_release(date(2026, 12, 31)) == expected
    assert statement_cycle_for_release(date(2027, 1, 5)) == expected
    assert statement_cycle_ending(2027, 1) == expected
    # And the January cycle starts in the previous year.
    assert statement_cycle_ending(2026, 1).start == date(2025, 12, 18)


def test_due_date_counts_a_weekday_holiday_as_a_weekday():
    #     December 2026
    # Mo Tu We Th Fr Sa Su
    # 14 15 16 17 18 19 20      17 December is a Thursday: W1 = 18, W2–W5 = 21–24,
    # 21 22 23 24 25 26 27      W6 = Fri 25 (Christmas), W7 = Mon 28 (Boxing Day observed),
    # 28 29 30 31               W8–W10 = 29–31: due Thu 31 December 2026.
    # Skipping the two holidays (and New Year's Day) would have given Tue 5 January 2027.
    cycle = statement_cycle_ending(2026, 12)
    assert cycle == StatementCycle(
        start=date(2026, 11, 18),
        end=date(2026, 12, 17),
        issue_date=date(2026, 12, 25),
        due_date=date(2026, 12, 31),
    )
    assert not is_business_day(date(2026, 12, 25)) and not is_business_day(date(2026, 12, 28))


def test_due_date_counts_victoria_day_as_the_first_weekday():
    #       May 2026
    # Mo Tu We Th Fr Sa Su
    # 11 12 13 14 15 16 17      17 May is a Sunday: W1 = Mon 18 (Victoria Day), W2–W5 = 19–22,
    # 18 19 20 21 22 23 24      W6–W10 = 25–29: due Fri 29 May (1 June if the holiday were skipped).
    # 25 26 27 28 29 30 31
    assert statement_cycle_ending(2026, 5).due_date == date(2026, 5, 29)


def test_a_due_date_falling_on_a_federal_holiday_is_not_moved():
    #       June 2026               July 2026
    # Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su
    # 15 16 17 18 19 20 21            1  2  3  4  5
    # 22 23 24 25 26 27 28     17 June is a Wednesday: W1–W2 = 18–19, W3–W7 = 22–26,
    # 29 30                    W8–W9 = 29–30, W10 = Wed 1 July, Canada Day: kept (literal reading).
    cycle = statement_cycle_ending(2026, 6)
    assert cycle.due_date == date(2026, 7, 1)
    assert not is_business_day(cycle.due_date)


def test_leap_day_counts_as_a_weekday_in_the_february_cycle():
    #    February 2028            March 2028
    # Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su
    # 14 15 16 17 18 19 20            1  2  3  4  5
    # 21 22 23 24 25 26 27     17 February 2028 is a Thursday: W1 = 18, W2–W6 = 21–25,
    # 28 29                    W7 = 28, W8 = Tue 29, W9 = 1 March, W10 = Thu 2 March.
    assert statement_cycle_ending(2028, 2) == StatementCycle(
        start=date(2028, 1, 18),
        end=date(2028, 2, 17),
        issue_date=date(2028, 2, 25),
        due_date=date(2028, 3, 2),
    )
    # 2027 (no leap day): Wed 17 February, W1–W2 = 18–19, W3–W7 = 22–26, W8–W10 = 1–3 March.
    assert statement_cycle_ending(2027, 2).due_date == date(2027, 3, 3)


def test_a_release_on_the_leap_day_belongs_to_the_cycle_ending_17_march():
    # 17 March 2028 is a Friday: W1–W5 = 20–24, W6–W10 = 27–31, due Fri 31 March 2028.
    cycle = statement_cycle_for_release(date(2028, 2, 29))
    assert (cycle.start, cycle.end, cycle.due_date) == (
        date(2028, 2, 18),
        date(2028, 3, 17),
        date(2028, 3, 31),
    )


def test_a_cycle_contains_its_first_and_last_release_days_only():
    cycle = statement_cycle_ending(2026, 4)
    assert cycle.contains(date(2026, 3, 18)) and cycle.contains(date(2026, 4, 17))
    assert not cycle.contains(date(2026, 3, 17)) and not cycle.contains(date(2026, 4, 18))


def test_cycles_between_lists_each_cycle_touching_the_range_once():
    ends = [cycle.end for cycle in cycles_between(date(2026, 11, 20), date(2027, 1, 17))]
    assert ends == [date(2026, 12, 17), date(2027, 1, 17)]
    ends = [cycle.end for cycle in cycles_between(date(2026, 11, 20), date(2027, 1, 18))]
    assert ends == [date(2026, 12, 17), date(2027, 1, 17), date(2027, 2, 17)]
    assert list(cycles_between(date(2026, 12, 10), date(2026, 12, 1))) == []


def test_a_utc_timestamp_is_refused_where_a_business_date_is_expected():
    # A release at 2026-03-18T02:00Z was on 17 March in Eastern Time; its UTC date would pick
    # the wrong cycle, so callers must go through business_date().
    with pytest.raises(TypeError, match="business_date"):
        statement_cycle_for_release(datetime(2026, 3, 18, 2, 0, tzinfo=UTC))
    assert statement_cycle_for_release(business_date(datetime(2026, 3, 18, 2, 0, tzinfo=UTC))).end == date(
        2026, 3, 17
    )


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_release_date_falls_in_a_well_formed_cycle(day):
    cycle = statement_cycle_for_release(day)
    assert cycle.contains(day)
    assert cycle.start.day == 18 and cycle.end.day == 17
    # Consecutive cycles tile the calendar: the day before the start is the previous cycle's end.
    assert (cycle.start - timedelta(days=1)).day == 17
    assert cycle.due_date > cycle.end and cycle.due_date.weekday() < 5
    assert cycle.issue_date == date(cycle.end.year, cycle.end.month, 25)
    # Ten weekdays after the 17th is never before the 29th, so the SOA always precedes the due date.
    assert cycle.issue_date < cycle.due_date


# --- Cut-off and Eastern Time -------------------------------------------------------------------


def test_cut_off_in_winter_is_eleven_fifty_nine_pm_est():
    # Due Thu 31 December 2026; EST is UTC−5, so 23:59:59.999999 ET is 04:59:59.999999 UTC next day.
    cut_off = statement_cycle_ending(2026, 12).cut_off
    assert cut_off == datetime(2027, 1, 1, 4, 59, 59, 999999, tzinfo=UTC)
    assert cut_off.utcoffset() == timedelta(0)


def test_cut_off_in_summer_is_eleven_fifty_nine_pm_edt():
    # Due Wed 1 July 2026; EDT is UTC−4, so the cut-off is 03:59:59.999999 UTC on 2 July.
    cut_off = statement_cycle_ending(2026, 6).cut_off
    assert cut_off == datetime(2026, 7, 2, 3, 59, 59, 999999, tzinfo=UTC)
    assert cut_off.utcoffset() == timedelta(0)


def test_a_payment_at_the_cut_off_is_on_time_and_a_microsecond_later_is_late():
    due = date(2026, 12, 31)
    cut_off = payment_cut_off(due)
    assert paid_on_time(cut_off, due)
    assert paid_on_time(datetime(2026, 12, 31, 23, 59, 30, tzinfo=EASTERN), due)
    assert not paid_on_time(cut_off + timedelta(microseconds=1), due)
    with pytest.raises(ValueError, match="naive"):
        paid_on_time(datetime(2026, 12, 31, 12, 0), due)


def test_business_date_is_the_eastern_date_of_a_utc_moment():
    # 03:30 UTC on 2 June is 23:30 EDT on 1 June.
    assert business_date(datetime(2026, 6, 2, 3, 30, tzinfo=UTC)) == date(2026, 6, 1)
    # In winter the day turns at 05:00 UTC (EST, UTC−5).
    assert business_date(datetime(2026, 1, 15, 4, 59, 59, tzinfo=UTC)) == date(2026, 1, 14)
    assert business_date(datetime(2026, 1, 15, 5, 0, tzinfo=UTC)) == date(2026, 1, 15)


def test_business_date_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="naive"):
        business_date(datetime(2026, 6, 2, 3, 30))


def test_business_date_bounds_follow_daylight_saving_changes():
    assert business_date_bounds(date(2026, 6, 1)) == (
        datetime(2026, 6, 1, 4, 0, tzinfo=UTC),
        datetime(2026, 6, 2, 4, 0, tzinfo=UTC),
    )
    # 8 March 2026 (clocks forward) has 23 hours, 1 November 2026 (clocks back) has 25.
    start, end = business_date_bounds(date(2026, 3, 8))
    assert end - start == timedelta(hours=23)
    start, end = business_date_bounds(date(2026, 11, 1))
    assert end - start == timedelta(hours=25)


# --- Business days and the federal holiday set --------------------------------------------------


def test_next_business_day_skips_canada_day():
    # Tue 30 June → Wed 1 July (Canada Day) → Thu 2 July 2026.
    assert next_business_day(date(2026, 6, 30)) == date(2026, 7, 2)


def test_next_business_day_skips_a_weekend_and_a_holiday_monday():
    # Fri 15 May → Sat 16, Sun 17, Mon 18 (Victoria Day) → Tue 19 May 2026, and back again.
    assert next_business_day(date(2026, 5, 15)) == date(2026, 5, 19)
    assert previous_business_day(date(2026, 5, 19)) == date(2026, 5, 15)
    # Thu 24 December → Fri 25 (Christmas), weekend, Mon 28 (Boxing Day observed) → Tue 29.
    assert next_business_day(date(2026, 12, 24)) == date(2026, 12, 29)


def test_business_days_lists_the_days_that_get_a_daily_notice():
    # Mon 29 June – Mon 6 July 2026: Canada Day (Wed) and the weekend are left out.
    assert list(business_days(date(2026, 6, 29), date(2026, 7, 6))) == [
        date(2026, 6, 29),
        date(2026, 6, 30),
        date(2026, 7, 2),
        date(2026, 7, 3),
        date(2026, 7, 6),
    ]
    assert list(business_days(date(2026, 7, 6), date(2026, 6, 29))) == []


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),  # New Year's Day (Thu)
        date(2026, 4, 3),  # Good Friday
        date(2026, 5, 18),  # Victoria Day
        date(2026, 7, 1),  # Canada Day (Wed)
        date(2026, 9, 7),  # Labour Day
        date(2026, 9, 30),  # National Day for Truth and Reconciliation (Wed)
        date(2026, 10, 12),  # Thanksgiving
        date(2026, 11, 11),  # Remembrance Day (Wed)
        date(2026, 12, 25),  # Christmas Day (Fri)
        date(2026, 12, 28),  # Boxing Day observed (26 December is a Saturday)
    ],
)
def test_federal_holidays_are_not_business_days(holiday):
    assert FEDERAL_CALENDAR.is_holiday(holiday)
    assert not is_business_day(holiday)


@pytest.mark.parametrize(
    "ordinary_day",
    [
        date(2026, 4, 6),  # Easter Monday: federal public service only, not a Labour Code holiday
        date(2026, 8, 3),  # Civic Holiday: provincial/municipal, not federal
        date(2026, 2, 16),  # Family Day: provincial
        date(2026, 6, 24),  # Saint-Jean-Baptiste: Quebec
        date(2020, 9, 30),  # Truth and Reconciliation day before it existed (from 2021)
    ],
)
def test_days_outside_the_federal_set_are_business_days(ordinary_day):
    assert ordinary_day.weekday() < 5
    assert is_business_day(ordinary_day)


def test_boxing_day_on_a_saturday_is_a_holiday_but_its_observance_moves_to_monday():
    assert FEDERAL_CALENDAR.holiday_name(date(2026, 12, 26)) == "Boxing Day"
    assert FEDERAL_CALENDAR.holiday_name(date(2026, 12, 28)) == "Boxing Day (observed)"


def test_a_calendar_with_other_categories_can_be_passed_in():
    # The package's "public" category holds only the five nationwide statutory days.
    statutory_only = FederalCalendar(categories=("public",))
    assert is_business_day(date(2026, 5, 18), calendar=statutory_only)
    assert next_business_day(date(2026, 5, 15), calendar=statutory_only) == date(2026, 5, 18)
    assert FederalCalendar(("public", "government")) == FederalCalendar(("government", "public"))


def test_an_unknown_holiday_category_is_refused():
    with pytest.raises(ValueError, match="categories"):
        FederalCalendar(categories=("provincial",))
    with pytest.raises(ValueError, match="categories"):
        FederalCalendar(categories=())


def test_add_weekdays_counts_monday_to_friday_only():
    # Sat 16 May 2026 + 1 weekday = Mon 18 May (Victoria Day counted); 0 leaves the day as is.
    assert add_weekdays(date(2026, 5, 16), 1) == date(2026, 5, 18)
    assert add_weekdays(date(2026, 5, 16), 0) == date(2026, 5, 16)
    with pytest.raises(ValueError):
        add_weekdays(date(2026, 5, 16), -1)


# --- Credit-card billing cycle ------------------------------------------------------------------


def test_card_billing_cycle_runs_from_the_18th_to_the_17th():
    assert card_billing_cycle(date(2026, 2, 17)) == (date(2026, 1, 18), date(2026, 2, 17))
    assert card_billing_cycle(date(2026, 2, 18)) == (date(2026, 2, 18), date(2026, 3, 17))
    assert card_billing_cycle(date(2026, 12, 31)) == (date(2026, 12, 18), date(2027, 1, 17))
    assert card_billing_cycle(date(2028, 2, 29)) == (date(2028, 2, 18), date(2028, 3, 17))


# --- RPP security -------------------------------------------------------------------------------


def test_security_review_looks_at_the_twelve_months_to_19_october():
    assert security_review_date(2026) == date(2026, 10, 20)
    assert security_review_window(2026) == (date(2025, 10, 20), date(2026, 10, 19))
    # The window ending in 2028 holds 29 February: 366 days, both ends included.
    start, end = security_review_window(2028)
    assert (end - start).days + 1 == 366


def test_an_increased_security_is_due_15_january_after_the_review():
    assert security_due_date(2026) == date(2027, 1, 15)


# --- Interest -----------------------------------------------------------------------------------


def test_interest_starts_the_day_after_the_due_date():
    due = date(2026, 5, 1)
    assert interest_days(due, date(2026, 4, 20)) == 0
    assert interest_days(due, due) == 0
    assert interest_days(due, date(2026, 5, 2)) == 1
    assert interest_days(due, date(2026, 5, 31)) == 30


def test_interest_days_count_the_leap_day():
    # Due Mon 28 February 2028: interest on 29 February and 1 March.
    assert interest_days(date(2028, 2, 28), date(2028, 3, 1)) == 2
