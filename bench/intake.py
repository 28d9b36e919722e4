"""Intake throughput: one-page requests per second, from SMTP receipt to "queued", one worker.

A fresh installation (temporary LONGROOM_VAR_DIR; SQLite, or a fresh PostgreSQL database with
--db postgres) gets one office with a cargo inbox. The real SMTP receiver (the app's
`intake_handler()` on aiosmtpd, in this process) and ONE real task worker process
(`python -m longroom db_worker`) run; N one-page requests are sent over one SMTP connection as
fast as the receiver takes them. The clock runs from the first SMTP send until the N-th request
is in status "queued" (the database is polled every 20 ms).

The worker also renders previews and sends acknowledgements; those tasks are queued behind the
intake tasks, so the time until the task queue is empty ("drained") is reported too.

    .venv/bin/python bench/intake.py [--messages 200] [--db sqlite|postgres] [--profile]

--profile runs the worker under cProfile and prints where its time went.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    PYTHON,
    ROOT,
    emit,
    fresh_installation,
    pg_reachable,
    pg_server_url,
    summary_ms,
)

PG_DATABASE = "longroom_bench_intake"
TARGET_RPS = 20.0
OFFICE = "410"
INBOX = "cargo-410@longroom.test"


def prepare_installation() -> None:
    from django.core.management import call_command

    from longroom.desk.demo import REQUEST_TYPES
    from longroom.desk.models import RequestType
    from longroom.offices.models import Inbox, InboxKind, Office

    call_command("migrate", interactive=False, verbosity=0)
    for kind, types in REQUEST_TYPES.items():
        for code, en, fr in types:
            RequestType.objects.get_or_create(
                code=code, inbox_kind=kind, defaults={"label_en": en, "label_fr": fr}
            )
    office, _ = Office.objects.get_or_create(
        number=OFFICE,
        defaults={
            "name_en": "Benchmark Office 410",
            "name_fr": "Bureau de référence 410",
            "street_address": "100 Example Road",
            "city": "Windsor",
            "province": "ON",
            "postal_code": "N9A 0A1",
        },
    )
    Inbox.objects.get_or_create(office=office, kind=InboxKind.CARGO, defaults={"address": INBOX})


def build_messages(count: int) -> list[tuple[str, bytes]]:
    """(sender, raw message) for `count` one-page cargo requests, each from its own broker.

    One sender per message so the per-sender reply limit does not turn acknowledgements off
    part-way through (which would make the later messages cheaper than real ones).
    """
    from longroom.desk.demo import demo_email, demo_pdf

    messages = []
    for i in range(count):
        number = f"4101{i:011d}"
        sender = f"broker{i}@example.com"
        raw = demo_email(
            to=INBOX,
            subject=f"RMD - {number}",
            sender=sender,
            attachments=[(f"{number}.pdf", demo_pdf(number))],
        )
        # On the wire SMTP lines end in CRLF (RFC 5321); Python's generator wrote bare LF.
        messages.append((sender, re.sub(rb"(?<!\r)\n", b"\r\n", raw)))
    return messages


def snapshot() -> dict[str, int]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from longroom.desk.models import InboundMessage, Request, RequestStatus

    counts: dict[str, int] = {"queued": Request.objects.filter(status=RequestStatus.QUEUED).count()}
    for row in InboundMessage.objects.values("status").annotate(n=Count("id")).order_by():
        counts["msg_" + row["status"]] = row["n"]
    counts["tasks_pending"] = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
    return counts


def wait_for(predicate: Any, timeout: float, interval: float = 0.02) -> tuple[bool, dict[str, int]]:
    deadline = time.monotonic() + timeout
    state = snapshot()
    while not predicate(state):
        if time.monotonic() > deadline:
            return False, state
        time.sleep(interval)
        state = snapshot()
    return True, state


def task_durations(since: Any) -> dict[str, dict[str, float]]:
    """Per task kind: how long the worker spent in each, from the task results."""
    from django_tasks_db.models import DBTaskResult

    durations: dict[str, list[float]] = {}
    for path, started, finished in DBTaskResult.objects.filter(
        enqueued_at__gte=since, started_at__isnull=False, finished_at__isnull=False
    ).values_list("task_path", "started_at", "finished_at"):
        durations.setdefault(path.rsplit(".", 1)[-1], []).append((finished - started).total_seconds())
    return {name: summary_ms(values) | {"total_s": sum(values)} for name, values in sorted(durations.items())}


def start_worker(log_path: Path, profile_path: Path | None) -> subprocess.Popen[bytes]:
    command = [PYTHON]
    if profile_path is not None:
        command += ["-m", "cProfile", "-o", str(profile_path)]
    command += ["-m", "longroom", "db_worker", "--interval", "0.05", "--no-startup-delay", "--no-reload"]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGINT)  # graceful: finishes the current task, lets cProfile write
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


# The worker's work for one request, step by step (cumulative time per call, under cProfile).
PROFILED_STEPS = [
    "run_task",
    "process_message",
    "message_process",
    "claim_for_processing",
    "load_and_parse",
    "detect_duplicate",
    "check_subject_and_attachments",
    "open_pdfs_sandboxed",
    "inspect_pdf",
    "finish",
    "_finish_new_request",
    "reference_allocate",
    "_store_documents",
    "store_bytes",
    "_reply_if_allowed",
    "sender_is_over_reply_limit",
    "reply_record",
    "record",
    "render_document",
    "render_pages",
    "send_outbound",
    "deliver_raw",
    "get_locked",
    "claim",
    "set_successful",
    "close_old_connections",
]


def print_profile(path: Path, limit: int = 25) -> list[str]:
    import io
    import pstats

    if not path.exists():
        print("  (no profile written)")
        return []
    lines: list[str] = []
    raw = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    print("\n  worker profile, per step (cumulative, per call; cProfile roughly doubles Python time):")
    steps = []
    for (filename, _line, name), (_cc, calls, _tt, cumulative, _callers) in raw.items():
        if (name in PROFILED_STEPS and "longroom" in filename) or name in {"run_task", "get_locked", "claim"}:
            where = "/".join(Path(filename).parts[-2:])
            steps.append(
                (cumulative, f"{name:<30} {where:<32} calls {calls:5d}  {cumulative / calls * 1000:7.1f} ms")
            )
    for _cumulative, line in sorted(steps, reverse=True):
        print("    " + line)
        lines.append(line)
    for sort in ("tottime", "cumulative"):
        buffer = io.StringIO()
        stats = pstats.Stats(str(path), stream=buffer)
        stats.strip_dirs().sort_stats(sort).print_stats(limit)
        text = buffer.getvalue()
        body = text[text.find("   ncalls") :] if "   ncalls" in text else text
        print(f"\n  worker profile, top {limit} by {sort}:")
        for line in body.rstrip().splitlines():
            print("    " + line)
            lines.append(line)
    return lines


def run(count: int, db: str, profile: bool, keep: bool) -> dict[str, Any]:
    var_dir, label = fresh_installation("longroom-bench-intake-", db, PG_DATABASE)
    from django.utils import timezone

    from longroom.desk.mail.smtp import bound_port, start_smtp_server
    from longroom.desk.management.commands.smtp_intake import intake_handler

    print(f"intake ({label}): preparing a fresh installation in {var_dir}", flush=True)
    prepare_installation()
    messages = build_messages(count + 1)
    warmup, timed = messages[0], messages[1:]

    controller = start_smtp_server(intake_handler(), "127.0.0.1", 0)
    port = bound_port(controller)
    profile_path = var_dir / "worker.prof" if profile else None
    worker = start_worker(var_dir / "worker.log", profile_path)
    result: dict[str, Any] = {"database": label, "messages": count, "workers": 1}
    try:
        # Warm-up: one request through the whole chain, so the worker's imports and its PDF
        # sandbox start are not counted (they happen once per worker start, not per request).
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail(warmup[0], [INBOX], warmup[1])
        ok, state = wait_for(lambda s: s["queued"] >= 1 and s["tasks_pending"] == 0, timeout=120)
        if not ok:
            raise RuntimeError(f"warm-up request did not go through: {state}")
        since = timezone.now()

        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for sender, raw in timed:
                smtp.sendmail(sender, [INBOX], raw)
        sent = time.perf_counter()
        done = count + 1
        failed_keys = ("msg_not_accepted", "msg_dead", "msg_retry_wait")
        ok, state = wait_for(
            lambda s: s["queued"] >= done or s["queued"] + sum(s.get(k, 0) for k in failed_keys) >= done,
            timeout=max(120.0, count * 2.0),
        )
        queued = time.perf_counter()
        ok_drained, state_drained = wait_for(
            lambda s: s["tasks_pending"] == 0, timeout=max(120.0, count * 3.0)
        )
        drained = time.perf_counter()
        if state["queued"] < done:
            print(
                f"  WARNING: only {state['queued'] - 1} of {count} requests reached 'queued': {state}",
                flush=True,
            )
        result.update(
            {
                "completed": state["queued"] - 1,
                "smtp_seconds": sent - started,
                "smtp_rps": count / (sent - started),
                "queued_seconds": queued - started,
                "requests_per_second": (state["queued"] - 1) / (queued - started),
                "drained_seconds": drained - started if ok_drained else None,
                "drained_rps": count / (drained - started) if ok_drained else None,
                "final_state": state_drained,
                "tasks": task_durations(since),
            }
        )
    finally:
        stop_worker(worker)
        controller.stop()

    print(
        f"intake ({label}, 1 worker, {count} one-page requests over SMTP):\n"
        f"  SMTP receive+record : {result['smtp_seconds']:.2f} s  ({result['smtp_rps']:.1f} msg/s accepted)\n"
        f"  receipt → queued    : {result['queued_seconds']:.2f} s  "
        f"=> {result['requests_per_second']:.1f} requests/s  (target ≥ {TARGET_RPS:.0f}/s)\n"
        + (
            f"  all tasks drained   : {result['drained_seconds']:.2f} s  "
            f"({result['drained_rps']:.1f} requests/s incl. preview rendering and acknowledgement e-mail)"
            if result.get("drained_seconds")
            else "  all tasks drained   : did not drain in time"
        ),
        flush=True,
    )
    for name, figures in result["tasks"].items():
        print(
            f"  worker time per {name:<16}: median {figures['median_ms']:.0f} ms, "
            f"p95 {figures['p95_ms']:.0f} ms, n={figures['n']}, total {figures['total_s']:.1f} s",
            flush=True,
        )
    if profile_path is not None:
        result["profile_top"] = print_profile(profile_path)
    if keep:
        print(f"  kept {var_dir}")
    else:
        shutil.rmtree(var_dir, ignore_errors=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--profile", action="store_true", help="run the worker under cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the temporary installation")
    args = parser.parse_args()
    if args.db == "postgres":
        problem = pg_reachable(pg_server_url())
        if problem:
            print(f"intake (PostgreSQL): skipped, no PostgreSQL reachable at {pg_server_url()} ({problem})")
            emit({"database": "PostgreSQL", "skipped": problem})
            return 0
    emit(run(args.messages, args.db, args.profile, args.keep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
