"""Issuing statements of account, customs broker summaries and daily notices.

Each document shows the ledger as it stood at the end of its issue date: the entries posted since
the previous document of its kind, the balances before and after, what is due and what is
overdue. Nothing posted later changes it, so issuing or reissuing it gives the same figures; a
reissue (another language, a lost copy) checks the fingerprint of the figures and refuses if they
differ, which would mean the ledger was changed behind its back.

- Statement of account (per BN15), on the 25th: entries posted after the previous statement's
  issue date up to this one's; due date of the cycle (domain/carm.md §8).
- Customs broker summary (per broker BN9 and ASEC), on the 25th: the same, for the debts and
  credits tagged with the broker's ASEC on its clients' accounts.
- Daily notice (per BN15), after each business day with activity: entries posted since the
  previous business day (weekend postings go on Monday's notice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from longroom.core import audit
from longroom.core.models import User
from longroom.desk.storage import store_bytes
from longroom.registry.models import Business, CustomsBroker, ProgramAccount

from ..calendar import ONE_DAY, StatementCycle, previous_business_day, statement_cycle_ending
from ..documents import DocumentData, DocumentKind, DocumentLine, render_csv, render_pdf
from ..models import ClearingApplication, LedgerEntry, RevenueDocument, RevenueDocumentKind
from ..selectors import ZERO, account_position, money_total


class DocumentError(Exception):
    pass


# ── issuing ───────────────────────────────────────────────────────────────────────────────


def statement_issue(
    *,
    account: ProgramAccount,
    cycle: StatementCycle,
    now: dt.datetime,
    actor: User | None = None,
    language: str = "en",
) -> RevenueDocument:
    """The statement of `account` for `cycle`; issued once (the same call again returns it)."""
    return _issue(
        statement_number(account, cycle),
        lambda: statement_data(account, cycle, language),
        account=account,
        now=now,
        actor=actor,
    )


def broker_statement_issue(
    *,
    broker: CustomsBroker,
    cycle: StatementCycle,
    now: dt.datetime,
    actor: User | None = None,
    language: str = "en",
) -> RevenueDocument:
    return _issue(
        broker_statement_number(broker, cycle),
        lambda: broker_statement_data(broker, cycle, language),
        business=broker.business,
        now=now,
        actor=actor,
    )


def daily_notice_issue(
    *,
    account: ProgramAccount,
    day: dt.date,
    now: dt.datetime,
    actor: User | None = None,
    language: str = "en",
) -> RevenueDocument:
    return _issue(
        daily_notice_number(account, day),
        lambda: daily_notice_data(account, day, language),
        account=account,
        now=now,
        actor=actor,
    )


def statement_number(account: ProgramAccount, cycle: StatementCycle) -> str:
    return f"SOA-{account.number}-{cycle.end:%Y-%m}"


def broker_statement_number(broker: CustomsBroker, cycle: StatementCycle) -> str:
    return f"BSS-{broker.business.bn9}-{broker.asec}-{cycle.end:%Y-%m}"


def daily_notice_number(account: ProgramAccount, day: dt.date) -> str:
    return f"DN-{account.number}-{day.isoformat()}"


def statements_issue_all(*, cycle: StatementCycle, now: dt.datetime) -> list[RevenueDocument]:
    """Every account with activity in the statement's window or a balance, and every broker
    with tagged activity: what the 25th produces. Returns those issued now (not those issued on
    an earlier run)."""
    start, end = _statement_window(cycle)
    active = set(
        LedgerEntry.objects.filter(business_date__range=(start, end))
        .values_list("account_id", flat=True)
        .distinct()
    )
    owing = set(
        LedgerEntry.objects.filter(business_date__lte=end)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("account_id", flat=True)
    )
    accounts = list(ProgramAccount.objects.filter(pk__in=active | owing).order_by("number"))
    done = _issued({statement_number(a, cycle) for a in accounts})
    issued = [
        statement_issue(account=account, cycle=cycle, now=now)
        for account in accounts
        if statement_number(account, cycle) not in done
    ]
    asecs = set(
        LedgerEntry.objects.filter(business_date__range=(start, end))
        .exclude(broker_asec="")
        .values_list("broker_asec", flat=True)
        .distinct()
    )
    brokers = list(CustomsBroker.objects.filter(asec__in=asecs).select_related("business").order_by("asec"))
    done = _issued({broker_statement_number(b, cycle) for b in brokers})
    for broker in brokers:
        if broker_statement_number(broker, cycle) not in done:
            issued.append(broker_statement_issue(broker=broker, cycle=cycle, now=now))
    return issued


def daily_notices_issue_all(*, day: dt.date, now: dt.datetime) -> list[RevenueDocument]:
    """A notice for every account with entries posted since the previous business day; returns
    those issued now."""
    start, end = _notice_window(day)
    accounts = LedgerEntry.objects.filter(business_date__range=(start, end)).values_list(
        "account_id", flat=True
    )
    found = list(ProgramAccount.objects.filter(pk__in=accounts.distinct()).order_by("number"))
    done = _issued({daily_notice_number(a, day) for a in found})
    return [
        daily_notice_issue(account=account, day=day, now=now)
        for account in found
        if daily_notice_number(account, day) not in done
    ]


def _issued(numbers: set[str]) -> set[str]:
    """Which of `numbers` are already issued: those are not worked out again."""
    return set(RevenueDocument.objects.filter(number__in=numbers).values_list("number", flat=True))


def document_reissue(
    *, document: RevenueDocument, now: dt.datetime, actor: User | None = None, language: str | None = None
) -> RevenueDocument:
    """Print the document again (in `language` if given) from the ledger; the figures must be
    the ones first issued."""
    data = _data_for(document, language or document.language)
    if _fingerprint(data) != document.figures_sha256:
        raise DocumentError(
            _("the ledger no longer gives the figures of %(number)s; it was changed after issue")
            % {"number": document.number}
        )
    with transaction.atomic():
        before = {"pdf": document.pdf.sha256, "csv": document.csv.sha256, "language": document.language}
        document.pdf, document.csv = store_bytes(render_pdf(data)), store_bytes(render_csv(data))
        document.language = data.language
        document.reissue_count += 1
        document.save(update_fields=["pdf", "csv", "language", "reissue_count"])
        audit.record(
            verb="revenue_document.reissued",
            subject=document,
            actor=actor,
            occurred_at=now,
            data={"before": before, "after": {"pdf": document.pdf.sha256, "csv": document.csv.sha256,
                                              "language": document.language}},
        )  # fmt: skip
    return document


def _issue(
    number: str,
    build: Callable[[], DocumentData],
    *,
    now: dt.datetime,
    actor: User | None,
    account: ProgramAccount | None = None,
    business: Business | None = None,
) -> RevenueDocument:
    """Issue the document `number` once: when it exists its figures are not worked out again
    (the daily routine asks for the same documents day after day until the month turns)."""
    existing = RevenueDocument.objects.filter(number=number).first()
    if existing is not None:
        return existing
    data = build()
    pdf, csv_bytes = render_pdf(data), render_csv(data)
    with transaction.atomic():
        document = RevenueDocument.objects.create(
            kind=RevenueDocumentKind(data.kind.value),
            number=data.number,
            account=account,
            business=business,
            broker_asec=data.broker_asec,
            period_start=data.period_start,
            period_end=data.period_end,
            issue_date=data.issue_date,
            due_date=data.due_date,
            opening_balance=data.opening_balance,
            closing_balance=data.closing_balance,
            amount_due=data.amount_due,
            overdue=data.overdue,
            line_count=len(data.lines),
            figures_sha256=_fingerprint(data),
            language=data.language,
            pdf=store_bytes(pdf),
            csv=store_bytes(csv_bytes),
            issued_at=now,
        )
        audit.record(
            verb="revenue_document.issued",
            subject=document,
            actor=actor,
            occurred_at=now,
            data={
                "kind": document.kind,
                "number": document.number,
                "closing_balance": str(document.closing_balance),
            },
        )
    return document


# ── the figures ───────────────────────────────────────────────────────────────────────────


def _statement_window(cycle: StatementCycle) -> tuple[dt.date, dt.date]:
    previous = statement_cycle_ending(*_month_before(cycle.end))
    return previous.issue_date + ONE_DAY, cycle.issue_date


def _notice_window(day: dt.date) -> tuple[dt.date, dt.date]:
    return previous_business_day(day) + ONE_DAY, day


def _month_before(day: dt.date) -> tuple[int, int]:
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def statement_data(account: ProgramAccount, cycle: StatementCycle, language: str = "en") -> DocumentData:
    start, end = _statement_window(cycle)
    entries = LedgerEntry.objects.filter(account=account)
    position = account_position(account, end, posted_through=end)
    owed_by_due_date = _outstanding(
        LedgerEntry.objects.filter(account=account, amount__gt=0, due_date__lte=cycle.due_date), end, account
    )
    return DocumentData(
        kind=DocumentKind.STATEMENT,
        language=language,
        number=statement_number(account, cycle),
        holder_name=account.business.legal_name,
        holder_address=_address(account.business),
        holder_number=account.number,
        issue_date=cycle.issue_date,
        period_start=start,
        period_end=end,
        due_date=cycle.due_date,
        opening_balance=money_total(entries.filter(business_date__lt=start)),
        lines=_lines(entries.filter(business_date__range=(start, end))),
        closing_balance=position.balance,
        amount_due=max(owed_by_due_date - position.unapplied_credits, ZERO),
        overdue=position.overdue,
    )


def broker_statement_data(broker: CustomsBroker, cycle: StatementCycle, language: str = "en") -> DocumentData:
    start, end = _statement_window(cycle)
    tagged = LedgerEntry.objects.filter(broker_asec=broker.asec)
    as_of_end = tagged.filter(business_date__lte=end)
    debts = as_of_end.filter(amount__gt=0)
    credits = as_of_end.filter(amount__lt=0)
    unused = -money_total(credits) - money_total(
        ClearingApplication.objects.filter(credit__in=credits, business_date__lte=end)
    )
    return DocumentData(
        kind=DocumentKind.BROKER_STATEMENT,
        language=language,
        number=broker_statement_number(broker, cycle),
        holder_name=broker.business.legal_name,
        holder_address=_address(broker.business),
        holder_number=broker.business.bn9,
        issue_date=cycle.issue_date,
        period_start=start,
        period_end=end,
        due_date=cycle.due_date,
        opening_balance=money_total(tagged.filter(business_date__lt=start)),
        lines=_lines(tagged.filter(business_date__range=(start, end)), with_account=True),
        closing_balance=money_total(as_of_end),
        amount_due=max(_outstanding(debts.filter(due_date__lte=cycle.due_date), end) - unused, ZERO),
        overdue=_outstanding(debts.filter(due_date__lt=end), end),
        broker_asec=broker.asec,
    )


def daily_notice_data(account: ProgramAccount, day: dt.date, language: str = "en") -> DocumentData:
    start, end = _notice_window(day)
    entries = LedgerEntry.objects.filter(account=account)
    position = account_position(account, end, posted_through=end)
    return DocumentData(
        kind=DocumentKind.DAILY_NOTICE,
        language=language,
        number=daily_notice_number(account, day),
        holder_name=account.business.legal_name,
        holder_address=_address(account.business),
        holder_number=account.number,
        issue_date=day + ONE_DAY,
        period_start=start,
        period_end=end,
        due_date=None,
        opening_balance=money_total(entries.filter(business_date__lt=start)),
        lines=_lines(entries.filter(business_date__range=(start, end))),
        closing_balance=position.balance,
        amount_due=ZERO,
        overdue=position.overdue,
    )


def _data_for(document: RevenueDocument, language: str) -> DocumentData:
    if document.kind == RevenueDocumentKind.DAILY_NOTICE:
        assert document.account is not None
        return daily_notice_data(document.account, document.period_end, language)
    # Statements are issued on the 25th of the month their cycle ends in.
    cycle = statement_cycle_ending(document.issue_date.year, document.issue_date.month)
    if document.kind == RevenueDocumentKind.BROKER_STATEMENT:
        assert document.business is not None
        broker = CustomsBroker.objects.get(business=document.business, asec=document.broker_asec)
        return broker_statement_data(broker, cycle, language)
    assert document.account is not None
    return statement_data(document.account, cycle, language)


def _lines(entries: QuerySet[LedgerEntry], *, with_account: bool = False) -> tuple[DocumentLine, ...]:
    rows = entries.select_related("account").order_by("business_date", "posted_at", "id")
    return tuple(
        DocumentLine(
            posted_on=entry.business_date,
            effective_date=entry.effective_date,
            kind=entry.kind,
            reference=entry.reference,
            description=entry.description,
            amount=entry.amount,
            due_date=entry.due_date,
            account_number=entry.account.number if with_account else "",
            broker_asec=entry.broker_asec,
        )
        for entry in rows
    )


def _outstanding(
    debts: QuerySet[LedgerEntry], through: dt.date, account: ProgramAccount | None = None
) -> Decimal:
    """What is left unpaid of `debts`, counting the clearing applied up to `through`. With
    `account`, the applications are looked up by it (its index) rather than across all."""
    debts = debts.filter(business_date__lte=through)
    paid = ClearingApplication.objects.filter(debit__in=debts, business_date__lte=through)
    if account is not None:
        paid = paid.filter(account=account)
    return money_total(debts) - money_total(paid)


def _address(business: Business) -> tuple[str, ...]:
    city = " ".join(part for part in (business.city, business.province, business.postal_code) if part)
    lines = (
        business.address_line1,
        business.address_line2,
        city,
        business.country if business.country != "CA" else "",
    )
    return tuple(line for line in lines if line)


def _fingerprint(data: DocumentData) -> str:
    """The figures of a document, whatever language it is printed in."""
    figures = {
        "number": data.number,
        "period": [data.period_start.isoformat(), data.period_end.isoformat()],
        "due": data.due_date.isoformat() if data.due_date else None,
        "balances": [
            str(data.opening_balance),
            str(data.closing_balance),
            str(data.amount_due),
            str(data.overdue),
        ],
        "lines": [
            [line.posted_on.isoformat(), line.kind, line.reference, str(line.amount), line.account_number]
            for line in data.lines
        ],
    }
    return hashlib.sha256(json.dumps(figures, sort_keys=True).encode()).hexdigest()
