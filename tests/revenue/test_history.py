"""The transaction history a person sees: newest first, filtered, paged, with what is left of each entry;
and who may see an account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission

from longroom.core.models import User
from longroom.registry.models import AccessLevel
from longroom.registry.selectors import accounts_visible_to
from longroom.registry.services import account_access_grant, account_access_revoke
from longroom.revenue.models import EntryKind
from longroom.revenue.selectors import HistoryFilter, transaction_history, transaction_history_all
from longroom.revenue.services import ledger_post

from .conftest import at, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(importer):
    for n in range(7):
        posted = (day("2026-03-02") + dt.timedelta(days=n)).isoformat()
        ledger_post(
            account=importer, kind=EntryKind.DUTIES_TAXES, amount=D("100.00"), effective_date=day(posted),
            due_date=day(posted), now=at(posted), reference=f"1234500000{n:04d}",
        )  # fmt: skip
    ledger_post(account=importer, kind=EntryKind.PAYMENT, amount=D("150.00"), effective_date=day("2026-03-09"),
                now=at("2026-03-09"), reference="PAY-1")  # fmt: skip
    return importer


def test_history_is_newest_first_and_paged(history):
    first = transaction_history(history, page_size=3)
    assert [r.entry.reference for r in first.rows] == ["PAY-1", "12345000000006", "12345000000005"]
    assert first.has_next
    last = transaction_history(history, page=3, page_size=3)
    assert [r.entry.reference for r in last.rows] == ["12345000000001", "12345000000000"]
    assert len(last.rows) == 2 and not last.has_next


def test_history_filters_and_shows_what_is_left(history):
    # The payment cleared the two oldest overdue debts: 100.00 and 50.00 of the second.
    open_rows = transaction_history(history, HistoryFilter(open_only=True), page_size=50).rows
    left = {r.entry.reference: r.outstanding for r in open_rows}
    assert "12345000000000" not in left and left["12345000000001"] == D("50.00")
    assert len(open_rows) == 6
    debts = transaction_history(history, HistoryFilter(kinds=(EntryKind.PAYMENT,))).rows
    assert [r.entry.reference for r in debts] == ["PAY-1"]
    window = HistoryFilter(posted_from=day("2026-03-03"), posted_to=day("2026-03-04"), reference="0000")
    assert {r.entry.reference for r in transaction_history(history, window).rows} == {
        "12345000000001",
        "12345000000002",
    }
    assert len(list(transaction_history_all(history))) == 8


def test_a_person_sees_only_the_accounts_they_were_given(importer, broker):
    clerk = User.objects.create_user("clerk@example.com", "a-long-test-password")
    assert list(accounts_visible_to(clerk)) == []
    access = account_access_grant(
        account=importer, user=clerk, level=AccessLevel.READ, actor=None, now=at("2026-03-02")
    )
    assert list(accounts_visible_to(clerk)) == [importer]
    assert list(accounts_visible_to(clerk, level=AccessLevel.EDIT)) == []
    account_access_grant(
        account=importer, user=clerk, level=AccessLevel.EDIT, actor=None, now=at("2026-03-03")
    )
    assert list(accounts_visible_to(clerk, level=AccessLevel.EDIT)) == [importer]
    access.refresh_from_db()
    assert access.revoked_at is not None  # the read access gave way to the edit access
    live = importer.accesses.get(revoked_at=None)
    account_access_revoke(access=live, actor=None, now=at("2026-03-04"))
    assert list(accounts_visible_to(clerk)) == []
    officer = User.objects.create_user("revenue@longroom.test", "a-long-test-password", is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="view_ledgerentry"))
    officer = User.objects.get(pk=officer.pk)
    assert set(accounts_visible_to(officer)) == {importer, broker}
