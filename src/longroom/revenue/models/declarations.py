"""Commercial Accounting Declarations (CAD): header, invoice lines, and every version kept.

A declaration is identified by its transaction number and belongs to an importer's BN15. Each
submission, correction or adjustment is a new `DeclarationVersion` with its own lines and
computed duties and taxes; versions are never edited, so any two can be compared. The ledger
holds what each version changed in money (`DeclarationVersion.ledger_entry`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from longroom.registry.models import ProgramAccount

from .ledger import LedgerEntry


def money(label: Any) -> models.DecimalField:  # a lazy translated label
    """An amount in CAD, whole cents, zero until worked out."""
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=Decimal(0))


class DeclarationStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VersionKind(models.TextChoices):
    ORIGINAL = "original", pgettext_lazy("declaration version", "Original")
    CORRECTION = "correction", _("Correction")
    ADJUSTMENT = "adjustment", _("Adjustment")


class VersionStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CORRECTION_APPROVED = "correction_approved", _("Correction auto-approved")
    ADJUSTMENT_PENDING = "adjustment_pending", _("Adjustment pending")
    ADJUSTMENT_APPROVED = "adjustment_approved", _("Adjustment approved")
    ADJUSTMENT_REJECTED = "adjustment_rejected", _("Adjustment rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TransportMode(models.TextChoices):
    AIR = "air", _("Air")
    HIGHWAY = "highway", _("Highway")
    MARINE = "marine", _("Marine")
    RAIL = "rail", _("Rail")
    COURIER = "courier", _("Courier")
    MAIL = "mail", pgettext_lazy("mode of transport", "Mail")
    PIPELINE = "pipeline", _("Pipeline")
    OTHER = "other", _("Other")


class Declaration(models.Model):
    transaction_number = models.CharField(_("transaction number"), max_length=14, unique=True)
    account = models.ForeignKey(ProgramAccount, on_delete=models.PROTECT, related_name="declarations")
    status = models.CharField(_("status"), max_length=12, choices=DeclarationStatus.choices)
    # The version in force: the latest accepted or approved one (a pending adjustment is not).
    current_version = models.ForeignKey(
        "DeclarationVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("declaration (CAD)")
        verbose_name_plural = _("declarations (CAD)")
        indexes = [models.Index(fields=["account", "created_at"], name="cad_account_created_idx")]

    def __str__(self) -> str:
        return self.transaction_number


class DeclarationVersion(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=12, choices=VersionKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=VersionStatus.choices)
    # Header, as declared.
    office_number = models.CharField(_("office"), max_length=8)
    release_date = models.DateField(_("release date"))
    transport_mode = models.CharField(_("mode of transport"), max_length=10, choices=TransportMode.choices)
    carrier_code = models.CharField(_("carrier code"), max_length=4, blank=True)
    cargo_control_number = models.CharField(_("cargo control number"), max_length=25, blank=True)
    broker_account = models.ForeignKey(
        ProgramAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="brokered_versions"
    )
    broker_asec = models.CharField(_("broker ASEC"), max_length=5, blank=True)
    release_prior_to_payment = models.BooleanField(_("release prior to payment (RPP)"), default=False)
    reason_code = models.CharField(_("reason code"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # Who sent it, how, and what was wrong when refused (line by line).
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10)  # "api" or "staff"
    problems = models.JSONField(_("problems"), default=list, blank=True)
    # What the tariff calculator worked out, in CAD.
    edition_code = models.CharField(_("tariff edition"), max_length=40, blank=True)
    value_for_duty = money(_("value for duty"))
    customs_duty = money(_("customs duties"))
    surtax = money(_("surtaxes"))
    anti_dumping = money(_("anti-dumping duty"))
    countervailing = money(_("countervailing duty"))
    excise = money(_("excise duties and taxes"))
    value_for_tax = money(_("value for tax"))
    gst = money(_("GST"))
    total = money(_("total duties and taxes"))
    payment_due_date = models.DateField(_("payment due date"), null=True, blank=True)
    # What this version changed in the ledger (the difference from the version before it).
    ledger_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="declaration_version"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["declaration", "number"]
        verbose_name = _("declaration version")
        verbose_name_plural = _("declaration versions")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "number"], name="cad_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.declaration.transaction_number} v{self.number}"


class DeclarationLine(models.Model):
    """One invoice line as declared, with the figures the calculator produced for it."""

    version = models.ForeignKey(DeclarationVersion, on_delete=models.PROTECT, related_name="lines")
    number = models.PositiveIntegerField(_("line"))
    vendor = models.CharField(_("vendor"), max_length=200)
    description = models.CharField(_("description"), max_length=300, blank=True)
    tariff_item = models.CharField(_("tariff item"), max_length=14)
    origin = models.CharField(_("country of origin"), max_length=2)
    treatment = models.CharField(_("tariff treatment"), max_length=8, blank=True)  # as claimed
    currency = models.CharField(_("currency"), max_length=3)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    surtax_percent = models.DecimalField(
        _("surtax (%)"), max_digits=7, decimal_places=3, null=True, blank=True
    )
    anti_dumping = money(_("anti-dumping duty"))
    countervailing = money(_("countervailing duty"))
    # Worked out.
    treatment_applied = models.CharField(_("treatment applied"), max_length=8, blank=True)
    rate_text = models.CharField(_("rate"), max_length=200, blank=True)
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=14, decimal_places=6, null=True, blank=True
    )
    value_for_duty = money(_("value for duty"))
    customs_duty = money(_("customs duties"))
    surtax = money(_("surtaxes"))
    excise = money(_("excise duties and taxes"))
    value_for_tax = money(_("value for tax"))
    gst = money(_("GST"))
    total = money(_("total duties and taxes"))

    class Meta:
        ordering = ["version", "number"]
        verbose_name = _("declaration line")
        verbose_name_plural = _("declaration lines")
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="cad_line_number_unique")]

    def __str__(self) -> str:
        return f"{self.version} line {self.number}"
