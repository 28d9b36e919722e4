"""Incremental, read-only IMAP polling with a high-water UID.

Each poll asks the server only for UIDs above the last one handled (never the
whole mailbox), fetches each message's exact bytes with ``BODY.PEEK[]`` (no
\\Seen flag, nothing deleted or moved) and advances the high-water mark only
after the app's ``on_message`` returned. A failure stops the poll at the last
good UID so the next poll retries from there; the app dedups re-deliveries.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

__all__ = ["ImapPollError", "ImapPollResult", "poll_imap_mailbox"]

log = logging.getLogger(__name__)

_UID_RE = re.compile(rb"UID\s+(\d+)", re.IGNORECASE)
_UIDVALIDITY_RE = re.compile(rb"UIDVALIDITY\s+(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class ImapPollResult:
    """Outcome of one poll; persist ``uidvalidity`` and ``last_uid`` for the next one.

    ``error`` is set when ``on_message`` raised for ``failed_uid``: the poll
    stopped there and ``last_uid`` is the last UID handled successfully.
    ``has_more`` means more new messages than ``batch_size`` were waiting.
    """

    uidvalidity: int
    last_uid: int
    fetched: int
    uidvalidity_changed: bool = False
    has_more: bool = False
    error: str | None = None
    failed_uid: int | None = None


class ImapPollError(Exception):
    """Connection, login or protocol failure; ``partial`` holds progress made before it."""

    def __init__(self, message: str, partial: ImapPollResult | None = None) -> None:
        super().__init__(message)
        self.partial = partial


def _connect(
    host: str, port: int, *, use_ssl: bool, starttls: bool, timeout: float, ssl_context: ssl.SSLContext | None
) -> BaseMailBox:
    if use_ssl or starttls:
        context = ssl_context or ssl.create_default_context()
        if use_ssl:
            return MailBox(host, port, timeout=timeout, ssl_context=context)
        return MailBoxStartTls(host, port, timeout=timeout, ssl_context=context)
    return MailBoxUnencrypted(host, port, timeout=timeout)


def _uidvalidity(mailbox: BaseMailBox, folder: str) -> int:
    # SELECT/EXAMINE reports it as "* OK [UIDVALIDITY n]"; imaplib keeps that
    # response code. STATUS is the fallback for servers that omit it.
    values = mailbox.client.untagged_responses.get("UIDVALIDITY")
    if values:
        for value in values:
            text = value if isinstance(value, bytes) else str(value).encode()
            if text.strip().isdigit():
                return int(text.strip())
    status = mailbox.folder.status(folder, ["UIDVALIDITY"])
    return int(status["UIDVALIDITY"])


def _new_uids(mailbox: BaseMailBox, last_uid: int) -> list[int]:
    # No CHARSET argument: Exchange, Yahoo and others answer BADCHARSET to it.
    # "N:*" always matches the highest UID even when it is below N, hence the filter.
    found = mailbox.uids(f"UID {last_uid + 1}:*", charset=None)
    return sorted({int(u) for u in found if u.isdigit() and int(u) > last_uid})


def _fetch_raw(mailbox: BaseMailBox, uid: int) -> bytes | None:
    """Exact stored bytes of one message (``msg.obj.as_bytes()`` would re-serialise)."""
    typ, data = mailbox.client.uid("FETCH", str(uid), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise ImapPollError(f"UID FETCH {uid} failed: {typ} {data!r}")
    for item in data:
        # Literal responses come as (b'1 (UID 5 BODY[] {123}', b'...bytes...');
        # unsolicited FETCH flag updates for other messages are plain bytes.
        if isinstance(item, tuple) and len(item) >= 2 and b"BODY[]" in item[0].upper():
            m = _UID_RE.search(item[0])
            if m is None or int(m.group(1)) == uid:
                return bytes(item[1])
    return None  # expunged between SEARCH and FETCH


def poll_imap_mailbox(
    *,
    host: str,
    port: int,
    username: str,
    password: str,
    folder: str = "INBOX",
    use_ssl: bool,
    starttls: bool = False,
    known_uidvalidity: int | None,
    last_uid: int,
    on_message: Callable[[int, bytes], None],
    on_uidvalidity: Callable[[int], None] | None = None,
    batch_size: int = 50,
    timeout: float = 30,
    ssl_context: ssl.SSLContext | None = None,
) -> ImapPollResult:
    """Deliver messages with UID > ``last_uid`` to ``on_message(uid, raw)``, oldest first.

    At most ``batch_size`` messages per poll (``has_more`` tells if more wait).
    When the folder's UIDVALIDITY differs from ``known_uidvalidity``, stored
    UIDs are meaningless: the poll restarts from UID 0 and reports
    ``uidvalidity_changed``; the app's dedup key drops what it already has.
    The folder is opened read-only (EXAMINE): nothing is flagged, moved or deleted.

    ``on_uidvalidity(value)`` is called once the folder is open, before any ``on_message``.
    Raises :class:`ImapPollError` for connection/login/protocol failures; an
    exception from ``on_message`` does not raise but ends the poll with ``error``.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    uidvalidity = known_uidvalidity or 0
    changed = False
    fetched = 0
    high = last_uid
    try:
        mailbox = _connect(
            host, port, use_ssl=use_ssl, starttls=starttls, timeout=timeout, ssl_context=ssl_context
        )
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapPollError(f"cannot connect to {host}:{port}: {exc}") from exc
    try:
        try:
            mailbox.login(username, password, initial_folder=None)
            mailbox.folder.set(folder, readonly=True)
            uidvalidity = _uidvalidity(mailbox, folder)
        except Exception as exc:
            raise ImapPollError(f"cannot open {folder!r} on {host}:{port} as {username!r}: {exc}") from exc

        if known_uidvalidity is not None and uidvalidity != known_uidvalidity:
            log.warning(
                "UIDVALIDITY of %s on %s changed %s -> %s; restarting from UID 0",
                folder,
                host,
                known_uidvalidity,
                uidvalidity,
            )
            changed = True
            high = 0
        if on_uidvalidity is not None:
            # Before any message: the caller keys what it records on (UIDVALIDITY, UID).
            on_uidvalidity(uidvalidity)

        try:
            uids = _new_uids(mailbox, high)
        except Exception as exc:
            raise ImapPollError(f"UID SEARCH failed on {folder!r}: {exc}") from exc
        batch, has_more = uids[:batch_size], len(uids) > batch_size

        for uid in batch:
            try:
                raw = _fetch_raw(mailbox, uid)
            except Exception as exc:
                partial = ImapPollResult(uidvalidity, high, fetched, changed, True)
                raise ImapPollError(f"fetching UID {uid} failed: {exc}", partial) from exc
            if raw is None:
                high = uid  # gone (expunged) meanwhile: nothing to deliver, move on
                continue
            try:
                on_message(uid, raw)
            except Exception as exc:
                log.exception("on_message failed for UID %s in %s; will retry next poll", uid, folder)
                return ImapPollResult(
                    uidvalidity=uidvalidity,
                    last_uid=high,
                    fetched=fetched,
                    uidvalidity_changed=changed,
                    has_more=True,
                    error=f"{type(exc).__name__}: {exc}",
                    failed_uid=uid,
                )
            fetched += 1
            high = uid
        return ImapPollResult(
            uidvalidity=uidvalidity,
            last_uid=high,
            fetched=fetched,
            uidvalidity_changed=changed,
            has_more=has_more,
        )
    finally:
        try:
            mailbox.logout()
        except Exception:
            log.debug("IMAP logout failed", exc_info=True)
