"""The ledger: append-only entries, balances derived from them, and clearing in the prescribed order."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from longroom.core.models import AuditEvent
from longroom.registry.models import Business, ProgramAccount
from longroom.revenue.models import (
    AccountProfile,
    ClearingApplication,
    ClearingRule,
    EntryKind,
    LedgerEntry,
    LedgerIsAppendOnly,
    OffsettingPreference,
)
from longroom.revenue.selectors import account_position, open_credits, open_debits
from longroom.revenue.services import (
    LedgerError,
    Posting,
    account_clear,
    credit_apply,
    ledger_post,
    ledger_post_many,
    ledger_reverse,
)

from .conftest import assert_ledger_consistent, at, day

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


@pytest.fixture
def business(db) -> Business:
    return Business.objects.create(
        bn9="123456782", legal_name="Maple Leaf Imports Ltd.", address_line1="1 Main St.", city="Ottawa",
        province="ON", postal_code="K1A 0L5",
    )  # fmt: skip


def new_account(business: Business) -> ProgramAccount:
    return ProgramAccount.objects.create(
        business=business, number=f"{business.bn9}RM{next(_numbers):04d}", opened_on=day("2026-01-01")
    )


@pytest.fixture
def account(business) -> ProgramAccount:
    return new_account(business)


def debt(account, amount, due, *, kind=EntryKind.DUTIES_TAXES, posted="2026-03-02", reference=""):
    return ledger_post(
        account=account, kind=kind, amount=D(amount), effective_date=day(posted), due_date=day(due),
        now=at(posted), reference=reference,
    )  # fmt: skip


def payment(account, amount, when):
    return ledger_post(
        account=account, kind=EntryKind.PAYMENT, amount=D(amount), effective_date=day(when), now=at(when)
    )


def test_a_payment_on_the_due_date_clears_the_debt_and_says_which(account):
    owed = debt(account, "1058.00", due="2026-03-31", reference="12345000000017")
    paid = payment(account, "1058.00", "2026-03-31")
    [application] = ClearingApplication.objects.all()
    assert (application.credit, application.debit, application.amount) == (paid, owed, D("1058.00"))
    assert application.rule == ClearingRule.DUE
    position = account_position(account, day("2026-03-31"))
    assert position.balance == D("0.00") and position.overdue == D("0.00")
    assert AuditEvent.objects.filter(verb="ledger.cleared", subject_id=str(account.pk)).count() == 1


def test_an_early_payment_waits_for_the_due_date_then_clears(account):
    debt(account, "500.00", due="2026-03-31")
    payment(account, "500.00", "2026-03-20")
    assert not ClearingApplication.objects.exists()
    position = account_position(account, day("2026-03-20"))
    assert (position.balance, position.not_yet_due, position.unapplied_credits) == (
        D("0.00"),
        D("500.00"),
        D("500.00"),
    )
    account_clear(account=account, now=at("2026-03-30"))
    assert not ClearingApplication.objects.exists()
    account_clear(account=account, now=at("2026-03-31"))
    assert ClearingApplication.objects.get().amount == D("500.00")


def test_overdue_debts_go_first_oldest_first_with_interest_and_penalties_before_duties(account):
    newer_duties = debt(account, "300.00", due="2026-02-27", posted="2026-02-02")
    older_duties = debt(account, "200.00", due="2026-01-30", posted="2026-01-05")
    interest = debt(account, "10.00", due="2026-02-27", kind=EntryKind.INTEREST, posted="2026-02-25")
    penalty = debt(account, "25.00", due="2026-02-27", kind=EntryKind.PENALTY, posted="2026-02-26")
    due_today = debt(account, "1000.00", due="2026-03-31", posted="2026-03-02")
    payment(account, "400.00", "2026-03-31")
    cleared = [(a.debit_id, a.amount, a.rule) for a in ClearingApplication.objects.order_by("id")]
    assert cleared == [
        (older_duties.pk, D("200.00"), ClearingRule.OVERDUE),  # the oldest due date first
        (interest.pk, D("10.00"), ClearingRule.OVERDUE),  # then, same due date: charges before duties
        (penalty.pk, D("25.00"), ClearingRule.OVERDUE),
        (newer_duties.pk, D("165.00"), ClearingRule.OVERDUE),
    ]
    assert due_today.pk not in {a.debit_id for a in ClearingApplication.objects.all()}
    position = account_position(account, day("2026-03-31"))
    assert (position.overdue, position.due_today, position.balance) == (
        D("135.00"),
        D("1000.00"),
        D("1135.00"),
    )


@pytest.mark.parametrize(
    ("preference", "first"),
    [
        (OffsettingPreference.OLDEST_FIRST, "a"),
        (OffsettingPreference.LARGEST_FIRST, "b"),
        (OffsettingPreference.SMALLEST_FIRST, "c"),
    ],
)
def test_the_offsetting_preference_chooses_among_equal_debts(account, preference, first):
    AccountProfile.objects.create(account=account, offsetting_preference=preference)
    debts = {
        "a": debt(account, "200.00", due="2026-03-31", posted="2026-03-02"),
        "b": debt(account, "500.00", due="2026-03-31", posted="2026-03-05"),
        "c": debt(account, "50.00", due="2026-03-31", posted="2026-03-09"),
    }
    payment(account, "1.00", "2026-03-31")
    assert ClearingApplication.objects.get().debit == debts[first]


def test_a_posted_entry_cannot_be_edited_even_in_sql(account):
    entry = debt(account, "100.00", due="2026-03-31")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE revenue_ledgerentry SET amount = 1 WHERE id = %s", [entry.pk])
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    entry.refresh_from_db()
    assert entry.amount == D("100.00")


def test_reversing_a_partly_paid_debt_settles_the_rest_and_frees_what_was_paid(account):
    owed = debt(account, "300.00", due="2026-03-31")
    payment(account, "100.00", "2026-03-31")
    reversal = ledger_reverse(entry=owed, now=at("2026-04-02"), reason_code="ADJ")
    assert reversal.amount == D("-300.00") and reversal.reverses == owed
    assert open_debits(account) == []
    # The 100.00 paid stays applied to the cancelled debt; the reversal's other 100.00 is the
    # client's credit now.
    [credit] = open_credits(account)
    assert (credit.entry, credit.remaining) == (reversal, D("100.00"))
    assert account_position(account, day("2026-04-02")).balance == D("-100.00")
    with pytest.raises(LedgerError):
        ledger_reverse(entry=owed, now=at("2026-04-03"), reason_code="ADJ")


def test_reversing_a_cleared_payment_leaves_the_debt_owing_again(account):
    debt(account, "250.00", due="2026-03-31")
    paid = payment(account, "250.00", "2026-03-31")
    bounced = ledger_reverse(entry=paid, now=at("2026-04-01"), reason_code="NSF")
    assert bounced.amount == D("250.00") and bounced.due_date == day("2026-04-01")
    position = account_position(account, day("2026-04-02"))
    assert (position.balance, position.overdue) == (D("250.00"), D("250.00"))


def test_a_client_may_apply_a_credit_to_a_debt_not_yet_due(account):
    later = debt(account, "80.00", due="2026-04-30")
    payment(account, "100.00", "2026-03-10")
    assert not ClearingApplication.objects.exists()
    [application] = credit_apply(account=account, debit=later, now=at("2026-03-11"))
    assert (application.amount, application.rule) == (D("80.00"), ClearingRule.CREDIT_APPLIED)
    assert account_position(account, day("2026-03-11")).unapplied_credits == D("20.00")
    with pytest.raises(LedgerError):
        credit_apply(account=account, debit=later, now=at("2026-03-12"))


def test_the_ledger_refuses_fractions_of_a_cent_zero_and_a_debt_without_due_date(account):
    with pytest.raises(LedgerError):
        debt(account, "10.005", due="2026-03-31")
    with pytest.raises(LedgerError):
        payment(account, "0", "2026-03-31")
    with pytest.raises(LedgerError):
        ledger_post(
            account=account,
            kind=EntryKind.FEE,
            amount=D("5"),
            effective_date=day("2026-03-02"),
            now=at("2026-03-02"),
        )
    assert not LedgerEntry.objects.exists()


def test_business_date_is_the_eastern_day_of_posting(account):
    late_evening = dt.datetime(2026, 3, 31, 3, 30, tzinfo=dt.UTC)  # 23:30 EDT on 30 March
    entry = ledger_post(
        account=account,
        kind=EntryKind.PAYMENT,
        amount=D("1"),
        effective_date=day("2026-03-30"),
        now=late_evening,
    )
    assert entry.business_date == day("2026-03-30")


# ── invariants, on random histories ────────────────────────────────────────────────────────

amounts = st.decimals(min_value=D("0.01"), max_value=D("5000.00"), places=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("debt"), amounts, st.integers(0, 60), st.sampled_from(list(EntryKind)[:4])),
        st.tuples(st.just("pay"), amounts, st.integers(0, 60)),
        st.tuples(st.just("reverse"), st.integers(0, 30)),
        st.tuples(st.just("clear"), st.integers(0, 60)),
        st.tuples(st.just("apply"), st.integers(0, 30)),
    ),
    max_size=14,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=operations)
def test_clearing_never_creates_or_destroys_money(business, history):
    account = new_account(business)
    start = day("2026-01-05")
    entries: list[LedgerEntry] = []
    for operation in history:
        name = operation[0]
        if name == "debt":
            _, amount, offset, kind = operation
            posted = start + dt.timedelta(days=offset)
            entries.append(
                ledger_post(
                    account=account,
                    kind=kind,
                    amount=amount,
                    effective_date=posted,
                    due_date=posted + dt.timedelta(days=14),
                    now=at(posted.isoformat()),
                )
            )
        elif name == "pay":
            _, amount, offset = operation
            when = start + dt.timedelta(days=offset)
            entries.append(payment(account, amount, when.isoformat()))
        elif name == "reverse" and entries:
            target = entries[operation[1] % len(entries)]
            if target.reverses_id is None and not LedgerEntry.objects.filter(reverses=target).exists():
                entries.append(ledger_reverse(entry=target, now=at("2026-03-20"), reason_code="TEST"))
        elif name == "clear":
            before = account_position(account, start).balance
            account_clear(account=account, now=at((start + dt.timedelta(days=operation[1])).isoformat()))
            assert account_position(account, start).balance == before  # clearing moves no money
        elif name == "apply" and entries:
            target = entries[operation[1] % len(entries)]
            if (
                target.amount > 0
                and open_credits(account)
                and any(i.entry.pk == target.pk for i in open_debits(account))
            ):
                credit_apply(account=account, debit=target, now=at("2026-03-25"))
        assert_ledger_consistent(account, start + dt.timedelta(days=30))


def test_a_batch_is_posted_whole_with_an_event_per_entry_and_its_credits_cleared(business):
    first, second = new_account(business), new_account(business)
    batch = [
        Posting(first, EntryKind.DUTIES_TAXES, D("100.00"), day("2026-03-02"), due_date=day("2026-03-02")),
        Posting(second, EntryKind.DUTIES_TAXES, D("40.00"), day("2026-03-02"), due_date=day("2026-03-31")),
        Posting(first, EntryKind.PAYMENT, D("60.00"), day("2026-03-03")),
    ]
    entries = ledger_post_many(postings=batch, now=at("2026-03-03"))
    assert len(entries) == 3 and all(e.pk for e in entries)
    assert AuditEvent.objects.filter(verb="ledger.entry_posted").count() == 3
    assert ClearingApplication.objects.get().amount == D("60.00")  # the payment met the overdue debt
    with pytest.raises(LedgerError):
        ledger_post_many(
            postings=[
                batch[0],
                Posting(second, EntryKind.FEE, D("1.001"), day("2026-03-02"), day("2026-03-02")),
            ],
            now=at("2026-03-04"),
        )
    assert LedgerEntry.objects.count() == 3  # nothing of the refused batch
