"""Revenue test helpers: the ledger's invariants and revenue staff. The shared data (office,
importer, broker, tariff, RPP) are fixtures of tests/support/revenue.py, registered in
tests/conftest.py; `at` and `day` are re-exported for `from .conftest import at, day`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from longroom.core.models import User
from longroom.registry.models import ProgramAccount
from longroom.revenue.models import ClearingApplication, LedgerEntry
from longroom.revenue.selectors import account_position, open_credits, open_debits
from tests.support.revenue import at, day

__all__ = ["assert_ledger_consistent", "at", "day", "revenue_staff"]


def assert_ledger_consistent(account: ProgramAccount, on: dt.date) -> None:
    """The ledger's invariants for one account: the balance is the sum of the entries and equals
    what is owed less what is unused; no debt is paid, and no credit spent, beyond its amount."""
    entries = list(LedgerEntry.objects.filter(account=account))
    applications = list(ClearingApplication.objects.filter(account=account))
    total = sum((e.amount for e in entries), Decimal("0.00"))
    position = account_position(account, on)
    # The balance is the sum of the entries, and equals what is owed less what is unused.
    assert position.balance == total
    assert (
        position.balance
        == position.overdue + position.due_today + position.not_yet_due - position.unapplied_credits
    )
    # No debt paid beyond its amount, no credit spent beyond its amount; applications are positive.
    for entry in entries:
        if entry.amount > 0:
            assert sum((a.amount for a in applications if a.debit_id == entry.pk), Decimal(0)) <= entry.amount
        else:
            assert (
                sum((a.amount for a in applications if a.credit_id == entry.pk), Decimal(0)) <= -entry.amount
            )
    assert all(a.amount > 0 and a.amount == a.amount.quantize(Decimal("0.01")) for a in applications)
    assert (
        sum((i.remaining for i in open_debits(account)), Decimal(0))
        == position.overdue + position.due_today + position.not_yet_due
    )
    assert sum((i.remaining for i in open_credits(account)), Decimal(0)) == position.unapplied_credits


def revenue_staff(email: str, *codenames: str) -> User:
    """Agency staff with the given revenue permissions (view_ledgerentry to see, add_ledgerentry to post)."""
    user = User.objects.create_user(email, "a-long-test-password", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="revenue", codename__in=codenames)
    )
    return user


@pytest.fixture
def revenue_officer(db) -> User:
    return revenue_staff("revenue-officer@longroom.test", "view_ledgerentry", "add_ledgerentry")


@pytest.fixture
def revenue_reader(db) -> User:
    """Revenue staff who may look but not post."""
    return revenue_staff("revenue-reader@longroom.test", "view_ledgerentry")


@pytest.fixture
def officer_client(client, settings, revenue_officer):
    settings.LONGROOM_DEMO = True  # staff may use the pages without a second factor here
    client.force_login(revenue_officer)
    return client
