"""What every revenue staff page shares: who may see them, the account in the URL, the page's
frame. Only revenue staff see these pages (404 to anyone else signed in); writes also need
`revenue.add_ledgerentry`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils import timezone

from longroom.core.models import User
from longroom.registry.models import ProgramAccount
from longroom.registry.numbers import clean_bn15
from longroom.registry.selectors import accounts_visible_to, is_revenue_staff

from ..calendar import business_date

POST_PERMISSION = "revenue.add_ledgerentry"
HISTORY_PAGE_SIZE = 50
INLINE_CLEARINGS = 5  # applications shown under a history row; the entry page shows them all
SEARCH_LIMIT = 50


# ── access ────────────────────────────────────────────────────────────────────────────────


def revenue_staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_revenue_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def can_post(user: User | AnonymousUser) -> bool:
    return is_revenue_staff(user) and user.has_perm(POST_PERMISSION)


def posting_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_post(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _account(request: HttpRequest, bn15: str) -> ProgramAccount:
    account = accounts_visible_to(request.user).filter(number=clean_bn15(bn15)).first()
    if account is None:
        raise Http404
    return account


def _account_context(request: HttpRequest, account: ProgramAccount, section: str) -> dict[str, Any]:
    business = account.business
    city = " ".join(part for part in (business.city, business.province, business.postal_code) if part)
    address = [business.address_line1, business.address_line2, city]
    if business.country != "CA":
        address.append(business.country)
    return {
        "account": account,
        "address": [line for line in address if line],
        "section": section,
        "can_post": can_post(request.user),
    }


def _today() -> dt.date:
    return business_date(timezone.now())
