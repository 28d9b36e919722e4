"""Customs offices, their e-Longroom inboxes, and which staff work where."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from longroom.core.language import current_language


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Office(models.Model):
    number = models.CharField(
        _("office number"), max_length=8, unique=True, help_text=_("The CBSA office number, e.g. 410.")
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    street_address = models.CharField(_("street address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    province = models.CharField(_("province or territory"), max_length=2)
    postal_code = models.CharField(_("postal code"), max_length=10)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="America/Toronto", validators=[validate_time_zone]
    )
    hours_en = models.TextField(_("hours (English)"), blank=True)
    hours_fr = models.TextField(_("hours (French)"), blank=True)
    instructions_en = models.TextField(_("client instructions (English)"), blank=True)
    instructions_fr = models.TextField(_("client instructions (French)"), blank=True)
    elongroom_offered = models.BooleanField(_("offers the e-Longroom"), default=True)
    service_target_minutes = models.PositiveIntegerField(
        _("service target (minutes)"), default=30, help_text=_("Requests older than this are shown as late.")
    )

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ("number",)

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def name(self) -> str:
        return self.name_fr if current_language() == "fr" else self.name_en

    @property
    def hours(self) -> str:
        return self.hours_fr if current_language() == "fr" else self.hours_en

    @property
    def instructions(self) -> str:
        return self.instructions_fr if current_language() == "fr" else self.instructions_en

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class InboxKind(models.TextChoices):
    CARGO = "C", _("Cargo")
    RELEASE = "R", _("Release")
    EXPORT = "E", _("Export")


class Inbox(models.Model):
    """An address clients write to. IMAP details are optional: mail may arrive over SMTP instead."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="inboxes", verbose_name=_("office")
    )
    kind = models.CharField(_("kind"), max_length=1, choices=InboxKind.choices)
    address = models.EmailField(_("address"), unique=True)
    active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_username = models.CharField(_("IMAP user name"), max_length=200, blank=True)
    # Fernet ciphertext (core.crypto); never shown back. An environment variable may supply
    # the password instead: LONGROOM_IMAP_PASSWORD_<ADDRESS> (see offices.services).
    imap_password_encrypted = models.TextField(blank=True, editable=False)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    # Where polling resumes: the high-water UID within the mailbox's current UIDVALIDITY.
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    imap_last_uid = models.BigIntegerField(default=0, editable=False)
    imap_last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    imap_last_error = models.TextField(blank=True, editable=False)
    # One poller per mailbox: overlapping polls would fetch the same UIDs twice.
    imap_lock_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")
        ordering = ("office__number", "kind")
        constraints = [
            models.UniqueConstraint(fields=["office", "kind"], name="one_inbox_per_office_and_kind")
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def uses_imap(self) -> bool:
        return bool(self.imap_host)


class StaffRole(models.TextChoices):
    OFFICER = "officer", _("Clerk / officer")
    SUPERINTENDENT = "superintendent", _("Superintendent")
    ADMINISTRATOR = "administrator", _("Administrator")


class Membership(models.Model):
    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="memberships")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=StaffRole.choices, default=StaffRole.OFFICER)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "office"], name="one_membership_per_office")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.office.number} ({self.role})"
