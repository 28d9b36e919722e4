"""Locations and an office administrator's settings."""

from __future__ import annotations

import pytest

from longroom.core.models import AuditEvent
from longroom.desk.models import Stamp
from longroom.offices.models import Inbox, Membership, Office
from longroom.offices.services import imap_password_env_name, inbox_imap_password, inbox_set_imap_password


@pytest.fixture
def office_admin(office):
    from tests.conftest import _staff

    return _staff("admin410@longroom.test", office, "administrator", "ADM-1")


def test_locations_lists_offices_offering_the_service_with_both_addresses_in_both_languages(
    client, office, other_office
):
    Office.objects.filter(pk=other_office.pk).update(elongroom_offered=False)
    english = client.get("/en/locations/").content.decode()
    assert "cargo-410@longroom.test" in english and "release-410@longroom.test" in english
    assert "Mon–Fri 8–16" in english and "Other office" not in english
    french = client.get("/fr/locations/").content.decode()
    assert "Bureau d’essai 410" in french and "lun.–ven. 8 h–16 h" in french


def test_an_office_administrator_edits_instructions_shown_on_locations(
    client, office, office_admin, settings
):
    settings.LONGROOM_DEMO = True
    client.force_login(office_admin)
    response = client.post(
        "/en/desk/offices/410/settings/",
        {
            "hours_en": "24/7",
            "hours_fr": "24 h sur 24",
            "instructions_en": "Lead sheet on top.",
            "instructions_fr": "Fiche de présentation sur le dessus.",
        },
    )
    assert response.status_code == 302
    assert "Lead sheet on top." in client.get("/en/locations/").content.decode()
    event = AuditEvent.objects.get(verb="office.instructions_updated")
    assert event.actor == office_admin and event.data["after"]["hours_fr"] == "24 h sur 24"


def test_instructions_in_one_language_only_are_refused(client, office, office_admin, settings):
    settings.LONGROOM_DEMO = True
    client.force_login(office_admin)
    response = client.post("/en/desk/offices/410/settings/", {"instructions_en": "Only English"})
    assert response.status_code == 200 and b"both languages" in response.content


def test_an_office_administrator_adds_a_stamp_and_an_officer_cannot(
    client, office, office_admin, officer, settings
):
    settings.LONGROOM_DEMO = True
    client.force_login(office_admin)
    client.post(
        "/en/desk/offices/410/stamps/new/",
        {"text_en": "Examined", "text_fr": "Examiné", "position": 5, "active": "on"},
    )
    assert Stamp.objects.filter(office=office, text_en="EXAMINED", text_fr="EXAMINÉ").exists()
    client.force_login(officer)
    assert client.get("/en/desk/offices/410/settings/").status_code == 404
    assert (
        client.post(
            "/en/desk/offices/410/stamps/new/", {"text_en": "X", "text_fr": "X", "position": 1}
        ).status_code
        == 404
    )


def test_an_imap_password_is_stored_encrypted_and_the_environment_wins(office, monkeypatch):
    inbox = Inbox.objects.get(address="cargo-410@longroom.test")
    inbox_set_imap_password(inbox=inbox, actor=None, password="s3cret-imap")
    inbox.refresh_from_db()
    assert "s3cret-imap" not in inbox.imap_password_encrypted
    assert inbox_imap_password(inbox) == "s3cret-imap"
    monkeypatch.setenv(imap_password_env_name(inbox), "from-env")
    assert inbox_imap_password(inbox) == "from-env"
    assert imap_password_env_name(inbox) == "LONGROOM_IMAP_PASSWORD_CARGO_410_LONGROOM_TEST"


def test_staff_belong_to_offices_with_a_role(officer, office):
    assert Membership.objects.get(user=officer, office=office).get_role_display() == "Clerk / officer"
