"""Payments: cards through the gateway seam, pre-authorized debits on due dates.

A card payment is three steps, because the processor is outside our transaction:
1. record it as pending (one transaction, the account row locked, the credit card cap checked
   against approved *and* pending payments of the billing cycle, so two payments at once cannot
   both squeeze under the cap);
2. ask the gateway (with the payment's idempotency key, so a retry is not a second charge);
3. record the answer (one transaction); an approval posts the credit, which clears what is due.
The same idempotency key again returns the payment already made instead of paying twice.

A PAD agreement authorizes debiting a bank account on each due date: `pad_debits_run` pays what
is due that day on every account with an active agreement, once per account and day.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from longroom.core import audit
from longroom.core.crypto import encrypt_secret
from longroom.core.language import current_language
from longroom.core.models import User
from longroom.registry.models import ProgramAccount

from ..calendar import business_date, card_billing_cycle
from ..documents import format_money
from ..gateway import CardKind, GatewayOutcome, PaymentGateway, payment_gateway
from ..models import (
    CENT,
    EntryKind,
    PadAgreement,
    PadAgreementStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from ..selectors import account_position
from .ledger import ledger_post, lock_account

logger = logging.getLogger(__name__)

# Bulletin 5408 (28 Sep 2025): credit cards up to $4,999.99 per billing cycle per program account.
CREDIT_CARD_CAP = Decimal("4999.99")


class PaymentRefused(Exception):
    """A payment not even sent to the processor; the message says why."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def credit_card_room(account: ProgramAccount, on: dt.date) -> Decimal:
    """What may still be paid by credit card in the billing cycle containing `on`."""
    start, _end = card_billing_cycle(on)
    used = Payment.objects.filter(
        account=account,
        method=PaymentMethod.CREDIT_CARD,
        billing_cycle_start=start,
        status__in=[PaymentStatus.PENDING, PaymentStatus.APPROVED],
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return max(CREDIT_CARD_CAP - Decimal(used).quantize(CENT), Decimal("0.00"))


def card_payment_make(
    *,
    account: ProgramAccount,
    amount: Decimal,
    card_kind: CardKind,
    card_number: str,
    expiry_month: int,
    expiry_year: int,
    cvc: str,
    idempotency_key: str,
    now: dt.datetime,
    actor: User | None = None,
    gateway: PaymentGateway | None = None,
) -> Payment:
    """Pay by card. Returns the payment (approved, declined or error); PaymentRefused when it
    was not sent (over the credit card cap, a key reused for another amount)."""
    gateway = gateway or payment_gateway()
    method = PaymentMethod.CREDIT_CARD if card_kind == CardKind.CREDIT else PaymentMethod.DEBIT_CARD
    payment, created = _record_pending(
        account=account, method=method, amount=amount, idempotency_key=idempotency_key, now=now, actor=actor
    )
    if not created:
        return payment
    try:
        answer = gateway.charge(
            card_number=card_number,
            expiry_month=expiry_month,
            expiry_year=expiry_year,
            cvc=cvc,
            amount=payment.amount,
            currency="CAD",
            card_kind=card_kind,
            idempotency_key=f"{account.number}:{idempotency_key}",
            description=_("Customs duties and taxes, account %(bn15)s") % {"bn15": account},
        )
    except Exception:
        # The processor call failed outright: the payment stays visible as an error, never lost,
        # and the payer may try again with a new key.
        logger.exception("card gateway %s failed for payment %s", gateway.name, payment.pk)
        return _record_answer(
            payment,
            status=PaymentStatus.ERROR,
            now=now,
            actor=actor,
            gateway=gateway.name,
            message=_("The card processor could not be reached; nothing was charged."),
        )
    status = {
        GatewayOutcome.APPROVED: PaymentStatus.APPROVED,
        GatewayOutcome.DECLINED: PaymentStatus.DECLINED,
        GatewayOutcome.ERROR: PaymentStatus.ERROR,
    }[answer.outcome]
    return _record_answer(
        payment,
        status=status,
        now=now,
        actor=actor,
        gateway=gateway.name,
        reference=answer.reference,
        message=answer.message,
        card_brand=answer.card_brand,
        card_last4=answer.card_last4,
    )


def pad_agreement_sign(
    *,
    account: ProgramAccount,
    holder_name: str,
    institution_number: str,
    transit_number: str,
    bank_account: str,
    now: dt.datetime,
    actor: User | None = None,
) -> PadAgreement:
    """A new agreement replaces the active one (the bank account changed)."""
    problems = []
    if not re.fullmatch(r"\d{3}", institution_number.strip()):
        problems.append(_("an institution number has 3 digits"))
    if not re.fullmatch(r"\d{5}", transit_number.strip()):
        problems.append(_("a transit number has 5 digits"))
    digits = re.sub(r"[\s\-]", "", bank_account)
    if not re.fullmatch(r"\d{7,12}", digits):
        problems.append(_("a bank account number has 7 to 12 digits"))
    if not holder_name.strip():
        problems.append(_("name the account holder"))
    if problems:
        raise PaymentRefused("bad_bank_details", "; ".join(problems))
    with transaction.atomic():
        lock_account(account)
        for old in PadAgreement.objects.filter(account=account, status=PadAgreementStatus.ACTIVE):
            _pad_cancel(old, now=now, actor=actor)
        agreement = PadAgreement.objects.create(
            account=account,
            holder_name=holder_name.strip(),
            institution_number=institution_number.strip(),
            transit_number=transit_number.strip(),
            bank_account_encrypted=encrypt_secret(digits),
            bank_account_last4=digits[-4:],
            signed_at=now,
            signed_by=actor if actor is not None and actor.pk else None,
        )
        audit.record(
            verb="pad_agreement.signed",
            subject=agreement,
            actor=actor,
            occurred_at=now,
            data={"institution": agreement.institution_number, "transit": agreement.transit_number,
                  "last4": agreement.bank_account_last4},
        )  # fmt: skip
    return agreement


def pad_agreement_cancel(
    *, agreement: PadAgreement, now: dt.datetime, actor: User | None = None
) -> PadAgreement:
    with transaction.atomic():
        lock_account(agreement.account)
        _pad_cancel(agreement, now=now, actor=actor)
    return agreement


def _pad_cancel(agreement: PadAgreement, *, now: dt.datetime, actor: User | None) -> None:
    if agreement.status == PadAgreementStatus.CANCELLED:
        return
    agreement.status, agreement.cancelled_at = PadAgreementStatus.CANCELLED, now
    agreement.save(update_fields=["status", "cancelled_at"])
    audit.record(verb="pad_agreement.cancelled", subject=agreement, actor=actor, occurred_at=now)


def pad_debits_run(*, now: dt.datetime) -> list[Payment]:
    """On a due date, debit every account with an active agreement for what is due that day
    (and anything overdue), once: the key is the account and the day, so a second run pays nothing."""
    today = business_date(now)
    made = []
    for agreement in PadAgreement.objects.filter(status=PadAgreementStatus.ACTIVE).select_related("account"):
        position = account_position(agreement.account, today)
        owing = position.due_today + position.overdue - position.unapplied_credits
        if position.due_today <= 0 or owing <= 0:
            continue
        payment, created = _record_pending(
            account=agreement.account,
            method=PaymentMethod.PAD,
            amount=owing,
            idempotency_key=f"pad:{today.isoformat()}",
            now=now,
            actor=None,
            pad_agreement=agreement,
        )
        if created:
            # The bank file goes out with this day's debits; a returned debit (NSF) is posted later
            # as a reversal of this payment.
            made.append(
                _record_answer(payment, status=PaymentStatus.APPROVED, now=now, actor=None, gateway="pad")
            )
    return made


# ── the steps ─────────────────────────────────────────────────────────────────────────────


def _record_pending(
    *,
    account: ProgramAccount,
    method: PaymentMethod,
    amount: Decimal,
    idempotency_key: str,
    now: dt.datetime,
    actor: User | None,
    pad_agreement: PadAgreement | None = None,
) -> tuple[Payment, bool]:
    key = idempotency_key.strip()
    if not key or len(key) > 100:
        raise PaymentRefused("bad_idempotency_key", _("give each payment a key of 1 to 100 characters"))
    value = Decimal(amount)
    if value <= 0 or value != value.quantize(CENT):
        raise PaymentRefused("bad_amount", _("pay an amount in dollars and cents, more than zero"))
    today = business_date(now)
    try:
        with transaction.atomic():
            lock_account(account)
            earlier = Payment.objects.filter(account=account, idempotency_key=key).first()
            if earlier is not None:
                if earlier.amount != value or earlier.method != method:
                    raise PaymentRefused(
                        "idempotency_key_reused", _("this payment key was already used for another payment")
                    )
                return earlier, False
            if method == PaymentMethod.CREDIT_CARD:
                room = credit_card_room(account, today)
                if value > room:
                    raise PaymentRefused(
                        "credit_card_cap",
                        _(
                            "Credit card payments are limited to %(cap)s per billing cycle for each "
                            "program account; %(room)s remains in this cycle. Pay the rest by debit card "
                            "or pre-authorized debit."
                        )
                        % {
                            "cap": format_money(CREDIT_CARD_CAP, current_language()),
                            "room": format_money(room, current_language()),
                        },
                    )
            payment = Payment.objects.create(
                account=account,
                method=method,
                amount=value,
                idempotency_key=key,
                requested_at=now,
                requested_by=actor if actor is not None and actor.pk else None,
                billing_cycle_start=card_billing_cycle(today)[0],
                pad_agreement=pad_agreement,
            )
            audit.record(
                verb="payment.requested",
                subject=payment,
                actor=actor,
                occurred_at=now,
                data={"method": method, "amount": str(value), "key": key},
            )
    except IntegrityError:
        # The same key at the same moment from another process: theirs won, answer with it.
        return Payment.objects.get(account=account, idempotency_key=key), False
    return payment, True


def _record_answer(
    payment: Payment,
    *,
    status: PaymentStatus,
    now: dt.datetime,
    actor: User | None,
    gateway: str,
    reference: str = "",
    message: str = "",
    card_brand: str = "",
    card_last4: str = "",
) -> Payment:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != PaymentStatus.PENDING:
            return payment  # answered already (a retried task)
        payment.status, payment.decided_at, payment.gateway = status, now, gateway
        payment.gateway_reference, payment.message = reference[:100], message[:300]
        payment.card_brand, payment.card_last4 = card_brand[:20], card_last4[:4]
        if status == PaymentStatus.APPROVED:
            payment.ledger_entry = ledger_post(
                account=payment.account,
                kind=EntryKind.PAYMENT,
                amount=payment.amount,
                effective_date=business_date(now),
                now=now,
                reference=reference or f"PAY-{payment.pk}",
                description=_payment_description(payment),
                actor=actor,
            )
        payment.save()
        audit.record(
            verb=f"payment.{status}",
            subject=payment,
            actor=actor,
            occurred_at=now,
            data={"reference": payment.gateway_reference, "message": payment.message},
        )
    return payment


def _payment_description(payment: Payment) -> str:
    """What paid, in a form the same in both languages (the entry's text shows on documents
    printed in either): the card's brand and last digits, or the debited bank account, masked."""
    if payment.card_last4:
        return f"{payment.card_brand} •••• {payment.card_last4}".strip()
    agreement = payment.pad_agreement
    if agreement is not None:
        return f"{agreement.institution_number}-{agreement.transit_number} ••••{agreement.bank_account_last4}"
    return ""
