"""IMAP polling against a real Dovecot: incremental, exact bytes, retry-safe."""

from __future__ import annotations

import imaplib
import itertools
from collections.abc import Callable, Iterator

import pytest

from longroom.desk.mail.imap import ImapPollError, ImapPollResult, poll_imap_mailbox
from tests.support.dovecot import DovecotServer

from .helpers import message_with_pdf, simple_message

pytestmark = pytest.mark.imap

_counter = itertools.count(1)


@pytest.fixture
def folder(dovecot: DovecotServer) -> Iterator[str]:
    """A fresh folder per test so tests never see each other's mail."""
    name = f"Intake{next(_counter)}"
    client = dovecot.imap()
    try:
        assert client.create(name)[0] == "OK"
    finally:
        client.logout()
    yield name


def append(dovecot: DovecotServer, folder: str, *messages: bytes) -> None:
    client = dovecot.imap()
    try:
        for raw in messages:
            typ, data = client.append(folder, None, None, raw)
            assert typ == "OK", data
    finally:
        client.logout()


def poll(
    dovecot: DovecotServer,
    folder: str,
    *,
    last_uid: int = 0,
    known_uidvalidity: int | None = None,
    on_message: Callable[[int, bytes], None],
    batch_size: int = 50,
) -> ImapPollResult:
    return poll_imap_mailbox(
        host=dovecot.host,
        port=dovecot.port,
        username=dovecot.username,
        password=dovecot.password,
        folder=folder,
        use_ssl=False,
        known_uidvalidity=known_uidvalidity,
        last_uid=last_uid,
        on_message=on_message,
        timeout=10,
        batch_size=batch_size,
    )


def _messages(n: int, start: int = 0) -> list[bytes]:
    return [
        simple_message(message_id=f"<m{i}@client.example>", body=f"message {i}\n\u00e9t\u00e9")
        for i in range(start, start + n)
    ]


def test_new_mail_is_fetched_once_with_exact_bytes(dovecot: DovecotServer, folder: str) -> None:
    sent = [*_messages(2), message_with_pdf()]
    append(dovecot, folder, *sent)
    got: list[tuple[int, bytes]] = []

    first = poll(dovecot, folder, on_message=lambda uid, raw: got.append((uid, raw)))
    assert first.fetched == 3
    assert [raw for _, raw in got] == sent
    assert [uid for uid, _ in got] == sorted(uid for uid, _ in got)
    assert first.last_uid == got[-1][0]
    assert first.uidvalidity > 0 and not first.uidvalidity_changed and not first.has_more

    again = poll(
        dovecot,
        folder,
        last_uid=first.last_uid,
        known_uidvalidity=first.uidvalidity,
        on_message=lambda uid, raw: got.append((uid, raw)),
    )
    assert again.fetched == 0
    assert again.last_uid == first.last_uid  # "N:*" returning the top UID is filtered out
    assert len(got) == 3

    extra = _messages(1, start=10)
    append(dovecot, folder, *extra)
    third = poll(
        dovecot,
        folder,
        last_uid=again.last_uid,
        known_uidvalidity=again.uidvalidity,
        on_message=lambda uid, raw: got.append((uid, raw)),
    )
    assert third.fetched == 1
    assert got[-1][1] == extra[0]
    assert third.last_uid > first.last_uid


def test_polling_does_not_mark_mail_as_read(dovecot: DovecotServer, folder: str) -> None:
    append(dovecot, folder, *_messages(1))
    poll(dovecot, folder, on_message=lambda uid, raw: None)
    client = dovecot.imap()
    try:
        client.select(folder, readonly=True)
        typ, data = client.uid("SEARCH", "UNSEEN")
        assert typ == "OK" and data[0].split()
    finally:
        client.logout()


def test_failure_while_recording_is_retried_from_that_message(dovecot: DovecotServer, folder: str) -> None:
    sent = _messages(3)
    append(dovecot, folder, *sent)
    seen: list[int] = []

    def flaky(uid: int, raw: bytes) -> None:
        if raw == sent[1]:
            raise RuntimeError("database is down")
        seen.append(uid)

    failed = poll(dovecot, folder, on_message=flaky)
    assert failed.fetched == 1
    assert failed.error is not None and "database is down" in failed.error
    assert failed.failed_uid is not None and failed.last_uid == seen[0] < failed.failed_uid

    got: list[bytes] = []
    retry = poll(
        dovecot,
        folder,
        last_uid=failed.last_uid,
        known_uidvalidity=failed.uidvalidity,
        on_message=lambda uid, raw: got.append(raw),
    )
    assert got == sent[1:]
    assert retry.error is None and retry.fetched == 2


def test_batch_size_bounds_one_poll(dovecot: DovecotServer, folder: str) -> None:
    append(dovecot, folder, *_messages(3))
    got: list[int] = []
    first = poll(dovecot, folder, on_message=lambda uid, raw: got.append(uid), batch_size=2)
    assert (first.fetched, first.has_more) == (2, True)
    second = poll(
        dovecot,
        folder,
        last_uid=first.last_uid,
        known_uidvalidity=first.uidvalidity,
        on_message=lambda uid, raw: got.append(uid),
        batch_size=2,
    )
    assert (second.fetched, second.has_more) == (1, False)
    assert len(set(got)) == 3


def test_uidvalidity_change_restarts_from_the_beginning(dovecot: DovecotServer, folder: str) -> None:
    append(dovecot, folder, *_messages(2))
    first = poll(dovecot, folder, on_message=lambda uid, raw: None)

    client = dovecot.imap()
    try:
        assert client.delete(folder)[0] == "OK"
        assert client.create(folder)[0] == "OK"
    finally:
        client.logout()
    recreated = _messages(1, start=20)
    append(dovecot, folder, *recreated)

    got: list[bytes] = []
    after = poll(
        dovecot,
        folder,
        last_uid=first.last_uid,
        known_uidvalidity=first.uidvalidity,
        on_message=lambda uid, raw: got.append(raw),
    )
    assert after.uidvalidity_changed
    assert after.uidvalidity != first.uidvalidity
    assert got == recreated  # UID 1 of the new folder is not skipped as "already seen"


def test_wrong_password_raises_a_poll_error(dovecot: DovecotServer, folder: str) -> None:
    with pytest.raises(ImapPollError):
        poll_imap_mailbox(
            host=dovecot.host,
            port=dovecot.port,
            username=dovecot.username,
            password="wrong",
            folder=folder,
            use_ssl=False,
            known_uidvalidity=None,
            last_uid=0,
            on_message=lambda uid, raw: None,
            timeout=10,
        )


def test_search_is_sent_without_charset(
    dovecot: DovecotServer, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[tuple[object, ...]] = []
    original = imaplib.IMAP4.uid

    def spy(self: imaplib.IMAP4, command: str, *args: str) -> tuple[str, list[object]]:
        commands.append((command.upper(), *args))
        return original(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", spy)
    poll(dovecot, folder, on_message=lambda uid, raw: None)
    searches = [c for c in commands if c[0] == "SEARCH"]
    assert searches and all("CHARSET" not in str(c).upper() for c in searches)
