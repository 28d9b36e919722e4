"""Interest on overdue amounts, from the rate table, worked by hand; penalties with reason codes."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from longroom.revenue.models import EntryKind, InterestCharge, InterestRate
from longroom.revenue.selectors import account_position
from longroom.revenue.services import LedgerError, interest_charge, ledger_post, penalty_post

from .conftest import at, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten_percent(db):
    return InterestRate.objects.create(
        effective_from=day("2026-01-01"), annual_percent=D("10"), source="test table"
    )


def owe(account, amount, due):
    return ledger_post(
        account=account, kind=EntryKind.DUTIES_TAXES, amount=D(amount), effective_date=day("2026-03-02"),
        due_date=day(due), now=at("2026-03-02"), reference="12345000000017",
    )  # fmt: skip


def pay(account, amount, when):
    return ledger_post(
        account=account, kind=EntryKind.PAYMENT, amount=D(amount), effective_date=day(when), now=at(when)
    )


def test_interest_runs_daily_on_what_is_still_unpaid(importer, ten_percent):
    owe(importer, "1000.00", due="2026-03-31")
    pay(importer, "400.00", "2026-04-10")
    charge = interest_charge(account=importer, through=day("2026-04-30"), now=at("2026-04-30", 23))
    # 1 to 10 April: 10 days on 1,000.00 = 1000 × 10 % × 10 / 365 = 2.739726…
    # 11 to 30 April: 20 days on 600.00 = 600 × 10 % × 20 / 365 = 3.287671…  → 6.03
    assert charge.amount == D("6.03")
    assert (charge.period_start, charge.period_end) == (day("2026-04-01"), day("2026-04-30"))
    assert [s["days"] for s in charge.working[0]["segments"]] == ["10", "20"]
    entry = charge.ledger_entry
    assert (entry.kind, entry.amount, entry.reason_code, entry.due_date) == (
        EntryKind.INTEREST,
        D("6.03"),
        "INT",
        day("2026-04-30"),
    )


def test_no_day_is_charged_twice_and_interest_bears_no_interest(importer, ten_percent):
    owe(importer, "1000.00", due="2026-03-31")
    interest_charge(account=importer, through=day("2026-04-30"), now=at("2026-04-30", 23))
    assert interest_charge(account=importer, through=day("2026-04-30"), now=at("2026-05-01")) is None
    may = interest_charge(account=importer, through=day("2026-05-31"), now=at("2026-05-31", 23))
    # 1 to 31 May on the 1,000.00 only (not on April's 8.22 of interest): 1000 × 10 % × 31 / 365.
    assert (may.period_start, may.amount) == (day("2026-05-01"), D("8.49"))
    assert InterestCharge.objects.count() == 2


def test_a_rate_change_applies_from_its_date(importer, ten_percent):
    InterestRate.objects.create(effective_from=day("2026-04-16"), annual_percent=D("12"), source="test table")
    owe(importer, "1000.00", due="2026-03-31")
    charge = interest_charge(account=importer, through=day("2026-04-30"), now=at("2026-04-30", 23))
    # 1–15 April at 10 %: 4.109589…; 16–30 April at 12 %: 4.931506… → 9.04
    assert charge.amount == D("9.04")


def test_nothing_overdue_nothing_charged(importer, ten_percent):
    owe(importer, "1000.00", due="2026-03-31")
    pay(importer, "1000.00", "2026-03-31")
    charge = interest_charge(account=importer, through=day("2026-04-30"), now=at("2026-04-30", 23))
    assert charge.amount == D("0.00") and charge.ledger_entry is None
    assert account_position(importer, day("2026-04-30")).balance == D("0.00")


def test_a_penalty_is_a_debt_with_its_reason_code(importer):
    entry = penalty_post(
        account=importer, amount=D("150.00"), reason_code="c152", description="Late accounting",
        due_date=day("2026-04-30"), now=at("2026-04-02"),
    )  # fmt: skip
    assert (entry.kind, entry.reason_code, entry.amount) == (EntryKind.PENALTY, "C152", D("150.00"))
    with pytest.raises(LedgerError):
        penalty_post(
            account=importer, amount=D("1"), reason_code="", description="x", due_date=day("2026-04-30"),
            now=at("2026-04-02"),
        )  # fmt: skip
