"""The main menu offers Revenue to revenue staff only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from longroom.core.models import User

pytestmark = pytest.mark.django_db


def test_the_revenue_link_is_in_the_menu_of_revenue_staff_only(client, settings):
    settings.LONGROOM_DEMO = True
    officer = User.objects.create_user("revenue@longroom.test", "a-long-test-password", is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="view_ledgerentry"))
    desk = User.objects.create_user("desk@longroom.test", "a-long-test-password", is_staff=True)
    client.force_login(officer)
    assert 'href="/en/revenue/"' in client.get("/en/").content.decode()
    client.force_login(desk)
    assert 'href="/en/revenue/"' not in client.get("/en/").content.decode()
