from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import ApiToken, User
from .services import api_token_create, api_token_revoke


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=cast(User, request.user))
    new_secret = request.session.pop("new_api_token", None)
    return render(request, "core/profile.html", {"tokens": tokens, "new_secret": new_secret})


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    _token, secret = api_token_create(user=request.user, name=request.POST.get("name", ""))  # type: ignore[arg-type]
    request.session["new_api_token"] = secret
    messages.success(request, _("Your token was created. Copy it now: it will not be shown again."))
    return redirect("core:profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The token was revoked."))
    return redirect("core:profile")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/500.html", status=500)
