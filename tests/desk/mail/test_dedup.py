"""The same message delivered twice is recognised as one."""

from __future__ import annotations

from longroom.desk.mail.dedup import dedup_key
from longroom.desk.mail.parse import parse_message

from .helpers import message_with_pdf, simple_message


def _key(raw: bytes) -> str:
    return dedup_key(parse_message(raw), raw)


def _relayed(raw: bytes, hop: str) -> bytes:
    trace = (
        f"Received: from {hop} by mx.longroom.example with ESMTP id {hop};\r\n"
        " Tue, 13 Jan 2026 09:31:00 -0500\r\n"
        f"Return-Path: <broker@client.example>\r\nDelivered-To: cargo-410@longroom.example\r\n"
    ).encode()
    return trace + raw


def test_redelivery_with_other_received_headers_gives_the_same_key() -> None:
    raw = simple_message()
    assert _key(_relayed(raw, "relay-a")) == _key(_relayed(raw, "relay-b")) == _key(raw)
    assert _key(raw).startswith("mid:")


def test_message_id_key_ignores_angle_brackets_and_spacing() -> None:
    a = simple_message(message_id="<abc@x>")
    b = simple_message(message_id="  <abc@x>  ", body="different body")
    assert _key(a) == _key(b)
    assert _key(a) != _key(simple_message(message_id="<abd@x>"))


def test_without_message_id_sender_date_and_attachments_identify_the_mail() -> None:
    raw = message_with_pdf(message_id=None)
    key = _key(raw)
    assert key.startswith("sig:")
    assert _key(_relayed(raw, "relay-a")) == key
    # Different attachment -> different message.
    assert _key(raw.replace(b"Content-Type: application/pdf", b"Content-Type: application/pdf; x=1")) == key
    other = message_with_pdf(message_id=None).replace(b"JVBERi0xLjQK", b"JVBERi0xLjUK")
    assert _key(other) != key


def test_without_message_id_or_attachment_the_content_is_hashed() -> None:
    raw = simple_message(message_id=None)
    key = _key(raw)
    assert key.startswith("raw:")
    assert _key(_relayed(raw, "relay-a")) == key
    # A maildir stores LF where SMTP carried CRLF: still the same message.
    assert _key(raw.replace(b"\r\n", b"\n")) == key
    assert _key(simple_message(message_id=None, body="another text")) != key
