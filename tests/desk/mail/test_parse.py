"""Inbound mail parsing: real-world samples and the traps paperless-ngx users hit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from longroom.desk.mail.automatic import detect_automatic, is_bounce
from longroom.desk.mail.parse import MAX_TEXT_BODY_CHARS, ParsedMail, html_to_text, parse_message

from .helpers import SAMPLES_DIR, b64, crlf, message_with_pdf, simple_message

needs_samples = pytest.mark.skipif(
    not SAMPLES_DIR.is_dir(), reason=f"mail samples folder not found at {SAMPLES_DIR}"
)


def _sample_files() -> list[Path]:
    if not SAMPLES_DIR.is_dir():
        return []
    return sorted(p for p in SAMPLES_DIR.iterdir() if p.name.startswith("mail_"))


def _sample(name: str) -> ParsedMail:
    return parse_message((SAMPLES_DIR / name).read_bytes())


@needs_samples
@pytest.mark.parametrize("path", _sample_files(), ids=lambda p: p.name)
def test_every_sample_mail_parses_into_an_explained_result(path: Path) -> None:
    raw = path.read_bytes()
    parsed = parse_message(raw)
    assert parsed.size == len(raw)
    if parsed.is_rfc822:
        # Something a clerk can recognise the mail by.
        assert parsed.subject or parsed.from_address or parsed.message_id
        assert parsed.date is None or parsed.date.tzinfo is not None
        assert "\x00" not in parsed.text_body
        assert len(parsed.text_body) <= MAX_TEXT_BODY_CHARS
    else:
        assert any(d.startswith("not_rfc822") for d in parsed.defects)
    for att in parsed.attachments:
        assert att.size == len(att.data)
        assert att.is_pdf == (b"%PDF-" in att.data[:1024])


@needs_samples
def test_pdf_attachment_sent_as_octet_stream_is_found() -> None:
    parsed = _sample("mail_test_10")
    pdfs = parsed.pdf_attachments
    assert [a.filename for a in pdfs] == ["Move To Eight ZWEP6227F.pdf"]
    assert pdfs[0].declared_content_type == "application/octet-stream"
    assert pdfs[0].disposition == "attachment"
    assert pdfs[0].data.startswith(b"%PDF-")
    assert len(pdfs[0].sha256) == 64


@needs_samples
def test_delivery_failure_sample_is_a_bounce_and_never_auto_answered() -> None:
    parsed = _sample("mail_malformed_2")
    assert is_bounce(parsed)
    assert detect_automatic(parsed, envelope_from="") in {"delivery_report", "null_sender"}
    assert detect_automatic(parsed, envelope_from=None) == "delivery_report"
    assert "mailbox full" in parsed.delivery_status_text


@needs_samples
def test_outlook_msg_file_is_reported_as_not_an_internet_message() -> None:
    parsed = _sample("mail_outlook_1")
    assert parsed.is_rfc822 is False
    assert "not_rfc822:ole2" in parsed.defects
    assert parsed.attachments == []


@needs_samples
def test_gtube_spam_sample_parses_and_is_not_auto_answered() -> None:
    parsed = _sample("mail_test_16")
    assert parsed.is_rfc822
    assert parsed.subject == "Test spam mail (GTUBE)"
    assert "GTUBE" in parsed.text_body
    assert detect_automatic(parsed, envelope_from="sender@example.net") == "precedence"


@needs_samples
def test_mail_with_nul_bytes_still_yields_its_text() -> None:
    raw = (SAMPLES_DIR / "mail_malformed_3").read_bytes()
    assert b"\x00" in raw
    parsed = parse_message(raw)
    assert parsed.subject == "Ahorre Dinero en su Recibo de Luz"
    assert parsed.text_body  # salvaged despite the wrong multipart boundary
    assert "multipart_boundary_salvaged" in parsed.defects


@needs_samples
def test_encoded_and_mislabelled_charsets_are_decoded() -> None:
    assert _sample("mail_test_12").subject == "代开各地增值税发票"
    assert "增值税" in _sample("mail_test_12").text_body  # UTF-8 body labelled GB2312
    assert _sample("mail_test_1").from_name == "служба ФНС Даниил Суворов"
    assert _sample("mail_test_5").subject == "Je prépare mon été zéro complexe !"


@needs_samples
def test_display_names_with_commas_and_addresses_do_not_hide_the_sender() -> None:
    comma = _sample("mail_test_18")
    assert comma.from_address == "comma.name@example.com"
    assert comma.from_name == "LastßlName, FirstName"
    assert _sample("mail_test_19").from_address == "bob@example.com"


def test_header_fields_are_normalised() -> None:
    raw = simple_message(
        subject="=?utf-8?q?RMD_=E2=80=93_132432000123459?=",
        extra_headers=(
            "In-Reply-To: <out.1@longroom.example>\n"
            "References: <a@x> <out.1@longroom.example>\n"
            "Reply-To: Desk <Desk@Client.Example>\n"
            'Cc: a@b.example, "C, D" <cd@b.example>\n'
            "Delivered-To: cargo-410@longroom.example\n"
            "X-Original-To: Cargo-410@Longroom.example\n"
        ),
    )
    parsed = parse_message(raw)
    assert parsed.message_id == "abc.123@client.example"
    assert parsed.in_reply_to == ["out.1@longroom.example"]
    assert parsed.references == ["a@x", "out.1@longroom.example"]
    assert parsed.from_address == "broker@client.example"
    assert parsed.from_name == "Broker One"
    assert parsed.reply_to_address == "desk@client.example"
    assert parsed.to_addresses == ["cargo-410@longroom.example"]
    assert parsed.cc_addresses == ["a@b.example", "cd@b.example"]
    assert parsed.delivered_to == ["cargo-410@longroom.example"]
    assert parsed.subject == "RMD – 132432000123459"
    assert parsed.date == datetime(2026, 1, 13, 14, 30, tzinfo=UTC)
    assert parsed.text_body == "Please release."
    assert parsed.is_rfc822


def test_pdf_is_found_by_its_bytes_whatever_the_declared_type() -> None:
    inline = parse_message(message_with_pdf(content_type="application/octet-stream", disposition="inline"))
    assert [a.is_pdf for a in inline.attachments] == [True]
    assert inline.attachments[0].disposition == "inline"

    nameless = parse_message(message_with_pdf(disposition=None))
    assert len(nameless.attachments) == 1
    assert nameless.attachments[0].filename is None
    assert nameless.attachments[0].is_pdf

    mislabelled = parse_message(message_with_pdf(content_type="text/plain", disposition=None))
    assert mislabelled.attachments[0].is_pdf
    assert mislabelled.text_body == "See attached."


def test_rfc2231_and_multi_dot_filenames_are_decoded() -> None:
    raw = message_with_pdf(disposition="attachment; filename*=utf-8''d%C3%A9claration.v2.pdf")
    assert parse_message(raw).attachments[0].filename == "déclaration.v2.pdf"
    windows_path = message_with_pdf(disposition='attachment; filename="C:\\\\Scans\\\\1324.pdf"')
    assert parse_message(windows_path).attachments[0].filename == "1324.pdf"


def test_pdf_inside_a_forwarded_message_counts() -> None:
    inner = message_with_pdf(message_id="<inner@client.example>").decode()
    raw = crlf(
        "From: clerk@broker.example\n"
        "To: release-410@longroom.example\n"
        "Subject: Fwd: RMD - 132432000123459\n"
        "Message-ID: <outer@broker.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="OUTER"\n'
        "\n"
        "--OUTER\n"
        "Content-Type: text/plain\n"
        "\n"
        "Forwarding the client's request.\n"
        "--OUTER\n"
        "Content-Type: message/rfc822\n"
        "\n"
        f"{inner}\n"
        "--OUTER--\n"
    )
    parsed = parse_message(raw)
    assert parsed.text_body == "Forwarding the client's request."
    assert [(a.is_pdf, a.in_forwarded_message) for a in parsed.attachments] == [(True, True)]
    assert parsed.embedded_message_ids == ["inner@client.example"]


def test_unknown_charset_body_falls_back_instead_of_crashing() -> None:
    raw = (
        crlf(
            "From: a@b.example\nSubject: =?x-unknown?q?caf=E9?=\nMessage-ID: <x@y>\n"
            "Content-Type: text/plain; charset=X-UNKNOWN\nContent-Transfer-Encoding: 8bit\n\n"
        )
        + "Déclaration reçue\r\n".encode()
    )
    parsed = parse_message(raw)
    assert parsed.text_body == "Déclaration reçue"
    assert "café" in parsed.subject or "caf" in parsed.subject
    assert any(d.startswith("charset_fallback") for d in parsed.defects)


def test_html_only_body_is_converted_to_plain_text() -> None:
    raw = crlf(
        "From: a@b.example\nSubject: x\nContent-Type: text/html; charset=utf-8\n\n"
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><p>Bonjour&nbsp;!</p><p>RMD &ndash; 1324<br>Merci</p></body></html>\n"
    )
    text = parse_message(raw).text_body
    assert "Bonjour" in text and "RMD – 1324" in text and "Merci" in text
    assert "alert" not in text and "color" not in text
    assert html_to_text("<p>a</p><<<>>").startswith("a")


def test_plain_text_is_preferred_over_html_in_alternatives() -> None:
    raw = crlf(
        "From: a@b.example\nSubject: x\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="ALT"\n\n'
        "--ALT\nContent-Type: text/plain\n\nplain version\n"
        "--ALT\nContent-Type: text/html\n\n<p>html version</p>\n--ALT--\n"
    )
    assert parse_message(raw).text_body == "plain version"


def test_huge_text_body_is_capped() -> None:
    raw = simple_message(body="x" * (MAX_TEXT_BODY_CHARS + 500))
    parsed = parse_message(raw)
    assert len(parsed.text_body) == MAX_TEXT_BODY_CHARS
    assert "text_body_truncated" in parsed.defects


def test_base64_encoded_forwarded_message_is_read() -> None:
    inner = message_with_pdf(message_id="<b64inner@x>")
    raw = crlf(
        "From: a@b.example\nSubject: fwd\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="B"\n\n'
        "--B\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
        f"{b64(inner)}--B--\n"
    )
    parsed = parse_message(raw)
    assert [a.is_pdf for a in parsed.attachments] == [True]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x00\x00",
        b"garbage without headers",
        b"%PDF-1.7 not a mail",
        b"Subject: only a subject",
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n',
        b"From: a@b\r\nDate: Mon, 99 Foo 99999 99:99:99 +9999\r\n\r\nbody",
        b"From: a@b\r\nMessage-ID: \r\nReferences: <<<>>>\r\nTo: ,,,@,<>\r\n\r\n",
        b'Content-Type: text/plain; charset="\xff\xfe"\r\nFrom: \xff\r\n\r\n\xff\xfe',
        b'Content-Type: multipart/mixed; boundary="a"\r\n\r\n'
        + b'--a\r\nContent-Type: multipart/mixed; boundary="a"\r\n\r\n' * 200,
    ],
)
def test_broken_input_never_raises(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert parsed.size == len(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    parse_message(raw)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"From: a@b\r\n",
                b"Subject: =?utf-8?b?w6k=?=\r\n",
                b"Content-Type: multipart/mixed; boundary=b\r\n",
                b"\r\n",
                b"--b\r\n",
                b"--b--\r\n",
                b"Content-Type: message/rfc822\r\n",
                b"%PDF-1.4\r\n",
                b"Content-Transfer-Encoding: base64\r\n",
                b"====\r\n",
                b"\x00\xff\r\n",
                b"Content-Type: text/plain; charset=x-unknown\r\n",
                b"Message-ID: <m@x>\r\n",
            ]
        ),
        max_size=40,
    )
)
def test_mime_shaped_junk_never_raises(lines: list[bytes]) -> None:
    parse_message(b"".join(lines))
