"""Helpers shared by the benchmarks: environments, PostgreSQL databases, result lines.

Each benchmark runs as its own process (Django settings are per process and the SQLite and
PostgreSQL runs need different ones); it prints readable figures and, last, one line
``BENCH-RESULT {json}`` that `bench/run.py` collects.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PYTHON = sys.executable
RESULT_PREFIX = "BENCH-RESULT "

# Where PostgreSQL is looked for when DATABASE_URL does not name one.
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longroom.settings")
    import django

    django.setup()


def emit(result: dict[str, Any]) -> None:
    """The machine-readable result of a benchmark process, read back by run.py."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 runs is the 19th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms),
        "p50_ms": percentile(ms, 0.50),
        "p95_ms": percentile(ms, 0.95),
        "max_ms": max(ms),
        "min_ms": min(ms),
    }


# ── PostgreSQL ─────────────────────────────────────────────────────────────────────────────


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql", "postgis"}


def pg_server_url() -> str:
    """The PostgreSQL server to use: DATABASE_URL's when it is PostgreSQL, else the default."""
    url = os.environ.get("DATABASE_URL", "")
    return url if is_postgres_url(url) else DEFAULT_PG_SERVER


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _libpq(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


def pg_reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(_libpq(with_database(url, "postgres")), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return None


def pg_database_exists(url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(_libpq(with_database(url, "postgres")), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def pg_recreate_database(url: str, name: str) -> str:
    """Drop (if present) and create database ``name`` on the server of ``url``; returns its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(_libpq(with_database(url, "postgres")), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(url, name)


def pg_ensure_database(url: str, name: str) -> str:
    if not pg_database_exists(url, name):
        return pg_recreate_database(url, name)
    return with_database(url, name)


def fresh_installation(prefix: str, db: str, pg_database: str) -> tuple[Path, str]:
    """Point this process at a new var dir and (SQLite, or a recreated PostgreSQL database), set
    Django up, and return the var dir and the database's label. Call before importing models."""
    var_dir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["LONGROOM_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longroom.settings")
    os.environ.setdefault("LONGROOM_LOG_LEVEL", "WARNING")
    if db == "postgres":
        os.environ["DATABASE_URL"] = pg_recreate_database(pg_server_url(), pg_database)
    else:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    from django.db import connection

    return var_dir, "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"


# ── running a benchmark process ────────────────────────────────────────────────────────────


def bench_env(**overrides: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "longroom.settings")
    env.setdefault("LONGROOM_LOG_LEVEL", "WARNING")
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_module(script: str, args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any] | None:
    """Run ``bench/<script>`` streaming its output; return its BENCH-RESULT (None if it had none)."""
    command = [PYTHON, str(BENCH_DIR / script), *args]
    result: dict[str, Any] | None = None
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as process:
        assert process.stdout is not None
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            for line in process.stdout:
                if line.startswith(RESULT_PREFIX):
                    result = json.loads(line[len(RESULT_PREFIX) :])
                else:
                    print("  " + line, end="", flush=True)
            process.wait()
        finally:
            timer.cancel()
        if process.returncode and process.returncode < 0:
            print(f"  {script} was stopped after {timeout:.0f} s (time limit)", flush=True)
        elif process.returncode != 0:
            print(f"  {script} exited with status {process.returncode}", flush=True)
    return result
