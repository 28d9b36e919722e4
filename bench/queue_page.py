"""Queue page time with 100 offices and 1,000,000 requests in PostgreSQL.

Data (database `longroom_bench` on the PostgreSQL server of DATABASE_URL, or on
postgres://postgres@127.0.0.1:5432): 100 offices with a cargo and a release inbox and one
officer each; 1,000,000 requests over ~2 years, inserted with one INSERT … SELECT
generate_series. Offices are skewed (the largest has ~10 % of all requests, the smallest ~0.5 %);
0.5 % of requests are open (queued / in review / information requested, received over the
last 3 days), the rest returned (90 %) or rejected (10 %). The data are kept and reused when a
rerun finds them complete (`--rebuild` starts over).

Timing: the whole page (middleware, view, queries, template) through Django's test Client, as
a signed-in officer of the office (LONGROOM_DEMO=1, so no second factor), for 200 GETs of
/en/desk/queue/<office>/C/ across offices and filters (open, all, late, client).

    .venv/bin/python bench/queue_page.py [--requests 200] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    emit,
    pg_database_exists,
    pg_reachable,
    pg_recreate_database,
    pg_server_url,
    summary_ms,
    with_database,
)

PG_DATABASE = "longroom_bench"
OFFICES = 100
REQUESTS = 1_000_000
DATA_VERSION = "1"  # bump when the generated data change shape
TARGET_P95_MS = 150.0
FILTERS: list[tuple[str, str]] = [
    ("open (default)", ""),
    ("status=all", "status=all"),
    ("age=late", "age=late"),
    ("client", "client=firm12"),
]


def office_number(index: int) -> str:
    return str(100 + index)


# ── data ───────────────────────────────────────────────────────────────────────────────────


def data_ready() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta')")
        if cursor.fetchone()[0] is None:
            return False
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'version'")
        row = cursor.fetchone()
        if row is None or row[0] != DATA_VERSION:
            return False
        cursor.execute("SELECT count(*) FROM desk_request")
        requests = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM offices_office")
        offices = cursor.fetchone()[0]
    return requests == REQUESTS and offices == OFFICES


def create_offices() -> None:
    from longroom.core.models import User
    from longroom.desk.demo import REQUEST_TYPES
    from longroom.desk.models import RequestType
    from longroom.offices.models import Inbox, InboxKind, Membership, Office, StaffRole

    for kind, types in REQUEST_TYPES.items():
        for code, en, fr in types:
            RequestType.objects.get_or_create(
                code=code, inbox_kind=kind, defaults={"label_en": en, "label_fr": fr}
            )
    for index in range(OFFICES):
        number = office_number(index)
        office = Office.objects.create(
            number=number,
            name_en=f"Benchmark Office {number}",
            name_fr=f"Bureau de référence {number}",
            street_address=f"{index + 1} Example Road",
            city="Ottawa",
            province="ON",
            postal_code="K1A 0A1",
        )
        Inbox.objects.create(office=office, kind=InboxKind.CARGO, address=f"cargo-{number}@bench.test")
        Inbox.objects.create(office=office, kind=InboxKind.RELEASE, address=f"release-{number}@bench.test")
        user = User.objects.create_user(
            f"officer{number}@bench.test",
            None,
            is_staff=True,
            staff_identifier=f"BSO-{number}",
            full_name=f"Officer {number}",
        )
        Membership.objects.create(user=user, office=office, role=StaffRole.OFFICER)


# Columns the generator fills; any other NOT NULL column without a default (added later by a
# migration) gets a neutral value by type so the generator keeps working.
_FILLED = {
    "id",
    "reference",
    "office_id",
    "inbox_id",
    "kind",
    "request_type",
    "wrapper_colour",
    "transaction_number",
    "client_email",
    "client_name",
    "subject",
    "thread_message_id",
    "received_at",
    "status",
    "claimed_by_id",
    "claim_expires_at",
    "barcode_mismatch",
    "decided_at",
    "decided_by_id",
    "rejection_reason_id",
    "decision_note",
    "retain_until",
}
_NEUTRAL = {
    "character varying": "''",
    "text": "''",
    "boolean": "false",
    "integer": "0",
    "bigint": "0",
    "smallint": "0",
    "jsonb": "'{}'::jsonb",
    "timestamp with time zone": "now()",
    "date": "current_date",
    "double precision": "0",
}


def insert_requests() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'desk_request' "
            "AND is_nullable = 'NO' AND column_default IS NULL"
        )
        extra = [(name, _NEUTRAL.get(kind, "''")) for name, kind in cursor.fetchall() if name not in _FILLED]
        extra_cols = "".join(f", {name}" for name, _ in extra)
        extra_vals = "".join(f", {value}" for _, value in extra)
        cursor.execute(
            """
            CREATE TEMP TABLE bench_map AS
            SELECT (o.number::int - 100) AS idx, i.kind, o.id AS office_id, i.id AS inbox_id, m.user_id,
                   o.number
            FROM offices_office o
            JOIN offices_inbox i ON i.office_id = o.id
            JOIN offices_membership m ON m.office_id = o.id
            """
        )
        cursor.execute("SELECT id FROM desk_rejectionreason ORDER BY id LIMIT 1")
        row = cursor.fetchone()
        reason = row[0] if row else None
        # The only interpolations are our own constants and column names from the catalogue.
        cursor.execute(
            f"""
            INSERT INTO desk_request (
                reference, office_id, inbox_id, kind, request_type, wrapper_colour, transaction_number,
                client_email, client_name, subject, thread_message_id, received_at, status, claimed_by_id,
                claim_expires_at, barcode_mismatch, decided_at, decided_by_id, rejection_reason_id,
                decision_note, retain_until{extra_cols})
            SELECT
                format('LR-%%s-%%s-%%s-%%s', m.number, m.kind, extract(year FROM s.received_at)::int,
                       lpad(s.g::text, 7, '0')),
                m.office_id, m.inbox_id, m.kind, s.request_type, '', s.tn,
                format('broker%%s@firm%%s.example', s.client, s.client %% 150),
                format('Broker %%s Ltd.', s.client),
                s.request_type || ' - ' || s.tn, '', s.received_at, s.status,
                CASE WHEN s.status = 'in_review' THEN m.user_id END,
                CASE WHEN s.status = 'in_review' THEN now() + interval '10 minutes' END,
                random() < 0.01,
                CASE WHEN s.status IN ('returned', 'rejected')
                     THEN s.received_at + (5 + random() * 60) * interval '1 minute' END,
                CASE WHEN s.status IN ('returned', 'rejected') THEN m.user_id END,
                CASE WHEN s.status = 'rejected' THEN %s::bigint END,
                '', (s.received_at + interval '6 years')::date{extra_vals}
            FROM (
                SELECT g, office_idx, kind, tn, client, status,
                       (ARRAY['RMD', 'A8A', 'A48', 'BSF673', 'RMD', 'B3'])
                           [1 + (g %% 4) + (kind = 'R')::int * 2] AS request_type,
                       CASE WHEN status IN ('queued', 'in_review') THEN now() - random() * interval '3 days'
                            WHEN status = 'info_requested' THEN now() - random() * interval '30 days'
                            ELSE now() - interval '3 days' - random() * interval '727 days' END AS received_at
                FROM (
                    SELECT g,
                           least(floor({OFFICES} * power(random(), 2))::int, {OFFICES - 1}) AS office_idx,
                           CASE WHEN random() < 0.6 THEN 'C' ELSE 'R' END AS kind,
                           '1324' || lpad(g::text, 10, '0') AS tn,
                           floor(random() * 2000)::int AS client,
                           CASE WHEN r < 0.003 THEN 'queued' WHEN r < 0.004 THEN 'in_review'
                                WHEN r < 0.005 THEN 'info_requested' WHEN r < 0.9 THEN 'returned'
                                ELSE 'rejected' END AS status
                    FROM (SELECT g, random() AS r FROM generate_series(1, {REQUESTS}) g) raw
                ) picked
            ) s
            JOIN bench_map m ON m.idx = s.office_idx AND m.kind = s.kind
            """,  # noqa: S608
            [reason],
        )
        cursor.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value text)")
        cursor.execute(
            "INSERT INTO bench_meta VALUES ('version', %s), ('created', now()::text)", [DATA_VERSION]
        )


def build_data() -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        create_offices()
        from longroom.desk.demo import REJECTION_REASONS
        from longroom.desk.models import RejectionReason

        for code, en, fr in REJECTION_REASONS:
            RejectionReason.objects.get_or_create(code=code, defaults={"text_en": en, "text_fr": fr})
    print(f"  inserting {REQUESTS:,} requests …", flush=True)
    with transaction.atomic():
        insert_requests()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # statistics, and the visibility map for index-only scans
    print(f"  data built in {time.perf_counter() - started:.0f} s", flush=True)


# ── timing ─────────────────────────────────────────────────────────────────────────────────


def describe(sql: str) -> str:
    upper = sql.upper()
    if "GROUP BY" in upper:
        return "open counts by status"
    if "DISTINCT" in upper:
        return "open request types"
    if "COUNT(" in upper:
        return "paginator count"
    if "LIMIT" in upper and "ORDER BY" in upper:
        return "main queue query (page of 50)"
    return "other"


def explain_page(client: Any, url: str, label: str) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    print(f"\n  queries of one page, {label} ({url}): {len(captured)} in all")
    found = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if "desk_request" not in sql:
            continue
        kind = describe(sql)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        executed = next(
            (float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time")), 0
        )
        found.append(
            {
                "page": label,
                "kind": kind,
                "sql": sql,
                "seconds": float(query["time"]),
                "explain_ms": executed,
                "plan": plan,
            }
        )
        print(f"\n  -- {kind}: {float(query['time']) * 1000:.1f} ms in the page\n  {sql}")
        for line in plan:
            print("     " + line)
    return found


def time_pages(count: int) -> dict[str, Any]:
    from django.test import Client

    from longroom.core.models import User

    clients: dict[str, Client] = {}

    def client_for(number: str) -> Client:
        if number not in clients:
            client = Client()
            client.force_login(User.objects.get(email=f"officer{number}@bench.test"))
            clients[number] = client
        return clients[number]

    plan = []
    for k in range(count):
        number = office_number((k * 37) % OFFICES)
        label, query = FILTERS[k % len(FILTERS)]
        plan.append((number, label, f"/en/desk/queue/{number}/C/" + (f"?{query}" if query else "")))
    for number, _label, url in plan[:10]:  # warm-up: template compilation, connection, sessions
        client_for(number).get(url)
    for number, _label, _url in plan:
        client_for(number)
    samples: dict[str, list[float]] = {label: [] for label, _ in FILTERS}
    every: list[float] = []
    for number, label, url in plan:
        client = client_for(number)
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        samples[label].append(elapsed)
        every.append(elapsed)
    result = {"all": summary_ms(every), "by_filter": {label: summary_ms(v) for label, v in samples.items()}}
    largest = office_number(0)
    result["explain"] = explain_page(
        client_for(largest), f"/en/desk/queue/{largest}/C/", "largest office, open"
    )
    result["explain"] += explain_page(
        client_for(largest), f"/en/desk/queue/{largest}/C/?status=all", "largest office, status=all"
    )
    return result


def run(count: int, rebuild: bool) -> dict[str, Any]:
    server = pg_server_url()
    if rebuild or not pg_database_exists(server, PG_DATABASE):
        url = pg_recreate_database(server, PG_DATABASE)
    else:
        url = with_database(server, PG_DATABASE)
    var_dir = Path(tempfile.mkdtemp(prefix="longroom-bench-queue-"))
    os.environ.update(
        {"DATABASE_URL": url, "LONGROOM_VAR_DIR": str(var_dir), "LONGROOM_DEMO": "1", "LONGROOM_DEBUG": "0"}
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longroom.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", interactive=False, verbosity=0)
        ready = data_ready()
    except Exception as exc:
        print(f"  existing benchmark database unusable ({type(exc).__name__}: {exc}); rebuilding", flush=True)
        ready = False
    if not ready:
        connection.close()
        pg_recreate_database(server, PG_DATABASE)
        print(
            f"queue page: building {OFFICES} offices and {REQUESTS:,} requests in {PG_DATABASE}", flush=True
        )
        build_data()
    else:
        print(f"queue page: reusing {OFFICES} offices and {REQUESTS:,} requests in {PG_DATABASE}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM desk_request GROUP BY status ORDER BY status")
        statuses = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM desk_request r JOIN offices_office o ON o.id = r.office_id "
            "WHERE o.number = %s AND r.kind = 'C'",
            [office_number(0)],
        )
        largest = cursor.fetchone()[0]
    print(
        f"  requests by status: {statuses}; largest office ({office_number(0)}) cargo: {largest:,}",
        flush=True,
    )
    figures = time_pages(count)
    overall = figures["all"]
    print(
        f"\nqueue page (PostgreSQL, {OFFICES} offices, {REQUESTS:,} requests, {count} GETs):\n"
        f"  p50 {overall['p50_ms']:.1f} ms, p95 {overall['p95_ms']:.1f} ms, max {overall['max_ms']:.1f} ms "
        f"(target p95 ≤ {TARGET_P95_MS:.0f} ms)",
        flush=True,
    )
    for label, values in figures["by_filter"].items():
        print(
            f"  {label:<16} p50 {values['p50_ms']:6.1f} ms  p95 {values['p95_ms']:6.1f} ms  "
            f"max {values['max_ms']:6.1f} ms  (n={values['n']})",
            flush=True,
        )
    shutil.rmtree(var_dir, ignore_errors=True)
    return {
        "database": "PostgreSQL",
        "offices": OFFICES,
        "requests": REQUESTS,
        "statuses": statuses,
        "largest_office_cargo": largest,
        **figures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="drop and regenerate the data")
    args = parser.parse_args()
    problem = pg_reachable(pg_server_url())
    if problem:
        print(f"queue page: skipped, no PostgreSQL reachable at {pg_server_url()} ({problem})")
        emit({"database": "PostgreSQL", "skipped": problem})
        return 0
    emit(run(args.requests, args.rebuild))
    return 0


if __name__ == "__main__":
    sys.exit(main())
