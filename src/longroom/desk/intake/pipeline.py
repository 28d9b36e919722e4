"""Processing a recorded message, one named step at a time.

    claim_for_processing → load_and_parse → detect_automatic_or_bounce → detect_duplicate
    → resolve_inbox → match_thread → check_size → check_subject_and_attachments
    → open_pdfs_sandboxed → finish (one transaction: request, documents, audit, replies)

Slow work (parsing, opening PDFs in the sandbox) happens before the single write transaction,
so a crash anywhere leaves the message in a state the next attempt can resume from; every
write of the outcome happens in `finish`. A step that raises marks the message for a retry
with back-off, naming the step, and after the last attempt leaves it for staff ("dead").
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation

from longroom.core import audit
from longroom.offices.models import Inbox

from .. import pdf as pdftools
from ..mail import ParsedMail, dedup_key, detect_automatic, find_reference, parse_message, parse_subject
from ..mail.automatic import bounce_original_message_id, is_bounce
from ..models import (
    Document,
    InboundMessage,
    MessageStatus,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    Request,
    RequestStatus,
    RequestType,
)
from ..references import reference_allocate
from ..replies import Reply, acknowledgement_record, reply_record, sender_is_over_reply_limit
from ..storage import read_bytes, store_bytes
from . import reasons
from .receipt import inbox_for_addresses

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
WRAPPER_COLOURS = ("White", "Yellow", "Pink", "Green", "Blue", "Gold", "Orange", "Red", "Purple", "Grey")


@dataclass
class CheckedPdf:
    filename: str
    data: bytes
    page_count: int
    repaired: bytes | None = None


@dataclass
class Outcome:
    status: str
    code: str = ""
    params: dict[str, object] = field(default_factory=dict)
    reply: bool = True


@dataclass
class Intake:
    message: InboundMessage
    now: datetime
    raw: bytes = b""
    parsed: ParsedMail | None = None
    automatic: str | None = None
    inbox: Inbox | None = None
    follow_up_of: Request | None = None
    request_type: str = ""
    wrapper_colour: str = ""
    transaction_number: str = ""
    pdfs: list[CheckedPdf] = field(default_factory=list)
    ignored_attachments: list[str] = field(default_factory=list)
    outcome: Outcome | None = None


def processing_lease() -> timedelta:
    return timedelta(seconds=settings.LONGROOM_INTAKE_LEASE_SECONDS)


# ── the steps ────────────────────────────────────────────────────────────────────────────


def claim_for_processing(message_pk: int, now: datetime) -> InboundMessage | None:
    """Take the message for one processing lease; None when someone else has it or it is done."""
    claimable = Q(status__in=[MessageStatus.RECEIVED, MessageStatus.RETRY_WAIT]) | Q(
        status=MessageStatus.PROCESSING, lease_expires_at__lt=now
    )
    # One conditional UPDATE is the lock: of two workers, exactly one changes the row.
    taken = (
        InboundMessage.objects.filter(pk=message_pk)
        .filter(claimable)
        .update(
            status=MessageStatus.PROCESSING,
            lease_expires_at=now + processing_lease(),
            attempts=F("attempts") + 1,
        )
    )
    if not taken:
        return None
    return InboundMessage.objects.select_related("inbox__office", "raw").get(pk=message_pk)


def load_and_parse(intake: Intake) -> None:
    intake.raw = read_bytes(intake.message.raw)
    parsed = parse_message(intake.raw)
    intake.parsed = parsed
    message = intake.message
    message.message_id = (parsed.message_id or "")[:998]
    message.dedup_key = dedup_key(parsed, intake.raw)
    message.from_address = (parsed.reply_to_address or parsed.from_address or message.envelope_from or "")[
        :320
    ]
    message.subject = parsed.subject or ""
    message.sent_at = parsed.date
    message.body_text = (parsed.text_body or "")[:20000]
    if not parsed.is_rfc822:
        intake.outcome = Outcome(MessageStatus.NOT_ACCEPTED, "not_email")


def detect_automatic_or_bounce(intake: Intake) -> None:
    assert intake.parsed is not None
    if is_bounce(intake.parsed):
        original = bounce_original_message_id(intake.parsed) or ""
        intake.outcome = Outcome(
            MessageStatus.BOUNCE, "bounce", {"original_message_id": original}, reply=False
        )
        return
    # Over SMTP an empty MAIL FROM is the null sender (<>); over IMAP there is no envelope at all.
    envelope_from = intake.message.envelope_from if intake.message.source == "smtp" else None
    intake.automatic = detect_automatic(intake.parsed, envelope_from=envelope_from)
    if intake.automatic == "spam":
        intake.outcome = Outcome(MessageStatus.NOT_ACCEPTED, "spam", reply=False)


def detect_duplicate(intake: Intake) -> None:
    message = intake.message
    earlier = (
        InboundMessage.objects.filter(dedup_key=message.dedup_key, pk__lt=message.pk)
        .exclude(status__in=[MessageStatus.RECEIVED, MessageStatus.PROCESSING, MessageStatus.RETRY_WAIT])
        .order_by("pk")
        .first()
    )
    if earlier is not None:
        intake.outcome = Outcome(
            MessageStatus.DUPLICATE, "duplicate", {"first_message": earlier.pk}, reply=False
        )
        message.request_id = earlier.request_id


def resolve_inbox(intake: Intake) -> None:
    assert intake.parsed is not None
    inbox = intake.message.inbox
    if inbox is None:
        parsed = intake.parsed
        inbox = inbox_for_addresses(
            [*intake.message.envelope_to, *parsed.delivered_to, *parsed.to_addresses, *parsed.cc_addresses]
        )
    if inbox is None or not inbox.active:
        address = ", ".join(intake.message.envelope_to or intake.parsed.to_addresses) or "?"
        intake.outcome = Outcome(
            MessageStatus.NOT_ACCEPTED,
            "unknown_inbox",
            {
                "address": address,
                "locations_url": settings.LONGROOM_PUBLIC_URL + reverse("offices:locations"),
            },
        )
        return
    intake.inbox = inbox
    intake.message.inbox = inbox


def match_thread(intake: Intake) -> None:
    """A reply to one of our e-mails, or a subject with a reference, joins that request."""
    assert intake.parsed is not None
    parsed = intake.parsed
    ids = [i for i in [*parsed.in_reply_to, *parsed.references] if i]
    request = None
    if ids:
        reply = OutboundMessage.objects.filter(message_id__in=ids, request__isnull=False).first()
        request = reply.request if reply else Request.objects.filter(thread_message_id__in=ids).first()
    if request is None:
        reference = find_reference(parsed.subject or "")
        if reference:
            request = Request.objects.filter(reference=reference).first()
    if request is not None and intake.inbox is not None and request.office_id == intake.inbox.office_id:
        intake.follow_up_of = request


def check_size(intake: Intake) -> None:
    limit = settings.LONGROOM_MAX_MESSAGE_BYTES
    if intake.message.size > limit:
        intake.outcome = Outcome(
            MessageStatus.NOT_ACCEPTED,
            "too_large",
            {"size_mb": _mb(intake.message.size), "limit_mb": _mb(limit)},
        )


def check_subject_and_attachments(intake: Intake) -> None:
    assert intake.parsed is not None and intake.inbox is not None
    parsed = intake.parsed
    if intake.follow_up_of is None:
        types = list(
            RequestType.objects.filter(inbox_kind=intake.inbox.kind, active=True).values_list(
                "code", flat=True
            )
        )
        subject = parse_subject(parsed.subject or "", request_types=types, wrapper_colours=WRAPPER_COLOURS)
        if not subject.ok:
            intake.outcome = Outcome(
                MessageStatus.NOT_ACCEPTED,
                subject.problem or "malformed",
                {
                    "subject": (parsed.subject or "")[:200],
                    "request_type": _guess_type(parsed.subject or ""),
                    "types": ", ".join(types),
                },
            )
            return
        intake.request_type = subject.request_type or ""
        intake.wrapper_colour = subject.wrapper_colour or ""
        intake.transaction_number = subject.transaction_number or ""
    else:
        intake.transaction_number = intake.follow_up_of.transaction_number

    pdfs = [a for a in parsed.attachments if a.is_pdf]
    others = [a for a in parsed.attachments if not a.is_pdf and not _is_signature_image(a)]
    example = f"{intake.transaction_number or '123451900123459'}.pdf"
    if intake.follow_up_of is not None:
        # A follow-up may be a plain note; its non-PDF attachments are kept in the raw message only.
        intake.ignored_attachments = [a.filename or "?" for a in others]
        intake.pdfs = [CheckedPdf(a.filename or example, a.data, 0) for a in pdfs]
        return
    if others:
        names = ", ".join(a.filename or a.declared_content_type or "?" for a in others)
        intake.outcome = Outcome(MessageStatus.NOT_ACCEPTED, "non_pdf_attachment", {"names": names})
        return
    if not pdfs:
        intake.outcome = Outcome(MessageStatus.NOT_ACCEPTED, "no_pdf", {"example": example})
        return
    misnamed = [a.filename or "?" for a in pdfs if not _named_after(a.filename, intake.transaction_number)]
    if misnamed:
        intake.outcome = Outcome(
            MessageStatus.NOT_ACCEPTED,
            "filename_mismatch",
            {"example": example, "names": ", ".join(misnamed)},
        )
        return
    intake.pdfs = [CheckedPdf(a.filename or example, a.data, 0) for a in pdfs]


def open_pdfs_sandboxed(intake: Intake) -> None:
    limit = settings.LONGROOM_MAX_PDF_BYTES
    for checked in intake.pdfs:
        if len(checked.data) > limit:
            intake.outcome = Outcome(
                MessageStatus.NOT_ACCEPTED,
                "pdf_too_large",
                {"name": checked.filename, "size_mb": _mb(len(checked.data)), "limit_mb": _mb(limit)},
            )
            return
        inspection = pdftools.inspect_pdf(checked.data, max_pages=settings.LONGROOM_MAX_PDF_PAGES)
        if not inspection.ok:
            problem = inspection.problem or "unreadable"
            code = problem if problem in {"encrypted", "too_many_pages"} else "unreadable"
            intake.outcome = Outcome(
                MessageStatus.NOT_ACCEPTED,
                code,
                {"name": checked.filename, "limit": settings.LONGROOM_MAX_PDF_PAGES, "detail": problem},
            )
            return
        checked.page_count = inspection.page_count
        checked.repaired = inspection.repaired_pdf if inspection.repaired else None


class _FinishedElsewhere(Exception):
    """Another attempt finished this message while this one worked: undo this one's writes."""


# What the pipeline learns about a message, written with its outcome.
_FINISH_FIELDS = (
    "message_id",
    "dedup_key",
    "from_address",
    "subject",
    "sent_at",
    "body_text",
    "inbox",
    "status",
    "outcome_code",
    "outcome_detail",
    "outcome_params",
    "reply_suppressed",
    "request",
)


def finish(intake: Intake) -> InboundMessage:
    """Write the outcome: one transaction for the request, its documents, audit and replies.

    The message row is written last, only if it is still "processing": if a second worker took
    over an expired lease and finished first, this attempt's whole transaction is rolled back,
    so a message never opens two requests.
    """
    message = intake.message
    try:
        with transaction.atomic():
            if intake.outcome is not None:
                _finish_without_request(intake)
            elif intake.follow_up_of is not None:
                _finish_follow_up(intake)
            else:
                _finish_new_request(intake)
            written = InboundMessage.objects.filter(pk=message.pk, status=MessageStatus.PROCESSING).update(
                **{name: getattr(message, name) for name in _FINISH_FIELDS},
                processed_at=intake.now,
                lease_expires_at=None,
                next_attempt_at=None,
                failed_step="",
                last_error="",
            )
            if not written:
                raise _FinishedElsewhere
    except _FinishedElsewhere:
        return InboundMessage.objects.get(pk=message.pk)
    message.processed_at = intake.now
    return message


# ── finishing ────────────────────────────────────────────────────────────────────────────


def _finish_without_request(intake: Intake) -> None:
    message, outcome = intake.message, intake.outcome
    assert outcome is not None
    message.status = outcome.status
    message.outcome_code = outcome.code
    message.outcome_params = _jsonable(outcome.params)
    office_id = intake.inbox.office_id if intake.inbox else None
    if outcome.status == MessageStatus.BOUNCE:
        original = str(outcome.params.get("original_message_id") or "")
        bounced = OutboundMessage.objects.filter(message_id=original).select_related("request").first()
        if bounced is not None:
            OutboundMessage.objects.filter(pk=bounced.pk).update(status=OutboundStatus.BOUNCED)
            message.request = bounced.request
            if bounced.request is not None:
                audit.record(
                    verb="request.delivery_failed",
                    subject=bounced.request,
                    actor_label=message.envelope_from or "mailer-daemon",
                    office_id=bounced.request.office_id,
                    data={"bounce_message": message.pk, "outbound": bounced.pk, "to": bounced.to_address},
                )
        audit.record(verb="message.bounce", subject=message, office_id=office_id, data={"original": original})
        return
    if outcome.status == MessageStatus.DUPLICATE:
        audit.record(verb="message.duplicate", subject=message, office_id=office_id, data=outcome.params)
        return
    with translation.override("en"):
        message.outcome_detail = reasons.explain(outcome.code, outcome.params)
    audit.record(
        verb="message.not_accepted",
        subject=message,
        actor_label=message.from_address,
        office_id=office_id,
        data={"reason": outcome.code, **_jsonable(outcome.params)},
    )
    if outcome.reply:
        _reply_if_allowed(
            intake,
            Reply(
                kind=OutboundKind.NOT_ACCEPTED,
                to_address=message.from_address,
                in_response_to=message,
                context={
                    "reason_en": reasons.explain(outcome.code, outcome.params, "en"),
                    "reason_fr": reasons.explain(outcome.code, outcome.params, "fr"),
                    "received_subject": message.subject,
                },
            ),
        )


def _finish_new_request(intake: Intake) -> None:
    message, inbox = intake.message, intake.inbox
    assert inbox is not None and intake.parsed is not None
    office = inbox.office
    received_local = message.received_at.astimezone(office.zone)
    request = Request.objects.create(
        reference=reference_allocate(office=office, kind=inbox.kind, year=received_local.year),
        office=office,
        inbox=inbox,
        kind=inbox.kind,
        request_type=intake.request_type,
        wrapper_colour=intake.wrapper_colour,
        transaction_number=intake.transaction_number,
        client_email=message.from_address,
        client_name=(intake.parsed.from_name or "")[:200],
        subject=message.subject,
        thread_message_id=message.message_id,
        received_at=message.received_at,
        retain_until=(message.received_at + timedelta(days=settings.LONGROOM_RETENTION_DAYS)).date(),
    )
    documents = _store_documents(intake, request)
    message.status = MessageStatus.ACCEPTED
    message.outcome_code = "accepted"
    message.request = request
    audit.record(
        verb="request.received",
        subject=request,
        actor_label=message.from_address,
        office_id=office.pk,
        occurred_at=message.received_at,
        data={
            "message": message.pk,
            "documents": [d.filename for d in documents],
            "request_type": request.request_type,
            "transaction_number": request.transaction_number,
        },
    )
    _reply_if_allowed(
        intake,
        Reply(
            kind=OutboundKind.ACKNOWLEDGEMENT,
            to_address=message.from_address,
            request=request,
            in_response_to=message,
            context={},
        ),
        # "request.acknowledged" is recorded when the acknowledgement leaves (tasks.outbound_send).
        record=lambda: acknowledgement_record(request=request, message=message),
    )


def _finish_follow_up(intake: Intake) -> None:
    message, request = intake.message, intake.follow_up_of
    assert request is not None
    documents = _store_documents(intake, request)
    message.status = MessageStatus.FOLLOW_UP
    message.outcome_code = "follow_up"
    message.outcome_params = {"ignored_attachments": intake.ignored_attachments}
    message.request = request
    before = request.status
    if request.status == RequestStatus.INFO_REQUESTED:
        # The client answered: back in the queue, and the waiting time stops counting against us.
        Request.objects.filter(pk=request.pk).update(
            status=RequestStatus.QUEUED, claimed_by=None, claim_expires_at=None
        )
    audit.record(
        verb="request.follow_up_received",
        subject=request,
        actor_label=message.from_address,
        office_id=request.office_id,
        data={
            "message": message.pk,
            "documents": [d.filename for d in documents],
            "status_before": before,
            "ignored_attachments": intake.ignored_attachments,
        },
    )
    _reply_if_allowed(
        intake,
        Reply(
            kind=OutboundKind.FOLLOW_UP_ACK,
            to_address=message.from_address,
            request=request,
            in_response_to=message,
            context={"documents": documents, "is_closed": not request.is_open},
        ),
    )


def _store_documents(intake: Intake, request: Request) -> list[Document]:
    documents = []
    for checked in intake.pdfs:
        documents.append(
            Document.objects.create(
                request=request,
                message=intake.message,
                filename=checked.filename[:255],
                file=store_bytes(checked.data),
                page_count=checked.page_count,
                repaired_file=store_bytes(checked.repaired) if checked.repaired else None,
            )
        )
    for document in documents:
        transaction.on_commit(functools.partial(_schedule_render, document.pk))
    return documents


def _reply_if_allowed(
    intake: Intake, reply: Reply, record: Callable[[], OutboundMessage] | None = None
) -> None:
    """Send the reply unless the sender is a robot (RFC 3834) or has had too many replies.

    `record` stores the reply another way (an acknowledgement is composed only when sent).
    """
    message = intake.message
    reason = ""
    if intake.automatic:
        reason = f"automatic:{intake.automatic}"
    elif not reply.to_address:
        reason = "no_sender"
    elif sender_is_over_reply_limit(reply.to_address):
        reason = "rate_limited"
    if reason:
        message.reply_suppressed = reason
        return
    outbound = record() if record is not None else reply_record(reply)
    transaction.on_commit(lambda: _schedule_send(outbound.pk))


# ── running it ───────────────────────────────────────────────────────────────────────────

STEPS = (
    load_and_parse,
    detect_automatic_or_bounce,
    detect_duplicate,
    resolve_inbox,
    match_thread,
    check_size,
    check_subject_and_attachments,
    open_pdfs_sandboxed,
)


def message_process(message_pk: int, *, now: datetime | None = None) -> InboundMessage | None:
    """Run the pipeline for one recorded message. Safe to call twice or concurrently."""
    now = now or timezone.now()
    message = claim_for_processing(message_pk, now)
    if message is None:
        return None
    intake = Intake(message=message, now=now)
    step_name = ""
    try:
        with audit.origin(f"intake {message.source}"):
            for step in STEPS:
                step_name = step.__name__
                step(intake)
                if intake.outcome is not None:
                    break
            step_name = "finish"
            return finish(intake)
    except Exception as exc:
        logger.exception("Intake of message %s failed at %s", message_pk, step_name)
        message_fail(message_pk, step=step_name, error=exc, now=now)
        return InboundMessage.objects.get(pk=message_pk)


def message_fail(message_pk: int, *, step: str, error: BaseException, now: datetime) -> None:
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().get(pk=message_pk)
        dead = message.attempts >= MAX_ATTEMPTS
        message.status = MessageStatus.DEAD if dead else MessageStatus.RETRY_WAIT
        message.failed_step = step
        message.last_error = f"{type(error).__name__}: {error}"[:4000]
        message.lease_expires_at = None
        message.next_attempt_at = None if dead else now + retry_delay(message.attempts)
        message.save()
        audit.record(
            verb="message.dead" if dead else "message.failed",
            subject=message,
            office_id=message.inbox.office_id if message.inbox else None,
            data={"step": step, "error": message.last_error, "attempt": message.attempts},
        )
        if not dead:
            run_after = message.next_attempt_at
            transaction.on_commit(lambda: _schedule_retry(message_pk, run_after))


def retry_delay(attempts: int) -> timedelta:
    """10 s, 40 s, 2.7 min, 10.7 min, 43 min: quick for hiccups, patient for outages."""
    return timedelta(seconds=10 * 4 ** max(attempts - 1, 0))


def _schedule_render(document_pk: int) -> None:
    from ..tasks import render_document

    render_document.enqueue(document_pk)


def _schedule_send(outbound_pk: int) -> None:
    from ..tasks import send_outbound

    send_outbound.enqueue(outbound_pk)


def _schedule_retry(message_pk: int, run_after: datetime | None) -> None:
    from ..tasks import process_message

    process_message.using(run_after=run_after).enqueue(message_pk)


# ── small helpers ────────────────────────────────────────────────────────────────────────


def _mb(size: int) -> float:
    return round(size / (1024 * 1024), 1)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _named_after(filename: str | None, transaction_number: str) -> bool:
    if not filename or not transaction_number:
        return False
    stem = filename.rsplit("/", 1)[-1]
    # "123451900123459.pdf", "123451900123459-invoice.pdf", "12345 1900 123459 (2).pdf"
    return _digits(stem).startswith(transaction_number)


def _is_signature_image(attachment: object) -> bool:
    """Logos in e-mail signatures arrive as inline images; they are not documents."""
    declared = (getattr(attachment, "declared_content_type", "") or "").lower()
    return getattr(attachment, "disposition", None) == "inline" and declared.startswith("image/")


def _guess_type(subject: str) -> str:
    parts = [p.strip() for p in subject.replace("–", "-").replace("—", "-").split("-") if p.strip()]
    non_numeric = [p for p in parts if _digits(p) != p.replace(" ", "")]
    return non_numeric[-1][:30] if non_numeric else ""


def _jsonable(params: dict[str, object]) -> dict[str, object]:
    return {
        k: (v if isinstance(v, str | int | float | bool | type(None)) else str(v)) for k, v in params.items()
    }
