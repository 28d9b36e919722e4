"""The revenue ledger: what each program account (BN15) owes and has paid, and which payment
cleared which debt.

A `LedgerEntry` is a signed amount in CAD: positive is a debit (duties and taxes, penalty,
interest, fee, refund paid out), negative a credit (payment, correction credit). Entries are
append-only — the database refuses an UPDATE — and a mistake is undone by a reversing entry.
A `ClearingApplication` records that part of a credit paid part of a debit, and why that debit
was chosen. Balances, overdue amounts and amounts not yet due are sums over these two tables,
never stored a second time.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from longroom.registry.models import ProgramAccount

CENT = Decimal("0.01")


class EntryKind(models.TextChoices):
    DUTIES_TAXES = "duties_taxes", _("Duties and taxes")
    PENALTY = "penalty", _("Penalty")
    INTEREST = "interest", _("Interest")
    FEE = "fee", _("Fee")
    REFUND = "refund", _("Refund")
    PAYMENT = "payment", _("Payment")
    CORRECTION_CREDIT = "correction_credit", _("Correction credit")


DEBIT_KINDS = frozenset(
    {EntryKind.DUTIES_TAXES, EntryKind.PENALTY, EntryKind.INTEREST, EntryKind.FEE, EntryKind.REFUND}
)
CREDIT_KINDS = frozenset({EntryKind.PAYMENT, EntryKind.CORRECTION_CREDIT})
# The prescribed order clears penalties, interest and fees before duties and taxes.
CHARGES_FIRST = frozenset({EntryKind.PENALTY, EntryKind.INTEREST, EntryKind.FEE})


class LedgerEntry(models.Model):
    account = models.ForeignKey(ProgramAccount, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(
        _("amount (CAD)"), max_digits=14, decimal_places=2
    )  # + owed to the agency, − owed to the client
    posted_at = models.DateTimeField(_("posted at"))
    # The Eastern-time business day of posting: the daily notice the entry appears on.
    business_date = models.DateField(_("business date"))
    # The day the entry is about: a declaration's release date (it decides the statement), a
    # payment's date.
    effective_date = models.DateField(_("effective date"))
    # When a debit must be paid; credits have none.
    due_date = models.DateField(_("due date"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    reason_code = models.CharField(_("reason code"), max_length=20, blank=True)
    # A broker's ASEC when the broker accounts for this debt (the customs broker summary).
    broker_asec = models.CharField(_("broker ASEC"), max_length=5, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["posted_at", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["account", "posted_at", "id"], name="ledger_account_posted_idx"),
            models.Index(fields=["account", "business_date"], name="ledger_account_day_idx"),
            models.Index(fields=["account", "effective_date"], name="ledger_account_effective_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(amount__lt=0) | Q(due_date__isnull=False), name="ledger_debit_has_due_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.reference or self.pk})"

    @property
    def is_debit(self) -> bool:
        return self.amount > 0

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise LedgerIsAppendOnly


class ClearingRule(models.TextChoices):
    OVERDUE = "overdue", _("Overdue debt, oldest first")
    DUE = "due", _("Debt due on its due date")
    REVERSAL = "reversal", _("Reversal of the entry it cancels")
    CREDIT_APPLIED = "credit_applied", _("Credit applied as payment at the client's request")


class ClearingApplication(models.Model):
    """`amount` of `credit` paid `amount` of `debit`, on `business_date`, for `rule`."""

    account = models.ForeignKey(
        ProgramAccount, on_delete=models.PROTECT, related_name="clearing_applications"
    )
    credit = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="applications_made")
    debit = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="applications_received")
    amount = models.DecimalField(_("amount (CAD)"), max_digits=14, decimal_places=2)
    applied_at = models.DateTimeField(_("applied at"))
    business_date = models.DateField(_("business date"))
    rule = models.CharField(_("rule"), max_length=20, choices=ClearingRule.choices)

    class Meta:
        ordering = ["applied_at", "id"]
        verbose_name = _("clearing application")
        verbose_name_plural = _("clearing applications")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="clearing_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of {self.credit_id} to {self.debit_id} ({self.rule})"

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise LedgerIsAppendOnly


class OffsettingPreference(models.TextChoices):
    """How a credit chooses among debts that rank equally (same due date, same kind). CBSA offers
    three methods without naming them (domain/carm.md §10, §19); these are Longroom's policy."""

    OLDEST_FIRST = "oldest_first", _("Oldest transaction first")
    LARGEST_FIRST = "largest_first", _("Largest amount first")
    SMALLEST_FIRST = "smallest_first", _("Smallest amount first (clears the most transactions)")


class AccountProfile(models.Model):
    """Revenue settings of a program account."""

    account = models.OneToOneField(ProgramAccount, on_delete=models.PROTECT, related_name="revenue_profile")
    offsetting_preference = models.CharField(
        _("offsetting preference"),
        max_length=20,
        choices=OffsettingPreference.choices,
        default=OffsettingPreference.OLDEST_FIRST,
    )

    class Meta:
        verbose_name = _("account profile")
        verbose_name_plural = _("account profiles")

    def __str__(self) -> str:
        return f"{self.account} ({self.offsetting_preference})"


class LedgerIsAppendOnly(Exception):
    """Ledger entries and clearing applications are never edited or deleted: post a reversal."""
