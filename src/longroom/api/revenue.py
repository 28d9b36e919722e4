"""Revenue over HTTP: program accounts, balances, transactions, CADs and their versions, statements.

The same services and selectors as the portal, with the same rules: a program account (BN15) is
visible when `registry.selectors.accounts_visible_to` gives it, and a CAD is submitted, corrected
or withdrawn only with edit access. An account, declaration or document the caller may not see
answers 404 — the same answer as one that does not exist — so the API never tells a stranger
that a BN15 or a transaction number is on file. A caller who may see an account but only read
it gets 403 when declaring on it: the account's existence is already known to them.

Money is a string with two decimals ("322.65"), positive owed to the agency and negative owed to
the client; dates are ISO. Messages follow the Accept-Language header (English or French).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.throttling import BaseThrottle, UserRateThrottle
from pydantic import PlainSerializer

from longroom.core import audit
from longroom.core.middleware import client_ip
from longroom.core.models import User
from longroom.desk.storage import stored_file_response
from longroom.registry.models import AccessLevel, AccountAccess, ProgramAccount
from longroom.registry.numbers import clean_bn15
from longroom.registry.selectors import accounts_visible_to, is_revenue_staff
from longroom.revenue import selectors
from longroom.revenue.calendar import business_date
from longroom.revenue.documents import kind_label
from longroom.revenue.models import (
    CENT,
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    EntryKind,
    RevenueDocument,
    RevenueDocumentKind,
    TransportMode,
    VersionStatus,
)
from longroom.revenue.services import (
    CadHeader,
    CadLine,
    DeclarationError,
    credit_card_room,
    declaration_correct,
    declaration_submit,
    declaration_withdraw,
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
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):f}"


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


# ── schemas ───────────────────────────────────────────────────────────────────────────────


class ErrorOut(Schema):
    code: str
    message: str


class AccountOut(Schema):
    bn15: str = Field(..., alias="number", examples=["123456782RM0001"])
    display_number: str = Field(..., examples=["123456782 RM 0001"])
    legal_name: str = Field(..., alias="business.legal_name")
    status: str
    access: Literal["read", "edit"] = Field(
        ..., description="What you may do: read, or edit (declare); revenue staff have edit."
    )

    @staticmethod
    def resolve_access(obj: ProgramAccount) -> str:
        # Annotated with the live access's level; revenue staff have none and may act on all.
        return getattr(obj, "access_level", None) or AccessLevel.EDIT.value


class PositionOut(Schema):
    bn15: str
    as_of: dt.date
    balance: Money = Field(..., description="Owed (positive) or owed back (negative)")
    overdue: Money
    due_today: Money
    not_yet_due: Money
    unapplied_credits: Money
    credit_card_room: Money = Field(
        ...,
        description="What may still be paid by credit card in the billing cycle (18th → 17th) of `as_of`: "
        "$4,999.99 per cycle per program account",
    )


class HistoryQuery(Schema):
    kind: list[EntryKind] = Field(default_factory=list, description="Repeat to ask for several kinds.")
    posted_from: dt.date | None = Field(default=None, description="Business date posted, inclusive")
    posted_to: dt.date | None = Field(default=None, description="Business date posted, inclusive")
    reference: str = Field("", max_length=40, description="Part of the reference (transaction number)")
    open_only: bool = Field(False, description="Only debts not fully paid and credits not fully used")

    def as_filter(self) -> selectors.HistoryFilter:
        return selectors.HistoryFilter(
            kinds=tuple(kind.value for kind in self.kind),
            posted_from=self.posted_from,
            posted_to=self.posted_to,
            reference=self.reference,
            open_only=self.open_only,
        )


class HistoryPageQuery(HistoryQuery):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


class TransactionOut(Schema):
    id: int
    posted_on: dt.date = Field(..., description="Business date (Eastern) of posting")
    effective_date: dt.date = Field(..., description="Release date of a CAD, date of a payment")
    kind: EntryKind
    reference: str
    description: str
    amount: Money = Field(..., description="Positive owed to the agency, negative owed to you")
    due_date: dt.date | None
    outstanding: Money = Field(..., description="What is left to pay of a debt, or to use of a credit")
    broker_asec: str
    reverses: int | None = Field(None, description="The id of the entry this one cancels")


class TransactionPageOut(Schema):
    items: list[TransactionOut]
    page: int
    page_size: int
    has_next: bool


class HeaderIn(Schema):
    office_number: str = Field(..., max_length=8, examples=["0497"])
    release_date: dt.date
    transport_mode: TransportMode
    carrier_code: str = Field("", max_length=4)
    cargo_control_number: str = Field("", max_length=25)
    broker_account: str = Field("", max_length=20, description="The broker's BN15, when a broker declares")
    broker_asec: str = Field("", max_length=5, description="The broker's ASEC; must match broker_account")
    release_prior_to_payment: bool = Field(
        False, description="RPP: due with the statement of the release's cycle; otherwise due at release"
    )

    def as_header(self) -> CadHeader:
        return CadHeader(
            office_number=self.office_number,
            release_date=self.release_date,
            transport_mode=self.transport_mode.value,
            carrier_code=self.carrier_code,
            cargo_control_number=self.cargo_control_number,
            broker_account=self.broker_account,
            broker_asec=self.broker_asec,
            release_prior_to_payment=self.release_prior_to_payment,
        )


class LineIn(Schema):
    vendor: str = Field(..., max_length=200)
    tariff_item: str = Field(..., max_length=14, examples=["6109.10.00"])
    origin: str = Field(..., max_length=2, description="ISO 3166 country code", examples=["CN"])
    currency: str = Field(..., max_length=3, examples=["USD"])
    value: Decimal = Field(..., max_digits=18, decimal_places=4, description="Invoice value in `currency`")
    quantity: Decimal | None = Field(default=None, max_digits=18, decimal_places=4)
    unit: str = Field("", max_length=10)
    treatment: str = Field("", max_length=8, description="Empty: the most favourable the origin may claim")
    description: str = Field("", max_length=300)
    surtax_percent: Decimal | None = Field(default=None, max_digits=7, decimal_places=3)
    anti_dumping: Decimal = Field(Decimal(0), max_digits=14, decimal_places=2, description="CAD")
    countervailing: Decimal = Field(Decimal(0), max_digits=14, decimal_places=2, description="CAD")

    def as_line(self) -> CadLine:
        return CadLine(**self.dict())


class CorrectionIn(Schema):
    header: HeaderIn
    lines: list[LineIn]
    reason_code: str = Field("", max_length=20)
    reason: str = Field("", max_length=2000)


class DeclarationIn(Schema):
    transaction_number: str = Field(
        ...,
        max_length=20,
        description="The CAD transaction number: exactly 14 digits",
        examples=["12345000000017"],
        json_schema_extra={"pattern": r"^\d{14}$"},
    )
    header: HeaderIn
    lines: list[LineIn]


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class ProblemOut(Schema):
    line: int = Field(..., description="1-based line (0: the header or the declaration as a whole)")
    field: str
    code: str
    message: str


class HeaderOut(Schema):
    office_number: str
    release_date: dt.date
    transport_mode: str
    carrier_code: str
    cargo_control_number: str
    broker_account: str | None
    broker_asec: str
    release_prior_to_payment: bool


class LineOut(Schema):
    number: int
    vendor: str
    description: str
    tariff_item: str
    origin: str
    treatment: str = Field(..., description="As claimed (empty: the most favourable)")
    currency: str
    value: str
    quantity: str | None
    unit: str
    surtax_percent: str | None
    anti_dumping: Money
    countervailing: Money
    # Worked out by the tariff calculator; null on a refused version.
    treatment_applied: str | None
    rate_text: str | None
    exchange_rate: str | None = Field(..., description="CAD per unit of `currency`")
    value_for_duty: Money | None
    customs_duty: Money | None
    surtax: Money | None
    excise: Money | None
    value_for_tax: Money | None
    gst: Money | None
    total: Money | None


class TotalsOut(Schema):
    value_for_duty: Money
    customs_duty: Money
    surtax: Money
    anti_dumping: Money
    countervailing: Money
    excise: Money
    value_for_tax: Money
    gst: Money
    total: Money


class VersionOut(Schema):
    transaction_number: str
    number: int
    kind: str = Field(..., description="original, correction or adjustment")
    status: str = Field(
        ...,
        description="accepted, rejected, correction_approved, adjustment_pending, adjustment_approved, "
        "adjustment_rejected or withdrawn",
    )
    submitted_at: dt.datetime
    channel: str
    reason_code: str
    reason: str
    edition_code: str = Field(..., description="The tariff edition the figures come from")
    header: HeaderOut
    lines: list[LineOut]
    totals: TotalsOut | None = Field(..., description="Null when the version was refused")
    payment_due_date: dt.date | None
    problems: list[ProblemOut]
    ledger_effect: Money | None = Field(
        ..., description="What this version posted to the ledger (a difference); null: nothing"
    )
    decided_at: dt.datetime | None
    decision_note: str


class VersionSummaryOut(Schema):
    number: int
    kind: str
    status: str
    submitted_at: dt.datetime
    total: Money | None = Field(..., description="Null when the version was refused")


class DeclarationOut(Schema):
    transaction_number: str
    bn15: str
    status: str = Field(..., description="accepted, rejected or withdrawn")
    current_version: int | None = Field(..., description="The version in force")
    created_at: dt.datetime
    versions: list[VersionSummaryOut]


class ChangeOut(Schema):
    field: str
    before: str | None
    after: str | None


class LineChangesOut(Schema):
    line: int
    changes: list[ChangeOut]


class ComparisonOut(Schema):
    transaction_number: str
    before: int
    after: int
    header: list[ChangeOut]
    lines: list[LineChangesOut]
    totals: list[ChangeOut]


class DocumentOut(Schema):
    number: str
    kind: RevenueDocumentKind
    issue_date: dt.date
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date | None
    opening_balance: Money
    closing_balance: Money
    amount_due: Money
    overdue: Money
    line_count: int
    language: str
    pdf: str = Field("", description="Path of the PDF")
    csv: str = Field("", description="Path of the CSV")

    @staticmethod
    def resolve_pdf(obj: RevenueDocument) -> str:
        return reverse("api-v1:document_pdf", kwargs={"number": obj.number})

    @staticmethod
    def resolve_csv(obj: RevenueDocument) -> str:
        return reverse("api-v1:document_csv", kwargs={"number": obj.number})


class DocumentQuery(Schema):
    kind: RevenueDocumentKind | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


class DocumentPageOut(Schema):
    items: list[DocumentOut]
    count: int


ERRORS = {403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


# ── representations ───────────────────────────────────────────────────────────────────────


def _refused_version(version: DeclarationVersion) -> bool:
    return version.status == VersionStatus.REJECTED


def _line_out(line: DeclarationLine, computed: bool) -> LineOut:
    figures = ("value_for_duty", "customs_duty", "surtax", "excise", "value_for_tax", "gst", "total")
    return LineOut(
        number=line.number,
        vendor=line.vendor,
        description=line.description,
        tariff_item=line.tariff_item,
        origin=line.origin,
        treatment=line.treatment,
        currency=line.currency,
        value=_plain(line.value) or "",
        quantity=_plain(line.quantity, 0),
        unit=line.unit,
        surtax_percent=_plain(line.surtax_percent, 0),
        anti_dumping=line.anti_dumping,
        countervailing=line.countervailing,
        treatment_applied=line.treatment_applied if computed else None,
        rate_text=line.rate_text if computed else None,
        exchange_rate=_plain(line.exchange_rate, 4) if computed else None,
        **{name: getattr(line, name) if computed else None for name in figures},
    )


def _version_out(version: DeclarationVersion) -> VersionOut:
    computed = not _refused_version(version)
    return VersionOut(
        transaction_number=version.declaration.transaction_number,
        number=version.number,
        kind=version.kind,
        status=version.status,
        submitted_at=version.submitted_at,
        channel=version.channel,
        reason_code=version.reason_code,
        reason=version.reason,
        edition_code=version.edition_code,
        header=HeaderOut(
            office_number=version.office_number,
            release_date=version.release_date,
            transport_mode=version.transport_mode,
            carrier_code=version.carrier_code,
            cargo_control_number=version.cargo_control_number,
            broker_account=version.broker_account.number if version.broker_account else None,
            broker_asec=version.broker_asec,
            release_prior_to_payment=version.release_prior_to_payment,
        ),
        lines=[_line_out(line, computed) for line in version.lines.all()],
        totals=TotalsOut(**{name: getattr(version, name) for name in selectors.TOTAL_FIELDS})
        if computed
        else None,
        payment_due_date=version.payment_due_date,
        problems=[ProblemOut(**problem) for problem in version.problems],
        ledger_effect=version.ledger_entry.amount if version.ledger_entry else None,
        decided_at=version.decided_at,
        decision_note=version.decision_note,
    )


def _recorded(version: DeclarationVersion) -> Status[VersionOut]:
    """201 when the version was taken (accepted, corrected, or an adjustment now pending);
    422 when refused — kept either way, with its problems."""
    fresh = _version(version.declaration, version.number)
    return Status(422 if _refused_version(fresh) else 201, _version_out(fresh))


def _declaration_out(declaration: Declaration) -> DeclarationOut:
    versions = declaration.versions.order_by("number")
    return DeclarationOut(
        transaction_number=declaration.transaction_number,
        bn15=declaration.account.number,
        status=declaration.status,
        current_version=declaration.current_version.number if declaration.current_version else None,
        created_at=declaration.created_at,
        versions=[
            VersionSummaryOut(
                number=v.number,
                kind=v.kind,
                status=v.status,
                submitted_at=v.submitted_at,
                total=None if _refused_version(v) else v.total,
            )
            for v in versions
        ],
    )


def _origin(request: HttpRequest) -> str:
    return f"api {client_ip(request)}"


# ── accounts and the ledger ───────────────────────────────────────────────────────────────


@router.get("/revenue/accounts", response=list[AccountOut], summary="The program accounts you may see")
@paginate(LimitOffsetPagination)
def list_accounts(request: HttpRequest) -> object:
    user = _user(request)
    accounts = accounts_visible_to(user).order_by("number")
    if is_revenue_staff(user):
        return accounts
    live = AccountAccess.objects.filter(user=user, account=OuterRef("pk"), revoked_at=None)
    return accounts.annotate(access_level=Subquery(live.values("level")[:1]))


@router.get(
    "/revenue/accounts/{bn15}/balance",
    response={200: PositionOut, **ERRORS},
    summary="The account's balance: overdue, due today, not yet due, unused credits",
    description=(
        "`as_of` defaults to today's Eastern business date. A past date shows the ledger as it stood "
        "at the end of that business day; today or a later date shows everything posted now, with "
        "debts split by their due date as of that day."
    ),
)
def balance(request: HttpRequest, bn15: str, as_of: dt.date | None = None) -> Status[PositionOut]:
    account = _account(request, bn15)
    today = business_date(timezone.now())
    on = as_of or today
    position = selectors.account_position(account, on, posted_through=on if on < today else None)
    return Status(
        200,
        PositionOut(
            bn15=account.number,
            as_of=position.as_of,
            balance=position.balance,
            overdue=position.overdue,
            due_today=position.due_today,
            not_yet_due=position.not_yet_due,
            unapplied_credits=position.unapplied_credits,
            credit_card_room=credit_card_room(account, on),
        ),
    )


def _transaction_out(row: selectors.HistoryRow) -> TransactionOut:
    entry = row.entry
    return TransactionOut(
        id=entry.pk,
        posted_on=entry.business_date,
        effective_date=entry.effective_date,
        kind=EntryKind(entry.kind),
        reference=entry.reference,
        description=entry.description,
        amount=entry.amount,
        due_date=entry.due_date,
        outstanding=row.outstanding,
        broker_asec=entry.broker_asec,
        reverses=entry.reverses_id,
    )


@router.get(
    "/revenue/accounts/{bn15}/transactions",
    response={200: TransactionPageOut, **ERRORS},
    summary="Transaction history, newest first, filtered and paged",
)
def transactions(
    request: HttpRequest, bn15: str, query: Query[HistoryPageQuery]
) -> Status[TransactionPageOut]:
    account = _account(request, bn15)
    page = selectors.transaction_history(
        account, query.as_filter(), page=query.page, page_size=query.page_size
    )
    return Status(
        200,
        TransactionPageOut(
            items=[_transaction_out(row) for row in page.rows],
            page=page.page,
            page_size=page.page_size,
            has_next=page.has_next,
        ),
    )


# Spreadsheets run cells starting with these as formulas; a quote keeps a text cell text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


class _Echo:
    """A file for csv.writer that hands each written row back, to stream it."""

    def write(self, value: str) -> str:
        return value


def _csv_rows(account: ProgramAccount, filters: selectors.HistoryFilter, language: str) -> Iterator[bytes]:
    # Rendered while the response streams, maybe after the request's language was switched off.
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    with translation.override(language):
        header = [
            _("Transaction ID"),
            _("Posted"),
            _("Release or payment date"),
            _("Type"),
            _("Reference"),
            _("Description"),
            _("Amount (CAD)"),
            _("Due date"),
            _("Outstanding (CAD)"),
            _("Broker ASEC"),
        ]
        yield "\ufeff".encode() + writer.writerow(header).encode()
        for row in selectors.transaction_history_all(account, filters):
            entry = row.entry
            cells = [
                str(entry.pk),
                entry.business_date.isoformat(),
                entry.effective_date.isoformat(),
                kind_label(entry.kind),
                _text_cell(entry.reference),
                _text_cell(entry.description),
                _two_places(entry.amount),  # ours: its minus sign must stay
                entry.due_date.isoformat() if entry.due_date else "",
                _two_places(row.outstanding),
                _text_cell(entry.broker_asec),
            ]
            yield writer.writerow(cells).encode()


@router.get(
    "/revenue/accounts/{bn15}/transactions.csv",
    response={200: None, **ERRORS},
    summary="Transaction history as CSV (same filters, every row)",
    description=(
        "UTF-8 with a byte-order mark, a header row in the language asked for, amounts as `1234.56` "
        "(negative owed to you); a text cell starting with = + - @ is prefixed with `'`."
    ),
    openapi_extra={
        "responses": {200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}}
    },
)
def transactions_csv(request: HttpRequest, bn15: str, query: Query[HistoryQuery]) -> object:
    account = _account(request, bn15)
    response = StreamingHttpResponse(
        _csv_rows(account, query.as_filter(), translation.get_language() or settings.LANGUAGE_CODE),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="transactions-{account.number}.csv"'
    return response


# ── declarations (CAD) ────────────────────────────────────────────────────────────────────


@router.post(
    "/revenue/accounts/{bn15}/declarations",
    response={201: VersionOut, 422: VersionOut, **WRITE_ERRORS},
    summary="Submit a CAD; duties and taxes are worked out here",
    description=(
        "201: accepted, with the figures posted to the ledger. 422: refused, with every problem "
        "(line 0 is the header) — the version is kept, and the same transaction number may be sent "
        "again fixed. 409: the transaction number cannot be used (`code`). A body that does not match "
        "the schema answers 422 with `detail` instead, and nothing is recorded."
    ),
    throttle=WRITES,
)
def submit(request: HttpRequest, bn15: str, payload: DeclarationIn) -> object:
    account = _account(request, bn15, edit=True)
    try:
        with audit.origin(_origin(request)):
            version = declaration_submit(
                account=account,
                transaction_number=payload.transaction_number,
                header=payload.header.as_header(),
                lines=[line.as_line() for line in payload.lines],
                now=timezone.now(),
                actor=_user(request),
                channel="api",
            )
    except DeclarationError as exc:
        return _refused(exc)
    return _recorded(version)


@router.get(
    "/revenue/declarations/{transaction_number}",
    response={200: DeclarationOut, **ERRORS},
    summary="A CAD: its status, the version in force and every version",
)
def get_declaration(request: HttpRequest, transaction_number: str) -> Status[DeclarationOut]:
    return Status(200, _declaration_out(_declaration(request, transaction_number)))


@router.get(
    "/revenue/declarations/{transaction_number}/versions/{number}",
    response={200: VersionOut, **ERRORS},
    summary="One version of a CAD, whole: header, lines with their figures, totals, problems",
)
def get_version(request: HttpRequest, transaction_number: str, number: int) -> Status[VersionOut]:
    declaration = _declaration(request, transaction_number)
    return Status(200, _version_out(_version(declaration, number)))


def _changes(changes: dict[str, tuple[object, object]]) -> list[ChangeOut]:
    return [ChangeOut(field=name, before=_text(a), after=_text(b)) for name, (a, b) in changes.items()]


@router.get(
    "/revenue/declarations/{transaction_number}/versions/{before}/compare/{after}",
    response={200: ComparisonOut, **ERRORS},
    summary="What changed from one version to another",
    description="Only what differs is listed; a line added or removed has null on the side it lacks.",
)
def compare_versions(
    request: HttpRequest, transaction_number: str, before: int, after: int
) -> Status[ComparisonOut]:
    declaration = _declaration(request, transaction_number)
    changes = selectors.version_changes(_version(declaration, before), _version(declaration, after))
    return Status(
        200,
        ComparisonOut(
            transaction_number=declaration.transaction_number,
            before=before,
            after=after,
            header=_changes(changes.header),
            lines=[LineChangesOut(line=n, changes=_changes(c)) for n, c in changes.lines.items()],
            totals=[
                ChangeOut(field=name, before=_two_places(a), after=_two_places(b))
                for name, (a, b) in changes.totals.items()
            ],
        ),
    )


@router.post(
    "/revenue/declarations/{transaction_number}/corrections",
    response={201: VersionOut, 422: VersionOut, **WRITE_ERRORS},
    summary="Correct an accepted CAD: a new version",
    description=(
        "On or before the payment due date it is a correction, approved at once "
        "(kind `correction`, status `correction_approved`, the difference posted); after it, an "
        "adjustment waiting for the agency (kind `adjustment`, status `adjustment_pending`, nothing "
        "posted yet). 422: refused, kept with its problems. 409: not accepted, or an adjustment "
        "is already waiting."
    ),
    throttle=WRITES,
)
def correct(request: HttpRequest, transaction_number: str, payload: CorrectionIn) -> object:
    declaration = _declaration(request, transaction_number, edit=True)
    try:
        with audit.origin(_origin(request)):
            version = declaration_correct(
                declaration=declaration,
                header=payload.header.as_header(),
                lines=[line.as_line() for line in payload.lines],
                now=timezone.now(),
                reason_code=payload.reason_code.strip(),
                reason=payload.reason.strip(),
                actor=_user(request),
                channel="api",
            )
    except DeclarationError as exc:
        return _refused(exc)
    return _recorded(version)


@router.post(
    "/revenue/declarations/{transaction_number}/withdraw",
    response={200: DeclarationOut, **WRITE_ERRORS},
    summary="Withdraw an accepted CAD: everything it posted is reversed",
    throttle=WRITES,
)
def withdraw(request: HttpRequest, transaction_number: str, payload: WithdrawIn) -> object:
    declaration = _declaration(request, transaction_number, edit=True)
    try:
        with audit.origin(_origin(request)):
            declaration_withdraw(
                declaration=declaration,
                now=timezone.now(),
                reason=payload.reason.strip(),
                actor=_user(request),
            )
    except DeclarationError as exc:
        return _refused(exc)
    return Status(200, _declaration_out(_declaration(request, transaction_number)))


# ── statements and notices ────────────────────────────────────────────────────────────────


@router.get(
    "/revenue/accounts/{bn15}/statements",
    response={200: DocumentPageOut, **ERRORS},
    summary="Statements of account and daily notices issued for the account, newest first",
)
def statements(request: HttpRequest, bn15: str, query: Query[DocumentQuery]) -> Status[DocumentPageOut]:
    account = _account(request, bn15)
    documents = RevenueDocument.objects.filter(account=account).order_by("-issue_date", "number")
    if query.kind is not None:
        documents = documents.filter(kind=query.kind)
    page = documents[query.offset : query.offset + query.limit]
    return Status(
        200,
        DocumentPageOut(items=[DocumentOut.from_orm(d) for d in page], count=documents.count()),
    )


@router.get(
    "/revenue/documents/{number}.pdf",
    response={200: None, **ERRORS},
    summary="A statement, broker summary or daily notice as issued (PDF)",
    openapi_extra={
        "responses": {
            200: {
                "description": "PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def document_pdf(request: HttpRequest, number: str) -> object:
    document = _document(request, number)
    return stored_file_response(
        document.pdf, filename=f"{document.number}.pdf", content_type="application/pdf"
    )


@router.get(
    "/revenue/documents/{number}.csv",
    response={200: None, **ERRORS},
    summary="A statement, broker summary or daily notice as issued (CSV)",
    openapi_extra={
        "responses": {200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}}
    },
)
def document_csv(request: HttpRequest, number: str) -> object:
    document = _document(request, number)
    return stored_file_response(
        document.csv, filename=f"{document.number}.csv", content_type="text/csv; charset=utf-8"
    )
