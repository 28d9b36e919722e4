"""Payments: cards through the sandbox gateway, the credit card cap, idempotency, PAD on due dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from longroom.core.models import AuditEvent
from longroom.revenue.gateway import CardKind, SandboxGateway
from longroom.revenue.models import (
    ClearingApplication,
    EntryKind,
    LedgerEntry,
    PadAgreementStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from longroom.revenue.selectors import account_position
from longroom.revenue.services import (
    PaymentRefused,
    card_payment_make,
    credit_card_room,
    ledger_post,
    pad_agreement_sign,
    pad_debits_run,
)

from .conftest import at, day

pytestmark = pytest.mark.django_db
APPROVE, DECLINE, ERROR = "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 0119"


@pytest.fixture
def gateway() -> SandboxGateway:
    return SandboxGateway(clock=lambda: dt.date(2026, 3, 1))


def owe(account, amount: str, due: str) -> LedgerEntry:
    return ledger_post(
        account=account, kind=EntryKind.DUTIES_TAXES, amount=D(amount), effective_date=day("2026-03-02"),
        due_date=day(due), now=at("2026-03-02"), reference="12345000000017",
    )  # fmt: skip


def pay(account, gateway, amount: str, *, card=APPROVE, kind=CardKind.CREDIT, key="k1", when="2026-03-31"):
    return card_payment_make(
        account=account, amount=D(amount), card_kind=kind, card_number=card, expiry_month=12, expiry_year=2030,
        cvc="123", idempotency_key=key, now=at(when), gateway=gateway,
    )  # fmt: skip


def test_an_approved_card_payment_posts_a_credit_that_clears_the_debt_due(importer, gateway):
    debt = owe(importer, "322.65", due="2026-03-31")
    payment = pay(importer, gateway, "322.65")
    assert payment.status == PaymentStatus.APPROVED
    assert (payment.card_brand, payment.card_last4, payment.gateway) == ("Visa", "4242", "sandbox")
    assert payment.gateway_reference.startswith("SBX-")
    assert payment.ledger_entry.amount == D("-322.65")
    # The entry's text shows on statements in either language: the card, masked, not "Credit card".
    assert payment.ledger_entry.description == "Visa •••• 4242"
    assert ClearingApplication.objects.get().debit == debt
    assert account_position(importer, day("2026-03-31")).balance == D("0.00")
    assert AuditEvent.objects.filter(verb="payment.approved").count() == 1


def test_a_declined_card_posts_nothing_and_says_why(importer, gateway):
    owe(importer, "100.00", due="2026-03-31")
    payment = pay(importer, gateway, "100.00", card=DECLINE)
    assert (payment.status, payment.message, payment.ledger_entry) == (
        PaymentStatus.DECLINED,
        "Card declined",
        None,
    )
    assert account_position(importer, day("2026-03-31")).balance == D("100.00")


def test_the_same_submission_twice_is_one_payment(importer, gateway):
    first = pay(importer, gateway, "50.00", key="browser-tab-1")
    again = pay(importer, gateway, "50.00", key="browser-tab-1")
    assert again.pk == first.pk
    assert Payment.objects.count() == 1 and LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1
    with pytest.raises(PaymentRefused) as reused:
        pay(importer, gateway, "60.00", key="browser-tab-1")
    assert reused.value.code == "idempotency_key_reused"


def test_credit_cards_stop_at_4999_99_a_billing_cycle_and_the_room_left_is_shown(importer, gateway):
    pay(importer, gateway, "4000.00", key="a", when="2026-03-20")
    pay(
        importer, gateway, "500.00", card=DECLINE, key="d", when="2026-03-21"
    )  # a declined payment takes no room
    assert credit_card_room(importer, day("2026-03-25")) == D("999.99")
    with pytest.raises(PaymentRefused) as refused:
        pay(importer, gateway, "1000.00", key="b", when="2026-03-25")
    assert refused.value.code == "credit_card_cap" and "$999.99 remains" in refused.value.message
    pay(importer, gateway, "999.99", key="c", when="2026-04-17")  # the cycle ends on the 17th
    assert credit_card_room(importer, day("2026-04-17")) == D("0.00")
    # Debit cards have no cap; a new cycle starts on the 18th.
    pay(importer, gateway, "10000.00", kind=CardKind.DEBIT, key="e", when="2026-04-17")
    assert credit_card_room(importer, day("2026-04-18")) == D("4999.99")
    assert Payment.objects.filter(method=PaymentMethod.DEBIT_CARD, status=PaymentStatus.APPROVED).count() == 1


def test_a_processor_error_leaves_a_visible_payment_and_charges_nothing(importer, gateway):
    payment = pay(importer, gateway, "20.00", card=ERROR)
    assert payment.status == PaymentStatus.ERROR and payment.ledger_entry is None

    class Down:
        name = "down"

        def charge(self, **kwargs):
            raise ConnectionError("processor unreachable")

    lost = pay(importer, Down(), "20.00", key="k2")
    assert lost.status == PaymentStatus.ERROR and "could not be reached" in lost.message
    assert not LedgerEntry.objects.exists()


def test_pre_authorized_debit_pays_what_is_due_on_the_due_date_once(importer, broker):
    owe(importer, "322.65", due="2026-03-31")
    owe(broker, "80.00", due="2026-03-31")  # no agreement: not debited
    agreement = pad_agreement_sign(
        account=importer, holder_name="Maple Leaf Imports Ltd.", institution_number="001", transit_number="12345",
        bank_account="1234-567", now=at("2026-03-05"),
    )  # fmt: skip
    assert agreement.bank_account_last4 == "4567" and "1234567" not in agreement.bank_account_encrypted
    assert pad_debits_run(now=at("2026-03-30", 6)) == []  # not due yet
    [payment] = pad_debits_run(now=at("2026-03-31", 6))
    assert (payment.method, payment.amount, payment.status) == (
        PaymentMethod.PAD,
        D("322.65"),
        PaymentStatus.APPROVED,
    )
    assert payment.ledger_entry.description == "001-12345 ••••4567"  # the bank account, masked
    assert pad_debits_run(now=at("2026-03-31", 9)) == []  # run twice, debited once
    assert account_position(importer, day("2026-03-31")).balance == D("0.00")
    assert account_position(broker, day("2026-03-31")).balance == D("80.00")


def test_a_new_pad_agreement_replaces_the_old_and_bad_bank_details_are_refused(importer):
    first = pad_agreement_sign(
        account=importer, holder_name="Maple Leaf", institution_number="001", transit_number="12345",
        bank_account="1234567", now=at("2026-03-05"),
    )  # fmt: skip
    second = pad_agreement_sign(
        account=importer, holder_name="Maple Leaf", institution_number="002", transit_number="54321",
        bank_account="7654321", now=at("2026-03-06"),
    )  # fmt: skip
    first.refresh_from_db()
    assert (first.status, second.status) == (PadAgreementStatus.CANCELLED, PadAgreementStatus.ACTIVE)
    with pytest.raises(PaymentRefused):
        pad_agreement_sign(
            account=importer, holder_name="", institution_number="1", transit_number="x", bank_account="12",
            now=at("2026-03-06"),
        )  # fmt: skip
