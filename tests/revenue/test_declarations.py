"""Commercial Accounting Declarations: computed by the tariff calculator, versioned, posted to the ledger.

The figures are worked by hand: 6109.10.00 (cotton T-shirts, MFN 18 %) from China, US$1,000 at
1.3500 = VFD $1,350.00; duty 18 % = $243.00; VFT $1,593.00; GST 5 % = $79.65; total $322.65.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from longroom.core.models import AuditEvent, User
from longroom.revenue.models import (
    Declaration,
    DeclarationStatus,
    EntryKind,
    LedgerEntry,
    VersionKind,
    VersionStatus,
)
from longroom.revenue.selectors import account_position, version_changes
from longroom.revenue.services import (
    CadHeader,
    CadLine,
    DeclarationError,
    adjustment_approve,
    adjustment_reject,
    declaration_correct,
    declaration_submit,
    declaration_withdraw,
)

from .conftest import at, day

pytestmark = pytest.mark.django_db
NUMBER = "12345000000017"


def header(**changes) -> CadHeader:
    values = {"office_number": "0497", "release_date": day("2026-03-10"), "transport_mode": "air"}
    return CadHeader(**(values | changes))


def tshirts(value: str = "1000", **changes) -> CadLine:
    values = {
        "vendor": "Shenzhen Apparel Co.",
        "tariff_item": "6109.10.00",
        "origin": "CN",
        "currency": "USD",
    }
    return CadLine(value=D(value), **(values | changes))


@pytest.fixture
def officer(db) -> User:
    return User.objects.create_user("revenue-officer@longroom.test", "a-long-test-password", is_staff=True)


def test_duties_and_taxes_are_worked_out_by_the_calculator_and_due_at_release_without_rpp(ready):
    version = declaration_submit(
        account=ready, transaction_number=NUMBER, header=header(), lines=[tshirts()], now=at("2026-03-10")
    )
    assert version.status == VersionStatus.ACCEPTED and version.kind == VersionKind.ORIGINAL
    assert (
        version.value_for_duty,
        version.customs_duty,
        version.value_for_tax,
        version.gst,
        version.total,
    ) == (
        D("1350.00"),
        D("243.00"),
        D("1593.00"),
        D("79.65"),
        D("322.65"),
    )
    [line] = version.lines.all()
    assert (line.treatment_applied, line.rate_text, line.total) == ("MFN", "18 %", D("322.65"))
    entry = version.ledger_entry
    assert (entry.kind, entry.amount, entry.due_date, entry.reference) == (
        EntryKind.DUTIES_TAXES,
        D("322.65"),
        day("2026-03-10"),  # non-RPP: due at release
        NUMBER,
    )
    assert Declaration.objects.get().current_version == version
    assert AuditEvent.objects.filter(verb="declaration.accepted").count() == 1


def test_with_rpp_the_debt_is_due_with_the_statement_of_its_release_cycle(ready):
    version = declaration_submit(
        account=ready,
        transaction_number=NUMBER,
        header=header(release_prior_to_payment=True),
        lines=[tshirts()],
        now=at("2026-03-10"),
    )
    # Released 10 March: cycle 18 Feb → 17 Mar, statement 25 Mar, due 10 weekdays after the 17th.
    assert version.payment_due_date == day("2026-03-31")
    assert version.ledger_entry.due_date == day("2026-03-31")


def test_a_refused_cad_is_kept_with_every_problem_and_a_fixed_one_becomes_its_next_version(ready):
    refused = declaration_submit(
        account=ready,
        transaction_number=NUMBER,
        header=header(office_number="9999", transport_mode="teleport"),
        lines=[tshirts(), tshirts(tariff_item="9999.99.99", vendor=" ")],
        now=at("2026-03-10"),
    )
    assert refused.status == VersionStatus.REJECTED
    found = {(p["line"], p["field"], p["code"]) for p in refused.problems}
    assert {
        (0, "office_number", "unknown_office"),
        (0, "transport_mode", "unknown_transport_mode"),
        (2, "vendor", "vendor_required"),
        (2, "tariff_item", "unknown_tariff_item"),
    } <= found
    assert refused.lines.count() == 2  # what was sent is kept
    assert not LedgerEntry.objects.exists()
    assert Declaration.objects.get().status == DeclarationStatus.REJECTED
    fixed = declaration_submit(
        account=ready, transaction_number=NUMBER, header=header(), lines=[tshirts()], now=at("2026-03-10", 14)
    )
    assert (fixed.number, fixed.status) == (2, VersionStatus.ACCEPTED)
    assert Declaration.objects.get().status == DeclarationStatus.ACCEPTED
    with pytest.raises(DeclarationError) as again:
        declaration_submit(
            account=ready, transaction_number=NUMBER, header=header(), lines=[tshirts()], now=at("2026-03-11")
        )
    assert again.value.code == "already_declared"


def test_a_transaction_number_of_another_importer_is_refused(ready, broker):
    declaration_submit(
        account=ready, transaction_number=NUMBER, header=header(), lines=[tshirts()], now=at("2026-03-10")
    )
    with pytest.raises(DeclarationError) as refused:
        declaration_submit(
            account=broker,
            transaction_number=NUMBER,
            header=header(),
            lines=[tshirts()],
            now=at("2026-03-10"),
        )
    assert refused.value.code == "transaction_number_taken"
    with pytest.raises(DeclarationError):
        declaration_submit(
            account=ready, transaction_number="123", header=header(), lines=[tshirts()], now=at("2026-03-10")
        )


def test_a_debt_the_broker_accounts_for_carries_its_asec(ready, broker):
    tagged = declaration_submit(
        account=ready,
        transaction_number=NUMBER,
        header=header(broker_account="111111118 RM 0001", broker_asec="12345"),
        lines=[tshirts()],
        now=at("2026-03-10"),
    )
    assert tagged.broker_account == broker and tagged.ledger_entry.broker_asec == "12345"
    wrong = declaration_submit(
        account=ready,
        transaction_number="12345000000025",
        header=header(broker_account="111111118RM0001", broker_asec="54321"),
        lines=[tshirts()],
        now=at("2026-03-10"),
    )
    assert [p["code"] for p in wrong.problems] == ["asec_mismatch"]


def test_a_correction_before_the_due_date_is_approved_at_once_and_keeps_the_due_date(ready):
    original = declaration_submit(
        account=ready,
        transaction_number=NUMBER,
        header=header(release_prior_to_payment=True),
        lines=[tshirts()],
        now=at("2026-03-10"),
    )
    declaration = original.declaration
    lower = declaration_correct(
        declaration=declaration,
        header=header(release_prior_to_payment=True),
        lines=[tshirts("800")],
        now=at("2026-03-20"),
        reason_code="VALUE",
    )
    # US$800 → VFD 1,080.00; duty 194.40; VFT 1,274.40; GST 63.72; total 258.12; 64.53 less.
    assert (lower.kind, lower.status, lower.total) == (
        VersionKind.CORRECTION,
        VersionStatus.CORRECTION_APPROVED,
        D("258.12"),
    )
    assert (lower.ledger_entry.kind, lower.ledger_entry.amount) == (EntryKind.CORRECTION_CREDIT, D("-64.53"))
    higher = declaration_correct(
        declaration=declaration,
        header=header(release_prior_to_payment=True),
        lines=[tshirts("1100")],
        now=at("2026-03-31", 20),  # still the due date, Eastern time
    )
    # US$1,100 → VFD 1,485.00; duty 267.30; VFT 1,752.30; GST 87.62; total 354.92: 96.80 more,
    # due on the original due date, so no interest.
    assert (higher.kind, higher.total) == (VersionKind.CORRECTION, D("354.92"))
    assert (higher.ledger_entry.amount, higher.ledger_entry.due_date) == (D("96.80"), day("2026-03-31"))
    position = account_position(ready, day("2026-03-31"))
    assert position.balance == D("354.92")
    assert declaration.versions.count() == 3


def test_an_adjustment_after_the_due_date_waits_for_staff_and_an_increase_is_overdue_from_the_due_date(
    ready, officer
):
    original = declaration_submit(
        account=ready,
        transaction_number=NUMBER,
        header=header(release_prior_to_payment=True),
        lines=[tshirts()],
        now=at("2026-03-10"),
    )
    adjustment = declaration_correct(
        declaration=original.declaration,
        header=header(release_prior_to_payment=True),
        lines=[tshirts("1100")],
        now=at("2026-04-02"),
        reason_code="VALUE",
        reason="Freight was left out of the invoice value.",
    )
    assert (adjustment.kind, adjustment.status, adjustment.ledger_entry) == (
        VersionKind.ADJUSTMENT,
        VersionStatus.ADJUSTMENT_PENDING,
        None,
    )
    assert account_position(ready, day("2026-04-02")).balance == D("322.65")  # nothing posted yet
    with pytest.raises(DeclarationError):
        declaration_correct(
            declaration=original.declaration, header=header(), lines=[tshirts("900")], now=at("2026-04-03")
        )
    approved = adjustment_approve(
        version=adjustment, actor=officer, now=at("2026-04-06"), note="Checked the freight bill."
    )
    assert approved.status == VersionStatus.ADJUSTMENT_APPROVED and approved.decided_by == officer
    # 354.92 − 322.65 = 32.27 more, due on the original due date: overdue at once.
    assert (approved.ledger_entry.amount, approved.ledger_entry.due_date) == (D("32.27"), day("2026-03-31"))
    position = account_position(ready, day("2026-04-06"))
    assert (position.balance, position.overdue) == (D("354.92"), D("354.92"))
    refused = declaration_correct(
        declaration=original.declaration,
        header=header(release_prior_to_payment=True),
        lines=[tshirts("500")],
        now=at("2026-04-07"),
    )
    with pytest.raises(DeclarationError):
        adjustment_reject(version=refused, actor=officer, now=at("2026-04-08"), note=" ")
    adjustment_reject(
        version=refused, actor=officer, now=at("2026-04-08"), note="No evidence of the lower price."
    )
    assert original.declaration.versions.get(number=3).status == VersionStatus.ADJUSTMENT_REJECTED
    assert account_position(ready, day("2026-04-08")).balance == D("354.92")


def test_every_version_is_kept_and_two_can_be_compared(ready):
    first = declaration_submit(
        account=ready, transaction_number=NUMBER, header=header(), lines=[tshirts()], now=at("2026-03-10")
    )
    second = declaration_correct(
        declaration=first.declaration,
        header=header(carrier_code="AC", cargo_control_number="AC01234567"),
        lines=[tshirts("800"), tshirts("100", origin="US")],
        now=at("2026-03-10", 15),
    )
    changes = version_changes(first, second)
    assert changes.header == {"carrier_code": ("", "AC"), "cargo_control_number": ("", "AC01234567")}
    assert changes.lines[1]["value"] == (D("1000"), D("800"))
    assert changes.lines[2]["origin"] == (None, "US")  # a line added
    assert changes.totals["total"] == (D("322.65"), D("258.12") + D("6.75"))  # US goods: duty free, GST only


def test_withdrawing_a_cad_reverses_everything_it_posted(ready):
    first = declaration_submit(
        account=ready, transaction_number=NUMBER, header=header(), lines=[tshirts()], now=at("2026-03-10")
    )
    declaration_correct(
        declaration=first.declaration, header=header(), lines=[tshirts("800")], now=at("2026-03-10", 13)
    )
    declaration_withdraw(declaration=first.declaration, now=at("2026-03-10", 16), reason="Goods not imported")
    assert Declaration.objects.get().status == DeclarationStatus.WITHDRAWN
    assert account_position(ready, day("2026-03-10")).balance == D("0.00")
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == 2
    with pytest.raises(DeclarationError):
        declaration_withdraw(declaration=first.declaration, now=at("2026-03-11"), reason="again")


def test_release_prior_to_payment_needs_an_account_enrolled_in_rpp(customs_office, broker, tariff):
    tariff("USD", "2026-03-10", "1.3500")
    refused = declaration_submit(
        account=broker,
        transaction_number=NUMBER,
        header=header(release_prior_to_payment=True),
        lines=[tshirts()],
        now=at("2026-03-10"),
    )
    assert [p["code"] for p in refused.problems] == ["not_enrolled_in_rpp"]


def test_whoever_entered_an_adjustment_does_not_approve_it(ready, officer):
    original = declaration_submit(
        account=ready, transaction_number=NUMBER, header=header(), lines=[tshirts()], now=at("2026-03-10")
    )
    adjustment = declaration_correct(
        declaration=original.declaration,
        header=header(),
        lines=[tshirts("1100")],
        now=at("2026-03-12"),
        actor=officer,
    )
    assert adjustment.status == VersionStatus.ADJUSTMENT_PENDING
    with pytest.raises(DeclarationError) as refused:
        adjustment_approve(version=adjustment, actor=officer, now=at("2026-03-13"))
    assert refused.value.code == "own_adjustment"
