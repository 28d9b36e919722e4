"""Handing finished messages to the outside world.

Outbound messages are stored as complete .eml bytes first (desk.replies), so a retry sends
exactly what was composed. Delivery goes to the relay in EMAIL_HOST/EMAIL_PORT (settings.LONGROOM_RELAY), or, when no
relay is configured, to .eml files under var/outbox/ (core.outbox).
"""

from __future__ import annotations

import smtplib
import ssl
from typing import Any

from django.conf import settings

from longroom.core.outbox import write_to_outbox


class DeliveryFailed(Exception):
    pass


def deliver_raw(*, raw: bytes, from_address: str, to_addresses: list[str], message_id: str) -> None:
    relay: dict[str, Any] = settings.LONGROOM_RELAY
    if not relay["host"]:
        write_to_outbox(raw, message_id)
        return
    try:
        with smtplib.SMTP(str(relay["host"]), int(relay["port"]), timeout=float(relay["timeout"])) as smtp:
            if relay["use_tls"]:
                smtp.starttls(context=ssl.create_default_context())
            if relay["username"]:
                smtp.login(str(relay["username"]), str(relay["password"]))
            refused = smtp.sendmail(from_address, to_addresses, raw)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    if refused:
        raise DeliveryFailed(f"Recipients refused: {refused}")
