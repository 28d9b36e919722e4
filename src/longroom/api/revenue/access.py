"""Who may see and change what through the revenue API, its refusals, throttle and formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.throttling import BaseThrottle, UserRateThrottle
from pydantic import PlainSerializer

from longroom.core.models import User
from longroom.registry.models import AccessLevel, ProgramAccount
from longroom.registry.numbers import clean_bn15
from longroom.registry.selectors import accounts_visible_to, is_revenue_staff
from longroom.revenue.documents import format_plain_amount
from longroom.revenue.models import (
    Declaration,
    DeclarationVersion,
    RevenueDocument,
)
from longroom.revenue.services import (
    DeclarationError,
)

DEFAULT_WRITE_RATE = "60/m"


class RevenueRefusal(Exception):
    """Answered as `{code, message}` with `status` (api.urls): not found (404) or read-only (403)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


class WriteThrottle(UserRateThrottle):
    """Declaring is limited per person, so one runaway script cannot flood the ledger.
    The rate is `LONGROOM_REVENUE_API_WRITE_RATE` (default 60/m), read on each request."""

    scope = "revenue_writes"

    def __init__(self) -> None:
        super().__init__(self._setting())

    @staticmethod
    def _setting() -> str:
        return str(getattr(settings, "LONGROOM_REVENUE_API_WRITE_RATE", DEFAULT_WRITE_RATE))

    def allow_request(self, request: HttpRequest) -> bool:
        if self.rate != self._setting():
            self.rate = self._setting()
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


router = Router(tags=["revenue"])
WRITES: list[BaseThrottle] = [WriteThrottle()]


# ── formats ───────────────────────────────────────────────────────────────────────────────


def _two_places(value: Decimal) -> str:
    return format_plain_amount(Decimal(value))


def _plain(value: Decimal | None, places: int = 2) -> str | None:
    """A declared number as sent, without trailing zeros beyond `places` ("1000.00", "12.3456")."""
    if value is None:
        return None
    normal = Decimal(value).normalize()
    if normal.as_tuple().exponent > -places:  # type: ignore[operator]
        normal = normal.quantize(Decimal(1).scaleb(-places))
    return f"{normal:f}"


# CAD, two decimals, as a string: "322.65", "-64.53".
Money = Annotated[Decimal, PlainSerializer(_two_places, return_type=str)]


def _text(value: object) -> str | None:
    """A value of a version comparison, as a string (None: the line did not exist)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, ProgramAccount):
        return value.number
    return str(value)


# ── who may see what ──────────────────────────────────────────────────────────────────────


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _account_not_found(bn15: str) -> RevenueRefusal:
    return RevenueRefusal(
        404,
        "account_not_found",
        _("No program account %(bn15)s among those you may see.") % {"bn15": bn15},
    )


def _read_only(bn15: str) -> RevenueRefusal:
    return RevenueRefusal(
        403,
        "read_only_access",
        _("Your access to program account %(bn15)s is read-only; declaring needs edit access.")
        % {"bn15": bn15},
    )


def _account(request: HttpRequest, bn15: str, *, edit: bool = False) -> ProgramAccount:
    number = clean_bn15(bn15)
    user = _user(request)
    account = accounts_visible_to(user).filter(number=number).first()
    if account is None:
        raise _account_not_found(number)
    if edit and not accounts_visible_to(user, level=AccessLevel.EDIT).filter(pk=account.pk).exists():
        raise _read_only(number)
    return account


def _declaration(request: HttpRequest, transaction_number: str, *, edit: bool = False) -> Declaration:
    number = transaction_number.strip()
    user = _user(request)
    declaration = (
        Declaration.objects.select_related("account", "current_version")
        .filter(transaction_number=number, account__in=accounts_visible_to(user))
        .first()
    )
    if declaration is None:
        raise RevenueRefusal(
            404,
            "declaration_not_found",
            _("No declaration %(number)s on an account you may see.") % {"number": number},
        )
    if (
        edit
        and not accounts_visible_to(user, level=AccessLevel.EDIT).filter(pk=declaration.account_id).exists()
    ):
        raise _read_only(declaration.account.number)
    return declaration


def _version(declaration: Declaration, number: int) -> DeclarationVersion:
    version = (
        DeclarationVersion.objects.select_related("declaration", "broker_account", "ledger_entry")
        .prefetch_related("lines")
        .filter(declaration=declaration, number=number)
        .first()
    )
    if version is None:
        raise RevenueRefusal(
            404,
            "version_not_found",
            _("Declaration %(transaction)s has no version %(version)s.")
            % {"transaction": declaration.transaction_number, "version": number},
        )
    return version


def _document(request: HttpRequest, number: str) -> RevenueDocument:
    """A statement or notice of an account the caller may see; a broker summary when the caller
    may see any program account of the broker's business (revenue staff see every one)."""
    visible = accounts_visible_to(_user(request))
    document = RevenueDocument.objects.select_related("pdf", "csv").filter(number=number).first()
    if document is not None and (
        is_revenue_staff(_user(request))
        or (document.account_id and visible.filter(pk=document.account_id).exists())
        or (document.business_id and visible.filter(business_id=document.business_id).exists())
    ):
        return document
    raise RevenueRefusal(
        404, "document_not_found", _("No document %(number)s that you may see.") % {"number": number}
    )


def _refused(exc: DeclarationError) -> Status[dict[str, str]]:
    status = 400 if exc.code == "bad_transaction_number" else 409
    return Status(status, {"code": exc.code, "message": str(exc.message)})
