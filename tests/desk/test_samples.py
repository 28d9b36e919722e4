"""Acceptance 3: every real-world sample ends in a recorded, explained state; nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from longroom.desk.intake import message_process, message_record
from longroom.desk.intake.reasons import REASONS
from longroom.desk.maintenance import sweep
from longroom.desk.models import InboundMessage, MessageStatus, Request
from longroom.desk.tasks import document_render
from tests.conftest import SHARED_DATA

MAIL_SAMPLES = (
    sorted((SHARED_DATA / "mail-samples").glob("mail_*")) if (SHARED_DATA / "mail-samples").exists() else []
)
PDF_SAMPLES = (
    sorted((SHARED_DATA / "pdf-samples").glob("*.pdf")) if (SHARED_DATA / "pdf-samples").exists() else []
)
FINAL = {
    MessageStatus.ACCEPTED,
    MessageStatus.NOT_ACCEPTED,
    MessageStatus.AUTOMATIC,
    MessageStatus.BOUNCE,
    MessageStatus.DUPLICATE,
    MessageStatus.FOLLOW_UP,
}


def assert_explained(message: InboundMessage) -> None:
    assert message.status in FINAL, (message.status, message.failed_step, message.last_error)
    if message.status == MessageStatus.NOT_ACCEPTED:
        assert message.outcome_code in REASONS, message.outcome_code
        assert message.outcome_detail or message.outcome_code == "spam"


@pytest.mark.skipif(not MAIL_SAMPLES, reason="../shared/data/mail-samples is not available")
@pytest.mark.parametrize("path", MAIL_SAMPLES, ids=lambda p: p.name)
def test_every_sample_mail_ends_in_a_recorded_explained_state(office, path):
    raw = path.read_bytes()
    message = message_record(
        raw=raw, source="smtp", envelope_from="sender@example.com", envelope_to=["cargo-410@longroom.test"]
    )
    processed = message_process(message.pk)
    assert processed is not None
    assert_explained(processed)


@pytest.mark.skipif(not PDF_SAMPLES, reason="../shared/data/pdf-samples is not available")
@pytest.mark.parametrize("path", PDF_SAMPLES, ids=lambda p: p.name[:40])
def test_every_sample_pdf_sent_as_an_attachment_is_accepted_or_refused_with_a_reason(
    office, path, email_with
):
    number = "123451900123459"
    raw = email_with(
        to="cargo-410@longroom.test",
        subject=f"RMD - {number}",
        attachments=[(f"{number}.pdf", path.read_bytes())],
    )
    message = message_process(
        message_record(
            raw=raw,
            source="smtp",
            envelope_from="broker@example.com",
            envelope_to=["cargo-410@longroom.test"],
        ).pk
    )
    assert_explained(message)
    if message.status == MessageStatus.ACCEPTED:
        document = message.request.documents.get()
        document_render(document.pk)
        document.refresh_from_db()
        assert document.previews_ready and document.pages.count() == document.page_count
    else:
        assert message.outcome_code in {"encrypted", "unreadable", "too_many_pages", "pdf_too_large"}


@pytest.mark.django_db(transaction=True)
def test_no_message_is_lost_when_the_worker_is_killed_mid_intake(
    office, email_with, pdf_for, settings, tmp_path
):
    """A real db_worker is SIGKILLed while it processes messages; after the lease runs out, the
    scheduler's sweep and a restarted worker finish every message, each exactly once."""
    settings.LONGROOM_INTAKE_LEASE_SECONDS = 2
    count = 12
    for n in range(count):
        number = f"5555555555{n:04d}"
        message_record(
            raw=email_with(
                to="cargo-410@longroom.test",
                subject=f"RMD - {number}",
                attachments=[(f"{number}.pdf", pdf_for(number))],
            ),
            source="smtp",
            envelope_from="broker@example.com",
            envelope_to=["cargo-410@longroom.test"],
        )
    sweep(now=timezone.now() + timedelta(minutes=1))  # transaction tests drop on_commit: schedule them now
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "longroom.settings",
        "DATABASE_URL": _database_url(),
        "LONGROOM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LONGROOM_INTAKE_LEASE_SECONDS": "2",
    }
    command = [
        sys.executable,
        "-m",
        "longroom",
        "db_worker",
        "--interval",
        "0.05",
        "--no-startup-delay",
        "--no-reload",
    ]

    log = tmp_path / "worker.log"

    def start_worker() -> subprocess.Popen[bytes]:
        with log.open("ab") as handle:
            return subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)

    def statuses() -> str:
        return f"{list(InboundMessage.objects.values_list('status', flat=True))}\n{log.read_text()[-3000:]}"

    worker = start_worker()
    deadline = time.monotonic() + 60
    while InboundMessage.objects.filter(status=MessageStatus.ACCEPTED).count() < 3:
        assert time.monotonic() < deadline, statuses()
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)  # mid-intake: some done, maybe one in flight, the rest not started
    worker.wait()
    assert InboundMessage.objects.filter(status=MessageStatus.ACCEPTED).count() < count, statuses()

    time.sleep(2.5)  # the dead worker's lease runs out
    sweep()
    worker = start_worker()
    try:
        deadline = time.monotonic() + 90
        while InboundMessage.objects.filter(status=MessageStatus.ACCEPTED).count() < count:
            assert time.monotonic() < deadline, statuses()
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    assert sorted(Request.objects.values_list("transaction_number", flat=True)) == [
        f"5555555555{n:04d}" for n in range(count)
    ]


def _database_url() -> str:
    """The test database, spelled for a child process."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
