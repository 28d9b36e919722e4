"""Builders for synthetic test messages (CRLF, as SMTP and IMAP deliver them)."""

from __future__ import annotations

import base64
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "mail-samples"

# Smallest thing that sniffs as a PDF; the parser never opens PDFs itself.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def simple_message(
    *,
    subject: str = "RMD - 132432000123459",
    message_id: str | None = "<abc.123@client.example>",
    sender: str = "Broker One <Broker@Client.Example>",
    extra_headers: str = "",
    body: str = "Please release.",
) -> bytes:
    mid = f"Message-ID: {message_id}\n" if message_id else ""
    return crlf(
        f"From: {sender}\n"
        "To: cargo-410@longroom.example\n"
        f"Subject: {subject}\n"
        "Date: Tue, 13 Jan 2026 09:30:00 -0500\n"
        f"{mid}"
        f"{extra_headers}"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        f"{body}\n"
    )


def message_with_pdf(
    *,
    message_id: str | None = "<pdf.1@client.example>",
    content_type: str = "application/pdf",
    disposition: str | None = 'attachment; filename="132432000123459.pdf"',
    name_param: str = "",
    extra_headers: str = "",
) -> bytes:
    mid = f"Message-ID: {message_id}\n" if message_id else ""
    disp = f"Content-Disposition: {disposition}\n" if disposition else ""
    return crlf(
        "From: broker@client.example\n"
        "To: cargo-410@longroom.example\n"
        "Subject: RMD - 132432000123459\n"
        "Date: Tue, 13 Jan 2026 09:30:00 -0500\n"
        f"{mid}{extra_headers}"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="BOUNDARY"\n'
        "\n"
        "--BOUNDARY\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "See attached.\n"
        "--BOUNDARY\n"
        f"Content-Type: {content_type}{name_param}\n"
        f"{disp}"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        f"{b64(PDF_BYTES)}"
        "--BOUNDARY--\n"
    )
