"""Loop suppression: which inbound mail must never get an automatic reply."""

from __future__ import annotations

import pytest

from longroom.desk.mail.automatic import bounce_original_message_id, detect_automatic, is_bounce
from longroom.desk.mail.parse import parse_message

from .helpers import crlf, simple_message


def _reason(
    extra_headers: str = "", *, envelope_from: str | None = "broker@client.example", **kw: str
) -> str | None:
    return detect_automatic(
        parse_message(simple_message(extra_headers=extra_headers, **kw)), envelope_from=envelope_from
    )


def test_an_ordinary_client_request_may_be_answered() -> None:
    assert _reason() is None
    assert _reason("Auto-Submitted: no\n") is None
    assert _reason("X-Auto-Response-Suppress: OOF, NRN\n") is None
    assert _reason("X-Spam-Flag: NO\nX-Spam-Status: No, score=0.1\n") is None


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-replied\n", "auto_submitted"),
        ("Auto-Submitted: auto-generated; owner-email=x@y\n", "auto_submitted"),
        ("Precedence: bulk\n", "precedence"),
        ("Precedence: LIST\n", "precedence"),
        ("Precedence: junk\n", "precedence"),
        ("List-Id: <customs.lists.example>\n", "mailing_list"),
        ("List-Unsubscribe: <mailto:u@x>\n", "mailing_list"),
        ("X-Auto-Response-Suppress: DR, RN\n", "auto_response_suppress"),
        ("X-Auto-Response-Suppress: AutoReply\n", "auto_response_suppress"),
        ("X-Auto-Response-Suppress: All\n", "auto_response_suppress"),
        ("X-Spam-Flag: YES\n", "spam"),
        ("X-Spam-Status: Yes, score=12.3 required=5.0\n", "spam"),
        ("X-Autoreply: yes\n", "autoreply_header"),
    ],
)
def test_header_rules_block_automatic_replies(headers: str, reason: str) -> None:
    assert _reason(headers) == reason


def test_null_envelope_sender_is_never_answered() -> None:
    assert _reason(envelope_from="") == "null_sender"
    assert _reason(envelope_from="<>") == "null_sender"
    # Over IMAP the envelope is only known through Return-Path.
    assert _reason("Return-Path: <>\n", envelope_from=None) == "null_sender"
    assert _reason("Return-Path: <broker@client.example>\n", envelope_from=None) is None


def test_mailer_daemon_and_postmaster_are_never_answered() -> None:
    assert _reason(envelope_from="MAILER-DAEMON@mx.client.example") == "mailer_daemon"
    assert _reason(sender="Mail Delivery System <MAILER-DAEMON@mx.example>") == "mailer_daemon"
    assert _reason(sender="postmaster@client.example") == "mailer_daemon"


DSN = crlf(
    "From: Mail Delivery System <MAILER-DAEMON@mx.client.example>\n"
    "To: cargo-410@longroom.example\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Message-ID: <dsn.1@mx.client.example>\n"
    "Auto-Submitted: auto-replied\n"
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\n'
    "\n"
    "--R\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
    "--R\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.client.example\n\n"
    "Final-Recipient: rfc822; gone@client.example\nAction: failed\nStatus: 5.1.1\n\n"
    "--R\nContent-Type: message/rfc822\n\n"
    "From: cargo-410@longroom.example\nTo: gone@client.example\n"
    "Subject: [LR-410-C-2026-000123] Received\nMessage-ID: <out.42@longroom.example>\n\nAck.\n"
    "--R--\n"
)


def test_dsn_is_a_bounce_linked_to_the_outbound_mail_it_reports_on() -> None:
    parsed = parse_message(DSN)
    assert is_bounce(parsed)
    assert detect_automatic(parsed, envelope_from="") == "auto_submitted"
    assert bounce_original_message_id(parsed) == "out.42@longroom.example"
    assert "Status: 5.1.1" in parsed.delivery_status_text


def test_plain_text_qmail_bounce_is_recognised() -> None:
    raw = crlf(
        "From: MAILER-DAEMON@mx.client.example\nTo: cargo-410@longroom.example\n"
        "Subject: failure notice\nMessage-ID: <b@mx>\n\n"
        "Hi. This is the qmail-send program.\n\n--- Below this line is a copy of the message.\n\n"
        "Message-ID: <out.7@longroom.example>\nSubject: Received\n"
    )
    parsed = parse_message(raw)
    assert is_bounce(parsed)
    assert bounce_original_message_id(parsed) == "out.7@longroom.example"


def test_forwarded_message_is_not_taken_for_a_bounce() -> None:
    parsed = parse_message(simple_message(subject="Fwd: RMD - 132432000123459"))
    assert not is_bounce(parsed)
    assert bounce_original_message_id(parsed) is None


def test_read_receipt_is_automatic_but_not_a_bounce() -> None:
    raw = crlf(
        "From: broker@client.example\nSubject: Read: x\nMessage-ID: <mdn@x>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="M"\n\n'
        "--M\nContent-Type: text/plain\n\nRead.\n"
        "--M\nContent-Type: message/disposition-notification\n\nFinal-Recipient: rfc822; b@x\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n\n--M--\n"
    )
    parsed = parse_message(raw)
    assert detect_automatic(parsed, envelope_from="broker@client.example") == "delivery_report"
    assert not is_bounce(parsed)
