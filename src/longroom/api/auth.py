from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from longroom.core.services import api_token_authenticate


class PersonalToken(HttpBearer):
    """`Authorization: Bearer lrt_…` — a personal token made on the profile page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user
