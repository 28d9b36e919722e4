"""Fixtures shared by every test: an office with its inboxes, stamps and staff, and helpers
to send mail through the real intake pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from tests.support.dovecot import DovecotServer, find_dovecot, running_dovecot
from tests.support.revenue import broker, customs_office, importer, ready, tariff  # noqa: F401 - shared fixtures

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Each test gets its own file store and outbox, and sends no real mail."""
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.LONGROOM_OUTBOX_DIR = tmp_path / "outbox"
    settings.LONGROOM_RELAY = {**settings.LONGROOM_RELAY, "host": ""}
    settings.LONGROOM_PUBLIC_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _default_language():
    """A request to a French page (or with Accept-Language: fr) leaves French active in the thread
    after the response; every test starts and ends in the default language, so text rendered
    outside a request (step explanations, service messages) does not depend on test order."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A private Dovecot IMAP server on 127.0.0.1, one per test session; skipped when not installed."""
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd): IMAP tests need a real server")
    with running_dovecot() as server:
        yield server


@pytest.fixture(scope="session")
def demo_seal() -> tuple[bytes, bytes]:
    from longroom.desk.pdf import generate_demo_seal

    return generate_demo_seal(common_name="Longroom 410 test seal", organization="Test agency")


@pytest.fixture
def office(db, demo_seal):
    from longroom.desk.demo import STAMPS, load_reference_lists
    from longroom.desk.models import Stamp
    from longroom.desk.services import seal_install
    from longroom.offices.models import Inbox, InboxKind, Office

    load_reference_lists()
    office = Office.objects.create(
        number="410",
        name_en="Test office 410",
        name_fr="Bureau d’essai 410",
        street_address="1 Test Road",
        city="Windsor",
        province="ON",
        postal_code="N9A 0A1",
        time_zone="America/Toronto",
        hours_en="Mon–Fri 8–16",
        hours_fr="lun.–ven. 8 h–16 h",
    )
    Inbox.objects.create(office=office, kind=InboxKind.CARGO, address="cargo-410@longroom.test")
    Inbox.objects.create(office=office, kind=InboxKind.RELEASE, address="release-410@longroom.test")
    for position, (en, fr) in enumerate(STAMPS):
        Stamp.objects.create(office=office, text_en=en, text_fr=fr, position=position)
    seal_install(office=office, pkcs12=demo_seal[0], passphrase=demo_seal[1], actor=None, demo=True)
    return office


@pytest.fixture
def other_office(db):
    from longroom.offices.models import Inbox, InboxKind, Office

    office = Office.objects.create(
        number="395",
        name_en="Other office",
        name_fr="Autre bureau",
        street_address="2 Test Road",
        city="Montréal",
        province="QC",
        postal_code="H3C 0A1",
    )
    Inbox.objects.create(office=office, kind=InboxKind.CARGO, address="cargo-395@longroom.test")
    return office


def _staff(email: str, office, role: str, identifier: str):
    from longroom.core.models import User
    from longroom.offices.models import Membership

    user = User.objects.create_user(email, "a-long-test-password", is_staff=True, staff_identifier=identifier)
    Membership.objects.create(user=user, office=office, role=role)
    return user


@pytest.fixture
def officer(office):
    return _staff("officer@longroom.test", office, "officer", "BSO-1")


@pytest.fixture
def other_officer(office):
    return _staff("officer2@longroom.test", office, "officer", "BSO-2")


@pytest.fixture
def superintendent(office):
    return _staff("super@longroom.test", office, "superintendent", "SUP-1")


@pytest.fixture
def stranger(other_office):
    """An officer of another office: must not see office 410's requests."""
    return _staff("stranger@longroom.test", other_office, "officer", "BSO-9")


@pytest.fixture
def pdf_for() -> Callable[..., bytes]:
    from longroom.desk.demo import demo_pdf

    return demo_pdf


@pytest.fixture
def email_with() -> Callable[..., bytes]:
    from longroom.desk.demo import demo_email

    return demo_email


@pytest.fixture
def receive(db):
    """Deliver raw bytes as the SMTP receiver would, then run the intake pipeline."""
    from longroom.desk.intake import message_process, message_record

    def deliver(raw: bytes, to: str = "cargo-410@longroom.test", sender: str = "broker@example.com"):
        message = message_record(raw=raw, source="smtp", envelope_from=sender, envelope_to=[to])
        return message_process(message.pk) or message

    return deliver


@pytest.fixture
def queued_request(office, receive, email_with, pdf_for):
    from longroom.desk.tasks import document_render

    number = "132432000123459"
    message = receive(
        email_with(
            to="cargo-410@longroom.test",
            subject=f"RMD – {number}",
            attachments=[(f"{number}.pdf", pdf_for(number))],
        )
    )
    request = message.request
    for document in request.documents.all():
        document_render(document.pk)
    request.refresh_from_db()
    return request
