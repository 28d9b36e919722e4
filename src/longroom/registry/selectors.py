"""Reads of the registry: finding a business or account the way staff type it."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from longroom.core.models import User

from .models import AccessLevel, AccountAccess, Business, ProgramAccount
from .numbers import clean_bn15


def program_accounts_matching(query: str, *, limit: int = 50) -> QuerySet[ProgramAccount]:
    """Accounts whose BN15 or BN9 starts with the digits typed, or whose business's legal name
    contains the words typed ("123 456 782", "123456782RM0001", "maple leaf")."""
    query = (query or "").strip()
    accounts = ProgramAccount.objects.select_related("business").order_by("number")
    if not query:
        return accounts.none()
    bare = clean_bn15(query)
    if bare[:1].isdigit():
        return accounts.filter(number__startswith=bare)[:limit]
    condition = Q()
    for word in query.split():
        condition &= Q(business__legal_name__icontains=word)
    return accounts.filter(condition)[:limit]


def business_by_bn9(bn9: str) -> Business | None:
    return Business.objects.filter(bn9=bn9).first()


def is_revenue_staff(user: User | AnonymousUser) -> bool:
    """Agency staff who may see every account's ledger (the revenue permission, or superuser)."""
    return bool(user.is_active and user.is_staff and user.has_perm("revenue.view_ledgerentry"))


def accounts_visible_to(user: User | AnonymousUser, *, level: str | None = None) -> QuerySet[ProgramAccount]:
    """The program accounts `user` may see (or act on, with level="edit"): all for revenue
    staff, else those with a live access."""
    accounts = ProgramAccount.objects.select_related("business")
    if not user.is_authenticated or not user.is_active:
        return accounts.none()
    if is_revenue_staff(user):
        return accounts
    live = AccountAccess.objects.filter(user=user, revoked_at=None)
    if level == AccessLevel.EDIT:
        live = live.filter(level=AccessLevel.EDIT)
    return accounts.filter(pk__in=live.values("account_id"))
