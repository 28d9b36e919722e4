"""Payments at the same moment, and a payment racing the daily clearing, on PostgreSQL.

Each ledger service locks the account's row first (SELECT … FOR UPDATE), so these interleavings
must leave a ledger that satisfies its invariants: no debt paid twice over, no credit spent twice,
the credit card cap not exceeded. SQLite has one writer at a time, so these run on PostgreSQL
(DATABASE_URL), as CI does on its second pass.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal as D

import pytest
from django.db import connection

from longroom.registry.models import Business, ProgramAccount
from longroom.revenue.gateway import CardKind, SandboxGateway
from longroom.revenue.models import ClearingApplication, EntryKind, Payment, PaymentStatus
from longroom.revenue.selectors import account_position
from longroom.revenue.services import PaymentRefused, account_clear, card_payment_make, ledger_post

from .conftest import assert_ledger_consistent, at, day

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent postings are raced on PostgreSQL (DATABASE_URL); SQLite serialises writers.")


@pytest.fixture
def business(db) -> Business:
    return Business.objects.create(
        bn9="123456782", legal_name="Maple Leaf Imports Ltd.", address_line1="1 Main St.", city="Ottawa",
        province="ON", postal_code="K1A 0L5",
    )  # fmt: skip


def at_once(*work: Callable[[], object]) -> list[object]:
    """Run each callable in its own thread and connection, released together."""
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def owe(account, amount):
    return ledger_post(
        account=account, kind=EntryKind.DUTIES_TAXES, amount=D(amount), effective_date=day("2026-03-02"),
        due_date=day("2026-03-31"), now=at("2026-03-02"), reference="12345000000017",
    )  # fmt: skip


def pay(account, amount, hour=12):
    return lambda: ledger_post(
        account=account, kind=EntryKind.PAYMENT, amount=D(amount), effective_date=day("2026-03-31"),
        now=at("2026-03-31", hour),
    )  # fmt: skip


def test_two_payments_at_once_pay_a_debt_once(business):
    for n in range(1, ROUNDS + 1):
        account = ProgramAccount.objects.create(
            business=business, number=f"123456782RM{n:04d}", opened_on=day("2026-01-01")
        )
        debt = owe(account, "1000.00")
        results = at_once(pay(account, "600.00"), pay(account, "600.00"))
        assert not [r for r in results if isinstance(r, Exception)]
        assert sum(a.amount for a in ClearingApplication.objects.filter(debit=debt)) == D("1000.00")
        position = account_position(account, day("2026-03-31"))
        assert (position.balance, position.unapplied_credits) == (D("-200.00"), D("200.00"))
        assert_ledger_consistent(account, day("2026-03-31"))


def test_a_payment_racing_the_daily_clearing_leaves_a_correct_ledger(business):
    for n in range(1, ROUNDS + 1):
        account = ProgramAccount.objects.create(
            business=business, number=f"123456782RM{n:04d}", opened_on=day("2026-01-01")
        )
        ledger_post(account=account, kind=EntryKind.PAYMENT, amount=D("500.00"), effective_date=day("2026-03-20"),
                    now=at("2026-03-20"))  # fmt: skip  # an early payment, waiting for the due date
        debt = owe(account, "800.00")
        results = at_once(lambda account=account: account_clear(account=account, now=at("2026-03-31", 6)),
                          pay(account, "300.00", hour=6))  # fmt: skip
        assert not [r for r in results if isinstance(r, Exception)]
        assert sum(a.amount for a in ClearingApplication.objects.filter(debit=debt)) == D("800.00")
        assert account_position(account, day("2026-03-31")).balance == D("0.00")
        assert_ledger_consistent(account, day("2026-03-31"))


def test_two_credit_card_payments_at_once_cannot_both_slip_under_the_cap(business):
    gateway = SandboxGateway()
    for n in range(1, ROUNDS + 1):
        account = ProgramAccount.objects.create(
            business=business, number=f"123456782RM{n:04d}", opened_on=day("2026-01-01")
        )

        def card(key: str, account=account) -> Payment:
            return card_payment_make(
                account=account, amount=D("3000.00"), card_kind=CardKind.CREDIT, card_number="4242424242424242",
                expiry_month=12, expiry_year=2099, cvc="123", idempotency_key=key, now=at("2026-03-31"),
                gateway=gateway,
            )  # fmt: skip

        results = at_once(lambda: card("a"), lambda: card("b"))
        approved = [r for r in results if isinstance(r, Payment) and r.status == PaymentStatus.APPROVED]
        refused = [r for r in results if isinstance(r, PaymentRefused)]
        assert (len(approved), len(refused)) == (1, 1)
        assert refused[0].code == "credit_card_cap"


def test_the_same_payment_sent_twice_at_once_is_one_payment(business):
    gateway = SandboxGateway()
    for n in range(1, ROUNDS + 1):
        account = ProgramAccount.objects.create(
            business=business, number=f"123456782RM{n:04d}", opened_on=day("2026-01-01")
        )

        def card(account=account) -> Payment:
            return card_payment_make(
                account=account, amount=D("100.00"), card_kind=CardKind.DEBIT, card_number="4242424242424242",
                expiry_month=12, expiry_year=2099, cvc="123", idempotency_key="double-click", now=at("2026-03-31"),
                gateway=gateway,
            )  # fmt: skip

        results = at_once(card, card)
        assert all(isinstance(r, Payment) for r in results), results
        assert Payment.objects.filter(account=account).count() == 1
        assert account.ledger_entries.filter(kind=EntryKind.PAYMENT).count() == 1


def test_the_same_new_transaction_number_sent_twice_at_once_is_declared_once(
    business, customs_office, tariff
):
    from longroom.revenue.models import Declaration
    from longroom.revenue.services import CadHeader, CadLine, DeclarationError, declaration_submit

    tariff("USD", "2026-03-10", "1.3500")
    account = ProgramAccount.objects.create(
        business=business, number="123456782RM0001", opened_on=day("2026-01-01")
    )
    header = CadHeader(office_number="0497", release_date=day("2026-03-10"), transport_mode="air")
    lines = [
        CadLine(
            vendor="Shenzhen Apparel Co.",
            tariff_item="6109.10.00",
            origin="CN",
            currency="USD",
            value=D("1000"),
        )
    ]
    for n in range(ROUNDS):
        number = f"123450000000{n:02d}"

        def send(number=number):
            return declaration_submit(
                account=account, transaction_number=number, header=header, lines=lines, now=at("2026-03-10")
            )

        results = at_once(send, send)
        assert sorted(type(r).__name__ for r in results) == ["DeclarationError", "DeclarationVersion"], (
            results
        )
        assert next(r for r in results if isinstance(r, DeclarationError)).code in {
            "transaction_number_taken",
            "already_declared",
        }
        assert Declaration.objects.get(transaction_number=number).versions.count() == 1
