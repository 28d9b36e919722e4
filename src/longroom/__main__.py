"""`python -m longroom <command>`: Django's management commands, plus `run`.

`run` starts everything a desk needs as child processes — web (uvicorn), SMTP intake, the
task worker and the scheduler — prints where to go, and stops them all on Ctrl+C. A child
that dies is restarted, so a crashed worker does not silently stop intake.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _children(http: str) -> dict[str, list[str]]:
    host, _sep, port = http.rpartition(":")
    python = sys.executable
    return {
        "web": [
            python,
            "-m",
            "uvicorn",
            "longroom.asgi:application",
            "--host",
            host or "127.0.0.1",
            "--port",
            port,
            "--no-access-log",
            "--lifespan",
            "off",
        ],
        "smtp": [python, "-m", "longroom", "smtp_intake"],
        "worker": [
            python,
            "-m",
            "longroom",
            "worker",
            "--interval",
            "0.2",
            "--no-startup-delay",
            "--no-reload",
        ],
        "scheduler": [python, "-m", "longroom", "scheduler"],
    }


def _accepts(address: str) -> bool:
    host, _sep, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_until_ready(
    http: str,
    smtp: str,
    worker_ready: Path,
    processes: dict[str, subprocess.Popen[bytes]],
    stopping: Callable[[], bool],
) -> bool:
    """True once web and SMTP accept connections and the worker has warmed its PDF sandbox."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not stopping():
        if _accepts(http) and _accepts(smtp) and worker_ready.exists():
            return True
        if any(p.poll() is not None for p in processes.values()):
            return False
        time.sleep(0.1)
    return False


def _print_banner(settings: Any) -> None:
    public = settings.LONGROOM_PUBLIC_URL
    relay = (
        f"relay {settings.LONGROOM_RELAY['host']}:{settings.LONGROOM_RELAY['port']}"
        if settings.LONGROOM_RELAY["host"]
        else ""
    )
    print(
        "\n".join(
            [
                "",
                "Longroom is running.",
                f"  Web (English):  {public}/en/",
                f"  Web (français): {public}/fr/",
                f"  Staff desk:     {public}/en/desk/",
                f"  Tariff tools:   {public}/en/tariff/  (calculator: /en/tariff/calculator/)",
                f"  API (OpenAPI):  {public}/api/v1/openapi.json",
                f"  SMTP intake:    {settings.LONGROOM_SMTP}  (send mail to a demo inbox, e.g. cargo-410@longroom.test)",
                f"  Outbound mail:  {relay or settings.LONGROOM_OUTBOX_DIR}",
                *_demo_logins(settings),
                "Press Ctrl+C to stop.",
                "",
            ]
        ),
        flush=True,
    )


def _demo_logins(settings: Any) -> list[str]:
    if not settings.LONGROOM_DEMO:
        return []
    from longroom.desk.demo import DEMO_PASSWORD

    return [
        f"  Demo sign-in (password {DEMO_PASSWORD}):",
        "    officer410@longroom.test, superintendent410@longroom.test, admin410@longroom.test",
        "    (the same for offices 395 and 809), and admin@longroom.test for the whole system",
    ]


def run() -> int:
    from django.conf import settings

    from longroom.desk.management.commands.worker import ready_marker

    http = settings.LONGROOM_HTTP
    children = _children(http)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    ready_marker().unlink(missing_ok=True)
    for name, command in children.items():
        processes[name] = subprocess.Popen(command)
    if _wait_until_ready(http, settings.LONGROOM_SMTP, ready_marker(), processes, lambda: stopping):
        _print_banner(settings)
    elif not stopping:
        print("Longroom did not start completely: see the messages above. Still trying.", flush=True)
    try:
        while not stopping:
            time.sleep(0.5)
            for name, process in list(processes.items()):
                if process.poll() is not None and not stopping:
                    print(f"{name} stopped (exit {process.returncode}); restarting it.", flush=True)
                    time.sleep(1)
                    processes[name] = subprocess.Popen(children[name])
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longroom.settings")
    import django

    if len(sys.argv) > 1 and sys.argv[1] == "run":
        django.setup()
        return run()
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0].replace("__main__.py", "longroom"), *sys.argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
