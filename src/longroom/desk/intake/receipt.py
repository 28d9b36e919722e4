"""Step one of intake, for every transport: record the raw message before anything else.

Once `message_record` has returned, the message is on disk and in the database; processing
can crash, be retried or be redone from here, and nothing the client sent is lost. SMTP
answers 250 and IMAP advances its high-water mark only after this returns.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from longroom.core import audit
from longroom.offices.models import Inbox

from ..models import InboundMessage
from ..storage import store_bytes


def inbox_for_addresses(addresses: list[str]) -> Inbox | None:
    wanted = [a.strip().lower() for a in addresses if a and a.strip()]
    if not wanted:
        return None
    for inbox in Inbox.objects.filter(active=True, address__in=wanted).select_related("office"):
        return inbox
    return None


def accepts_recipient(address: str) -> bool:
    return Inbox.objects.filter(active=True, address__iexact=address.strip()).exists()


def message_record(
    *,
    raw: bytes,
    source: str,
    envelope_from: str = "",
    envelope_to: list[str] | None = None,
    inbox: Inbox | None = None,
    imap_uidvalidity: int | None = None,
    imap_uid: int | None = None,
) -> InboundMessage:
    """Record a received message and schedule its processing. Idempotent for an IMAP UID."""
    envelope_to = envelope_to or []
    if inbox is None:
        inbox = inbox_for_addresses(envelope_to)
    if imap_uid is not None:
        existing = InboundMessage.objects.filter(
            inbox=inbox, imap_uidvalidity=imap_uidvalidity, imap_uid=imap_uid
        ).first()
        if existing is not None:
            return existing
    stored = store_bytes(raw)
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                source=source,
                inbox=inbox,
                envelope_from=envelope_from[:320],
                envelope_to=envelope_to,
                raw=stored,
                size=len(raw),
                imap_uidvalidity=imap_uidvalidity,
                imap_uid=imap_uid,
            )
            audit.record(
                verb="message.received",
                subject=message,
                actor_label=envelope_from or "unknown sender",
                office_id=inbox.office_id if inbox else None,
                data={"source": source, "size": len(raw), "sha256": stored.sha256, "to": envelope_to},
            )
            transaction.on_commit(lambda: _schedule(message.pk))
    except IntegrityError:
        # An overlapping IMAP poll recorded the same UID a moment ago.
        return InboundMessage.objects.get(inbox=inbox, imap_uidvalidity=imap_uidvalidity, imap_uid=imap_uid)
    return message


def _schedule(message_pk: int) -> None:
    from ..tasks import process_message

    process_message.enqueue(message_pk)
