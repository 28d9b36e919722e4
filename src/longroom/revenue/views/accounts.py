"""Find an account; its position, transaction history and what cleared what."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from longroom.core.language import current_language
from longroom.registry.models import ProgramAccount
from longroom.registry.selectors import program_accounts_matching

from .. import exports, services
from ..documents import format_money, kind_label
from ..forms import (
    AccountSearchForm,
    HistoryFilterForm,
)
from ..models import (
    ClearingApplication,
    ClearingRule,
    DeclarationVersion,
    LedgerEntry,
)
from ..selectors import (
    account_position,
    outstanding_of,
    transaction_history,
)
from .common import (
    HISTORY_PAGE_SIZE,
    INLINE_CLEARINGS,
    SEARCH_LIMIT,
    _account,
    _account_context,
    _today,
    _user,
    posting_required,
    revenue_staff_required,
)


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
def history_csv(request: HttpRequest, bn15: str) -> StreamingHttpResponse:
    """The transaction history with the page's filters, every row, for a spreadsheet."""
    account = _account(request, bn15)
    form = HistoryFilterForm(request.GET)
    form.is_valid()
    response = StreamingHttpResponse(
        exports.history_csv(account, form.history_filter(), current_language()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="transactions-{account.number}.csv"'
    return response


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
            # "Apply credit as payment": offered on an unpaid debt when the account has credit to spend.
            "credit_to_apply": account_position(account, _today()).unapplied_credits
            if entry.amount > 0
            else None,
            "version": DeclarationVersion.objects.filter(ledger_entry=entry)
            .select_related("declaration")
            .first(),
        },
    )


# ── declarations ──────────────────────────────────────────────────────────────────────────


@posting_required
@require_POST
def credit_apply(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    """Spend the account's unused credits on this debt now, due or not, at the client's request."""
    account = _account(request, bn15)
    debt = LedgerEntry.objects.filter(account=account, pk=pk, amount__gt=0).first()
    if debt is None:
        raise Http404
    try:
        applied = services.credit_apply(account=account, debit=debt, now=timezone.now(), actor=_user(request))
    except services.LedgerError as refused:
        messages.error(request, str(refused))
    else:
        total = sum((a.amount for a in applied), Decimal(0))
        messages.success(
            request,
            _("%(amount)s of the account's credit was applied to this debt.")
            % {"amount": format_money(total, current_language())},
        )
    return redirect("revenue:entry", bn15=account.number, pk=debt.pk)
