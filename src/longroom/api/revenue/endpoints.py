"""The revenue endpoints: accounts and the ledger, declarations (CAD), statements and notices."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone, translation
from ninja import Query, Status
from ninja.pagination import LimitOffsetPagination, paginate

from longroom.core import audit
from longroom.core.middleware import client_ip
from longroom.desk.storage import stored_file_response
from longroom.registry.models import AccountAccess
from longroom.registry.selectors import accounts_visible_to, is_revenue_staff
from longroom.revenue import selectors
from longroom.revenue.calendar import business_date
from longroom.revenue.exports import history_csv
from longroom.revenue.models import (
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    EntryKind,
    RevenueDocument,
    VersionStatus,
)
from longroom.revenue.services import (
    DeclarationError,
    credit_card_room,
    declaration_correct,
    declaration_submit,
    declaration_withdraw,
)

from .access import (
    WRITES,
    _account,
    _declaration,
    _document,
    _plain,
    _refused,
    _text,
    _two_places,
    _user,
    _version,
    router,
)
from .schemas import (
    ERRORS,
    WRITE_ERRORS,
    AccountOut,
    ChangeOut,
    ComparisonOut,
    CorrectionIn,
    DeclarationIn,
    DeclarationOut,
    DocumentOut,
    DocumentPageOut,
    DocumentQuery,
    HeaderOut,
    HistoryPageQuery,
    HistoryQuery,
    LineChangesOut,
    LineOut,
    PositionOut,
    ProblemOut,
    TotalsOut,
    TransactionOut,
    TransactionPageOut,
    VersionOut,
    VersionSummaryOut,
    WithdrawIn,
)

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
        history_csv(account, query.as_filter(), translation.get_language() or settings.LANGUAGE_CODE),
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
