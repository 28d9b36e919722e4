from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from . import audit

# Paths a staff member without a second factor may still reach: sign-in, MFA set-up, assets.
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/", "/en/accounts/", "/fr/accounts/")


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


class StaffMfaRequiredMiddleware:
    """Staff must add TOTP or WebAuthn before using the desk, except in a demo installation.

    Also labels the audit origin of everything done during a web request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and not settings.LONGROOM_DEMO
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
            and not is_mfa_enabled(user)
        ):
            return redirect("mfa_activate_totp")
        with audit.origin(f"web {client_ip(request)}"):
            return self.get_response(request)
