"""Writes owned by offices: instructions, inbox connection secrets, IMAP poll state."""

from __future__ import annotations

import os
import re

from django.db import transaction

from longroom.core import audit
from longroom.core.crypto import decrypt_secret, encrypt_secret
from longroom.core.models import User

from .models import Inbox, Office


def office_update_instructions(
    *, office: Office, actor: User, instructions_en: str, instructions_fr: str, hours_en: str, hours_fr: str
) -> Office:
    with transaction.atomic():
        before = {
            "instructions_en": office.instructions_en,
            "instructions_fr": office.instructions_fr,
            "hours_en": office.hours_en,
            "hours_fr": office.hours_fr,
        }
        office.instructions_en, office.instructions_fr = instructions_en.strip(), instructions_fr.strip()
        office.hours_en, office.hours_fr = hours_en.strip(), hours_fr.strip()
        office.save(update_fields=["instructions_en", "instructions_fr", "hours_en", "hours_fr"])
        after = {
            "instructions_en": office.instructions_en,
            "instructions_fr": office.instructions_fr,
            "hours_en": office.hours_en,
            "hours_fr": office.hours_fr,
        }
        audit.record(
            verb="office.instructions_updated",
            subject=office,
            actor=actor,
            office_id=office.pk,
            data={"before": before, "after": after},
        )
    return office


def imap_password_env_name(inbox: Inbox) -> str:
    return "LONGROOM_IMAP_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", inbox.address.upper())


def inbox_set_imap_password(*, inbox: Inbox, actor: User | None, password: str) -> None:
    """Store the password encrypted; it is never shown back (the audit event says only that it changed)."""
    with transaction.atomic():
        Inbox.objects.filter(pk=inbox.pk).update(imap_password_encrypted=encrypt_secret(password))
        audit.record(verb="inbox.imap_password_set", subject=inbox, actor=actor, office_id=inbox.office_id)


def inbox_imap_password(inbox: Inbox) -> str:
    """The environment wins over the stored value, so operators can keep secrets out of the database."""
    return os.environ.get(imap_password_env_name(inbox)) or decrypt_secret(inbox.imap_password_encrypted)
