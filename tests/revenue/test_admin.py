"""The revenue back office: the rate table and offsetting preferences through audited services; the ledger read-only."""

from __future__ import annotations

import pytest

from longroom.core.models import AuditEvent, User
from longroom.revenue.models import AccountProfile, InterestRate, OffsettingPreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.LONGROOM_DEMO = True  # staff may use the admin without a second factor here
    client.force_login(User.objects.create_superuser("revenue-admin@longroom.test", "a-long-test-password"))
    return client


def test_an_interest_rate_entered_in_the_admin_is_audited(admin_client):
    response = admin_client.post(
        "/en/admin/revenue/interestrate/add/",
        {"effective_from": "2026-04-01", "annual_percent": "9.5", "source": "Memo D11-6-5, Q2 2026"},
    )
    assert response.status_code == 302
    assert InterestRate.objects.get().annual_percent == 9.5
    assert AuditEvent.objects.get(verb="interest.rate_saved").data["after"]["annual_percent"] == "9.5"


def test_the_offsetting_preference_is_set_through_its_service(admin_client, importer):
    response = admin_client.post(
        "/en/admin/revenue/accountprofile/add/",
        {"account": importer.pk, "offsetting_preference": OffsettingPreference.SMALLEST_FIRST},
    )
    assert response.status_code == 302
    assert (
        AccountProfile.objects.get(account=importer).offsetting_preference
        == OffsettingPreference.SMALLEST_FIRST
    )
    assert AuditEvent.objects.filter(verb="account.offsetting_preference_set").count() == 1


def test_ledger_entries_cannot_be_added_or_changed_in_the_admin(admin_client):
    assert admin_client.get("/en/admin/revenue/ledgerentry/add/").status_code == 403
    assert admin_client.get("/en/admin/revenue/ledgerentry/").status_code == 200
