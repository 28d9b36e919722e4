"""The agency's own records of who imports: businesses, their program accounts, customs brokers.

These are the records portal users prove they belong to (legal name and address exactly as on
file) and that every declaration, ledger entry and statement hangs on. They change only through
`services` (audited); numbers are stored bare (`123456782RM0001`) and validated there.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .numbers import format_bn15


class Business(models.Model):
    bn9 = models.CharField(_("business number (BN9)"), max_length=9, unique=True)
    # Exactly as on the agency's file, punctuation included: activation compares against it.
    legal_name = models.CharField(_("legal name"), max_length=300)
    address_line1 = models.CharField(_("address"), max_length=300)
    address_line2 = models.CharField(_("address, second line"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100)
    province = models.CharField(_("province or territory"), max_length=2, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CA")
    # Where the agency writes about money and security (notices, security reviews).
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_name", "bn9"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.bn9})"


class ProgramAccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class ProgramAccount(models.Model):
    """A BN15 import account (`RM`): declarations, debts, payments and statements are per account."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="program_accounts")
    number = models.CharField(_("program account (BN15)"), max_length=15, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProgramAccountStatus.choices, default=ProgramAccountStatus.ACTIVE
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("program account")
        verbose_name_plural = _("program accounts")

    def __str__(self) -> str:
        return format_bn15(self.number)

    @property
    def display_number(self) -> str:
        return format_bn15(self.number)


class CustomsBroker(models.Model):
    """A licensed customs broker: a business with an account security number (ASEC). Debts a
    broker accounts for are tagged with its ASEC on the client's account (broker summary)."""

    business = models.OneToOneField(Business, on_delete=models.PROTECT, related_name="broker")
    asec = models.CharField(_("account security number (ASEC)"), max_length=5, unique=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asec"]
        verbose_name = _("customs broker")
        verbose_name_plural = _("customs brokers")

    def __str__(self) -> str:
        return f"{self.business.legal_name} (ASEC {self.asec})"


class AccessLevel(models.TextChoices):
    READ = "read", _("Read")
    EDIT = "edit", _("Edit (declare, pay)")


class AccountAccess(models.Model):
    """A person's access to a program account: what the API and the portal let them see and do.

    Staff grant it here for now; the portal's delegation (BAM, PAM, editors, readers, third
    parties) will grant and revoke the same records. Never deleted: a revoked access keeps who
    had it and until when.
    """

    user = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="account_accesses")
    account = models.ForeignKey(ProgramAccount, on_delete=models.PROTECT, related_name="accesses")
    level = models.CharField(_("level"), max_length=4, choices=AccessLevel.choices, default=AccessLevel.READ)
    granted_at = models.DateTimeField(_("granted at"))
    granted_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["account", "user"]
        verbose_name = _("account access")
        verbose_name_plural = _("account accesses")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "account"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_access",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.account} ({self.level})"
