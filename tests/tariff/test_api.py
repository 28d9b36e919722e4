"""The public tariff API under /api/v1/tariff/: no token, rate-limited per client address.

Runs over the shipped sample edition, the HS nomenclature and the sample exchange rates.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from .conftest import SAMPLE_FRIDAY, SAMPLE_SATURDAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hs_loaded", "sample_edition", "sample_rates")]

API = "/api/v1/tariff"
DAY = SAMPLE_FRIDAY.isoformat()
TARIFF_PATHS = (
    "/api/v1/tariff/items/{number}",
    "/api/v1/tariff/search",
    "/api/v1/tariff/exchange-rates/{currency}",
    "/api/v1/tariff/calculations",
)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The throttle counts requests in the cache; every test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


def calculate(client, lines: list[dict], **request):
    body = {"date": DAY, "lines": lines} | request
    return client.post(f"{API}/calculations", body, content_type="application/json")


T_SHIRTS = {"tariff_item": "6109.10.00", "origin": "CN", "value": "100", "currency": "USD"}


# --- items, search, exchange rates -----------------------------------------------------------


def test_an_item_comes_with_its_duties_per_treatment_read_and_as_published(client):
    response = client.get(f"{API}/items/6109.10.00", {"as_of": DAY})
    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["display_number"], body["as_of"]) == ("61091000", "6109.10.00", DAY)
    assert body["edition"] == {"code": "T2026-0-SAMPLE", "effective_from": "2026-01-01", "is_sample": True}
    assert [step["code"] for step in body["path"]] == ["XI", "61", "6109", "610910", "61091000"]
    duties = {d["treatment"]: d for d in body["duties"]}
    assert {code: d["text"] for code, d in duties.items()} == {
        "MFN": "18 %",
        "UST": "Free",
        "MXT": "Free",
        "GT": "35%",
    }
    assert (duties["MFN"]["kind"], Decimal(duties["MFN"]["ad_valorem_reg"])) == ("ad_valorem", Decimal("18"))
    assert duties["UST"]["kind"] == "free"


def test_a_specific_rate_is_given_in_dollars_per_unit(client):
    duties = client.get(f"{API}/items/0406.10.10", {"as_of": DAY}).json()["duties"]
    mfn = next(d for d in duties if d["treatment"] == "MFN")
    assert (mfn["text"], mfn["kind"], Decimal(mfn["specific_reg"]), mfn["unit"]) == (
        "3.32 ¢/kg", "specific", Decimal("0.0332"), "kg",
    )  # fmt: skip


def test_a_statistical_line_says_which_item_its_duties_come_from(client):
    duties = client.get(f"{API}/items/0406101010", {"as_of": DAY}).json()["duties"]
    assert {d["inherited_from"] for d in duties} == {"0406.10.10"}


def test_an_unknown_item_answers_404_with_a_code_and_message(client):
    response = client.get(f"{API}/items/9999.99.99", {"as_of": DAY})
    assert response.status_code == 404
    assert response.json() == {
        "code": "unknown_tariff_item",
        "message": "9999.99.99 is not a tariff item in edition T2026-0-SAMPLE.",
    }


def test_an_item_asked_for_before_the_first_edition_answers_404_with_its_own_code(client):
    response = client.get(f"{API}/items/6109.10.00", {"as_of": "2020-01-01"})
    assert response.status_code == 404
    assert response.json()["code"] == "no_edition_in_force"


def test_an_unreadable_date_answers_422(client):
    assert client.get(f"{API}/items/6109.10.00", {"as_of": "yesterday"}).status_code == 422


def test_searching_cotton_t_shirt_finds_6109_10_00(client):
    response = client.get(f"{API}/search", {"q": "cotton t-shirt", "as_of": DAY})
    assert response.status_code == 200
    hits = {hit["code"]: hit for hit in response.json()}
    assert "61091000" in hits
    item = hits["61091000"]
    assert (item["display_number"], item["kind"], item["path"]) == (
        "6109.10.00",
        "item",
        ["61", "6109", "6109.10"],
    )
    assert {d["treatment"]: d["text"] for d in item["duties"]}["MFN"] == "18 %"


def test_searching_in_french_finds_6109_10_00_with_its_french_description(client):
    response = client.get(f"{API}/search", {"q": "t-shirt en coton", "as_of": DAY}, HTTP_ACCEPT_LANGUAGE="fr")
    hits = {hit["code"]: hit for hit in response.json()}
    assert "de coton" in hits["61091000"]["description"]


def test_messages_follow_the_accept_language_header(client):
    english = client.get(f"{API}/items/9999.99.99", {"as_of": DAY}).json()["message"]
    french = client.get(f"{API}/items/9999.99.99", {"as_of": DAY}, HTTP_ACCEPT_LANGUAGE="fr").json()[
        "message"
    ]
    assert english.startswith("9999.99.99 is not a tariff item")
    assert french != english and "T2026-0-SAMPLE" in french


def test_searching_with_language_fr_answers_in_french(client):
    response = client.get(f"{API}/search", {"q": "t-shirt en coton", "as_of": DAY, "language": "fr"})
    hits = {hit["code"]: hit for hit in response.json()}
    assert "de coton" in hits["61091000"]["description"]


def test_search_limits_are_checked(client):
    assert client.get(f"{API}/search", {"q": ""}).status_code == 422
    assert client.get(f"{API}/search", {"q": "shirt", "limit": 1000}).status_code == 422
    assert len(client.get(f"{API}/search", {"q": "shirt", "limit": 2, "as_of": DAY}).json()) == 2


def test_the_exchange_rate_on_a_saturday_is_fridays(client):
    response = client.get(f"{API}/exchange-rates/usd", {"date": SAMPLE_SATURDAY.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert (body["currency"], body["date"], body["published_on"], Decimal(body["rate"]), body["source"]) == (
        "USD", "2026-11-14", "2026-11-13", Decimal("1.3956"), "sample",
    )  # fmt: skip


def test_an_exchange_rate_that_is_not_published_answers_404(client):
    response = client.get(f"{API}/exchange-rates/XYZ", {"date": DAY})
    assert response.status_code == 404
    assert response.json()["code"] == "no_exchange_rate"


# --- calculations ----------------------------------------------------------------------------


def test_a_calculation_gives_figures_steps_and_totals(client):
    response = calculate(client, [T_SHIRTS, {"tariff_item": "1806.32.00", "origin": "US", "value": "1000"}])
    assert response.status_code == 200
    body = response.json()
    first, second = body["lines"]
    assert (first["tariff_item"], first["treatment"], first["rate"]) == ("6109.10.00", "MFN", "18 %")
    assert (Decimal(first["exchange_rate"]), first["exchange_rate_published_on"]) == (Decimal("1.3956"), DAY)
    assert [Decimal(first[k]) for k in ("value_for_duty", "customs_duty", "value_for_tax", "gst")] == [
        Decimal("139.56"), Decimal("25.12"), Decimal("164.68"), Decimal("8.23"),
    ]  # fmt: skip
    assert first["steps"] and all(step["code"] and step["label"] for step in first["steps"])
    assert (second["treatment"], Decimal(second["customs_duty"])) == ("UST", Decimal("0"))
    assert Decimal(body["totals"]["total_duties_and_taxes"]) == Decimal("83.35")
    assert body["edition"]["is_sample"] is True


def test_a_refused_calculation_answers_422_with_every_lines_problem(client):
    response = calculate(
        client,
        [
            T_SHIRTS,
            T_SHIRTS | {"tariff_item": "9999.99.99"},
            T_SHIRTS | {"treatment": "UST"},
            T_SHIRTS | {"tariff_item": "0406.10.10"},
        ],
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "refused"
    assert [(p["line"], p["field"], p["code"]) for p in body["problems"]] == [
        (2, "tariff_item", "unknown_tariff_item"),
        (3, "treatment", "treatment_not_claimable"),
        (4, "quantity", "quantity_required"),
    ]
    assert all(p["message"] for p in body["problems"])


def test_a_calculation_before_the_first_edition_is_refused_for_the_whole_request(client):
    response = calculate(client, [T_SHIRTS], date="2020-01-01")
    assert response.status_code == 422
    assert [(p["line"], p["code"]) for p in response.json()["problems"]] == [(0, "no_edition_in_force")]


@pytest.mark.parametrize(
    "body",
    [
        {"date": DAY, "lines": []},
        {"date": "2026-02-30", "lines": [T_SHIRTS]},
        {"date": DAY, "lines": [T_SHIRTS | {"value": "-1"}]},
        {"date": DAY, "lines": [T_SHIRTS | {"value": "NaN"}]},
        {"date": DAY, "lines": [T_SHIRTS | {"origin": "CHN"}]},
        {"date": DAY, "import_kind": "smuggled", "lines": [T_SHIRTS]},
    ],
)
def test_a_malformed_calculation_answers_422(client, body):
    response = client.post(f"{API}/calculations", body, content_type="application/json")
    assert response.status_code == 422


def test_an_absurdly_large_value_answers_422_not_500(client):
    client.raise_request_exception = False
    assert calculate(client, [T_SHIRTS | {"value": "1e30"}]).status_code == 422


def test_a_casual_import_without_a_province_is_refused(client):
    assert calculate(client, [T_SHIRTS], import_kind="casual").status_code == 422
    assert calculate(client, [T_SHIRTS], import_kind="casual", province="ZZ").status_code == 422


def test_a_casual_import_to_ontario_pays_hst(client):
    body = calculate(client, [T_SHIRTS], import_kind="casual", province="ON").json()
    assert (Decimal(body["totals"]["gst"]), Decimal(body["totals"]["hst"])) == (
        Decimal("0"),
        Decimal("21.41"),
    )


# --- documentation, access, rate limit -------------------------------------------------------


def test_the_openapi_document_lists_the_four_tariff_paths_as_public(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in TARIFF_PATHS:
        assert path in paths
        for operation in paths[path].values():
            assert not operation.get("security"), f"{path} must not ask for a token"


def test_the_tariff_api_needs_no_token_and_ignores_a_bad_one(client):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer lrt_not-a-token"}):
        assert client.get(f"{API}/items/6109.10.00", {"as_of": DAY}, **headers).status_code == 200
        assert client.get(f"{API}/search", {"q": "shirt", "as_of": DAY}, **headers).status_code == 200
        assert client.get(f"{API}/exchange-rates/USD", {"date": DAY}, **headers).status_code == 200
        body = {"date": DAY, "lines": [T_SHIRTS]}
        assert (
            client.post(f"{API}/calculations", body, content_type="application/json", **headers).status_code
            == 200
        )
    # The desk API next to it still wants a token.
    assert client.get("/api/v1/requests").status_code == 401


def configured_limit() -> int:
    count, _period = settings.LONGROOM_TARIFF_API_RATE.split("/")
    return int(count)


def test_a_client_past_the_configured_limit_gets_429_and_others_do_not(client):
    limit = configured_limit()
    if limit > 1000:
        pytest.skip(f"LONGROOM_TARIFF_API_RATE={settings.LONGROOM_TARIFF_API_RATE} is too high to reach here")
    url = f"{API}/exchange-rates/CAD"
    statuses = [client.get(url).status_code for _ in range(limit)]
    assert statuses == [200] * limit
    assert client.get(url).status_code == 429
    assert client.get(f"{API}/items/6109.10.00").status_code == 429  # the limit covers every tariff endpoint
    assert client.get(url, REMOTE_ADDR="192.0.2.7").status_code == 200


@override_settings(LONGROOM_TARIFF_API_RATE="3/m")
def test_the_rate_limit_follows_the_setting(client):
    url = f"{API}/exchange-rates/CAD"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    assert client.get(url).status_code == 429
