"""Stamping: signed, incremental, returned by e-mail in the client's thread, verifiable by anyone."""

from __future__ import annotations

import email
import io
from email import policy

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from longroom.core.models import AuditEvent
from longroom.desk import services
from longroom.desk.models import (
    DocumentRole,
    OutboundKind,
    OutboundMessage,
    RequestStatus,
    SealCertificate,
    Stamping,
)
from longroom.desk.storage import read_bytes
from longroom.desk.verification import verify_document


@pytest.fixture
def stamped(queued_request, officer):
    services.request_claim(request=queued_request, officer=officer)
    original = queued_request.documents.get(role=DocumentRole.ORIGINAL)
    stamp = queued_request.office.stamps.get(text_en="AUTHORIZED TO MOVE IN BOND")
    stamping = services.request_stamp(
        request=queued_request,
        officer=officer,
        stamp=stamp,
        document=original,
        pages=[0],
        position=(0.55, 0.04),
    )
    return stamping


def test_stamping_keeps_the_original_bytes_as_a_prefix_and_signs_with_the_office_seal(stamped, tmp_path):
    original = read_bytes(stamped.original.file)
    signed = read_bytes(stamped.stamped.file)
    assert signed.startswith(original) and len(signed) > len(original)
    seal = SealCertificate.objects.get(office=stamped.request.office, active=True)
    path = tmp_path / "seal.der"
    path.write_bytes(bytes(seal.certificate_der))
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(path))])
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[-1]
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted
    described = " ".join(
        str(signature.sig_object.get(key) or "") for key in ("/Reason", "/Name", "/Location")
    )
    assert stamped.request.reference in described


def test_stamp_and_return_sends_the_stamped_pdf_in_the_clients_thread(stamped):
    request = stamped.request
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED
    outbound = OutboundMessage.objects.get(request=request, kind=OutboundKind.RETURN)
    mail = email.message_from_bytes(read_bytes(outbound.eml), policy=policy.default)
    assert mail["In-Reply-To"] == f"<{request.thread_message_id}>"
    attachments = list(mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == [stamped.original.filename]
    assert attachments[0].get_content() == read_bytes(stamped.stamped.file)
    body = mail.get_body().get_content()
    assert f"/verify/{request.reference}/" in body
    verbs = list(AuditEvent.objects.for_subject("desk.request", request.pk).values_list("verb", flat=True))
    assert verbs[0] == "request.received"
    assert verbs[-3:] == ["request.claimed", "request.stamped", "request.returned"]
    returned = AuditEvent.objects.for_subject("desk.request", request.pk).get(verb="request.returned")
    assert returned.actor == stamped.officer


def test_return_is_audited_when_the_mail_leaves(stamped, settings):
    from longroom.desk.tasks import outbound_send

    outbound = OutboundMessage.objects.get(request=stamped.request, kind=OutboundKind.RETURN)
    outbound_send(outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == "sent"
    assert any(settings.LONGROOM_OUTBOX_DIR.glob("*.eml"))
    assert (
        AuditEvent.objects.for_subject("desk.request", stamped.request.pk)
        .filter(verb="request.returned")
        .exists()
    )
    sent = AuditEvent.objects.for_subject("desk.request", stamped.request.pk).get(verb="request.email_sent")
    assert sent.data["kind"] == OutboundKind.RETURN


def test_a_delivery_failure_is_retried_and_visible(stamped, settings):
    from longroom.desk.tasks import outbound_send

    settings.LONGROOM_RELAY = {**settings.LONGROOM_RELAY, "host": "127.0.0.1", "port": 9, "timeout": 2}
    outbound = OutboundMessage.objects.get(request=stamped.request, kind=OutboundKind.RETURN)
    outbound_send(outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == "retry_wait" and outbound.next_attempt_at is not None and outbound.last_error
    assert (
        AuditEvent.objects.for_subject("desk.request", stamped.request.pk)
        .filter(verb="request.delivery_failed")
        .exists()
    )


def test_verification_says_genuine_for_the_stamped_file_and_not_for_one_changed_byte(stamped):
    signed = read_bytes(stamped.stamped.file)
    outcome = verify_document(signed)
    assert outcome.genuine and outcome.stamping == stamped
    for position in (len(signed) // 3, len(read_bytes(stamped.original.file)) + 200, len(signed) - 50):
        tampered = bytearray(signed)
        tampered[position] = (tampered[position] + 1) % 256
        assert not verify_document(bytes(tampered)).genuine


def test_verification_rejects_the_unstamped_original(stamped):
    assert not verify_document(read_bytes(stamped.original.file)).genuine


def test_verify_pages_are_public_and_say_genuine_or_not(client, stamped):
    from django.core.files.uploadedfile import SimpleUploadedFile

    signed = read_bytes(stamped.stamped.file)
    response = client.post(
        "/en/desk/verify/", {"file": SimpleUploadedFile("x.pdf", signed, "application/pdf")}
    )
    assert response.status_code == 200 and b'data-genuine="true"' in response.content
    tampered = bytearray(signed)
    tampered[100] ^= 1
    response = client.post(
        "/fr/desk/verify/", {"file": SimpleUploadedFile("x.pdf", bytes(tampered), "application/pdf")}
    )
    assert b'data-genuine="false"' in response.content
    response = client.get(f"/verify/{stamped.request.reference}/", follow=True)
    assert response.status_code == 200 and stamped.stamped.file.sha256.encode() in response.content
    assert client.get("/en/desk/verify/LR-999-C-2026-000001/").status_code == 404


def test_the_officer_stamps_through_the_review_page(client, queued_request, officer, settings):
    settings.LONGROOM_DEMO = True
    client.force_login(officer)
    url = f"/en/desk/requests/{queued_request.reference}/"
    assert client.post(url + "claim/").status_code == 302
    page = client.get(url)
    assert b"stamp-form" in page.content
    stamp = queued_request.office.stamps.get(text_en="RELEASED")
    document = queued_request.documents.get()
    preview = client.get(
        url + "stamp/preview.png", {"stamp": stamp.pk, "document": document.pk, "page": 1, "x": 0.2, "y": 0.7}
    )
    assert preview.status_code == 200 and preview.content.startswith(b"\x89PNG")
    response = client.post(
        url + "stamp/",
        {
            "stamp": stamp.pk,
            "document": document.pk,
            "pages": "1",
            "x": "0.2",
            "y": "0.7",
            "return_now": "on",
        },
    )
    assert response.status_code == 302
    queued_request.refresh_from_db()
    assert queued_request.status == RequestStatus.RETURNED
    stamping = Stamping.objects.get(request=queued_request)
    assert (stamping.position_x, stamping.position_y, stamping.pages) == (0.2, 0.7, [0])


def test_reject_tells_the_client_the_reason_in_both_languages(queued_request, officer):
    from longroom.desk.models import RejectionReason

    services.request_claim(request=queued_request, officer=officer)
    reason = RejectionReason.objects.get(code="missing-lead-sheet")
    services.request_reject(
        request=queued_request, officer=officer, reason=reason, note="Lead sheet first, please."
    )
    outbound = OutboundMessage.objects.get(request=queued_request, kind=OutboundKind.REJECTION)
    body = email.message_from_bytes(read_bytes(outbound.eml), policy=policy.default).get_body().get_content()
    assert reason.text_en in body and reason.text_fr in body and "Lead sheet first" in body
    queued_request.refresh_from_db()
    assert queued_request.status == RequestStatus.REJECTED and queued_request.decided_at


def test_the_timeline_shows_elapsed_time_from_receipt_to_return(client, stamped, officer, settings):
    settings.LONGROOM_DEMO = True
    client.force_login(officer)
    page = client.get(f"/en/desk/requests/{stamped.request.reference}/").content.decode()
    assert 'id="elapsed"' in page and "Stamped" in page and "Request opened" in page
