"""The revenue core's daily routine, run by the scheduler once per Eastern day (and by
`python -m longroom revenue run-day` to catch up). Every step is safe to run twice.

In order, for the day `now` falls on:
1. clearing of every account holding unused credits (what fell due today is paid from them);
2. pre-authorized debits for what is due today;
3. daily notices for the previous business day, and any earlier business day missed;
4. on the 25th: interest through the 24th, then the statements of account and broker summaries
   of the cycle that ended on the 17th;
5. on 20 October the RPP security review; every day, suspension where an increase has lapsed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from longroom.registry.models import ProgramAccount

from ..calendar import (
    ONE_DAY,
    business_date,
    business_days,
    previous_business_day,
    security_review_date,
    statement_cycle_ending,
)
from ..models import RevenueDayRun, RevenueDocument, RevenueDocumentKind
from .interest import interest_charge
from .ledger import clearing_run
from .payments import pad_debits_run
from .security import security_lapses_enforce, security_reviews_run
from .statements import daily_notices_issue_all, statements_issue_all

STATEMENT_DAY = 25
# How far back missed daily notices are caught up.
NOTICE_CATCH_UP = dt.timedelta(days=10)


def revenue_day_due(now: dt.datetime) -> bool:
    """Whether today's routine is still to run (the scheduler asks every round)."""
    return not RevenueDayRun.objects.filter(day=business_date(now), finished_at__isnull=False).exists()


def revenue_day_run(*, now: dt.datetime) -> dict[str, Any]:
    today = business_date(now)
    with transaction.atomic():
        run, _created = RevenueDayRun.objects.get_or_create(day=today, defaults={"started_at": now})
    report: dict[str, Any] = {}
    report["clearing_applications"] = clearing_run(now=now)
    report["pad_debits"] = len(pad_debits_run(now=now))
    notices = 0
    issued_through = _last_notice_day()
    first = max(
        today - NOTICE_CATCH_UP, (issued_through + ONE_DAY) if issued_through else today - NOTICE_CATCH_UP
    )
    for day in business_days(first, previous_business_day(today)):
        notices += len(daily_notices_issue_all(day=day, now=now))
    report["daily_notices"] = notices
    if today.day >= STATEMENT_DAY:
        cycle = statement_cycle_ending(today.year, today.month)
        through = cycle.issue_date - ONE_DAY
        # Accounts with a debt due before the statement and not yet charged through its eve.
        uncharged = (
            ProgramAccount.objects.filter(ledger_entries__amount__gt=0, ledger_entries__due_date__lt=through)
            .exclude(interest_charges__period_end__gte=through)
            .distinct()
        )
        for account in uncharged:
            interest_charge(account=account, through=through, due_date=cycle.due_date, now=now)
        report["statements"] = len(statements_issue_all(cycle=cycle, now=now))
    if today == security_review_date(today.year):
        report["security_reviews"] = len(security_reviews_run(review_year=today.year, now=now))
    report["rpp_suspended"] = len(security_lapses_enforce(now=now))
    RevenueDayRun.objects.filter(pk=run.pk).update(finished_at=now, report=report)
    return report


def _last_notice_day() -> dt.date | None:
    latest: dt.date | None = (
        RevenueDocument.objects.filter(kind=RevenueDocumentKind.DAILY_NOTICE)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    return latest
