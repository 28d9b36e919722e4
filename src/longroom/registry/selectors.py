"""Reads of the registry: finding a business or account the way staff type it."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Business, ProgramAccount
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
