"""Background work. Every task is safe to run twice: each checks state before acting."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from longroom.core import audit

from . import pdf as pdftools
from .delivery import DeliveryFailed, deliver_raw
from .intake import message_process
from .models import (
    Barcode,
    Document,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    PagePreview,
    Request,
)
from .storage import read_bytes, store_bytes

logger = logging.getLogger(__name__)

SEND_MAX_ATTEMPTS = 8


@task()
def process_message(message_pk: int) -> None:
    message_process(message_pk)


@task()
def render_document(document_pk: int) -> None:
    document_render(document_pk)


@task()
def send_outbound(outbound_pk: int) -> None:
    outbound_send(outbound_pk)


def document_render(document_pk: int) -> None:
    """Preview images and thumbnails for every page, and the barcodes printed on them."""
    document = Document.objects.select_related("file", "repaired_file", "request").get(pk=document_pk)
    if document.previews_ready:
        return
    source = document.repaired_file or document.file
    pages = pdftools.render_pages(read_bytes(source), dpi=150)
    request = document.request
    with transaction.atomic():
        PagePreview.objects.filter(document=document).delete()
        Barcode.objects.filter(document=document).delete()
        found_numbers: list[str] = []
        for page in pages:
            PagePreview.objects.create(
                document=document,
                page_index=page.page_index,
                image=store_bytes(page.preview_png),
                thumbnail=store_bytes(page.thumbnail_png),
                width_px=page.width_px,
                height_px=page.height_px,
            )
            for code in page.barcodes:
                looks_like_number = code.text.strip().isdigit() and 8 <= len(code.text.strip()) <= 25
                matches = code.text.strip() == request.transaction_number if looks_like_number else None
                if looks_like_number:
                    found_numbers.append(code.text.strip())
                Barcode.objects.create(
                    document=document,
                    page_index=page.page_index,
                    symbology=code.format[:32],
                    text=code.text[:500],
                    matches_transaction=matches,
                )
        Document.objects.filter(pk=document.pk).update(
            previews_ready=True, page_count=len(pages) or document.page_count
        )
        if found_numbers and request.transaction_number not in found_numbers and not request.barcode_mismatch:
            Request.objects.filter(pk=request.pk).update(barcode_mismatch=True)
            audit.record(
                verb="request.barcode_mismatch",
                subject=request,
                office_id=request.office_id,
                data={
                    "document": document.filename,
                    "barcodes": found_numbers,
                    "subject": request.transaction_number,
                },
            )


def outbound_send(outbound_pk: int) -> None:
    outbound = OutboundMessage.objects.select_related("request__inbox", "eml").get(pk=outbound_pk)
    if outbound.status not in (OutboundStatus.PENDING, OutboundStatus.RETRY_WAIT):
        return
    # Deliver outside any transaction: a slow relay must not hold database locks.
    sender = outbound.request.inbox.address if outbound.request else ""
    try:
        deliver_raw(
            raw=read_bytes(outbound.eml),
            from_address=sender,
            to_addresses=[outbound.to_address],
            message_id=outbound.message_id,
        )
        error = ""
    except DeliveryFailed as exc:
        error = str(exc)
    with transaction.atomic():
        outbound = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("request")
            .get(pk=outbound_pk)
        )
        outbound.attempts += 1
        if error:
            _record_delivery_failure(outbound, error)
            return
        outbound.status = OutboundStatus.SENT
        outbound.sent_at = timezone.now()
        outbound.last_error = ""
        outbound.next_attempt_at = None
        outbound.save()
        if outbound.request is not None and outbound.kind == OutboundKind.RETURN:
            audit.record(
                verb="request.returned",
                subject=outbound.request,
                office_id=outbound.request.office_id,
                data={"outbound": outbound.pk, "to": outbound.to_address},
            )


def _record_delivery_failure(outbound: OutboundMessage, error: str) -> None:
    dead = outbound.attempts >= SEND_MAX_ATTEMPTS
    outbound.status = OutboundStatus.DEAD if dead else OutboundStatus.RETRY_WAIT
    outbound.last_error = error[:4000]
    outbound.next_attempt_at = None if dead else timezone.now() + timedelta(seconds=15 * 2**outbound.attempts)
    outbound.save()
    if outbound.request is not None:
        audit.record(
            verb="request.delivery_failed",
            subject=outbound.request,
            office_id=outbound.request.office_id,
            data={
                "outbound": outbound.pk,
                "error": outbound.last_error,
                "attempt": outbound.attempts,
                "final": dead,
            },
        )
    if not dead:
        run_after = outbound.next_attempt_at
        transaction.on_commit(lambda: send_outbound.using(run_after=run_after).enqueue(outbound.pk))
