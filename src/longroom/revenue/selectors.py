"""Reads of the ledger. Every figure is a sum over entries and clearing applications, worked out
when asked: nothing here reads a stored balance, because there is none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from longroom.registry.models import ProgramAccount

from .models import CENT, ClearingApplication, Declaration, DeclarationVersion, LedgerEntry

ZERO = Decimal("0.00")


@dataclass
class OpenItem:
    """A debit not yet fully paid, or a credit not yet fully used, and what is left of it."""

    entry: LedgerEntry
    remaining: Decimal


@dataclass(frozen=True)
class AccountPosition:
    """An account on a business day. `balance` is owed (positive) or owed back (negative);
    balance == overdue + due_today + not_yet_due − unapplied_credits."""

    as_of: dt.date
    balance: Decimal
    overdue: Decimal  # debts whose due date has passed
    due_today: Decimal
    not_yet_due: Decimal
    unapplied_credits: Decimal


def money_total(queryset: QuerySet, field: str = "amount") -> Decimal:
    # SQLite adds decimals as binary floats (0.01 - 2.02 + 2.02 = -0.00999…98); every stored
    # amount is whole cents, so rounding the total to the cent gives back the exact sum.
    total = queryset.aggregate(total=Sum(field))["total"]
    return ZERO if total is None else _cents(total)


def _cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT)


def _applied(relation: str) -> Coalesce:
    """Per entry, the total of the clearing applications on its `relation` side ("debit"/"credit")."""
    return Coalesce(
        Subquery(
            ClearingApplication.objects.filter(**{relation: OuterRef("pk")})
            .values(relation)
            .annotate(total=Sum("amount"))
            .values("total")[:1],
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def open_debits(account: ProgramAccount) -> list[OpenItem]:
    return open_items([account.pk], debits=True).get(account.pk, [])


def open_credits(account: ProgramAccount) -> list[OpenItem]:
    """Unused credits, oldest first: the order in which they are spent."""
    return open_items([account.pk], debits=False).get(account.pk, [])


def open_items(
    account_ids: list[int], *, debits: bool, due_by: dt.date | None = None
) -> dict[int, list[OpenItem]]:
    """Per account, the debts not fully paid (oldest due first) or the credits not fully used
    (oldest first); `due_by` keeps only debts due on or before it. One query for many accounts."""
    money = DecimalField(max_digits=14, decimal_places=2)
    rows = LedgerEntry.objects.filter(account_id__in=account_ids)
    # A join and GROUP BY … HAVING, not a subquery per entry: only open items come back, and the
    # account's long-settled history costs one hash aggregate (2.5 times faster at 1M entries).
    if debits:
        rows = rows.filter(amount__gt=0)
        if due_by is not None:
            rows = rows.filter(due_date__lte=due_by)
        rows = rows.annotate(
            applied=Coalesce(Sum("applications_received__amount"), Value(ZERO), output_field=money)
        ).filter(amount__gt=F("applied"))
        rows = rows.order_by("due_date", "effective_date", "posted_at", "id")
    else:
        rows = rows.filter(amount__lt=0).annotate(
            applied=Coalesce(Sum("applications_made__amount"), Value(ZERO), output_field=money)
        )
        rows = rows.filter(applied__lt=-F("amount")).order_by("effective_date", "posted_at", "id")
    found: dict[int, list[OpenItem]] = {}
    for row in rows:
        remaining = abs(row.amount) - _cents(row.applied)
        if remaining > 0:
            found.setdefault(row.account_id, []).append(OpenItem(row, remaining))
    return found


def accounts_with_open_credits() -> list[int]:
    """The accounts holding a credit not fully used: the only ones the daily clearing can change."""
    money = DecimalField(max_digits=14, decimal_places=2)
    rows = (
        LedgerEntry.objects.filter(amount__lt=0)
        .annotate(applied=Coalesce(Sum("applications_made__amount"), Value(ZERO), output_field=money))
        # Half a cent, not zero: SQLite adds the applications as binary floats.
        .filter(applied__lt=-F("amount") - Decimal("0.005"))
        .values_list("account_id", flat=True)
    )
    return sorted(set(rows))


def account_position(
    account: ProgramAccount, as_of: dt.date, *, posted_through: dt.date | None = None
) -> AccountPosition:
    """The account on `as_of`. With `posted_through`, as the ledger stood at the end of that
    business day (what a statement issued that day shows, however much is posted later)."""
    entries = LedgerEntry.objects.filter(account=account)
    applications = ClearingApplication.objects.filter(account=account)
    if posted_through is not None:
        entries = entries.filter(business_date__lte=posted_through)
        applications = applications.filter(business_date__lte=posted_through)
    # Two queries: every sum over the entries, then every sum over the applications.
    e = entries.aggregate(
        balance=Sum("amount"),
        credits=Sum("amount", filter=Q(amount__lt=0)),
        overdue=Sum("amount", filter=Q(amount__gt=0, due_date__lt=as_of)),
        due_today=Sum("amount", filter=Q(amount__gt=0, due_date=as_of)),
        not_yet_due=Sum("amount", filter=Q(amount__gt=0, due_date__gt=as_of)),
    )
    a = applications.aggregate(
        applied=Sum("amount"),
        overdue=Sum("amount", filter=Q(debit__due_date__lt=as_of)),
        due_today=Sum("amount", filter=Q(debit__due_date=as_of)),
        not_yet_due=Sum("amount", filter=Q(debit__due_date__gt=as_of)),
    )

    def total(value: object) -> Decimal:
        return ZERO if value is None else _cents(value)  # type: ignore[arg-type]

    return AccountPosition(
        as_of=as_of,
        balance=total(e["balance"]),
        overdue=total(e["overdue"]) - total(a["overdue"]),
        due_today=total(e["due_today"]) - total(a["due_today"]),
        not_yet_due=total(e["not_yet_due"]) - total(a["not_yet_due"]),
        unapplied_credits=-total(e["credits"]) - total(a["applied"]),
    )


def outstanding_of(entry: LedgerEntry) -> Decimal:
    """What is left of a debit to pay, or of a credit to use (both positive)."""
    if entry.amount > 0:
        return entry.amount - money_total(ClearingApplication.objects.filter(debit=entry))
    return -entry.amount - money_total(ClearingApplication.objects.filter(credit=entry))


# ── declarations ──────────────────────────────────────────────────────────────────────────

HEADER_FIELDS = (
    "office_number",
    "release_date",
    "transport_mode",
    "carrier_code",
    "cargo_control_number",
    "broker_asec",
    "release_prior_to_payment",
)
LINE_FIELDS = (
    "vendor",
    "tariff_item",
    "origin",
    "treatment_applied",
    "currency",
    "value",
    "quantity",
    "total",
)
TOTAL_FIELDS = (
    "value_for_duty",
    "customs_duty",
    "surtax",
    "anti_dumping",
    "countervailing",
    "excise",
    "value_for_tax",
    "gst",
    "total",
)


@dataclass(frozen=True)
class VersionChanges:
    """What changed from one version of a CAD to another: header fields, lines (by line number:
    added, removed or changed fields) and every total, each as (before, after)."""

    header: dict[str, tuple[object, object]]
    lines: dict[int, dict[str, tuple[object, object]]]
    totals: dict[str, tuple[Decimal, Decimal]]


def version_changes(before: DeclarationVersion, after: DeclarationVersion) -> VersionChanges:
    header = {
        name: (getattr(before, name), getattr(after, name))
        for name in HEADER_FIELDS
        if getattr(before, name) != getattr(after, name)
    }
    old = {line.number: line for line in before.lines.all()}
    new = {line.number: line for line in after.lines.all()}
    lines: dict[int, dict[str, tuple[object, object]]] = {}
    for number in sorted(old.keys() | new.keys()):
        a, b = old.get(number), new.get(number)
        changed = {
            name: (getattr(a, name) if a else None, getattr(b, name) if b else None)
            for name in LINE_FIELDS
            if (getattr(a, name) if a else None) != (getattr(b, name) if b else None)
        }
        if changed:
            lines[number] = changed
    totals = {
        name: (getattr(before, name), getattr(after, name))
        for name in TOTAL_FIELDS
        if getattr(before, name) != getattr(after, name)
    }
    return VersionChanges(header=header, lines=lines, totals=totals)


def declarations_of(account: ProgramAccount) -> QuerySet[Declaration]:
    return Declaration.objects.filter(account=account).select_related("current_version")


# ── transaction history ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class HistoryFilter:
    """What a person narrows the transaction history to. Dates are business dates, inclusive."""

    kinds: tuple[str, ...] = ()
    posted_from: dt.date | None = None
    posted_to: dt.date | None = None
    reference: str = ""
    open_only: bool = False  # debts not fully paid and credits not fully used


@dataclass(frozen=True)
class HistoryRow:
    entry: LedgerEntry
    outstanding: Decimal  # what is left to pay of a debt, or to use of a credit


@dataclass(frozen=True)
class HistoryPage:
    rows: list[HistoryRow]
    page: int
    page_size: int
    has_next: bool


def transaction_history(
    account: ProgramAccount, filters: HistoryFilter = HistoryFilter(), *, page: int = 1, page_size: int = 50
) -> HistoryPage:
    """The account's entries, newest first, filtered and paged; each with what is left of it.
    One query per page (the outstanding amount is a subquery per row), on the
    (account, posted_at, id) index."""
    page, page_size = max(page, 1), min(max(page_size, 1), 500)
    rows = _history_queryset(account, filters)
    chunk = list(rows[(page - 1) * page_size : page * page_size + 1])
    return HistoryPage(
        rows=[HistoryRow(row, _cents(row.left)) for row in chunk[:page_size]],  # type: ignore[attr-defined]
        page=page,
        page_size=page_size,
        has_next=len(chunk) > page_size,
    )


def transaction_history_all(
    account: ProgramAccount, filters: HistoryFilter = HistoryFilter()
) -> Iterator[HistoryRow]:
    """Every matching row, for a CSV export, read in chunks."""
    for row in _history_queryset(account, filters).iterator(chunk_size=2000):
        yield HistoryRow(row, _cents(row.left))  # type: ignore[attr-defined]


def _history_queryset(account: ProgramAccount, filters: HistoryFilter) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.filter(account=account)
    if filters.kinds:
        entries = entries.filter(kind__in=filters.kinds)
    if filters.posted_from:
        entries = entries.filter(business_date__gte=filters.posted_from)
    if filters.posted_to:
        entries = entries.filter(business_date__lte=filters.posted_to)
    if filters.reference.strip():
        entries = entries.filter(reference__icontains=filters.reference.strip())
    money = DecimalField(max_digits=14, decimal_places=2)
    entries = entries.annotate(
        left=Case(
            When(amount__gt=0, then=F("amount") - _applied("debit")),
            default=-F("amount") - _applied("credit"),
            output_field=money,
        )
    )
    if filters.open_only:
        # Half a cent, not zero: SQLite subtracts as binary floats and may leave 1e-16 behind.
        entries = entries.filter(left__gte=Decimal("0.005"))
    return entries.order_by("-posted_at", "-id")
