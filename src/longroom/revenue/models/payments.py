"""Payments into a program account, and pre-authorized debit agreements.

A `Payment` is recorded before the card processor or bank is asked and updated once with the
answer, so a crash in between leaves a visible pending payment, never a lost one. Each payment has
an idempotency key, unique per account: the same submission twice is one payment. An approved
payment posts one credit to the ledger (`ledger_entry`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from longroom.registry.models import ProgramAccount

from .ledger import LedgerEntry


class PaymentMethod(models.TextChoices):
    PAD = "pad", _("Pre-authorized debit")
    CREDIT_CARD = "credit_card", _("Credit card")
    DEBIT_CARD = "debit_card", _("Debit card")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    ERROR = "error", _("Error")


class PadAgreementStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class PadAgreement(models.Model):
    """The client's authorization to debit a Canadian bank account on each due date."""

    account = models.ForeignKey(ProgramAccount, on_delete=models.PROTECT, related_name="pad_agreements")
    holder_name = models.CharField(_("account holder"), max_length=200)
    institution_number = models.CharField(_("institution number"), max_length=3)
    transit_number = models.CharField(_("transit number"), max_length=5)
    # The full bank account number is kept encrypted (core.crypto) for the bank file; only its
    # last digits are ever shown.
    bank_account_encrypted = models.TextField()
    bank_account_last4 = models.CharField(_("bank account (last digits)"), max_length=4)
    status = models.CharField(
        _("status"), max_length=10, choices=PadAgreementStatus.choices, default=PadAgreementStatus.ACTIVE
    )
    signed_at = models.DateTimeField(_("signed at"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = _("PAD agreement")
        verbose_name_plural = _("PAD agreements")
        constraints = [
            # One active agreement per account: the due date debits one bank account.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="active"),
                name="pad_one_active_agreement_per_account",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.account} — {self.institution_number}-{self.transit_number} ••••{self.bank_account_last4}"
        )


class Payment(models.Model):
    account = models.ForeignKey(ProgramAccount, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=12, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount (CAD)"), max_digits=14, decimal_places=2)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The card billing cycle (18th → 17th) the payment counts against, for the credit card cap.
    billing_cycle_start = models.DateField(_("billing cycle start"))
    gateway = models.CharField(_("gateway"), max_length=40, blank=True)
    gateway_reference = models.CharField(_("processor reference"), max_length=100, blank=True)
    card_brand = models.CharField(_("card brand"), max_length=20, blank=True)
    card_last4 = models.CharField(_("card (last digits)"), max_length=4, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    pad_agreement = models.ForeignKey(
        PadAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    ledger_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="payment"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "idempotency_key"], name="payment_idempotency_key_unique"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["account", "method", "billing_cycle_start"], name="payment_card_cycle_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} ({self.get_status_display()})"
