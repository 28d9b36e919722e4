"""Built-in SMTP (or LMTP) receiver for office inboxes, on aiosmtpd.

Meant to sit behind the office's MTA (Postfix/Exchange connector) on a
private address: it does no TLS or authentication of its own. Its one promise
is durability: "250" is answered only after the app's ``record`` callback has
stored the message; any failure there answers "451" so the sending MTA keeps
the message and retries. Nothing is lost between accept and store.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = [
    "DEFAULT_DATA_SIZE_LIMIT",
    "IntakeController",
    "IntakeHandler",
    "bound_port",
    "serve_forever",
    "start_smtp_server",
]

log = logging.getLogger(__name__)

DEFAULT_DATA_SIZE_LIMIT = 25 * 1024 * 1024
DEFAULT_MAX_RECIPIENTS = 100

RecordCallback = Callable[[bytes, str, list[str]], object]


class IntakeHandler:
    """aiosmtpd handler that refuses unknown inboxes and records mail durably.

    ``accepts_recipient(address)`` decides at RCPT time whether an address is
    one of our inboxes (unknown ones get ``550 5.1.1``), unless
    ``accept_all_recipients`` is set, in which case everything is taken so the
    app can record it and answer "wrong inbox" itself.
    ``record(raw, mail_from, rcpt_tos)`` runs in a worker thread (it hits the
    database); ``raw`` is the exact DATA bytes after dot-unstuffing, with CRLF
    line endings; ``mail_from`` is ``""`` for the null sender ``<>``.
    """

    def __init__(
        self,
        *,
        accepts_recipient: Callable[[str], bool],
        record: RecordCallback,
        accept_all_recipients: bool = False,
        data_size_limit: int = DEFAULT_DATA_SIZE_LIMIT,
        max_recipients: int = DEFAULT_MAX_RECIPIENTS,
    ) -> None:
        self.accepts_recipient = accepts_recipient
        self.record = record
        self.accept_all_recipients = accept_all_recipients
        self.data_size_limit = data_size_limit
        self.max_recipients = max_recipients

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return "452 4.5.3 Too many recipients"
        if not self.accept_all_recipients:
            try:
                # The callback may query the database: keep it off the event loop.
                accepted = await asyncio.to_thread(self.accepts_recipient, address)
            except Exception:
                log.exception("accepts_recipient failed for %r", address)
                return "451 4.3.0 Temporary failure checking recipient, try again later"
            if not accepted:
                return f"550 5.1.1 <{address}>: Recipient address rejected: no such inbox"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content
        if raw is None:
            raw = envelope.content if isinstance(envelope.content, bytes) else b""
        if len(raw) > self.data_size_limit:
            # aiosmtpd enforces its own limit while reading; this covers a
            # server built with a larger one than the handler's.
            return "552 5.3.4 Message size exceeds fixed maximum message size"
        mail_from = envelope.mail_from or ""
        if mail_from == "<>":
            mail_from = ""
        rcpt_tos = list(envelope.rcpt_tos)
        try:
            await asyncio.to_thread(self.record, raw, mail_from, rcpt_tos)
        except Exception:
            log.exception("recording inbound message from %r to %r failed", mail_from, rcpt_tos)
            status = "451 4.3.0 Temporary failure storing message, try again later"
        else:
            status = "250 2.0.0 Message accepted for delivery"
        if isinstance(server, LMTP):
            # LMTP wants one reply per accepted recipient; recording is all-or-nothing.
            return "\r\n".join([status] * max(1, len(rcpt_tos)))
        return status


class IntakeController(Controller):
    """aiosmtpd Controller that can speak LMTP instead of SMTP."""

    def __init__(self, handler: IntakeHandler, *, lmtp: bool = False, **kwargs: Any) -> None:
        self.lmtp = lmtp
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        if self.lmtp:
            return LMTP(self.handler, **self.SMTP_kwargs)
        return SMTP(self.handler, **self.SMTP_kwargs)


def _free_port(host: str) -> int:
    # aiosmtpd's start() probes the configured port, so port 0 cannot be passed
    # through; pick a free one (racy in theory, fine for tests and dev).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_smtp_server(
    handler: IntakeHandler,
    host: str = "127.0.0.1",
    port: int = 2525,
    *,
    lmtp: bool = False,
    server_hostname: str | None = None,
) -> Controller:
    """Start the receiver in a background thread and return the started Controller.

    Pass ``port=0`` for a free port; read it back with :func:`bound_port`.
    Stop with ``controller.stop()``.
    """
    if port == 0:
        port = _free_port(host)
    controller = IntakeController(
        handler,
        lmtp=lmtp,
        hostname=host,
        port=port,
        server_hostname=server_hostname,
        data_size_limit=handler.data_size_limit,
        ident="Longroom intake",
    )
    controller.start()
    return controller


def bound_port(controller: Controller) -> int:
    """The TCP port a started controller listens on (useful with port=0)."""
    sockets = getattr(controller.server, "sockets", None)  # asyncio.Server, typed as AbstractServer
    if not sockets:
        raise RuntimeError("controller is not running")
    return int(sockets[0].getsockname()[1])


def serve_forever(
    handler: IntakeHandler,
    host: str = "127.0.0.1",
    port: int = 2525,
    *,
    lmtp: bool = False,
    server_hostname: str | None = None,
    stop_event: threading.Event | None = None,
) -> None:
    """Run the receiver until SIGTERM/SIGINT (or ``stop_event``), then stop cleanly.

    In-flight transactions finish their ``record`` call before the thread
    joins only as far as aiosmtpd allows; a cut transaction was never answered
    250, so the sender retries it.
    """
    stop = stop_event or threading.Event()
    controller = start_smtp_server(handler, host, port, lmtp=lmtp, server_hostname=server_hostname)
    log.info("%s intake listening on %s:%d", "LMTP" if lmtp else "SMTP", host, bound_port(controller))
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda signum, frame: stop.set())
    try:
        while not stop.wait(1.0):
            pass
    finally:
        log.info("mail intake stopping")
        controller.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)
