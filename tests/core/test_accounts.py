"""Staff accounts: MFA is required outside the demo; personal API tokens."""

from __future__ import annotations

from longroom.core.models import ApiToken


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, officer, settings):
    settings.LONGROOM_DEMO = False
    client.force_login(officer)
    response = client.get("/en/desk/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def test_the_demo_lets_staff_in_without_mfa_and_says_so(client, officer, settings):
    settings.LONGROOM_DEMO = True
    client.force_login(officer)
    page = client.get("/en/desk/")
    assert page.status_code == 200 and b"lr-demo-banner" in page.content


def test_staff_cannot_sign_up_themselves(client, db):
    response = client.get("/en/accounts/signup/")
    assert "account/signup_closed.html" in [t.name for t in response.templates]


def test_a_personal_api_token_is_shown_once_and_stored_hashed(client, officer, settings):
    settings.LONGROOM_DEMO = True
    client.force_login(officer)
    client.post("/en/profile/tokens/", {"name": "broker software"})
    page = client.get("/en/profile/").content.decode()
    token = ApiToken.objects.get(user=officer)
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("lrt_") and secret[:12] == token.prefix and secret not in token.key_sha256
    assert 'id="new-token"' not in client.get("/en/profile/").content.decode()


def test_a_missing_page_is_a_friendly_404_in_the_right_language(client, db):
    response = client.get("/fr/no-such-page/")
    assert response.status_code == 404
    assert "core/404.html" in [t.name for t in response.templates]
    assert b'lang="fr"' in response.content
