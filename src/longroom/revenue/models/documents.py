"""Statements of account, customs broker summaries and daily notices, as issued.

A document is worked out from the ledger as it stood at the end of its issue date (entries and
clearing applications posted up to that business day), so issuing it again later gives the same
figures: `figures_sha256` fingerprints them and a reissue checks it. The PDF and CSV are stored
write-once (desk.storage, content-addressed).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from longroom.desk.models import StoredFile
from longroom.registry.models import Business, ProgramAccount


class RevenueDocumentKind(models.TextChoices):
    STATEMENT = "statement", _("Statement of account")
    BROKER_STATEMENT = "broker_statement", _("Customs broker summary")
    DAILY_NOTICE = "daily_notice", _("Daily notice")


def _money(label: object) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=Decimal(0))  # type: ignore[arg-type]


class RevenueDocument(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=RevenueDocumentKind.choices)
    number = models.CharField(_("document number"), max_length=60, unique=True)
    account = models.ForeignKey(
        ProgramAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="revenue_documents"
    )
    # Broker summaries are per BN9 and ASEC, across the broker's clients.
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="broker_documents"
    )
    broker_asec = models.CharField(_("broker ASEC"), max_length=5, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    opening_balance = _money(_("opening balance"))
    closing_balance = _money(_("closing balance"))
    amount_due = _money(_("amount due"))
    overdue = _money(_("overdue"))
    line_count = models.PositiveIntegerField(_("transactions"), default=0)
    figures_sha256 = models.CharField(max_length=64)
    language = models.CharField(_("language"), max_length=2, default="en")
    pdf = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    csv = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"))
    reissue_count = models.PositiveIntegerField(_("reissued"), default=0)

    class Meta:
        ordering = ["-issue_date", "number"]
        verbose_name = _("revenue document")
        verbose_name_plural = _("revenue documents")
        indexes = [
            models.Index(fields=["account", "kind", "issue_date"], name="revdoc_account_kind_idx"),
            models.Index(fields=["business", "kind", "issue_date"], name="revdoc_broker_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.number
