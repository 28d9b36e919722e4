"""An e-mail backend that keeps each outbound message as an .eml file under var/outbox/.

Used when no relay (EMAIL_HOST) is configured, so a trial installation can show the mail it
would have sent; staff see the files on the Outbox page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


def outbox_dir() -> Path:
    path = Path(settings.LONGROOM_OUTBOX_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_to_outbox(raw: bytes, message_id: str) -> Path:
    """Keep one message as <time>-<message id>.eml, in the order it was sent."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    safe_id = re.sub(r"[^A-Za-z0-9._-]+", "_", message_id.strip("<>"))[:120] or "message"
    path = outbox_dir() / f"{stamp}-{safe_id}.eml"
    path.write_bytes(raw)
    return path


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            mime = message.message()
            write_to_outbox(mime.as_bytes(), str(mime.get("Message-ID", "")))
        return len(email_messages)
