"""Periodic upkeep, run by the scheduler every few seconds. Each part is safe to run twice.

- Claims whose lease ran out go back to the queue.
- Messages whose processing stopped (a worker killed mid-intake, a lost task) are scheduled
  again; the pipeline's own lease makes a second run harmless.
- E-mails whose retry time has come are sent again.
- Documents whose previews a stopped worker never finished are rendered again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import Document, InboundMessage, MessageStatus, OutboundMessage, OutboundStatus
from .services import request_expire_leases

# A message recorded this long ago and still untouched has lost its task.
STALLED_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class SweepResult:
    leases_expired: int
    messages_rescheduled: int
    outbound_rescheduled: int
    renders_rescheduled: int = 0


def stalled_messages(now: datetime) -> list[int]:
    return list(
        InboundMessage.objects.filter(
            Q(status=MessageStatus.RECEIVED, received_at__lt=now - STALLED_AFTER)
            | Q(status=MessageStatus.PROCESSING, lease_expires_at__lt=now)
            | Q(status=MessageStatus.RETRY_WAIT, next_attempt_at__lt=now - STALLED_AFTER)
        ).values_list("pk", flat=True)[:500]
    )


def due_outbound(now: datetime) -> list[int]:
    return list(
        OutboundMessage.objects.filter(
            Q(status=OutboundStatus.PENDING, created_at__lt=now - STALLED_AFTER)
            | Q(status=OutboundStatus.RETRY_WAIT, next_attempt_at__lt=now)
        ).values_list("pk", flat=True)[:500]
    )


def unrendered_documents(now: datetime) -> list[int]:
    """Documents whose previews never came (a worker stopped mid-render); failures retry themselves."""
    return list(
        Document.objects.filter(
            previews_ready=False, preview_error="", created_at__lt=now - timedelta(minutes=2)
        ).values_list("pk", flat=True)[:200]
    )


def sweep(*, now: datetime | None = None) -> SweepResult:
    from .tasks import process_message, render_document, send_outbound

    now = now or timezone.now()
    expired = request_expire_leases(now=now)
    messages = stalled_messages(now)
    for pk in messages:
        process_message.enqueue(pk)
    outbound = due_outbound(now)
    for pk in outbound:
        send_outbound.enqueue(pk)
    renders = unrendered_documents(now)
    for pk in renders:
        render_document.enqueue(pk)
    return SweepResult(expired, len(messages), len(outbound), len(renders))
