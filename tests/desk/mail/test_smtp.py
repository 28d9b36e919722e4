"""The built-in SMTP receiver: accept only what was stored, refuse unknown inboxes."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pytest

from longroom.desk.mail.smtp import IntakeHandler, bound_port, start_smtp_server

from .helpers import message_with_pdf

INBOX = "cargo-410@longroom.example"


@dataclass
class Recorder:
    calls: list[tuple[bytes, str, list[str]]] = field(default_factory=list)
    fail: bool = False
    threads: list[str] = field(default_factory=list)

    def __call__(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> None:
        self.threads.append(threading.current_thread().name)
        if self.fail:
            raise RuntimeError("database is down")
        self.calls.append((raw, mail_from, rcpt_tos))


@contextmanager
def _serve(handler: IntakeHandler, *, lmtp: bool = False) -> Iterator[int]:
    controller = start_smtp_server(handler, "127.0.0.1", 0, lmtp=lmtp)
    try:
        yield bound_port(controller)
    finally:
        controller.stop()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def smtp_port(recorder: Recorder) -> Iterator[int]:
    handler = IntakeHandler(
        accepts_recipient=lambda addr: addr.lower() == INBOX, record=recorder, data_size_limit=64 * 1024
    )
    with _serve(handler) as port:
        yield port


def test_mail_to_a_known_inbox_is_accepted_and_recorded_byte_for_byte(
    recorder: Recorder, smtp_port: int
) -> None:
    raw = message_with_pdf()
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        code, _ = client.ehlo()
        assert code == 250
        refused = client.sendmail("broker@client.example", [INBOX], raw)
        assert refused == {}
        client.mail("")
    assert recorder.calls == [(raw, "broker@client.example", [INBOX])]
    assert recorder.threads and recorder.threads[0] != "MainThread"


def test_data_is_answered_250_only_after_recording(recorder: Recorder, smtp_port: int) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.ehlo()
        client.mail("broker@client.example")
        client.rcpt(INBOX)
        code, msg = client.data(message_with_pdf())
    assert (code, msg) == (250, b"2.0.0 Message accepted for delivery")
    assert len(recorder.calls) == 1


def test_null_sender_is_passed_on_as_empty_string(recorder: Recorder, smtp_port: int) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.sendmail("<>", [INBOX], message_with_pdf())
    assert recorder.calls[0][1] == ""


def test_unknown_inbox_is_refused_at_rcpt_time(recorder: Recorder, smtp_port: int) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.ehlo()
        client.mail("broker@client.example")
        code, msg = client.rcpt("nobody@longroom.example")
        assert code == 550
        assert msg.startswith(b"5.1.1")
        client.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("broker@client.example", ["nobody@longroom.example"], message_with_pdf())
    assert recorder.calls == []


def test_accept_all_recipients_records_mail_for_unknown_inboxes(recorder: Recorder) -> None:
    handler = IntakeHandler(accepts_recipient=lambda addr: False, record=recorder, accept_all_recipients=True)
    with _serve(handler) as port, smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("broker@client.example", ["wrong@longroom.example"], message_with_pdf())
    assert recorder.calls[0][2] == ["wrong@longroom.example"]


def test_storage_failure_answers_451_so_the_sender_retries(recorder: Recorder, smtp_port: int) -> None:
    recorder.fail = True
    with (
        smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client,
        pytest.raises(smtplib.SMTPDataError) as excinfo,
    ):
        client.sendmail("broker@client.example", [INBOX], message_with_pdf())
    assert excinfo.value.smtp_code == 451
    error = excinfo.value.smtp_error
    assert (error if isinstance(error, bytes) else error.encode()).startswith(b"4.3.0")


def test_recipient_check_failure_is_temporary(recorder: Recorder) -> None:
    def broken(addr: str) -> bool:
        raise RuntimeError("database is down")

    with (
        _serve(IntakeHandler(accepts_recipient=broken, record=recorder)) as port,
        smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
    ):
        client.ehlo()
        client.mail("broker@client.example")
        code, _ = client.rcpt(INBOX)
    assert code == 451


def test_oversize_message_is_refused_with_552(recorder: Recorder, smtp_port: int) -> None:
    big = message_with_pdf() + b"X" * 76 + b"\r\n" * 1 + (b"Y" * 998 + b"\r\n") * 80
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.ehlo()
        # Declared size over the limit: refused at MAIL FROM.
        code, _ = client.mail("broker@client.example", [f"SIZE={len(big)}"])
        assert code == 552
        client.rset()
        # Undeclared: refused after DATA.
        with pytest.raises(smtplib.SMTPDataError) as excinfo:
            client.mail("broker@client.example")
            client.rcpt(INBOX)
            code, msg = client.data(big)
            raise smtplib.SMTPDataError(code, msg)
    assert excinfo.value.smtp_code == 552
    assert recorder.calls == []


def test_lmtp_mode_answers_once_per_recipient(recorder: Recorder) -> None:
    # smtplib.LMTP reads a single reply after DATA, so talk LMTP by hand.
    handler = IntakeHandler(accepts_recipient=lambda addr: True, record=recorder)
    with (
        _serve(handler, lmtp=True) as port,
        socket.create_connection(("127.0.0.1", port), timeout=10) as sock,
    ):
        reader = sock.makefile("rb")

        def reply(reader: BinaryIO = reader) -> bytes:
            while True:
                line = reader.readline()
                if line[3:4] != b"-":
                    return line

        assert reply().startswith(b"220")
        for command in (
            b"LHLO client.example",
            b"MAIL FROM:<broker@client.example>",
            b"RCPT TO:<cargo-410@longroom.example>",
            b"RCPT TO:<release-410@longroom.example>",
        ):
            sock.sendall(command + b"\r\n")
            assert reply().startswith(b"250"), command
        sock.sendall(b"DATA\r\n")
        assert reply().startswith(b"354")
        sock.sendall(b"Subject: x\r\n\r\nhi\r\n.\r\n")
        assert reply().startswith(b"250 2.0.0")
        assert reply().startswith(b"250 2.0.0")
        sock.sendall(b"QUIT\r\n")
        assert reply().startswith(b"221")
    assert len(recorder.calls) == 1
    assert recorder.calls[0][0] == b"Subject: x\r\n\r\nhi\r\n"


def test_run_command_server_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    script = (
        "from longroom.desk.mail.smtp import IntakeHandler, serve_forever\n"
        "h = IntakeHandler(accepts_recipient=lambda a: True, record=lambda *a: None)\n"
        f"serve_forever(h, '127.0.0.1', {port})\n"
        "print('stopped', flush=True)\n"
    )
    src = Path(__file__).resolve().parents[3] / "src"
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(src)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
                    assert client.noop()[0] == 250
                break
            except OSError:
                assert time.monotonic() < deadline, (
                    proc.stderr.read() if proc.poll() is not None else "timeout"
                )
                time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert b"stopped" in out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
