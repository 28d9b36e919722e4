"""Revenue staff pages: find an account; its position, transaction history and what cleared what;
its declarations (approve or reject an adjustment); its statements and notices (download,
reissue); post a penalty.

Thin: parse, call a selector or service, render. Only revenue staff
(`registry.selectors.is_revenue_staff`) see these pages; to anyone else signed in they do not
exist (404), and signed-out people are sent to sign in. Every action that writes (approve,
reject, reissue, penalty) also needs `revenue.add_ledgerentry`: without it the forms are not
shown and a POST answers 404.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from longroom.core.language import current_language
from longroom.core.models import User
from longroom.desk.storage import StoredFileCorrupted, stored_file_response
from longroom.registry.models import ProgramAccount
from longroom.registry.numbers import clean_bn15
from longroom.registry.selectors import accounts_visible_to, is_revenue_staff, program_accounts_matching

from . import services
from .calendar import EASTERN, business_date
from .documents import format_money, kind_label
from .forms import (
    LANGUAGE_CHOICES,
    AccountSearchForm,
    ApproveForm,
    CompareForm,
    HistoryFilterForm,
    PenaltyForm,
    ReissueForm,
    RejectForm,
)
from .models import (
    ClearingApplication,
    ClearingRule,
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    LedgerEntry,
    RevenueDocument,
    VersionStatus,
)
from .selectors import (
    account_position,
    declarations_of,
    outstanding_of,
    transaction_history,
    transaction_history_all,
    version_changes,
)

POST_PERMISSION = "revenue.add_ledgerentry"
HISTORY_PAGE_SIZE = 50
INLINE_CLEARINGS = 5  # applications shown under a history row; the entry page shows them all
SEARCH_LIMIT = 50
MONEY_TOTALS = frozenset(
    {
        "value_for_duty",
        "customs_duty",
        "surtax",
        "anti_dumping",
        "countervailing",
        "excise",
        "value_for_tax",
        "gst",
        "total",
    }
)


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


# ── find an account ───────────────────────────────────────────────────────────────────────


@revenue_staff_required
def find(request: HttpRequest) -> HttpResponse:
    form = AccountSearchForm(request.GET or None)
    results: list[ProgramAccount] | None = None
    if form.is_bound and form.is_valid():
        results = list(program_accounts_matching(form.cleaned_data["q"], limit=SEARCH_LIMIT))
    return render(
        request,
        "revenue/find.html",
        {
            "form": form,
            "results": results,
            "limit_reached": results is not None and len(results) >= SEARCH_LIMIT,
        },
    )


# ── the account: position and transaction history ─────────────────────────────────────────


@dataclass
class Clearing:
    """One clearing application seen from one side: the entry on the other side, how much, why."""

    other: LedgerEntry
    amount: Decimal
    business_date: dt.date
    rule: str


@dataclass
class EntryRow:
    entry: LedgerEntry
    outstanding: Decimal
    clearings: list[Clearing] = field(default_factory=list)
    clearing_count: int = 0

    @property
    def more(self) -> int:
        return self.clearing_count - len(self.clearings)


def _rule_label(rule: str) -> str:
    try:
        return str(ClearingRule(rule).label)
    except ValueError:
        return rule


def _clearings(
    entries: list[LedgerEntry], *, limit: int | None
) -> tuple[dict[int, list[Clearing]], dict[int, int]]:
    """For each entry, the applications that paid it (a debit) or that it paid (a credit), oldest
    first — at most `limit` each — and how many there are in all. Four queries for any page."""
    found: dict[int, list[Clearing]] = defaultdict(list)
    counts: dict[int, int] = {}
    for side, other, ids in (
        ("debit", "credit", [e.pk for e in entries if e.amount > 0]),
        ("credit", "debit", [e.pk for e in entries if e.amount < 0]),
    ):
        if not ids:
            continue
        applications = ClearingApplication.objects.filter(**{f"{side}_id__in": ids})
        counts.update(
            applications.order_by()
            .values_list(f"{side}_id")
            .annotate(n=Count("id"))
            .values_list(f"{side}_id", "n")
        )
        rows: QuerySet[ClearingApplication] = applications.select_related(other)
        if limit is not None:
            rows = rows.annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F(f"{side}_id")],
                    order_by=[F("applied_at").asc(), F("id").asc()],
                )
            ).filter(rank__lte=limit)
        for application in rows.order_by("applied_at", "id"):
            found[getattr(application, f"{side}_id")].append(
                Clearing(
                    other=getattr(application, other),
                    amount=application.amount,
                    business_date=application.business_date,
                    rule=_rule_label(application.rule),
                )
            )
    return found, counts


def _history_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@revenue_staff_required
def account_detail(request: HttpRequest, bn15: str) -> HttpResponse:
    account = _account(request, bn15)
    form = HistoryFilterForm(request.GET)
    page = transaction_history(
        account, form.history_filter(), page=form.page_number(), page_size=HISTORY_PAGE_SIZE
    )
    entries = [row.entry for row in page.rows]
    clearings, counts = _clearings(entries, limit=INLINE_CLEARINGS)
    rows = [
        EntryRow(row.entry, row.outstanding, clearings.get(row.entry.pk, []), counts.get(row.entry.pk, 0))
        for row in page.rows
    ]
    query = _history_query(request)
    return render(
        request,
        "revenue/account.html",
        {
            **_account_context(request, account, "account"),
            "position": account_position(account, _today()),
            "form": form,
            "page": page,
            "rows": rows,
            "filter_query": query,
            "csv_url": reverse("revenue:history_csv", args=[account.number]) + (f"?{query}" if query else ""),
        },
    )


@revenue_staff_required
def history_csv(request: HttpRequest, bn15: str) -> HttpResponse:
    """The transaction history with the page's filters, every row, for a spreadsheet."""
    account = _account(request, bn15)
    form = HistoryFilterForm(request.GET)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="transactions-{account.number}.csv"'
    response.write("\ufeff")  # so a spreadsheet reads the accents right
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(
        [
            _("Posted at (Eastern time)"),
            _("Business date"),
            _("Release or payment date"),
            _("Type"),
            _("Reference"),
            _("Description"),
            _("Amount (CAD)"),
            _("Due date"),
            _("Left to pay or use (CAD)"),
        ]
    )
    for row in transaction_history_all(account, form.history_filter()):
        entry = row.entry
        writer.writerow(
            [
                timezone.localtime(entry.posted_at, EASTERN).strftime("%Y-%m-%d %H:%M:%S"),
                entry.business_date.isoformat(),
                entry.effective_date.isoformat(),
                kind_label(entry.kind),
                _csv_text(entry.reference),
                _csv_text(entry.description),
                f"{entry.amount:f}",
                entry.due_date.isoformat() if entry.due_date else "",
                f"{row.outstanding:f}",
            ]
        )
    return response


def _csv_text(value: str) -> str:
    # A reference or description may come from a client: a leading "=" must not run as a formula.
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


@revenue_staff_required
def entry_detail(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    account = _account(request, bn15)
    entry = (
        LedgerEntry.objects.filter(account=account, pk=pk).select_related("reverses", "created_by").first()
    )
    if entry is None:
        raise Http404
    clearings, _counts = _clearings([entry], limit=None)
    paginator = Paginator(clearings.get(entry.pk, []), 100)
    return render(
        request,
        "revenue/entry.html",
        {
            **_account_context(request, account, "account"),
            "entry": entry,
            "kind_label": kind_label(entry.kind),
            "outstanding": outstanding_of(entry),
            "clearings": paginator.get_page(request.GET.get("page")),
            "reversed_by": LedgerEntry.objects.filter(reverses=entry).first(),
            "version": DeclarationVersion.objects.filter(ledger_entry=entry)
            .select_related("declaration")
            .first(),
        },
    )


# ── declarations ──────────────────────────────────────────────────────────────────────────


@revenue_staff_required
def declaration_list(request: HttpRequest, bn15: str) -> HttpResponse:
    account = _account(request, bn15)
    declarations = (
        declarations_of(account)
        .annotate(pending=Count("versions", filter=Q(versions__status=VersionStatus.ADJUSTMENT_PENDING)))
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "revenue/declarations.html",
        {
            **_account_context(request, account, "declarations"),
            "declarations": Paginator(declarations, 50).get_page(request.GET.get("page")),
        },
    )


def _declaration(account: ProgramAccount, transaction_number: str) -> Declaration:
    declaration = declarations_of(account).filter(transaction_number=transaction_number.strip()).first()
    if declaration is None:
        raise Http404
    return declaration


def _shown(value: object, *, money: bool = False) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if money:
            return format_money(value, current_language())
        # 1100.0000 (a value as stored) reads as 1100.00; 12.3456 keeps its places.
        cents = value.quantize(Decimal("0.01"))
        return formats.number_format(cents if cents == value else value.normalize())
    return str(value)


def _changes(before: DeclarationVersion, after: DeclarationVersion) -> dict[str, Any]:
    """`version_changes`, labelled and formatted for people."""
    changes = version_changes(before, after)

    def label(model: type[DeclarationVersion] | type[DeclarationLine], name: str) -> str:
        return capfirst(str(getattr(model._meta.get_field(name), "verbose_name", name)))

    return {
        "header": [
            (label(DeclarationVersion, name), _shown(a), _shown(b)) for name, (a, b) in changes.header.items()
        ],
        "lines": [
            (
                number,
                [
                    (
                        label(DeclarationLine, name),
                        _shown(a, money=name == "total"),
                        _shown(b, money=name == "total"),
                    )
                    for name, (a, b) in fields.items()
                ],
            )
            for number, fields in changes.lines.items()
        ],
        "totals": [
            (label(DeclarationVersion, name), _shown(a, money=True), _shown(b, money=True))
            for name, (a, b) in changes.totals.items()
        ],
        "empty": not (changes.header or changes.lines or changes.totals),
    }


def _problems(version: DeclarationVersion) -> list[dict[str, str]]:
    shown = []
    for problem in version.problems or []:
        if not isinstance(problem, dict):
            shown.append({"where": "", "field": "", "message": str(problem)})
            continue
        line = problem.get("line") or 0
        name = str(problem.get("field", ""))
        model = DeclarationLine if line else DeclarationVersion
        try:
            label = capfirst(str(getattr(model._meta.get_field(name), "verbose_name", name)))
        except FieldDoesNotExist:
            label = name  # "lines" and the like: the code says enough
        shown.append(
            {
                "where": _("Line %(line)s") % {"line": line} if line else _("Declaration"),
                "field": label,
                "message": str(problem.get("message", "")),
            }
        )
    return shown


def _render_declaration(
    request: HttpRequest,
    account: ProgramAccount,
    declaration: Declaration,
    *,
    approve_form: ApproveForm | None = None,
    reject_form: RejectForm | None = None,
) -> HttpResponse:
    versions = list(
        declaration.versions.select_related("submitted_by", "decided_by", "ledger_entry", "broker_account")
        .prefetch_related("lines")
        .order_by("number")
    )
    by_number = {v.number: v for v in versions}
    pending = next((v for v in versions if v.status == VersionStatus.ADJUSTMENT_PENDING), None)
    numbers = [v.number for v in versions]
    compare: dict[str, Any] | None = None
    if "before" in request.GET or "after" in request.GET:
        compare_form = CompareForm(request.GET, numbers=numbers)
    else:
        default: tuple[int, int] | None = None
        if pending is not None and declaration.current_version is not None:
            default = (declaration.current_version.number, pending.number)
        elif len(numbers) >= 2:
            default = (numbers[-2], numbers[-1])
        compare_form = CompareForm(
            {"before": default[0], "after": default[1]} if default else None, numbers=numbers
        )
    if compare_form.is_bound and compare_form.is_valid():
        before = by_number[compare_form.cleaned_data["before"]]
        after = by_number[compare_form.cleaned_data["after"]]
        compare = {"before": before, "after": after, **_changes(before, after)}
    current_pk = declaration.current_version_id
    return render(
        request,
        "revenue/declaration.html",
        {
            **_account_context(request, account, "declarations"),
            "declaration": declaration,
            "versions": [
                {
                    "version": v,
                    "lines": [
                        (line, line.surtax + line.excise + line.anti_dumping + line.countervailing)
                        for line in v.lines.all()
                    ],
                    "problems": _problems(v),
                    "is_current": v.pk == current_pk,
                    "open": v.pk == current_pk or v is pending or v is versions[-1],
                }
                for v in reversed(versions)
            ],
            "pending": pending,
            "approve_form": approve_form or ApproveForm(prefix="approve"),
            "reject_form": reject_form or RejectForm(prefix="reject"),
            "compare_form": compare_form,
            "compare": compare,
            "can_compare": len(numbers) >= 2,
        },
    )


@revenue_staff_required
def declaration_detail(request: HttpRequest, bn15: str, transaction_number: str) -> HttpResponse:
    account = _account(request, bn15)
    return _render_declaration(request, account, _declaration(account, transaction_number))


def _version(declaration: Declaration, number: int) -> DeclarationVersion:
    version = declaration.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return version


def _declaration_url(account: ProgramAccount, declaration: Declaration) -> str:
    return reverse("revenue:declaration", args=[account.number, declaration.transaction_number])


@posting_required
@require_POST
def adjustment_approve(request: HttpRequest, bn15: str, transaction_number: str, number: int) -> HttpResponse:
    account = _account(request, bn15)
    declaration = _declaration(account, transaction_number)
    version = _version(declaration, number)
    form = ApproveForm(request.POST, prefix="approve")
    if form.is_valid():
        try:
            approved = services.adjustment_approve(
                version=version,
                actor=_user(request),
                now=timezone.now(),
                note=form.cleaned_data["note"].strip(),
            )
        except services.DeclarationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _approved_message(approved))
            return redirect(_declaration_url(account, declaration))
    return _render_declaration(request, account, declaration, approve_form=form)


def _approved_message(version: DeclarationVersion) -> str:
    entry = version.ledger_entry
    number = version.number
    if entry is None:
        return _("Version %(number)s is approved. Its total is unchanged, so nothing was posted.") % {
            "number": number
        }
    amount = format_money(abs(entry.amount), current_language())
    if entry.amount > 0:
        return _("Version %(number)s is approved: %(amount)s more duties and taxes posted, due %(due)s.") % {
            "number": number,
            "amount": amount,
            "due": entry.due_date.isoformat() if entry.due_date else "—",
        }
    return _("Version %(number)s is approved: a correction credit of %(amount)s posted.") % {
        "number": number,
        "amount": amount,
    }


@posting_required
@require_POST
def adjustment_reject(request: HttpRequest, bn15: str, transaction_number: str, number: int) -> HttpResponse:
    account = _account(request, bn15)
    declaration = _declaration(account, transaction_number)
    version = _version(declaration, number)
    form = RejectForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            services.adjustment_reject(
                version=version, actor=_user(request), now=timezone.now(), note=form.cleaned_data["note"]
            )
        except services.DeclarationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Version %(number)s is rejected. Nothing was posted to the ledger.") % {"number": number},
            )
            return redirect(_declaration_url(account, declaration))
    return _render_declaration(request, account, declaration, reject_form=form)


# ── statements and notices ────────────────────────────────────────────────────────────────


def _documents(account: ProgramAccount) -> QuerySet[RevenueDocument]:
    """The account's statements and notices, and the broker summaries of its business."""
    return (
        RevenueDocument.objects.filter(Q(account=account) | Q(business=account.business))
        .select_related("pdf", "csv")
        .order_by("-issue_date", "number")
    )


def _document(account: ProgramAccount, pk: int) -> RevenueDocument:
    document = _documents(account).filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


@revenue_staff_required
def document_list(request: HttpRequest, bn15: str) -> HttpResponse:
    account = _account(request, bn15)
    return render(
        request,
        "revenue/documents.html",
        {
            **_account_context(request, account, "documents"),
            "documents": Paginator(_documents(account), 50).get_page(request.GET.get("page")),
            "languages": LANGUAGE_CHOICES,
        },
    )


@revenue_staff_required
def document_download(request: HttpRequest, bn15: str, pk: int, fmt: str) -> HttpResponseBase:
    account = _account(request, bn15)
    document = _document(account, pk)
    if fmt not in ("pdf", "csv"):
        raise Http404
    stored = document.pdf if fmt == "pdf" else document.csv
    try:
        return stored_file_response(
            stored,
            filename=f"{document.number}-{document.language}.{fmt}",
            content_type="application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8",
        )
    except (StoredFileCorrupted, OSError):
        messages.error(
            request,
            _("The stored file of %(number)s cannot be read. Reissue the document to print it again.")
            % {"number": document.number},
        )
        return redirect("revenue:documents", bn15=account.number)


@posting_required
@require_POST
def document_reissue(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    account = _account(request, bn15)
    document = _document(account, pk)
    form = ReissueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose English or French for the reissued document."))
    else:
        try:
            services.document_reissue(
                document=document,
                now=timezone.now(),
                actor=_user(request),
                language=form.cleaned_data["language"],
            )
        except services.DocumentError as exc:
            messages.error(
                request,
                _("%(number)s was not reissued: %(reason)s") % {"number": document.number, "reason": exc},
            )
        else:
            language = dict(LANGUAGE_CHOICES)[form.cleaned_data["language"]]
            messages.success(
                request,
                _("%(number)s was reissued in %(language)s, with the figures first issued.")
                % {"number": document.number, "language": language},
            )
    return redirect("revenue:documents", bn15=account.number)


# ── penalties ─────────────────────────────────────────────────────────────────────────────


@posting_required
def penalty_new(request: HttpRequest, bn15: str) -> HttpResponse:
    account = _account(request, bn15)
    form = PenaltyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.penalty_post(
                account=account,
                amount=form.cleaned_data["amount"],
                reason_code=form.cleaned_data["reason_code"],
                description=form.cleaned_data["description"],
                due_date=form.cleaned_data["due_date"],
                now=timezone.now(),
                actor=_user(request),
            )
        except services.LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("A penalty of %(amount)s (%(code)s) was posted, due %(due)s.")
                % {
                    "amount": format_money(entry.amount, current_language()),
                    "code": entry.reason_code,
                    "due": entry.due_date.isoformat() if entry.due_date else "—",
                },
            )
            return redirect("revenue:entry", bn15=account.number, pk=entry.pk)
    return render(
        request, "revenue/penalty.html", {**_account_context(request, account, "penalty"), "form": form}
    )
