"""The API: the same rules as the pages, with a bearer token."""

from __future__ import annotations

import pytest

from longroom.core.services import api_token_create, api_token_revoke
from longroom.desk.models import RequestStatus


@pytest.fixture
def token(officer):
    return api_token_create(user=officer, name="broker tools")[1]


def auth(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_openapi_document_describes_the_desk_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/requests",
        "/api/v1/requests/{reference}",
        "/api/v1/requests/{reference}/claim",
        "/api/v1/requests/{reference}/release",
        "/api/v1/requests/{reference}/stamp",
        "/api/v1/requests/{reference}/reject",
        "/api/v1/requests/{reference}/documents/{document_id}",
    ):
        assert path in paths
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()


def test_without_a_valid_token_the_api_answers_401(client, queued_request, token, officer):
    assert client.get("/api/v1/requests").status_code == 401
    assert client.get("/api/v1/requests", **auth("lrt_wrong")).status_code == 401
    from longroom.core.models import ApiToken

    api_token_revoke(token=ApiToken.objects.get(user=officer), actor=officer)
    assert client.get("/api/v1/requests", **auth(token)).status_code == 401


def test_an_officer_lists_claims_stamps_and_downloads_through_the_api(client, queued_request, token):
    listing = client.get("/api/v1/requests", **auth(token)).json()
    assert [r["reference"] for r in listing["items"]] == [queued_request.reference]
    base = f"/api/v1/requests/{queued_request.reference}"
    claimed = client.post(base + "/claim", **auth(token))
    assert claimed.status_code == 200 and claimed.json()["status"] == RequestStatus.IN_REVIEW
    stamps = client.get("/api/v1/offices/410/stamps", **auth(token)).json()
    stamp_id = next(s["id"] for s in stamps if s["text_en"] == "RECEIVED")
    stamped = client.post(
        base + "/stamp",
        {"stamp_id": stamp_id, "pages": [1], "x": 0.1, "y": 0.1},
        content_type="application/json",
        **auth(token),
    )
    assert stamped.status_code == 200, stamped.content
    body = stamped.json()
    assert body["status"] == RequestStatus.RETURNED
    stamped_doc = next(d for d in body["documents"] if d["role"] == "stamped")
    original_doc = next(d for d in body["documents"] if d["role"] == "original")
    pdf = client.get(f"{base}/documents/{stamped_doc['id']}", **auth(token))
    original = client.get(f"{base}/documents/{original_doc['id']}", **auth(token))
    assert b"".join(pdf.streaming_content).startswith(b"".join(original.streaming_content))


def test_a_claim_held_by_someone_else_is_a_409(client, queued_request, token, other_officer):
    from longroom.desk.services import request_claim

    request_claim(request=queued_request, officer=other_officer)
    response = client.post(f"/api/v1/requests/{queued_request.reference}/claim", **auth(token))
    assert response.status_code == 409 and response.json()["code"] == "already_claimed"


def test_reject_through_the_api(client, queued_request, token):
    base = f"/api/v1/requests/{queued_request.reference}"
    client.post(base + "/claim", **auth(token))
    response = client.post(
        base + "/reject",
        {"reason": "illegible", "note": "blurry"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 200 and response.json()["status"] == RequestStatus.REJECTED


def test_another_offices_request_answers_404(client, queued_request, stranger):
    secret = api_token_create(user=stranger, name="x")[1]
    assert client.get(f"/api/v1/requests/{queued_request.reference}", **auth(secret)).status_code == 404
    assert (
        client.post(f"/api/v1/requests/{queued_request.reference}/claim", **auth(secret)).status_code == 404
    )
    assert client.get("/api/v1/requests", **auth(secret)).json()["items"] == []
