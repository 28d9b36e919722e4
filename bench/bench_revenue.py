"""Revenue at size: 1,000,000 ledger entries across 10,000 accounts, a month of statements, and
the transaction-history page.

    .venv/bin/python bench/bench_revenue.py [--db postgres|sqlite] [--accounts 10000] [--entries 1000000]

A fresh installation (PostgreSQL database `longroom_bench_revenue`, recreated each run; or SQLite)
gets 10,000 businesses with one BN15 each. A year of business (2025) is then posted through
`ledger_post_many`, the service feeds use, day by day in batches of 2,000: duties-and-taxes debts
(release prior to payment, due on their statement cycle's due date) on random accounts, and on
each cycle's due date a payment from every account that owes (9 in 10 pay on the day, the rest a
week late), which clears as it posts. Figures:

- entries/s over the whole posting (debts, payments and their clearing, audit events);
- statements/s: `statements_issue_all` for the cycle ending 17 December 2025 — every account's
  statement worked out from the ledger, rendered to PDF and CSV and stored;
- the transaction-history page p50/p95 at that size (after ANALYZE, as autovacuum would have run): the staff account page
  (`/en/revenue/accounts/<bn15>/`, whole page through Django's test Client) and the API
  (`/api/v1/revenue/accounts/<bn15>/transactions`), each 200 GETs across accounts, filters
  (kind, posted from/to, open only) and pages. Target p95 ≤ 150 ms on PostgreSQL.

Prints readable figures, then one `BENCH-RESULT {json}` line for bench/run.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, fresh_installation, pg_reachable, pg_server_url, summary_ms

PG_DATABASE = "longroom_bench_revenue"
BATCH = 2000
TARGET_P95_MS = 150.0
YEAR = 2025


def bn9_for(index: int) -> str:
    from longroom.registry.numbers import luhn_valid

    base = f"{20000000 + index:08d}"
    return next(base + str(check) for check in range(10) if luhn_valid(base + str(check)))


def build_registry(accounts: int) -> list[Any]:
    from longroom.registry.models import Business, ProgramAccount

    businesses = Business.objects.bulk_create(
        [
            Business(
                bn9=bn9_for(i),
                legal_name=f"Importer {i:05d} Ltd.",
                address_line1=f"{i} Commerce St.",
                city="Ottawa",
                province="ON",
                postal_code="K1A 0L5",
            )
            for i in range(accounts)
        ],
        batch_size=2000,
    )
    return ProgramAccount.objects.bulk_create(
        [
            ProgramAccount(business=b, number=b.bn9 + "RM0001", opened_on=dt.date(YEAR, 1, 1))
            for b in businesses
        ],
        batch_size=2000,
    )


def post_year(accounts: list[Any], entries: int, seed: int = 7) -> dict[str, Any]:
    """Post about `entries` entries over the business days of YEAR; returns counts and timing."""
    from longroom.revenue.calendar import EASTERN, business_days, statement_cycle_for_release
    from longroom.revenue.services import Posting, ledger_post_many

    rng = random.Random(seed)
    days = list(business_days(dt.date(YEAR, 1, 2), dt.date(YEAR, 12, 24)))
    # About one payment per account and cycle paid within the year (ten of them: the cycles whose
    # due date falls in it); the rest of the entries are debts.
    payments_expected = len(accounts) * 10
    debts_per_day = max(1, -(-(entries - payments_expected) // len(days)))
    owed: dict[dt.date, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    late: dict[dt.date, dict[int, Decimal]] = defaultdict(dict)
    by_pk = {a.pk: a for a in accounts}
    posted = debts = payments = 0
    seconds = 0.0
    started_all = time.perf_counter()
    for number, day in enumerate(days):
        now = dt.datetime.combine(day, dt.time(12), tzinfo=EASTERN)
        due = statement_cycle_for_release(day).due_date
        postings = []
        for _ in range(debts_per_day):
            account = accounts[rng.randrange(len(accounts))]
            amount = Decimal(rng.randrange(5_000, 500_000)) / 100
            postings.append(
                Posting(
                    account,
                    "duties_taxes",
                    amount,
                    day,
                    due_date=due,
                    reference=f"{number:05d}{len(postings):09d}",
                )
            )
            owed[due][account.pk] += amount
        for account_pk, amount in owed.pop(day, {}).items():
            if rng.random() < 0.9:
                postings.append(
                    Posting(by_pk[account_pk], "payment", amount, day, reference=f"PAY-{day:%Y%m%d}")
                )
            else:
                late[day + dt.timedelta(days=7)][account_pk] = amount
        for account_pk, amount in late.pop(day, {}).items():
            postings.append(Posting(by_pk[account_pk], "payment", amount, day, reference=f"PAY-{day:%Y%m%d}"))
        for start in range(0, len(postings), BATCH):
            chunk = postings[start : start + BATCH]
            began = time.perf_counter()
            ledger_post_many(postings=chunk, now=now)
            seconds += time.perf_counter() - began
            posted += len(chunk)
            payments += sum(1 for p in chunk if p.kind == "payment")
        debts = posted - payments
        if number % 25 == 0:
            print(f"    {day}: {posted:,} entries posted, {posted / max(seconds, 1e-9):,.0f}/s", flush=True)
    return {
        "entries": posted,
        "debts": debts,
        "payments": payments,
        "seconds": seconds,
        "wall_seconds": time.perf_counter() - started_all,
        "entries_per_second": posted / seconds,
    }


def issue_month() -> dict[str, Any]:
    from longroom.revenue.calendar import EASTERN, statement_cycle_ending
    from longroom.revenue.services import statements_issue_all

    cycle = statement_cycle_ending(YEAR, 12)
    now = dt.datetime.combine(cycle.issue_date, dt.time(6), tzinfo=EASTERN)
    started = time.perf_counter()
    documents = statements_issue_all(cycle=cycle, now=now)
    seconds = time.perf_counter() - started
    lines = sum(d.line_count for d in documents)
    return {
        "statements": len(documents),
        "seconds": seconds,
        "statements_per_second": len(documents) / seconds,
        "lines": lines,
    }


def time_history(accounts: list[Any], requests: int, seed: int = 11) -> dict[str, Any]:
    from django.contrib.auth.models import Permission
    from django.test import Client

    from longroom.core.models import User
    from longroom.core.services import api_token_create

    officer = User.objects.create_user("revenue@bench.test", "a-long-bench-password", is_staff=True)
    officer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_ledgerentry", "add_ledgerentry"])
    )
    officer = User.objects.get(pk=officer.pk)
    page_client = Client()
    page_client.force_login(officer)
    _token, secret = api_token_create(user=officer, name="bench")
    api_client = Client(headers={"Authorization": f"Bearer {secret}"})
    rng = random.Random(seed)
    filters = [
        ("first page", ""),
        ("kind=duties_taxes", "kind=duties_taxes"),
        ("posted in a quarter", f"posted_from={YEAR}-04-01&posted_to={YEAR}-06-30"),
        ("open only", "open_only=1"),
        ("page 2", "page=2"),
    ]
    plans = {
        "page": "/en/revenue/accounts/{bn15}/?{query}",
        "api": "/api/v1/revenue/accounts/{bn15}/transactions?{query}",
    }
    results: dict[str, Any] = {}
    for name, template in plans.items():
        client = page_client if name == "page" else api_client
        samples: dict[str, list[float]] = {label: [] for label, _ in filters}
        every: list[float] = []
        for k in range(requests + 10):
            account = accounts[rng.randrange(len(accounts))]
            label, query = filters[k % len(filters)]
            if name == "api" and query == "open_only=1":
                query = "open_only=true"
            url = template.format(bn15=account.number, query=query)
            began = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - began
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
            if k >= 10:  # the first ten warm templates, connections and caches
                samples[label].append(elapsed)
                every.append(elapsed)
        results[name] = {
            "all": summary_ms(every),
            "by_filter": {k: summary_ms(v) for k, v in samples.items()},
        }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="history GETs per kind (page, API)")
    args = parser.parse_args()
    if args.db == "postgres" and (problem := pg_reachable(pg_server_url())):
        print(f"revenue: PostgreSQL not reachable ({problem}); skipped", flush=True)
        emit({"skipped": f"PostgreSQL not reachable: {problem}"})
        return 0
    import os

    os.environ["LONGROOM_DEMO"] = "1"  # staff pages without a second factor, as the queue bench does
    _var, label = fresh_installation("longroom-bench-revenue-", args.db, PG_DATABASE)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(
        f"  revenue ({label}): {args.accounts:,} accounts, about {args.entries:,} entries over {YEAR}",
        flush=True,
    )
    began = time.perf_counter()
    accounts = build_registry(args.accounts)
    print(
        f"    registry: {len(accounts):,} businesses and accounts in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    posting = post_year(accounts, args.entries)
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load: without statistics the planner scans the clearing
        # applications instead of using their index (the history page took 440 ms instead of 40).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"  posting: {posting['entries']:,} entries ({posting['debts']:,} debts, {posting['payments']:,} payments "
        f"cleared as posted) in {posting['seconds']:.1f} s => {posting['entries_per_second']:,.0f} entries/s",
        flush=True,
    )
    statements = issue_month()
    print(
        f"  statements: {statements['statements']:,} for the cycle ending {YEAR}-12-17 ({statements['lines']:,} "
        f"lines) in {statements['seconds']:.1f} s => {statements['statements_per_second']:,.1f} statements/s",
        flush=True,
    )
    history = time_history(accounts, args.requests)
    for name, figures in history.items():
        f = figures["all"]
        what = "staff account page" if name == "page" else "API transactions"
        print(
            f"  history, {what}: p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms, max {f['max_ms']:.1f} ms "
            f"(n={f['n']}; target p95 <= {TARGET_P95_MS:.0f} ms)",
            flush=True,
        )
        for label_, s in figures["by_filter"].items():
            print(f"      {label_:<22} p95 {s['p95_ms']:.1f} ms", flush=True)
    emit({"database": label, "posting": posting, "statements": statements, "history": history})
    return 0


if __name__ == "__main__":
    sys.exit(main())
