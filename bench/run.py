"""`make bench`: run every benchmark, print labelled figures, record them in docs/benchmarks.md.

    .venv/bin/python bench/run.py [--only intake,stamp,queue] [--messages 200] [--no-docs]

Benchmarks (each in its own process, see the modules for what they measure):
  intake      bench/intake.py      SQLite, and PostgreSQL when reachable
  stamp       bench/stamp.py       stamp-and-sign, 1 and 100 pages
  queue       bench/queue_page.py  PostgreSQL only; skipped with a message when unreachable
  tariff      bench/bench_tariff.py  full tariff edition: import, search, calculator; SQLite and PostgreSQL
  classification  bench/bench_classification.py  top-1/top-5 at 2/4/6 digits on the hs-dev set
  revenue     bench/bench_revenue.py  PostgreSQL: 1M ledger entries, a month of statements, history page

PostgreSQL is the server of DATABASE_URL when that names one, else
postgres://postgres@127.0.0.1:5432; the benchmarks create their own databases on it
(`longroom_bench`, `longroom_bench_intake`, `longroom_bench_tariff`, `longroom_bench_revenue`) and
never touch any other.

The "Latest run" section of docs/benchmarks.md is rewritten with a comparison against the run
it replaces; that run moves, unchanged, to the top of "Previous runs".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, bench_env, pg_reachable, pg_server_url, run_module

DOC = ROOT / "docs" / "benchmarks.md"
LATEST_START, LATEST_END = "<!-- bench:latest -->", "<!-- /bench:latest -->"
PREVIOUS_START, PREVIOUS_END = "<!-- bench:previous -->", "<!-- /bench:previous -->"
DATA_RE = re.compile(r"<!-- bench:data (\{.*?\}) -->", re.S)
PROFILE_BELOW_RPS = 20.0

# Used only when docs/benchmarks.md does not exist yet; after that, everything above the
# "Latest run" section is the humans' to edit and is kept as it is.
INTRO = """# Benchmarks

Figures recorded by `make bench` (`bench/run.py`); see `bench/*.py` for what each one measures.
"""


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+local changes" if dirty else "")


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores{', ' + model if model else ''}; Python {platform.python_version()}; "
        f"load average at the end {load} (1/5/15 min; anything above ~1 means other work shared the CPUs)"
    )


# ── running ────────────────────────────────────────────────────────────────────────────────


def run_all(only: set[str], messages: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Run the benchmarks; returns table rows and notes."""
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    pg_problem = pg_reachable(pg_server_url())
    pg_label = f"PostgreSQL ({pg_server_url().rsplit('@', 1)[-1].split('/', 1)[0]})"

    def row(
        figure: str, database: str, value: float | None, unit: str, target: str, ok: bool | None, key: str
    ) -> None:
        rows.append(
            {
                "key": key,
                "figure": figure,
                "database": database,
                "value": value,
                "unit": unit,
                "target": target,
                "ok": ok,
            }
        )

    if "intake" in only:
        databases = [("sqlite", "SQLite")] + ([("postgres", "PostgreSQL")] if not pg_problem else [])
        if pg_problem:
            notes.append(
                f"Intake on PostgreSQL skipped: no PostgreSQL reachable at {pg_server_url()} ({pg_problem})."
            )
        for db, label in databases:
            print(f"\n== intake throughput, {label} ==", flush=True)
            env = bench_env(DATABASE_URL=None) if db == "sqlite" else bench_env()
            result = run_module("intake.py", ["--messages", str(messages), "--db", db], env, timeout=900)
            if not result or result.get("skipped"):
                notes.append(f"Intake on {label}: no result ({(result or {}).get('skipped', 'see output')}).")
                continue
            rps = result["requests_per_second"]
            row(
                "Intake throughput (receipt → queued, 1 worker)",
                label,
                rps,
                "requests/s",
                "≥ 20/s",
                rps >= 20,
                f"intake.{db}",
            )
            row(
                "Intake, all tasks drained (incl. previews, acknowledgements)",
                label,
                result.get("drained_rps"),
                "requests/s",
                "info",
                None,
                f"intake_drained.{db}",
            )
            tasks = ", ".join(
                f"{name} median {f['median_ms']:.0f} ms" for name, f in result.get("tasks", {}).items()
            )
            notes.append(
                f"Intake on {label}: {result['completed']}/{messages} requests queued in "
                f"{result['queued_seconds']:.1f} s (SMTP accepted them in {result['smtp_seconds']:.1f} s); "
                f"worker time per task: {tasks}."
            )
            if db == "sqlite" and rps < PROFILE_BELOW_RPS:
                print(
                    f"\n== intake below {PROFILE_BELOW_RPS:.0f}/s: "
                    "profiling the worker (SQLite, 100 requests) ==",
                    flush=True,
                )
                run_module("intake.py", ["--messages", "100", "--db", db, "--profile"], env, timeout=600)

    if "stamp" in only:
        print("\n== stamp-and-sign ==", flush=True)
        result = run_module("stamp.py", ["--runs", "20"], bench_env(), timeout=600)
        if result:
            for key, label, limit in (
                ("one_page", "Stamp-and-sign, 1-page PDF", 150.0),
                ("hundred_pages", "Stamp-and-sign, 100-page PDF", 1000.0),
            ):
                f = result[key]
                row(
                    f"{label} (median)",
                    "—",
                    f["median_ms"],
                    "ms",
                    f"≤ {limit:.0f} ms",
                    f["median_ms"] <= limit,
                    f"stamp.{key}.median",
                )
                row(
                    f"{label} (p95)",
                    "—",
                    f["p95_ms"],
                    "ms",
                    f"≤ {limit:.0f} ms",
                    f["p95_ms"] <= limit,
                    f"stamp.{key}.p95",
                )
            f = result["hundred_pages_all_stamped"]
            row(
                "Stamp-and-sign, 100-page PDF, stamp on all 100 pages (median)",
                "—",
                f["median_ms"],
                "ms",
                "info",
                None,
                "stamp.hundred_all.median",
            )
        else:
            notes.append("Stamp-and-sign: no result (see output).")

    if "queue" in only:
        print("\n== queue page ==", flush=True)
        if pg_problem:
            print(
                f"queue page: skipped, no PostgreSQL reachable at {pg_server_url()} ({pg_problem})",
                flush=True,
            )
            notes.append(f"Queue page skipped: no PostgreSQL reachable at {pg_server_url()} ({pg_problem}).")
        else:
            result = run_module(
                "queue_page.py", ["--requests", "200"], bench_env(LONGROOM_DEMO="1"), timeout=1800
            )
            if result and not result.get("skipped"):
                a = result["all"]
                row("Queue page, p50", pg_label, a["p50_ms"], "ms", "info", None, "queue.p50")
                row(
                    "Queue page, p95",
                    pg_label,
                    a["p95_ms"],
                    "ms",
                    "≤ 150 ms",
                    a["p95_ms"] <= 150,
                    "queue.p95",
                )
                row("Queue page, max", pg_label, a["max_ms"], "ms", "info", None, "queue.max")
                per = "; ".join(
                    f"{label} p50 {f['p50_ms']:.0f} / p95 {f['p95_ms']:.0f} ms"
                    for label, f in result["by_filter"].items()
                )
                slowest = sorted(result.get("explain", []), key=lambda q: -q.get("explain_ms", 0))[:3]
                queries = "; ".join(
                    f"{q['kind']} ({q['page']}) {q.get('explain_ms', 0):.1f} ms" for q in slowest
                )
                notes.append(
                    f"Queue page by filter: {per}. Largest office: "
                    f"{result['largest_office_cargo']:,} cargo requests; "
                    f"its slowest queries (EXPLAIN ANALYZE): {queries}."
                )
            else:
                notes.append("Queue page: no result (see output).")
    if "tariff" in only:
        databases = [("sqlite", "SQLite")] + ([("postgres", "PostgreSQL")] if not pg_problem else [])
        if pg_problem:
            notes.append(
                f"Tariff on PostgreSQL skipped: no PostgreSQL reachable at {pg_server_url()} ({pg_problem})."
            )
        for db, label in databases:
            print(f"\n== tariff: import, search, calculator, {label} ==", flush=True)
            env = bench_env(DATABASE_URL=None) if db == "sqlite" else bench_env()
            result = run_module("bench_tariff.py", ["--db", db], env, timeout=900)
            if not result or result.get("skipped"):
                notes.append(f"Tariff on {label}: no result ({(result or {}).get('skipped', 'see output')}).")
                continue
            imp, s, c = result["import"], result["search"], result["calculator"]
            row(
                "Tariff edition import (22,460 lines)",
                label,
                imp["edition_seconds"],
                "s",
                "info",
                None,
                f"tariff.import.{db}",
            )
            row(
                "Tariff search index build (first query)",
                label,
                s["build_ms"],
                "ms",
                "info",
                None,
                f"tariff.index_build.{db}",
            )
            row("Tariff search, p50", label, s["p50_ms"], "ms", "info", None, f"tariff.search.p50.{db}")
            row(
                "Tariff search, p95",
                label,
                s["p95_ms"],
                "ms",
                "≤ 50 ms",
                s["p95_ms"] <= 50,
                f"tariff.search.p95.{db}",
            )
            row("Tariff search, max", label, s["max_ms"], "ms", "info", None, f"tariff.search.max.{db}")
            row(
                "Calculator throughput (1,000-line estimates)",
                label,
                c["lines_per_second"],
                "lines/s",
                "≥ 1,000/s",
                c["lines_per_second"] >= 1000,
                f"tariff.calculator.{db}",
            )
            kinds = ", ".join(f"{k} p95 {f['p95_ms']:.0f} ms" for k, f in s["by_kind"].items())
            notes.append(
                f"Tariff on {label}: HS nomenclature {imp['hs_codes']:,} codes in {imp['hs_seconds']:.1f} s; "
                f"{s['queries']} searches ({s['sql_per_search']} SQL queries each): {kinds}; calculator "
                f"{c['requests']} × {c['lines_per_request']:,} lines, median {c['median_ms']:.0f} ms per "
                f"request, {c['sql_per_request']} SQL queries each."
            )
    if "classification" in only:
        print("\n== tariff classification (hs-dev) ==", flush=True)
        result = run_module("bench_classification.py", ["--rounds", "3"], bench_env(), timeout=600)
        if not result or result.get("skipped"):
            notes.append(f"Classification: no result ({(result or {}).get('skipped', 'see output')}).")
        else:
            s = result["search"]
            row(
                "Classification index build (in memory)",
                "—",
                result["build_seconds"] * 1000,
                "ms",
                "info",
                None,
                "classification.build",
            )
            row(
                "Classification search, p50",
                "—",
                s["p50_ms"],
                "ms",
                "info",
                None,
                "classification.search.p50",
            )
            row(
                "Classification search, p95",
                "—",
                s["p95_ms"],
                "ms",
                "≤ 20 ms",
                s["p95_ms"] <= 20,
                "classification.search.p95",
            )
            for half, label in (
                ("full", "all 211"),
                ("even", "even half, tuned"),
                ("odd", "odd half, held out"),
            ):
                a = result.get("accuracy", {}).get(half)
                if not a:
                    continue
                full = half == "full"
                row(
                    f"HS6 top-1, hs-dev {label}",
                    "—",
                    a["top1"]["6"],
                    "%",
                    "≥ 50 %" if full else "info",
                    a["top1"]["6"] >= 50 if full else None,
                    f"classification.top1.{half}",
                )
                row(
                    f"HS6 top-5, hs-dev {label}",
                    "—",
                    a["top5"]["6"],
                    "%",
                    "≥ 80 %" if full else "info",
                    a["top5"]["6"] >= 80 if full else None,
                    f"classification.top5.{half}",
                )
            if "accuracy" in result:
                f = result["accuracy"]["full"]
                notes.append(
                    "Classification on hs-dev: top-1 at 2/4/6 digits "
                    + " / ".join(f"{f['top1'][d]:.1f}" for d in "246")
                    + " %, top-5 "
                    + " / ".join(f"{f['top5'][d]:.1f}" for d in "246")
                    + f" %; classify p95 {result['classify']['p95_ms']:.0f} ms; anchor 57.5 % top-1 at HS6 (ATLAS)."
                )
    if "revenue" in only:
        print("\n== revenue: 1,000,000 ledger entries, statements, transaction history ==", flush=True)
        if pg_problem:
            notes.append(f"Revenue skipped: no PostgreSQL reachable at {pg_server_url()} ({pg_problem}).")
        else:
            result = run_module("bench_revenue.py", ["--db", "postgres"], bench_env(), timeout=3600)
            if not result or result.get("skipped"):
                notes.append(f"Revenue: no result ({(result or {}).get('skipped', 'see output')}).")
            else:
                posting, statements, history = result["posting"], result["statements"], result["history"]
                row(
                    f"Ledger posting ({posting['entries']:,} entries, 10,000 accounts)",
                    pg_label,
                    posting["entries_per_second"],
                    "entries/s",
                    "info",
                    None,
                    "revenue.posting",
                )
                row(
                    f"Statements for a month ({statements['statements']:,}, PDF + CSV)",
                    pg_label,
                    statements["statements_per_second"],
                    "statements/s",
                    "info",
                    None,
                    "revenue.statements",
                )
                for name, label in (("page", "staff account page"), ("api", "API transactions")):
                    p95 = history[name]["all"]["p95_ms"]
                    row(
                        f"Transaction history, {label}, p95 (1M entries)",
                        pg_label,
                        p95,
                        "ms",
                        "≤ 150 ms",
                        p95 <= 150,
                        f"revenue.history.{name}.p95",
                    )
                notes.append(
                    f"Revenue: {posting['debts']:,} debts and {posting['payments']:,} payments (cleared as posted) "
                    f"through ledger_post_many in batches of 2,000 in {posting['seconds']:.0f} s; "
                    f"{statements['statements']:,} statements ({statements['lines']:,} lines) in "
                    f"{statements['seconds']:.0f} s."
                )
    return rows, notes


# ── docs/benchmarks.md ─────────────────────────────────────────────────────────────────────


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def render_latest(
    stamp: str,
    commit: str,
    rows: list[dict[str, Any]],
    notes: list[str],
    previous: dict[str, Any] | None,
    elapsed: float,
) -> str:
    before = {r["key"]: r for r in (previous or {}).get("rows", [])}
    lines = [
        LATEST_START,
        f"## Latest run: {stamp}",
        "",
        f"Commit `{commit}` · {machine()} · run took {elapsed / 60:.1f} min"
        + (f" · compared with the run of {previous['date']} (`{previous['commit']}`)" if previous else ""),
        "",
        "| Figure | Database | Result | Target | Pass | Previous run | Change |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        old = before.get(r["key"])
        change = "—"
        if old and old.get("value") and r["value"] is not None:
            change = f"{(r['value'] - old['value']) / old['value'] * 100:+.0f} %"
        verdict = "—" if r["ok"] is None else ("pass" if r["ok"] else "**FAIL**")
        lines.append(
            f"| {r['figure']} | {r['database']} | {fmt(r['value'], r['unit'])} | {r['target']} | {verdict} | "
            f"{fmt(old['value'], old['unit']) if old else '—'} | {change} |"
        )
    if notes:
        lines += ["", *[f"- {note}" for note in notes]]
    data = {"date": stamp, "commit": commit, "rows": rows}
    lines += ["", f"<!-- bench:data {json.dumps(data, ensure_ascii=False)} -->", LATEST_END]
    return "\n".join(lines)


def update_doc(rows: list[dict[str, Any]], notes: list[str], elapsed: float) -> None:
    text = DOC.read_text() if DOC.exists() else ""
    head, old_latest, old_previous = INTRO, "", ""
    if LATEST_START in text and LATEST_END in text:
        head = text[: text.index(LATEST_START)]
        old_latest = text[text.index(LATEST_START) + len(LATEST_START) : text.index(LATEST_END)].strip()
    if PREVIOUS_START in text and PREVIOUS_END in text:
        old_previous = text[text.index(PREVIOUS_START) + len(PREVIOUS_START) : text.index(PREVIOUS_END)]
        old_previous = old_previous.replace("_None yet._", "").strip()
    previous = None
    if old_latest:
        match = DATA_RE.search(old_latest)
        previous = json.loads(match.group(1)) if match else None
        # The replaced run keeps its table; it goes down one heading level under "Previous runs".
        moved = DATA_RE.sub("", old_latest).replace("## Latest run: ", "### ").strip()
        old_previous = (moved + "\n\n" + old_previous).strip()
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    latest = render_latest(stamp, git_commit(), rows, notes, previous, elapsed)
    body = (
        head.rstrip()
        + "\n\n"
        + latest
        + "\n\n## Previous runs\n\n"
        + PREVIOUS_START
        + "\n"
        + (old_previous or "_None yet._")
        + "\n"
        + PREVIOUS_END
        + "\n"
    )
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(body)
    print(f"\nrecorded in {DOC.relative_to(ROOT)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        default="intake,stamp,queue,tariff,classification,revenue",
        help="comma-separated: intake, stamp, queue, tariff, classification, revenue",
    )
    parser.add_argument("--messages", type=int, default=200, help="requests sent in the intake benchmark")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    started = time.perf_counter()
    rows, notes = run_all(only, args.messages)
    elapsed = time.perf_counter() - started

    print("\n== summary ==")
    for r in rows:
        verdict = "" if r["ok"] is None else ("  pass" if r["ok"] else "  FAIL")
        print(
            f"  {r['figure'] + ' [' + r['database'] + ']':<78} {fmt(r['value'], r['unit']):>16}"
            f"  (target {r['target']}){verdict}"
        )
    for note in notes:
        print(f"  note: {note}")
    print(f"  total time {elapsed / 60:.1f} min")
    if not args.no_docs and rows:
        update_doc(rows, notes, elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
