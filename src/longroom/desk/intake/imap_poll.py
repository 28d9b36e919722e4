"""Polling IMAP inboxes: one poller per mailbox at a time, never refetching what we have."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from longroom.offices.models import Inbox
from longroom.offices.services import inbox_imap_password

from ..mail.imap import ImapPollError, ImapPollResult, poll_imap_mailbox
from .receipt import message_record

logger = logging.getLogger(__name__)

POLL_LOCK = timedelta(minutes=5)


def _lock(inbox: Inbox, now: datetime) -> bool:
    """A lease on the mailbox row: the conditional UPDATE lets exactly one poller in."""
    return bool(
        Inbox.objects.filter(pk=inbox.pk)
        .filter(Q(imap_lock_expires_at__isnull=True) | Q(imap_lock_expires_at__lt=now))
        .update(imap_lock_expires_at=now + POLL_LOCK)
    )


def inbox_poll(*, inbox: Inbox, now: datetime | None = None, batch_size: int = 50) -> int | None:
    """Fetch new messages of one inbox; returns how many were recorded, None if another poll holds the lock."""
    now = now or timezone.now()
    if not inbox.uses_imap or not _lock(inbox, now):
        return None
    inbox.refresh_from_db()
    recorded = 0

    def on_message(uid: int, raw: bytes) -> None:
        nonlocal recorded
        message_record(
            raw=raw,
            source="imap",
            envelope_to=[inbox.address],
            inbox=inbox,
            imap_uidvalidity=uidvalidity_holder[0],
            imap_uid=uid,
        )
        recorded += 1

    # The UIDVALIDITY in force is only known once connected; messages are keyed on it.
    uidvalidity_holder: list[int | None] = [inbox.imap_uidvalidity]
    error = ""
    try:
        result = _poll(inbox, on_message, uidvalidity_holder, batch_size)
        update = {"imap_uidvalidity": result.uidvalidity, "imap_last_uid": result.last_uid}
        error = result.error or ""
    except ImapPollError as exc:
        partial = exc.partial
        update = (
            {"imap_uidvalidity": partial.uidvalidity, "imap_last_uid": partial.last_uid} if partial else {}
        )
        error = str(exc)
    except OSError as exc:
        update, error = {}, f"{type(exc).__name__}: {exc}"
    if error:
        logger.warning("IMAP poll of %s: %s", inbox.address, error)
    Inbox.objects.filter(pk=inbox.pk).update(
        **update, imap_last_polled_at=timezone.now(), imap_last_error=error[:2000], imap_lock_expires_at=None
    )
    return recorded


def _poll(
    inbox: Inbox,
    on_message: Callable[[int, bytes], None],
    uidvalidity_holder: list[int | None],
    batch_size: int,
) -> ImapPollResult:
    def learn_uidvalidity(value: int) -> None:
        uidvalidity_holder[0] = value

    return poll_imap_mailbox(
        host=inbox.imap_host,
        port=inbox.imap_port,
        username=inbox.imap_username,
        password=inbox_imap_password(inbox),
        folder=inbox.imap_folder,
        use_ssl=inbox.imap_ssl,
        known_uidvalidity=inbox.imap_uidvalidity,
        last_uid=inbox.imap_last_uid,
        on_message=on_message,
        on_uidvalidity=learn_uidvalidity,
        batch_size=batch_size,
    )
