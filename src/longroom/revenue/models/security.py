"""Release prior to payment (RPP): enrolment and the financial security behind it.

The security required is worked out by the system (domain/carm.md §13): the highest monthly
amount of duties and taxes (GST included) over the last 12 months, 50 % of it for a surety bond
or 100 % for a cash deposit, at least $5,000 and at most $10,000,000. Each year on 20 October it
is worked out again over 20 October → 19 October; accounts whose requirement rose are told, and
RPP is suspended if the increase is not posted by 15 January.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from longroom.registry.models import ProgramAccount


class SecurityType(models.TextChoices):
    BOND = "bond", _("Surety bond (50 %)")
    CASH = "cash", _("Cash deposit (100 %)")


class RppStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    SUSPENDED = "suspended", _("Suspended")


class RppEnrolment(models.Model):
    account = models.OneToOneField(ProgramAccount, on_delete=models.PROTECT, related_name="rpp_enrolment")
    status = models.CharField(
        _("status"), max_length=10, choices=RppStatus.choices, default=RppStatus.ENROLLED
    )
    security_type = models.CharField(_("security"), max_length=4, choices=SecurityType.choices)
    # The security on file (bond amount or cash held), and what was last required.
    security_amount = models.DecimalField(_("security posted (CAD)"), max_digits=14, decimal_places=2)
    required_amount = models.DecimalField(_("security required (CAD)"), max_digits=14, decimal_places=2)
    enrolled_at = models.DateTimeField(_("enrolled at"))
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("RPP enrolment")
        verbose_name_plural = _("RPP enrolments")

    def __str__(self) -> str:
        return f"{self.account} RPP ({self.status})"


class SecurityReview(models.Model):
    """One account's annual security review, with its working."""

    enrolment = models.ForeignKey(RppEnrolment, on_delete=models.PROTECT, related_name="reviews")
    review_year = models.PositiveIntegerField(_("review year"))
    window_start = models.DateField(_("from"))
    window_end = models.DateField(_("to"))
    highest_month = models.CharField(_("highest month"), max_length=7, blank=True)  # YYYY-MM
    highest_amount = models.DecimalField(_("highest monthly amount"), max_digits=14, decimal_places=2)
    previous_required = models.DecimalField(_("previously required"), max_digits=14, decimal_places=2)
    required_amount = models.DecimalField(_("now required"), max_digits=14, decimal_places=2)
    # Only increases are notified, and only they have a due date.
    due_on = models.DateField(_("due on"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    lapsed_at = models.DateTimeField(_("lapsed at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-review_year"]
        verbose_name = _("security review")
        verbose_name_plural = _("security reviews")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "review_year"], name="one_security_review_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.account} {self.review_year}"

    @property
    def increased(self) -> bool:
        return self.required_amount > self.previous_required


MINIMUM_SECURITY = Decimal("5000.00")
MAXIMUM_SECURITY = Decimal("10000000.00")
