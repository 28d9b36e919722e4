"""Intake: what a client notices when they e-mail the desk."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest
from django.utils import timezone

from longroom.core.models import AuditEvent
from longroom.desk.intake import message_process, message_record, pipeline
from longroom.desk.maintenance import stalled_messages, sweep
from longroom.desk.models import (
    InboundMessage,
    MessageStatus,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    Request,
    RequestStatus,
)
from longroom.desk.storage import read_bytes

NUMBER = "132432000123459"


def sent_mail(outbound: OutboundMessage) -> email.message.EmailMessage:
    """The e-mail as the client receives it (acknowledgements are composed when sent)."""
    from longroom.desk.tasks import outbound_send

    outbound_send(outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.SENT
    return email.message_from_bytes(read_bytes(outbound.eml), policy=policy.default)  # type: ignore[return-value]


def test_accepted_request_gets_a_reference_and_a_bilingual_acknowledgement(
    office, receive, email_with, pdf_for
):
    message = receive(
        email_with(
            to="cargo-410@longroom.test",
            subject=f"RMD – {NUMBER}",
            attachments=[(f"{NUMBER}.pdf", pdf_for(NUMBER))],
        )
    )
    assert message.status == MessageStatus.ACCEPTED
    request = message.request
    assert request.reference.startswith("LR-410-C-")
    assert (request.request_type, request.transaction_number, request.status) == (
        "RMD",
        NUMBER,
        RequestStatus.QUEUED,
    )
    ack = OutboundMessage.objects.get(request=request, kind=OutboundKind.ACKNOWLEDGEMENT)
    mail = sent_mail(ack)
    assert request.reference in mail["Subject"]
    assert mail["In-Reply-To"] == f"<{message.message_id}>"
    assert mail["Auto-Submitted"] == "auto-replied"
    body = mail.get_body().get_content()
    assert request.reference in body and "(Le français suit.)" in body
    events = AuditEvent.objects.for_subject("desk.request", request.pk)
    assert list(events.values_list("verb", flat=True)) == ["request.received", "request.acknowledged"]


def test_references_count_up_per_office_kind_and_year(office, receive, email_with, pdf_for):
    refs = []
    for number in ("11111111111111", "22222222222222"):
        refs.append(
            receive(
                email_with(
                    to="cargo-410@longroom.test",
                    subject=f"RMD - {number}",
                    attachments=[(f"{number}.pdf", pdf_for(number))],
                )
            ).request.reference
        )
    release = receive(
        email_with(
            to="release-410@longroom.test",
            subject="RMD - 33333333333333",
            attachments=[("33333333333333.pdf", pdf_for("33333333333333"))],
        ),
        to="release-410@longroom.test",
    ).request.reference
    year = timezone.localtime(timezone.now(), office.zone).year
    assert refs == [f"LR-410-C-{year}-000001", f"LR-410-C-{year}-000002"]
    assert release == f"LR-410-R-{year}-000001"


@pytest.mark.parametrize(
    ("subject", "attachments", "reason", "says"),
    [
        ("RMD - 132432000123459", [], "no_pdf", "132432000123459.pdf"),
        (
            "RMD - 132432000123459",
            [("132432000123459.docx", b"PK\x03\x04 not a pdf")],
            "non_pdf_attachment",
            "132432000123459.docx",
        ),
        ("Please stamp my papers", "pdf", "malformed", "RMD - 132432000123459"),
        ("ZZZ - 132432000123459", "pdf", "unknown_request_type", "ZZZ"),
        ("RMD - 132432000123459", [("scan0001.pdf", "pdf")], "filename_mismatch", "scan0001.pdf"),
    ],
)
def test_a_message_that_is_not_accepted_is_recorded_and_the_client_told_what_to_fix(
    office, receive, email_with, pdf_for, subject, attachments, reason, says
):
    if attachments == "pdf":
        attachments = [(f"{NUMBER}.pdf", pdf_for(NUMBER))]
    attachments = [(name, pdf_for(NUMBER) if data == "pdf" else data) for name, data in attachments]
    message = receive(email_with(to="cargo-410@longroom.test", subject=subject, attachments=attachments))
    assert message.status == MessageStatus.NOT_ACCEPTED
    assert message.outcome_code == reason
    assert not Request.objects.exists()
    reply = OutboundMessage.objects.get(in_response_to=message, kind=OutboundKind.NOT_ACCEPTED)
    body = sent_mail(reply).get_body().get_content()
    assert says in body
    assert "(Le français suit.)" in body
    assert (
        AuditEvent.objects.for_subject("desk.inboundmessage", message.pk)
        .filter(verb="message.not_accepted")
        .exists()
    )


def test_encrypted_pdf_is_refused_with_a_request_to_resend_without_password(office, receive, email_with):
    from tests.conftest import SHARED_DATA

    encrypted = (
        SHARED_DATA / "pdf-samples" / "005-libreoffice-writer-password__libreoffice-writer-password.pdf"
    )
    if not encrypted.exists():
        pytest.skip("../shared/data/pdf-samples is not available")
    message = receive(
        email_with(
            to="cargo-410@longroom.test",
            subject=f"RMD - {NUMBER}",
            attachments=[(f"{NUMBER}.pdf", encrypted.read_bytes())],
        )
    )
    assert (message.status, message.outcome_code) == (MessageStatus.NOT_ACCEPTED, "encrypted")
    assert "password" in message.outcome_detail


def test_unreadable_pdf_is_refused(office, receive, email_with):
    message = receive(
        email_with(
            to="cargo-410@longroom.test",
            subject=f"RMD - {NUMBER}",
            attachments=[(f"{NUMBER}.pdf", b"%PDF-1.7\n garbage garbage\n%%EOF")],
        )
    )
    assert (message.status, message.outcome_code) == (MessageStatus.NOT_ACCEPTED, "unreadable")


def test_oversized_message_is_refused_with_the_limit(office, receive, email_with, pdf_for, settings):
    settings.LONGROOM_MAX_MESSAGE_BYTES = 2000
    message = receive(
        email_with(
            to="cargo-410@longroom.test",
            subject=f"RMD - {NUMBER}",
            attachments=[(f"{NUMBER}.pdf", pdf_for(NUMBER))],
        )
    )
    assert (message.status, message.outcome_code) == (MessageStatus.NOT_ACCEPTED, "too_large")


def test_mail_to_an_unknown_inbox_is_recorded_and_answered(office, receive, email_with, pdf_for):
    message = receive(
        email_with(
            to="nobody@longroom.test",
            subject=f"RMD - {NUMBER}",
            attachments=[(f"{NUMBER}.pdf", pdf_for(NUMBER))],
        ),
        to="nobody@longroom.test",
    )
    assert (message.status, message.outcome_code) == (MessageStatus.NOT_ACCEPTED, "unknown_inbox")
    body = sent_mail(OutboundMessage.objects.get(in_response_to=message)).get_body().get_content()
    assert "/locations/" in body


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-generated",
        "Precedence: bulk",
        "List-Id: <list.example.com>",
        "X-Auto-Response-Suppress: All",
    ],
)
def test_automatic_mail_never_gets_an_automatic_reply(office, receive, email_with, header):
    raw = email_with(to="cargo-410@longroom.test", subject="no pdf here", attachments=[])
    name, value = header.split(": ", 1)
    raw = f"{name}: {value}\r\n".encode() + raw
    message = receive(raw)
    assert message.status == MessageStatus.NOT_ACCEPTED
    assert message.reply_suppressed.startswith("automatic:")
    assert not OutboundMessage.objects.exists()


def test_mailer_daemon_gets_no_reply(office, receive, email_with):
    raw = email_with(
        to="cargo-410@longroom.test", subject="hello", attachments=[], sender="MAILER-DAEMON@example.com"
    )
    message = receive(raw, sender="")
    assert message.reply_suppressed
    assert not OutboundMessage.objects.exists()


def test_replies_to_one_sender_are_rate_limited(office, receive, email_with, settings):
    settings.LONGROOM_REPLIES_PER_SENDER_PER_HOUR = 3
    for n in range(5):
        receive(email_with(to="cargo-410@longroom.test", subject=f"bad subject {n}", attachments=[]))
    assert OutboundMessage.objects.filter(to_address="broker@example.com").count() == 3
    assert InboundMessage.objects.filter(reply_suppressed="rate_limited").count() == 2
    assert InboundMessage.objects.filter(status=MessageStatus.NOT_ACCEPTED).count() == 5


def test_a_reply_to_the_acknowledgement_joins_the_same_request(queued_request, receive, email_with, pdf_for):
    ack = OutboundMessage.objects.get(request=queued_request, kind=OutboundKind.ACKNOWLEDGEMENT)
    raw = email_with(
        to="cargo-410@longroom.test",
        subject="Re: your acknowledgement",
        attachments=[("invoice.pdf", pdf_for(NUMBER, title="COMMERCIAL INVOICE"))],
    )
    raw = f"In-Reply-To: <{ack.message_id}>\r\n".encode() + raw
    message = receive(raw)
    assert message.status == MessageStatus.FOLLOW_UP
    assert message.request_id == queued_request.pk
    assert Request.objects.count() == 1
    assert queued_request.documents.count() == 2


def test_a_subject_carrying_the_reference_joins_the_same_request(queued_request, receive, email_with):
    message = receive(
        email_with(
            to="cargo-410@longroom.test",
            subject=f"[{queued_request.reference}] one more thing",
            attachments=[],
        )
    )
    assert (message.status, message.request_id) == (MessageStatus.FOLLOW_UP, queued_request.pk)


def test_the_answer_to_a_question_puts_the_request_back_in_the_queue(
    queued_request, officer, receive, email_with
):
    from longroom.desk.services import request_ask_for_information, request_claim

    request_claim(request=queued_request, officer=officer)
    request_ask_for_information(request=queued_request, officer=officer, note="Send the invoice")
    question = OutboundMessage.objects.get(request=queued_request, kind=OutboundKind.INFO_REQUEST)
    raw = f"In-Reply-To: <{question.message_id}>\r\n".encode() + email_with(
        to="cargo-410@longroom.test", subject="Re: invoice", attachments=[]
    )
    receive(raw)
    queued_request.refresh_from_db()
    assert queued_request.status == RequestStatus.QUEUED


def test_the_same_message_delivered_twice_is_not_doubled(office, receive, email_with, pdf_for):
    raw = email_with(
        to="cargo-410@longroom.test",
        subject=f"RMD - {NUMBER}",
        attachments=[(f"{NUMBER}.pdf", pdf_for(NUMBER))],
    )
    first = receive(raw)
    second = receive(b"Received: from relay2.example.com\r\n" + raw)
    assert second.status == MessageStatus.DUPLICATE
    assert second.request_id == first.request_id
    assert Request.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


def test_a_message_without_message_id_delivered_twice_is_recognised(office, receive, email_with, pdf_for):
    raw = email_with(
        to="cargo-410@longroom.test",
        subject=f"RMD - {NUMBER}",
        attachments=[(f"{NUMBER}.pdf", pdf_for(NUMBER))],
    )
    raw = b"\r\n".join(
        line for line in raw.split(b"\n") if not line.lower().startswith(b"message-id")
    ).replace(b"\r\r", b"\r")
    receive(raw)
    assert receive(raw).status == MessageStatus.DUPLICATE


def test_a_bounce_is_attached_to_the_mail_it_reports_on_and_opens_nothing(queued_request, receive):
    ack = OutboundMessage.objects.get(request=queued_request)
    dsn = (
        "From: MAILER-DAEMON@example.com\r\nTo: cargo-410@longroom.test\r\nSubject: Undelivered Mail Returned\r\n"
        "Message-ID: <dsn1@example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; example.com\r\n\r\n"
        "Final-Recipient: rfc822; broker@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{ack.message_id}>\r\nSubject: x\r\n\r\n--b--\r\n"
    ).encode()
    message = receive(dsn, sender="")
    assert message.status == MessageStatus.BOUNCE
    assert message.request_id == queued_request.pk
    ack.refresh_from_db()
    assert ack.status == OutboundStatus.BOUNCED
    assert Request.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
    assert (
        AuditEvent.objects.for_subject("desk.request", queued_request.pk)
        .filter(verb="request.delivery_failed")
        .exists()
    )


def test_a_failed_step_is_retried_with_back_off_and_shown_to_staff(office, email_with, pdf_for, monkeypatch):
    raw = email_with(
        to="cargo-410@longroom.test",
        subject=f"RMD - {NUMBER}",
        attachments=[(f"{NUMBER}.pdf", pdf_for(NUMBER))],
    )
    message = message_record(
        raw=raw, source="smtp", envelope_from="broker@example.com", envelope_to=["cargo-410@longroom.test"]
    )

    def disk_full(intake):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "STEPS", (*pipeline.STEPS[:-1], disk_full))
    failed = message_process(message.pk)
    assert failed.status == MessageStatus.RETRY_WAIT
    assert failed.failed_step == "disk_full"
    assert failed.next_attempt_at > timezone.now()
    assert (
        AuditEvent.objects.for_subject("desk.inboundmessage", message.pk)
        .filter(verb="message.failed")
        .exists()
    )

    monkeypatch.undo()
    done = message_process(message.pk)
    assert done.status == MessageStatus.ACCEPTED
    assert Request.objects.count() == 1


def test_after_the_last_attempt_the_message_waits_for_staff(office, email_with, monkeypatch):
    message = message_record(
        raw=email_with(to="cargo-410@longroom.test", subject="x", attachments=[]),
        source="smtp",
        envelope_to=["cargo-410@longroom.test"],
    )
    monkeypatch.setattr(pipeline, "STEPS", (lambda intake: 1 / 0,))
    for _attempt in range(pipeline.MAX_ATTEMPTS):
        result = message_process(message.pk)
    assert result.status == MessageStatus.DEAD


def test_a_message_whose_worker_died_mid_intake_is_processed_after_restart(office, email_with, pdf_for):
    raw = email_with(
        to="cargo-410@longroom.test",
        subject=f"RMD - {NUMBER}",
        attachments=[(f"{NUMBER}.pdf", pdf_for(NUMBER))],
    )
    message = message_record(raw=raw, source="smtp", envelope_to=["cargo-410@longroom.test"])
    # A worker took it and was killed: the row says "processing" with a lease nobody renews.
    started = timezone.now()
    assert pipeline.claim_for_processing(message.pk, started) is not None
    assert message_process(message.pk, now=started) is None  # while the lease lasts, nobody else takes it
    later = started + pipeline.processing_lease() + timedelta(seconds=1)
    assert message.pk in stalled_messages(later)
    sweep(now=later)
    done = message_process(message.pk, now=later)
    assert done.status == MessageStatus.ACCEPTED
    assert Request.objects.count() == 1


def test_raw_message_is_stored_exactly_as_received(office, email_with):
    raw = email_with(to="cargo-410@longroom.test", subject="anything", attachments=[])
    message = message_record(raw=raw, source="smtp", envelope_to=["cargo-410@longroom.test"])
    assert read_bytes(message.raw) == raw


def test_a_barcode_that_disagrees_with_the_subject_is_flagged(office, receive, email_with, pdf_for):
    from longroom.desk.tasks import document_render

    printed = "99999999999999"
    message = receive(
        email_with(
            to="cargo-410@longroom.test",
            subject=f"RMD - {NUMBER}",
            attachments=[(f"{NUMBER}.pdf", pdf_for(printed))],
        )
    )
    request = message.request
    document_render(request.documents.get().pk)
    request.refresh_from_db()
    assert request.barcode_mismatch
    barcode = request.documents.get().barcodes.get()
    assert (barcode.text, barcode.matches_transaction) == (printed, False)
    assert (
        AuditEvent.objects.for_subject("desk.request", request.pk)
        .filter(verb="request.barcode_mismatch")
        .exists()
    )


def test_previews_are_rendered_for_every_page_and_the_barcode_read(queued_request):
    document = queued_request.documents.get()
    assert document.previews_ready and document.pages.count() == document.page_count == 1
    assert document.barcodes.get().matches_transaction is True
    assert not queued_request.barcode_mismatch


def test_a_message_finished_meanwhile_by_another_worker_does_not_open_a_second_request(
    office, email_with, pdf_for
):
    raw = email_with(
        to="cargo-410@longroom.test",
        subject=f"RMD - {NUMBER}",
        attachments=[(f"{NUMBER}.pdf", pdf_for(NUMBER))],
    )
    message = message_record(
        raw=raw, source="smtp", envelope_from="broker@example.com", envelope_to=["cargo-410@longroom.test"]
    )
    slow = pipeline.Intake(
        message=pipeline.claim_for_processing(message.pk, timezone.now()), now=timezone.now()
    )
    for step in pipeline.STEPS:
        step(slow)
    # Meanwhile the lease ran out and another worker processed the message to the end.
    later = timezone.now() + pipeline.processing_lease() + timedelta(seconds=1)
    assert message_process(message.pk, now=later).status == MessageStatus.ACCEPTED
    result = pipeline.finish(slow)
    assert result.status == MessageStatus.ACCEPTED
    assert Request.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
