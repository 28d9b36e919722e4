"""The revenue calendar: every date question the revenue core asks, answered in one place.

Pure Python, no models and no database, so ledgers, statements, notices and tests share one
reading of the rules in ``domain/carm.md`` §7–§9, §11 and §13.

Time
    Moments are stored in UTC; the *business date* of a posting is its date in Eastern Time
    (``America/Toronto``), because CBSA cut-offs and daily notices are stated in ET.
    Functions here take plain ``date`` objects for days and refuse a ``datetime`` in their
    place: a UTC timestamp's own date is the wrong day for the evening hours, so the caller
    must go through :func:`business_date` first.

Statement of account (SOA) cycle
    Releases from the 18th of the previous month to the 17th of this month; the SOA is issued
    on the 25th; payment is due 10 weekdays after the 17th with "holidays counted" (carm.md §8):
    Monday to Friday are counted and a statutory holiday on a weekday still counts as one of
    the ten. When the tenth weekday is itself a federal holiday, the due date stays there
    (e.g. 1 July 2026 for the cycle ending 17 June 2026): that is the literal reading of the
    source, which names no roll-forward. The SOA issue date (the 25th) and the RPP security
    due date (15 January) are likewise kept as stated, even on a holiday or weekend.

Federal holidays (business days)
    A business day is Monday to Friday and not a Canadian federal holiday, taken from the
    maintained ``holidays`` package rather than a hand-kept list. The default is the package's
    ``"government"`` category for Canada, which it documents as the holidays of federally
    regulated workplaces (the Canada Labour Code general holidays): New Year's Day, Good
    Friday, Victoria Day, Canada Day, Labour Day, the National Day for Truth and Reconciliation
    (30 September, from 2021), Thanksgiving, Remembrance Day, Christmas Day and Boxing Day,
    plus their observed days when they fall on a weekend (e.g. Boxing Day 2026 is a Saturday,
    so Monday 28 December 2026 is not a business day).

    ``"public"`` (the five nationwide statutory days) is a subset of ``"government"`` and
    ``"optional"`` holds only Christmas and Boxing Day, so neither adds anything. Easter Monday
    and the Civic Holiday (first Monday of August) are *not* holidays here: they are paid days
    off in federal public service collective agreements, not Canada Labour Code holidays, and
    the package offers them only for some provinces, not nationally. Treating them as business
    days is a labelled project policy; a caller that needs another set builds its own
    :class:`FederalCalendar` (other categories, or a subclass overriding
    :meth:`FederalCalendar.load`) and passes it as ``calendar=``.

RPP security
    Reviewed each year on 20 October over the 12 months 20 October (previous year) to
    19 October; an increased requirement is due the following 15 January (carm.md §13).

Interest
    Accrues daily on an overdue amount from the day after the due date (carm.md §11); a payment
    is on time when made at or before 23:59:59.999999 ET on the due date (the electronic
    11:59 pm ET cut-off, carm.md §8).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from holidays.countries.canada import Canada
from holidays.utils import country_holidays

EASTERN = ZoneInfo("America/Toronto")

ONE_DAY = timedelta(days=1)

# The 18th → 17th cycle shared by statements of account and credit-card billing (carm.md §8, §9).
CYCLE_START_DAY = 18
CYCLE_END_DAY = 17
STATEMENT_ISSUE_DAY = 25
STATEMENT_DUE_WEEKDAYS = 10

SECURITY_REVIEW_MONTH, SECURITY_REVIEW_DAY = 10, 20
SECURITY_DUE_MONTH, SECURITY_DUE_DAY = 1, 15

_SATURDAY = 5


def _require_day(day: date) -> date:
    # datetime is a subclass of date, so a stored UTC timestamp would otherwise be accepted
    # and silently read as its UTC date, a day late for postings made in the ET evening.
    if isinstance(day, datetime):
        raise TypeError(f"expected a date, got the datetime {day!r}; use business_date() first")
    return day


def _is_weekday(day: date) -> bool:
    return day.weekday() < _SATURDAY


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


# --- Federal holidays and business days ------------------------------------------------------


@dataclass(frozen=True)
class FederalCalendar:
    """Canadian federal holidays from the ``holidays`` package, for the given categories.

    Holidays are computed once per year and kept on the instance; the module-level
    :data:`FEDERAL_CALENDAR` is the one the revenue core uses unless told otherwise.
    """

    categories: tuple[str, ...] = ("government",)
    # Filled lazily and shared by every caller of this instance. Two threads asking for the same
    # new year at once may both compute it; they compute the same mapping, so that is harmless.
    _years: dict[int, Mapping[date, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        supported = set(Canada.supported_categories)
        unknown = set(self.categories) - supported
        if not self.categories or unknown:
            raise ValueError(
                f"holiday categories must be a non-empty subset of {sorted(supported)}, "
                f"got {self.categories!r}"
            )
        # One spelling per set, so equal calendars compare and hash equal.
        object.__setattr__(self, "categories", tuple(sorted(set(self.categories))))

    def load(self, year: int) -> Mapping[date, str]:
        """The holidays of ``year`` (observed days included), by date with their names.

        The extension point for a different federal set: override in a subclass.
        """
        found = country_holidays("CA", years=year, categories=self.categories, expand=False)
        return MappingProxyType(dict(found.items()))

    def holidays_in(self, year: int) -> Mapping[date, str]:
        """The holidays of ``year``, cached per year."""
        cached = self._years.get(year)
        if cached is None:
            cached = self._years.setdefault(year, self.load(year))
        return cached

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name on ``day``, or ``None`` on an ordinary day."""
        day = _require_day(day)
        return self.holidays_in(day.year).get(day)

    def is_holiday(self, day: date) -> bool:
        return self.holiday_name(day) is not None

    def is_business_day(self, day: date) -> bool:
        return _is_weekday(_require_day(day)) and not self.is_holiday(day)


FEDERAL_CALENDAR = FederalCalendar()


def is_business_day(day: date, *, calendar: FederalCalendar = FEDERAL_CALENDAR) -> bool:
    """Monday to Friday and not a federal holiday: a day that gets a daily notice if it had activity."""
    return calendar.is_business_day(day)


def next_business_day(day: date, *, calendar: FederalCalendar = FEDERAL_CALENDAR) -> date:
    """The first business day strictly after ``day``."""
    candidate = _require_day(day) + ONE_DAY
    while not calendar.is_business_day(candidate):
        candidate += ONE_DAY
    return candidate


def previous_business_day(day: date, *, calendar: FederalCalendar = FEDERAL_CALENDAR) -> date:
    """The last business day strictly before ``day``."""
    candidate = _require_day(day) - ONE_DAY
    while not calendar.is_business_day(candidate):
        candidate -= ONE_DAY
    return candidate


def business_days(start: date, end: date, *, calendar: FederalCalendar = FEDERAL_CALENDAR) -> Iterator[date]:
    """The business days from ``start`` to ``end``, both included, in order (none if start > end)."""
    day = _require_day(start)
    _require_day(end)
    while day <= end:
        if calendar.is_business_day(day):
            yield day
        day += ONE_DAY


def add_weekdays(day: date, n: int) -> date:
    """The ``n``-th Monday-to-Friday day after ``day``, holidays counted (not skipped).

    carm.md §8 gives the SOA due date as "10 weekdays (holidays counted) after the 17th",
    which is why no holiday calendar is consulted here.
    """
    day = _require_day(day)
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    remaining = n
    while remaining:
        day += ONE_DAY
        if _is_weekday(day):
            remaining -= 1
    return day


# --- Eastern Time --------------------------------------------------------------------------


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got the naive {moment!r}")
    return moment


def business_date(moment: datetime) -> date:
    """The Eastern Time date of an aware moment: the date a posting belongs to.

    Naive datetimes are refused because their zone can only be guessed, and a guess is wrong
    by a day for several hours of every evening.
    """
    return _require_aware(moment).astimezone(EASTERN).date()


def business_date_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC moments ``[start, end)`` of an Eastern Time date, for querying stored timestamps.

    Half-open because the day is 23 or 25 hours long on the daylight-saving changes.
    """
    day = _require_day(day)
    start = datetime.combine(day, time.min, tzinfo=EASTERN)
    end = datetime.combine(day + ONE_DAY, time.min, tzinfo=EASTERN)
    return start.astimezone(UTC), end.astimezone(UTC)


def payment_cut_off(due_date: date) -> datetime:
    """The last on-time moment for an electronic payment: 11:59 pm ET on ``due_date``, in UTC.

    Taken as 23:59:59.999999 so that anything during the minute 11:59 pm counts as on time.
    """
    return datetime.combine(_require_day(due_date), time.max, tzinfo=EASTERN).astimezone(UTC)


def paid_on_time(paid_at: datetime, due_date: date) -> bool:
    """Whether an electronic payment made at ``paid_at`` (aware) meets the ``due_date`` cut-off."""
    return _require_aware(paid_at) <= payment_cut_off(due_date)


# --- Statement and billing cycles -------------------------------------------------------------


@dataclass(frozen=True)
class StatementCycle:
    """One statement-of-account cycle: releases ``start``..``end`` (both included)."""

    start: date
    end: date
    issue_date: date
    due_date: date

    @property
    def cut_off(self) -> datetime:
        """The payment cut-off on the due date, as an aware UTC datetime."""
        return payment_cut_off(self.due_date)

    def contains(self, day: date) -> bool:
        """Whether a release on ``day`` (an Eastern date) belongs to this cycle."""
        return self.start <= _require_day(day) <= self.end


def _cycle_range(day: date) -> tuple[date, date]:
    day = _require_day(day)
    if day.day >= CYCLE_START_DAY:
        year, month = _next_month(day.year, day.month)
        return date(day.year, day.month, CYCLE_START_DAY), date(year, month, CYCLE_END_DAY)
    year, month = _previous_month(day.year, day.month)
    return date(year, month, CYCLE_START_DAY), date(day.year, day.month, CYCLE_END_DAY)


def statement_cycle_ending(year: int, month: int) -> StatementCycle:
    """The statement cycle that ends on the 17th of ``month`` of ``year``."""
    end = date(year, month, CYCLE_END_DAY)
    start_year, start_month = _previous_month(year, month)
    return StatementCycle(
        start=date(start_year, start_month, CYCLE_START_DAY),
        end=end,
        issue_date=date(year, month, STATEMENT_ISSUE_DAY),
        due_date=add_weekdays(end, STATEMENT_DUE_WEEKDAYS),
    )


def statement_cycle_for_release(day: date) -> StatementCycle:
    """The statement cycle whose 18th → 17th range contains a release on ``day`` (an Eastern date)."""
    _, end = _cycle_range(day)
    return statement_cycle_ending(end.year, end.month)


def cycles_between(first: date, last: date) -> Iterator[StatementCycle]:
    """The statement cycles from the one containing ``first`` to the one containing ``last``.

    None when ``last`` is before ``first``.
    """
    if _require_day(last) < _require_day(first):
        return
    cycle = statement_cycle_for_release(first)
    while cycle.start <= last:
        yield cycle
        cycle = statement_cycle_ending(*_next_month(cycle.end.year, cycle.end.month))


def card_billing_cycle(day: date) -> tuple[date, date]:
    """The credit-card billing cycle (18th → 17th, both included) that contains ``day``.

    The per-program-account card limit (carm.md §9) is counted over this range.
    """
    return _cycle_range(day)


# --- RPP security ----------------------------------------------------------------------------


def security_review_date(year: int) -> date:
    """The annual RPP security review of ``year``: 20 October."""
    return date(year, SECURITY_REVIEW_MONTH, SECURITY_REVIEW_DAY)


def security_review_window(review_year: int) -> tuple[date, date]:
    """The 12 months the review of ``review_year`` looks at: 20 Oct of the year before to 19 Oct."""
    end = security_review_date(review_year) - ONE_DAY
    return security_review_date(review_year - 1), end


def security_due_date(review_year: int) -> date:
    """When an increase found by the review of ``review_year`` must be posted: 15 January after."""
    return date(review_year + 1, SECURITY_DUE_MONTH, SECURITY_DUE_DAY)


# --- Interest --------------------------------------------------------------------------------


def interest_days(due_date: date, through: date) -> int:
    """The days interest accrues on an amount due ``due_date`` and unpaid through ``through``.

    Counted from the day after the due date to ``through``, both included; 0 when not overdue.
    """
    return max(0, (_require_day(through) - _require_day(due_date)).days)
