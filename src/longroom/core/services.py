"""Writes owned by core: personal API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from . import audit
from .models import ApiToken, User

TOKEN_PREFIX = "lrt_"  # noqa: S105 - a public prefix that makes leaked tokens easy to spot


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return its secret, which is shown once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name.strip()[:100] or "API", prefix=secret[:12], key_sha256=token_digest(secret)
        )
        audit.record(
            verb="api_token.created",
            subject=token,
            actor=user,
            data={"name": token.name, "prefix": token.prefix},
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit.record(verb="api_token.revoked", subject=token, actor=actor, data={"prefix": token.prefix})
    token.refresh_from_db()
    return token


def api_token_authenticate(secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_sha256=token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
