"""A delivery-independent key for "this is the same message again".

The same mail reaches us twice when an IMAP poll overlaps, an MTA retries
after a timeout, or SMTP and IMAP intake both see it. The key must not depend
on what the transport added (Received, Delivered-To, line endings), so:

* ``mid:`` SHA-256 of the Message-ID when there is one (most mail);
* ``sig:`` SHA-256 of sender + Date + sorted attachment hashes when there is
  no Message-ID but a date and at least one attachment;
* ``raw:`` SHA-256 of the message with trace headers removed and line
  endings normalised. (Not of the raw bytes verbatim: a message without
  Message-ID relayed by two routes differs in its Received lines and, between
  SMTP and a maildir, in CRLF vs LF; the untouched bytes are stored anyway.)

Deduplication on this key is one layer only; the app also keeps a unique
(mailbox, UIDVALIDITY, UID) receipt row for IMAP.
"""

from __future__ import annotations

import hashlib
import re

from longroom.desk.mail.parse import ParsedMail

__all__ = ["TRACE_HEADER_PREFIXES", "dedup_key"]

# Header fields added or rewritten in transit, never by the author.
_TRACE_HEADERS = frozenset(
    {
        "received",
        "return-path",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "authentication-results",
        "received-spf",
        "x-received",
        "x-spam-flag",
        "x-spam-status",
        "x-spam-score",
        "x-spam-level",
        "x-spam-checker-version",
        "x-virus-scanned",
        "x-virus-status",
        "x-greylist",
        "x-uid",
        "status",
        "x-status",
        "x-keywords",
        "x-mozilla-status",
        "x-mozilla-status2",
        "lines",
        "content-length",
    }
)
TRACE_HEADER_PREFIXES = ("arc-", "x-ms-exchange-", "x-forefront-", "x-microsoft-antispam", "x-envelope-")
_FIELD_RE = re.compile(rb"^([!-9;-~]+)[ \t]*:")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _strip_transport(raw: bytes) -> bytes:
    """Raw message minus trace header fields, with LF line endings."""
    data = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    sep = data.find(b"\n\n")
    header_block, body = (data, b"") if sep < 0 else (data[:sep], data[sep:])
    kept: list[bytes] = []
    skipping = False
    for line in header_block.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)  # continuation of a kept field
            continue
        m = _FIELD_RE.match(line)
        if m is None:
            # "From " mbox line or junk: keep it unless it is an mbox separator.
            skipping = line.startswith(b"From ")
            if not skipping:
                kept.append(line)
            continue
        name = m.group(1).decode("ascii", "replace").lower()
        skipping = name in _TRACE_HEADERS or name.startswith(TRACE_HEADER_PREFIXES)
        if not skipping:
            kept.append(line)
    return b"\n".join(kept) + body.rstrip(b"\n")


def dedup_key(parsed: ParsedMail, raw: bytes) -> str:
    """Key identifying a message independently of how it was delivered."""
    if parsed.message_id:
        return "mid:" + _sha256(parsed.message_id.strip().encode("utf-8", "surrogateescape"))
    if parsed.date is not None and parsed.attachments:
        parts = [
            (parsed.from_address or "").lower(),
            parsed.date.isoformat(),
            *sorted(a.sha256 for a in parsed.attachments),
        ]
        return "sig:" + _sha256("\n".join(parts).encode("utf-8", "surrogateescape"))
    return "raw:" + _sha256(_strip_transport(bytes(raw)))
