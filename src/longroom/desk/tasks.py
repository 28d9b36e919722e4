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
from .replies import acknowledgement_compose
from .storage import read_bytes, store_bytes

logger = logging.getLogger(__name__)

SEND_MAX_ATTEMPTS = 8


@task()
def process_message(message_pk: int) -> None:
    message_process(message_pk)


# Intake comes first: a worker takes previews and e-mail only when no message waits, so a
# burst of requests reaches the queue as fast as it can (see docs/benchmarks.md).
RENDER_PRIORITY = -10
SEND_PRIORITY = -5


@task(priority=RENDER_PRIORITY)
def render_document(document_pk: int) -> None:
    document_render(document_pk)


@task(priority=SEND_PRIORITY)
def send_outbound(outbound_pk: int) -> None:
    outbound_send(outbound_pk)


RENDER_CHUNK_PAGES = 8
RENDER_MAX_ATTEMPTS = 4


def document_render(document_pk: int) -> None:
    """Preview images and thumbnails for every page, and the barcodes printed on them.

    Pages are rendered a few at a time, each slice in its own sandbox call and transaction, so
    a long document never hits the sandbox's time limit at once and a retry resumes where the
    last attempt stopped.
    """
    document = Document.objects.select_related("file", "repaired_file", "request").get(pk=document_pk)
    if document.previews_ready:
        return
    data = read_bytes(document.repaired_file or document.file)
    page_count = document.page_count or 1
    done = set(PagePreview.objects.filter(document=document).values_list("page_index", flat=True))
    first = 0
    while first < page_count:
        if all(index in done for index in range(first, min(first + RENDER_CHUNK_PAGES, page_count))):
            first += RENDER_CHUNK_PAGES
            continue
        try:
            pages = pdftools.render_pages(data, dpi=150, first_page=first, max_pages=RENDER_CHUNK_PAGES)
        except (pdftools.PdfSandboxError, ValueError) as exc:
            _record_render_failure(document, exc)
            return
        _store_rendered(document, [page for page in pages if page.page_index not in done])
        first += RENDER_CHUNK_PAGES
    _finish_render(document)


def _store_rendered(document: Document, pages: list[pdftools.PageRender]) -> None:
    request = document.request
    with transaction.atomic():
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
                text = code.text.strip()
                looks_like_number = text.isdigit() and 8 <= len(text) <= 25
                Barcode.objects.create(
                    document=document,
                    page_index=page.page_index,
                    symbology=code.format[:32],
                    text=code.text[:500],
                    matches_transaction=(text == request.transaction_number) if looks_like_number else None,
                )


def _finish_render(document: Document) -> None:
    request = document.request
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(previews_ready=True, preview_error="")
        numbers = [
            b.text.strip()
            for b in Barcode.objects.filter(document=document, matches_transaction__isnull=False)
        ]
        if numbers and request.transaction_number not in numbers:
            flagged = Request.objects.filter(pk=request.pk, barcode_mismatch=False).update(
                barcode_mismatch=True
            )
            if flagged:
                audit.record(
                    verb="request.barcode_mismatch",
                    subject=request,
                    office_id=request.office_id,
                    data={
                        "document": document.filename,
                        "barcodes": numbers,
                        "subject": request.transaction_number,
                    },
                )


def _record_render_failure(document: Document, error: Exception) -> None:
    attempts = document.preview_attempts + 1
    reason = getattr(error, "kind", "") or type(error).__name__
    Document.objects.filter(pk=document.pk).update(preview_attempts=attempts, preview_error=str(reason)[:200])
    logger.warning("Previews of document %s failed (%s), attempt %s", document.pk, error, attempts)
    if attempts < RENDER_MAX_ATTEMPTS:
        run_after = timezone.now() + timedelta(seconds=30 * 4 ** (attempts - 1))
        render_document.using(run_after=run_after).enqueue(document.pk)


def outbound_send(outbound_pk: int) -> None:
    outbound = OutboundMessage.objects.select_related("request__inbox", "request__office", "eml").get(
        pk=outbound_pk
    )
    if outbound.status not in (OutboundStatus.PENDING, OutboundStatus.RETRY_WAIT):
        return
    if outbound.eml is None:
        outbound.eml = acknowledgement_compose(outbound)
        OutboundMessage.objects.filter(pk=outbound.pk, eml__isnull=True).update(eml=outbound.eml)
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
        if outbound.request is not None:
            # The request's history says when each e-mail actually left.
            acknowledged = outbound.kind == OutboundKind.ACKNOWLEDGEMENT
            audit.record(
                verb="request.acknowledged" if acknowledged else "request.email_sent",
                subject=outbound.request,
                office_id=outbound.request.office_id,
                data={"outbound": outbound.pk, "kind": outbound.kind, "to": outbound.to_address},
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
