"""Interest on overdue amounts: the rate table, and how far each account has been charged.

The source of the rate is unverified (domain/carm.md §11: memo D11-6-5 describes a quarterly
prescribed rate from the 90-day Treasury bill, plus a specified rate of six points after the due
date), so the rate is data with effective dates, kept by staff, not a formula in code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from longroom.registry.models import ProgramAccount

from .ledger import LedgerEntry


class InterestRate(models.Model):
    effective_from = models.DateField(_("in force from"), unique=True)
    annual_percent = models.DecimalField(_("annual rate (%)"), max_digits=6, decimal_places=3)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("interest rate")
        verbose_name_plural = _("interest rates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(annual_percent__gte=0), name="interest_rate_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.annual_percent} % from {self.effective_from}"


class InterestCharge(models.Model):
    """Interest charged on an account for the days `period_start`…`period_end`: the next charge
    starts the day after, so no day is charged twice."""

    account = models.ForeignKey(ProgramAccount, on_delete=models.PROTECT, related_name="interest_charges")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("through"))
    amount = models.DecimalField(_("amount (CAD)"), max_digits=14, decimal_places=2)
    ledger_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="interest_charge"
    )
    # The working, debt by debt and rate by rate, so anyone can check the figure.
    working = models.JSONField(default=list)
    charged_at = models.DateTimeField(_("charged at"))

    class Meta:
        ordering = ["account", "period_end"]
        verbose_name = _("interest charge")
        verbose_name_plural = _("interest charges")
        constraints = [
            models.UniqueConstraint(fields=["account", "period_end"], name="interest_charge_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.period_start}–{self.period_end}: {self.amount}"
