"""Accounts, the append-only audit log and personal API tokens."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. Staff sign in with e-mail, password and a second factor."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    # Printed on stamps and in the audit trail instead of the person's name.
    staff_identifier = models.CharField(
        _("officer identifier"),
        max_length=32,
        blank=True,
        help_text=_("Badge or employee number shown on stamps."),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=[("en", "English"), ("fr", "Français")], default="en"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_identifier(self) -> str:
        return self.staff_identifier or self.email


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_subject(self, subject_type: str, subject_id: object) -> AuditEventQuerySet:
        return self.filter(subject_type=subject_type, subject_id=str(subject_id))

    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """One state change: who, what, when, from where, before/after. Never edited or deleted."""

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    verb = models.CharField(_("event"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        "core.User",
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who acted when it was not a signed-in user: a client's e-mail address, "system".
    actor_label = models.CharField(_("actor label"), max_length=254, blank=True)
    origin = models.CharField(_("origin"), max_length=128, blank=True)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    # Plain id rather than a foreign key: core must not depend on the offices app.
    office_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ("occurred_at", "id")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "occurred_at"], name="audit_subject_idx")
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.verb} {self.subject_type}:{self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class ApiToken(models.Model):
    """A personal bearer token. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
