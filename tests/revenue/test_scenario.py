"""Three months of a small importer and its broker, March to May 2026, every figure worked by hand.

Maple Leaf Imports (123456782RM0001) is enrolled in release prior to payment; its broker Borealis
(ASEC 12345) declares some of its goods. The scheduler's daily routine runs at 06:00 Eastern every
day; what people do happens at noon. Interest: 10 % a year from 1 January.

Statement cycles (calendar.py): releases 18 Feb → 17 Mar, statement 25 Mar, due Tue 31 Mar;
18 Mar → 17 Apr, statement 25 Apr, due Fri 1 May (10 weekdays after Fri 17 Apr); 18 Apr → 17 May,
statement 25 May, due Fri 29 May (Victoria Day, 18 May, counts as a weekday).

Cotton T-shirts 6109.10.00: from China MFN 18 %, from the US free (UST); GST 5 %.
- CAD 1 (broker), 2 Mar, US$1,000 at 1.35: VFD 1,350.00, duty 243.00, VFT 1,593.00, GST 79.65 → 322.65
  corrected 12 Mar to US$800: VFD 1,080.00, duty 194.40, VFT 1,274.40, GST 63.72 → 258.12 (credit 64.53)
- CAD 2 (importer), 5 Mar, US goods US$2,000 at 1.35: VFD 2,700.00, duty 0, GST 135.00 → 135.00
- CAD 3 (broker), 6 Apr, US$3,000 at 1.40: VFD 4,200.00, duty 756.00, VFT 4,956.00, GST 247.80 → 1,003.80
  adjusted after its due date to US$3,200: VFD 4,480.00, duty 806.40, VFT 5,286.40, GST 264.32
  → 1,070.72 (66.92 more, due 1 May like the original)
- CAD 4 (importer), 14 May, US goods US$100 at 1.40: VFD 140.00, GST 7.00 → 7.00, due 29 May
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission

from longroom.core.models import User
from longroom.revenue.calendar import EASTERN
from longroom.revenue.gateway import CardKind, SandboxGateway
from longroom.revenue.models import (
    AccountProfile,
    ClearingApplication,
    ClearingRule,
    Declaration,
    InterestRate,
    LedgerEntry,
    PaymentStatus,
    RevenueDocument,
    SecurityType,
)
from longroom.revenue.selectors import account_position
from longroom.revenue.services import (
    CadHeader,
    CadLine,
    adjustment_approve,
    card_payment_make,
    credit_apply,
    declaration_correct,
    declaration_submit,
    pad_agreement_cancel,
    pad_agreement_sign,
    revenue_day_run,
    rpp_enrol,
)

from .conftest import at, day

pytestmark = pytest.mark.django_db
APPROVE, DECLINE = "4242 4242 4242 4242", "4000 0000 0000 0002"


class Scenario:
    """Runs the daily routine for every morning up to the day of the next event."""

    def __init__(self, start: str) -> None:
        self.next_morning = day(start)

    def until(self, text: str) -> dt.datetime:
        """Run every morning's routine through `text`'s, then return noon that day."""
        target = day(text)
        while self.next_morning <= target:
            revenue_day_run(now=dt.datetime.combine(self.next_morning, dt.time(6), tzinfo=EASTERN))
            self.next_morning += dt.timedelta(days=1)
        return at(text)


def cad_header(release: str, *, broker: bool) -> CadHeader:
    extra = {"broker_account": "111111118RM0001", "broker_asec": "12345"} if broker else {}
    return CadHeader(
        office_number="0497",
        release_date=day(release),
        transport_mode="marine",
        release_prior_to_payment=True,
        **extra,
    )


def tshirts(value: str, origin: str = "CN") -> list[CadLine]:
    return [
        CadLine(
            vendor="Shenzhen Apparel Co.",
            tariff_item="6109.10.00",
            origin=origin,
            currency="USD",
            value=D(value),
        )
    ]


def applications(account) -> list[tuple[str, str, D, str]]:
    """(credit reference, debit reference, amount, rule) in the order clearing made them."""
    return [
        (a.credit.reference, a.debit.reference, a.amount, a.rule)
        for a in ClearingApplication.objects.filter(account=account)
        .select_related("credit", "debit")
        .order_by("id")
    ]


def test_three_months_of_an_importer_and_its_broker(customs_office, importer, broker, tariff):
    for on, rate in (("2026-03-02", "1.3500"), ("2026-03-05", "1.3500"), ("2026-04-06", "1.4000"), ("2026-05-14", "1.4000")):  # fmt: skip
        tariff("USD", on, rate)
    InterestRate.objects.create(effective_from=day("2026-01-01"), annual_percent=D("10"), source="scenario")
    officer = User.objects.create_user("revenue-officer@longroom.test", "a-long-test-password", is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="add_ledgerentry"))
    gateway = SandboxGateway(clock=lambda: dt.date(2026, 5, 1))
    rpp_enrol(
        account=importer, security_type=SecurityType.CASH, security_amount=D("5000"), now=at("2026-02-02")
    )
    pad = pad_agreement_sign(
        account=importer, holder_name="Maple Leaf Imports Ltd.", institution_number="001", transit_number="12345",
        bank_account="1234567", now=at("2026-02-02"),
    )  # fmt: skip
    assert not AccountProfile.objects.filter(
        account=importer
    ).exists()  # offsetting: the default, oldest first
    days = Scenario("2026-03-01")

    # ── March ─────────────────────────────────────────────────────────────────────────────
    cad1 = declaration_submit(account=importer, transaction_number="12345000000017",
                              header=cad_header("2026-03-02", broker=True), lines=tshirts("1000"),
                              now=days.until("2026-03-02"))  # fmt: skip
    assert (cad1.total, cad1.payment_due_date, cad1.ledger_entry.broker_asec) == (
        D("322.65"),
        day("2026-03-31"),
        "12345",
    )
    cad2 = declaration_submit(account=importer, transaction_number="00000000000025",
                              header=cad_header("2026-03-05", broker=False), lines=tshirts("2000", "US"),
                              now=days.until("2026-03-05"))  # fmt: skip
    assert (cad2.total, cad2.payment_due_date) == (D("135.00"), day("2026-03-31"))
    correction = declaration_correct(declaration=cad1.declaration, header=cad_header("2026-03-02", broker=True),
                                     lines=tshirts("800"), now=days.until("2026-03-12"), reason_code="VALUE")  # fmt: skip
    assert (correction.kind, correction.status, correction.total) == (
        "correction",
        "correction_approved",
        D("258.12"),
    )
    assert correction.ledger_entry.amount == D("-64.53")

    days.until("2026-03-25")
    march = RevenueDocument.objects.get(number="SOA-123456782RM0001-2026-03")
    assert (march.opening_balance, march.closing_balance, march.amount_due, march.overdue, march.due_date) == (
        D("0.00"), D("393.12"), D("393.12"), D("0.00"), day("2026-03-31"),
    )  # fmt: skip
    broker_march = RevenueDocument.objects.get(number="BSS-111111118-12345-2026-03")
    # CAD 1 and its correction credit: 322.65 − 64.53; the credit is netted against what is due.
    assert (broker_march.closing_balance, broker_march.amount_due, broker_march.line_count) == (
        D("258.12"), D("258.12"), 2,
    )  # fmt: skip
    notice = RevenueDocument.objects.get(number="DN-123456782RM0001-2026-03-02")
    assert (notice.line_count, notice.closing_balance) == (1, D("322.65"))

    # On the due date the routine first spends the correction credit, then debits the bank for the rest.
    days.until("2026-03-31")
    assert applications(importer) == [
        ("12345000000017", "12345000000017", D("64.53"), ClearingRule.DUE),  # the credit, oldest debt first
        (_pad_reference(importer), "12345000000017", D("258.12"), ClearingRule.DUE),
        (_pad_reference(importer), "00000000000025", D("135.00"), ClearingRule.DUE),
    ]
    assert importer.payments.get().amount == D("393.12")
    assert account_position(importer, day("2026-03-31")).balance == D("0.00")

    # ── April ─────────────────────────────────────────────────────────────────────────────
    cad3 = declaration_submit(account=importer, transaction_number="12345000000033",
                              header=cad_header("2026-04-06", broker=True), lines=tshirts("3000"),
                              now=days.until("2026-04-06"))  # fmt: skip
    assert (cad3.total, cad3.payment_due_date) == (D("1003.80"), day("2026-05-01"))
    pad_agreement_cancel(agreement=pad, now=days.until("2026-04-20"))  # the importer will pay by card
    days.until("2026-04-25")
    april = RevenueDocument.objects.get(number="SOA-123456782RM0001-2026-04")
    assert (april.opening_balance, april.closing_balance, april.amount_due, april.due_date) == (
        D("393.12"), D("1003.80"), D("1003.80"), day("2026-05-01"),
    )  # fmt: skip
    declined = card_payment_make(account=importer, amount=D("1003.80"), card_kind=CardKind.CREDIT,
                                 card_number=DECLINE, expiry_month=12, expiry_year=2030, cvc="123",
                                 idempotency_key="apr-30-1", now=days.until("2026-04-30"), gateway=gateway)  # fmt: skip
    assert declined.status == PaymentStatus.DECLINED
    days.until("2026-05-02")
    position = account_position(importer, day("2026-05-02"))
    assert (position.overdue, position.balance) == (D("1003.80"), D("1003.80"))  # late

    # ── May ───────────────────────────────────────────────────────────────────────────────
    adjustment = declaration_correct(declaration=cad3.declaration, header=cad_header("2026-04-06", broker=True),
                                     lines=tshirts("3200"), now=days.until("2026-05-04"), reason_code="VALUE",
                                     reason="Freight was left out of the value")  # fmt: skip
    assert (adjustment.kind, adjustment.status, adjustment.ledger_entry) == (
        "adjustment",
        "adjustment_pending",
        None,
    )
    approved = adjustment_approve(version=adjustment, actor=officer, now=days.until("2026-05-06"))
    assert (approved.total, approved.ledger_entry.amount, approved.ledger_entry.due_date) == (
        D("1070.72"), D("66.92"), day("2026-05-01"),
    )  # fmt: skip
    paid = card_payment_make(account=importer, amount=D("1100.00"), card_kind=CardKind.CREDIT, card_number=APPROVE,
                             expiry_month=12, expiry_year=2030, cvc="123", idempotency_key="may-11-1",
                             now=days.until("2026-05-11"), gateway=gateway)  # fmt: skip
    assert paid.status == PaymentStatus.APPROVED
    card_reference = paid.gateway_reference
    assert applications(importer)[3:] == [
        (card_reference, "12345000000033", D("1003.80"), ClearingRule.OVERDUE),  # same due date: oldest first
        (card_reference, "12345000000033", D("66.92"), ClearingRule.OVERDUE),
    ]
    cad4 = declaration_submit(account=importer, transaction_number="00000000000041",
                              header=cad_header("2026-05-14", broker=False), lines=tshirts("100", "US"),
                              now=days.until("2026-05-14"))  # fmt: skip
    assert (cad4.total, cad4.payment_due_date) == (D("7.00"), day("2026-05-29"))
    # The client spends 7.00 of the 29.28 overpaid on CAD 4 before it is due.
    [applied] = credit_apply(account=importer, debit=cad4.ledger_entry, now=days.until("2026-05-15"))
    assert (applied.amount, applied.rule) == (D("7.00"), ClearingRule.CREDIT_APPLIED)

    days.until("2026-05-25")
    # Interest through 24 May on what was late, 2–11 May (the card paid on the 11th):
    # CAD 3: 1,003.80 × 10 % × 10 / 365 = 2.7501… → 2.75; adjustment: 66.92 × 10 % × 10 / 365 = 0.1833… → 0.18
    interest = LedgerEntry.objects.get(account=importer, kind="interest", amount__gt=0)
    assert (interest.amount, interest.due_date) == (D("2.93"), day("2026-05-29"))
    may = RevenueDocument.objects.get(number="SOA-123456782RM0001-2026-05")
    # 1,003.80 + 66.92 − 1,100.00 + 7.00 + 2.93 = −19.35: the client is owed 19.35; the interest
    # (due 29 May) is less than the 22.28 of unused credit, so nothing is to pay.
    assert (may.opening_balance, may.closing_balance, may.amount_due, may.overdue) == (
        D("1003.80"), D("-19.35"), D("0.00"), D("0.00"),
    )  # fmt: skip
    days.until("2026-05-29")
    assert applications(importer)[-1] == (card_reference, "INT-2026-05-24", D("2.93"), ClearingRule.DUE)
    final = account_position(importer, day("2026-05-31"))
    assert (final.balance, final.overdue, final.unapplied_credits) == (D("-19.35"), D("0.00"), D("19.35"))
    assert Declaration.objects.filter(account=importer).count() == 4
    assert RevenueDocument.objects.filter(number__startswith="SOA-123456782RM0001").count() == 3
    assert RevenueDocument.objects.filter(number__startswith="DN-123456782RM0001").count() >= 8


def _pad_reference(account) -> str:
    return account.payments.get(method="pad").ledger_entry.reference
