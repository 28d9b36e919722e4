"""Mail arrives over real SMTP (aiosmtpd) and real IMAP (Dovecot, where installed)."""

from __future__ import annotations

import imaplib
import smtplib
import threading

import pytest

from longroom.desk.intake import message_process
from longroom.desk.intake.imap_poll import inbox_poll
from longroom.desk.mail.smtp import bound_port, start_smtp_server
from longroom.desk.management.commands.smtp_intake import intake_handler
from longroom.desk.models import InboundMessage, Request
from longroom.offices.models import Inbox
from longroom.offices.services import inbox_set_imap_password


@pytest.mark.django_db(transaction=True)
def test_mail_sent_over_smtp_to_a_cargo_inbox_becomes_a_queued_request(office, email_with, pdf_for, settings):
    settings.LONGROOM_SMTP_ACCEPT_UNKNOWN = False
    controller = start_smtp_server(intake_handler(), "127.0.0.1", 0)
    try:
        raw = email_with(
            to="cargo-410@longroom.test",
            subject="RMD - 132432000123459",
            attachments=[("132432000123459.pdf", pdf_for("132432000123459"))],
        )
        with smtplib.SMTP("127.0.0.1", bound_port(controller)) as smtp:
            refused = smtp.sendmail("broker@example.com", ["cargo-410@longroom.test"], raw)
            assert refused == {}
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("broker@example.com", ["nobody@longroom.test"], raw)
    finally:
        controller.stop()
    message = InboundMessage.objects.get()
    assert message.source == "smtp" and message.inbox.address == "cargo-410@longroom.test"
    message_process(message.pk)
    assert Request.objects.get().transaction_number == "132432000123459"


@pytest.fixture
def imap_inbox(office, dovecot):
    inbox = Inbox.objects.get(address="cargo-410@longroom.test")
    inbox.imap_host, inbox.imap_port, inbox.imap_ssl = dovecot.host, dovecot.port, False
    inbox.imap_username = dovecot.username
    inbox.save()
    inbox_set_imap_password(inbox=inbox, actor=None, password=dovecot.password)
    return inbox


def _append(dovecot, raw: bytes) -> None:
    client = imaplib.IMAP4(dovecot.host, dovecot.port)
    client.login(dovecot.username, dovecot.password)
    client.append("INBOX", None, None, raw)
    client.logout()


def _count(dovecot) -> int:
    client = imaplib.IMAP4(dovecot.host, dovecot.port)
    client.login(dovecot.username, dovecot.password)
    _status, data = client.select("INBOX", readonly=True)
    client.logout()
    return int(data[0])


@pytest.mark.imap
@pytest.mark.django_db(transaction=True)
def test_imap_poll_records_each_message_once_and_never_refetches(imap_inbox, dovecot, email_with, pdf_for):
    for number in ("11111111111111", "22222222222222"):
        _append(
            dovecot,
            email_with(
                to="cargo-410@longroom.test",
                subject=f"RMD - {number}",
                attachments=[(f"{number}.pdf", pdf_for(number))],
            ),
        )
    in_mailbox = _count(dovecot)  # the session's Dovecot may hold other tests' mail too
    assert inbox_poll(inbox=imap_inbox) == in_mailbox
    assert inbox_poll(inbox=imap_inbox) == 0
    imap_inbox.refresh_from_db()
    assert imap_inbox.imap_last_uid >= 2 and imap_inbox.imap_uidvalidity and not imap_inbox.imap_last_error
    for message in InboundMessage.objects.all():
        assert message.imap_uid is not None
        message_process(message.pk)
    assert set(Request.objects.values_list("transaction_number", flat=True)) >= {
        "11111111111111",
        "22222222222222",
    }


@pytest.mark.imap
@pytest.mark.django_db(transaction=True)
def test_overlapping_imap_polls_cannot_ingest_a_message_twice(imap_inbox, dovecot, email_with):
    for n in range(5):
        _append(dovecot, email_with(to="cargo-410@longroom.test", subject=f"note {n}", attachments=[]))
    results: list[int | None] = []

    def poll() -> None:
        from django.db import connection

        try:
            results.append(inbox_poll(inbox=Inbox.objects.get(pk=imap_inbox.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    in_mailbox = _count(dovecot)
    assert in_mailbox >= 5
    assert sum(r or 0 for r in results) == in_mailbox
    assert InboundMessage.objects.count() == in_mailbox
    uids = list(InboundMessage.objects.values_list("imap_uid", flat=True))
    assert len(set(uids)) == len(uids)
