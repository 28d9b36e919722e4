"""Composing the bilingual e-mails the desk sends, and recording them for delivery.

Every reply carries its own Message-ID and threads under the client's message
(In-Reply-To/References), so the client's mail program keeps one conversation per request.
Automatic replies are marked (RFC 3834) so other robots do not answer them, and are
rate-limited per sender so a misbehaving client cannot turn the desk into a mail cannon.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import InboundMessage, OutboundKind, OutboundMessage, Request, StoredFile
from .storage import store_bytes

AUTOMATIC_KINDS = {OutboundKind.ACKNOWLEDGEMENT, OutboundKind.NOT_ACCEPTED, OutboundKind.FOLLOW_UP_ACK}

SUBJECTS: dict[str, tuple[object, str]] = {
    OutboundKind.ACKNOWLEDGEMENT: (_("Request received"), "ack"),
    OutboundKind.NOT_ACCEPTED: (_("Request not accepted"), "not_accepted"),
    OutboundKind.FOLLOW_UP_ACK: (_("Follow-up received"), "follow_up_ack"),
    OutboundKind.RETURN: (_("Stamped document returned"), "return"),
    OutboundKind.REJECTION: (_("Request rejected"), "rejection"),
    OutboundKind.INFO_REQUEST: (_("More information needed"), "info_request"),
}


@dataclass
class Attachment:
    filename: str
    data: bytes
    content_type: str = "application/pdf"


@dataclass
class Reply:
    kind: str
    to_address: str
    context: dict[str, object]
    request: Request | None = None
    in_response_to: InboundMessage | None = None
    attachments: list[Attachment] = field(default_factory=list)


def new_message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "longroom.invalid"
    return f"lr.{uuid.uuid4().hex}@{domain}"


def _bilingual(template: str, context: dict[str, object]) -> str:
    parts = []
    for language in ("en", "fr"):
        with translation.override(language):
            parts.append(render_to_string(template, {**context, "language": language}).strip())
    separator = "\n\n— — — — — — — — — — — — — — — — — — — —\n\n"
    return separator.join(parts) + "\n"


def _bilingual_subject(kind: str, reference: str, original_subject: str) -> str:
    label = SUBJECTS[kind][0]
    with translation.override("en"):
        english = str(label)
    with translation.override("fr"):
        french = str(label)
    head = f"[{reference}] " if reference else ""
    tail = f" — {original_subject}" if original_subject else ""
    return f"{head}{english} / {french}{tail}"[:900]


def sender_is_over_reply_limit(address: str) -> bool:
    since = timezone.now() - timedelta(hours=1)
    sent = OutboundMessage.objects.filter(
        to_address=address, created_at__gte=since, kind__in=list(AUTOMATIC_KINDS)
    ).count()
    return sent >= settings.LONGROOM_REPLIES_PER_SENDER_PER_HOUR


def compose(reply: Reply, message_id: str | None = None) -> tuple[EmailMessage, str, str]:
    request = reply.request
    reference = request.reference if request else ""
    inbound = reply.in_response_to
    original_subject = (request.subject if request else (inbound.subject if inbound else ""))[:200]
    from_address = (
        request.inbox.address
        if request
        else (inbound.inbox.address if inbound and inbound.inbox else settings.DEFAULT_FROM_EMAIL)
    )
    agency = f"{settings.LONGROOM_AGENCY_NAME_EN} / {settings.LONGROOM_AGENCY_NAME_FR}"
    message_id = message_id or new_message_id()
    subject = _bilingual_subject(reply.kind, reference, original_subject)

    mail = EmailMessage()
    mail["From"] = formataddr((f"e-Longroom — {agency}", from_address))
    mail["To"] = reply.to_address
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = f"<{message_id}>"
    mail["Content-Language"] = "en, fr"
    thread_root = request.thread_message_id if request else ""
    replying_to = inbound.message_id if inbound and inbound.message_id else thread_root
    if replying_to:
        mail["In-Reply-To"] = f"<{replying_to}>"
        references = [f"<{thread_root}>"] if thread_root and thread_root != replying_to else []
        mail["References"] = " ".join([*references, f"<{replying_to}>"])
    if reply.kind in AUTOMATIC_KINDS:
        mail["Auto-Submitted"] = "auto-replied"
    else:
        mail["Auto-Submitted"] = "auto-generated"
    # Ask Exchange and friends not to send out-of-office replies back to the desk.
    mail["X-Auto-Response-Suppress"] = "All"
    context = {
        **reply.context,
        "request": request,
        "reference": reference,
        "public_url": settings.LONGROOM_PUBLIC_URL,
        "agency_en": settings.LONGROOM_AGENCY_NAME_EN,
        "agency_fr": settings.LONGROOM_AGENCY_NAME_FR,
    }
    mail.set_content(_bilingual(f"desk/email/{SUBJECTS[reply.kind][1]}.txt", context))
    for attachment in reply.attachments:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        mail.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return mail, message_id, subject


def _as_bytes(mail: EmailMessage) -> bytes:
    return mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))


def reply_record(reply: Reply) -> OutboundMessage:
    """Store the composed reply; the caller's transaction commits it and schedules delivery."""
    mail, message_id, subject = compose(reply)
    return OutboundMessage.objects.create(
        kind=reply.kind,
        request=reply.request,
        in_response_to=reply.in_response_to,
        to_address=reply.to_address,
        subject=subject,
        message_id=message_id,
        eml=store_bytes(_as_bytes(mail)),
    )


def acknowledgement_record(*, request: Request, message: InboundMessage) -> OutboundMessage:
    """Record an acknowledgement now and compose it when it is sent (acknowledgement_compose).

    Composing a bilingual e-mail is a third of the time intake spends on a message; deferring it
    lets a burst of requests reach the queue sooner. Its Message-ID is fixed now, so a reply or
    a bounce that arrives later is matched to it whatever happens in between.
    """
    return OutboundMessage.objects.create(
        kind=OutboundKind.ACKNOWLEDGEMENT,
        request=request,
        in_response_to=message,
        to_address=message.from_address,
        subject=_bilingual_subject(OutboundKind.ACKNOWLEDGEMENT, request.reference, request.subject[:200]),
        message_id=new_message_id(),
        eml=None,
    )


def acknowledgement_compose(outbound: OutboundMessage) -> StoredFile:
    request = outbound.request
    assert request is not None and outbound.kind == OutboundKind.ACKNOWLEDGEMENT
    documents = list(request.documents.filter(message=outbound.in_response_to).order_by("id"))
    reply = Reply(
        kind=outbound.kind,
        to_address=outbound.to_address,
        request=request,
        in_response_to=outbound.in_response_to,
        context={"documents": documents, "office": request.office},
    )
    mail, _message_id, _subject = compose(reply, message_id=outbound.message_id)
    return store_bytes(_as_bytes(mail))
