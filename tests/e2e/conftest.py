"""End-to-end fixtures: a real `python -m longroom run` on its own SQLite file, and Debian Chromium.

The running system is shared by the e2e modules (starting it and loading the demo takes most of
the suite's time). It never touches the test session's database: the children get their own
LONGROOM_VAR_DIR and no DATABASE_URL, so they run on SQLite even when the session runs on
PostgreSQL. Every child lives in one new process group that is killed on teardown.
"""

from __future__ import annotations

import email
import email.policy
import http.cookiejar
import os
import random
import re
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
VENDOR_ASSETS = REPO / "src" / "longroom" / "core" / "static" / "core" / "vendor"
OFFICER = "officer410@longroom.test"
CARGO_410 = "cargo-410@longroom.test"
CLIENT = "broker@example.com"
QUEUE_410_CARGO = "/en/desk/queue/410/C/"

# Variables of the session that must not leak into the system under test: its own database,
# its own outbox (no relay), its own files and keys.
_SCRUBBED = (
    "DATABASE_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "LONGROOM_FIELD_KEY",
    "LONGROOM_MEDIA_ROOT",
    "LONGROOM_DEBUG",
    "LONGROOM_SECURE_COOKIES",
    "LONGROOM_TASKS_BACKEND",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def client_address(number: str) -> str:
    return f"broker-{number}@example.com"


def crlf(raw: bytes) -> bytes:
    """SMTP wants CRLF line ends; `bytes(EmailMessage)` gives bare LF, which smtplib sends as-is."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class HttpSession:
    """A tiny cookie-keeping HTTP client (the venv has no `requests`)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=10) as response:
            return response.read().decode()

    def sign_in(self, login: str, password: str, lang: str = "en") -> None:
        path = f"/{lang}/accounts/login/"
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "the sign-in page has no CSRF token"
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "login": login, "password": password}
        )
        request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 server
            self.base_url + path, data=body.encode(), headers={"Referer": self.base_url + path}
        )
        with self.opener.open(request, timeout=10) as response:
            landed = response.geturl()
        assert "/accounts/login/" not in landed, f"sign-in as {login} failed (still on {landed})"


@dataclass(frozen=True)
class Arrival:
    """A request e-mailed to the 410 cargo inbox and seen in its queue page."""

    number: str
    pdf: bytes
    message_id: str
    seconds: float  # from just before the SMTP connection to the queue page showing it
    queue_loads: int


@dataclass
class RunningLongroom:
    var_dir: Path
    http_port: int
    smtp_port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(repr=False)
    first_arrival: Arrival | None = None  # the first e-mail after start-up: what acceptance 1 times

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def outbox(self) -> Path:
        return self.var_dir / "outbox"

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def send(self, raw: bytes, *, to: str = CARGO_410, sender: str = CLIENT) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as smtp:
            smtp.sendmail(sender, [to], crlf(raw))

    def outbox_messages(self) -> list[tuple[Path, EmailMessage]]:
        if not self.outbox.exists():
            return []
        found = []
        for path in sorted(self.outbox.glob("*.eml")):
            found.append((path, email.message_from_bytes(path.read_bytes(), policy=email.policy.default)))
        return found  # type: ignore[return-value]

    def wait_for_mail(self, predicate, *, timeout: float = 15.0, what: str = "an e-mail") -> EmailMessage:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _path, message in self.outbox_messages():
                if predicate(message):
                    return message
            time.sleep(0.1)
        subjects = [str(m["Subject"]) for _p, m in self.outbox_messages()]
        raise AssertionError(
            f"no {what} in {self.outbox} after {timeout}s; subjects there: {subjects}\n"
            f"--- system log ---\n{self.log_tail()}"
        )

    def manage(self, *args: str, timeout: float = 60) -> str:
        """Run a management command against this installation (its own SQLite file)."""
        done = subprocess.run(
            [sys.executable, "-m", "longroom", *args],
            env=self.env,
            cwd=self.var_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"`longroom {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def http(self) -> HttpSession:
        return HttpSession(self.base_url)

    def email_request(self) -> tuple[str, bytes, str]:
        """E-mail a fresh one-page RMD request to the 410 cargo inbox: (number, pdf, Message-ID).

        Each from its own client address: automatic replies are rate-limited per sender, and the
        demo data has already used up most of broker@example.com's hourly allowance.
        """
        from longroom.desk.demo import demo_email, demo_pdf

        number = str(random.randint(10**14, 10**15 - 1))
        pdf = demo_pdf(number)
        sender = client_address(number)
        raw = demo_email(
            to=CARGO_410, subject=f"RMD - {number}", sender=sender, attachments=[(f"{number}.pdf", pdf)]
        )
        self.send(raw, sender=sender)
        return number, pdf, str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])

    def time_to_queue(self, officer: HttpSession) -> Arrival:
        """E-mail a request and load the 410 cargo queue until it shows; `officer` is signed in."""
        officer.get(QUEUE_410_CARGO)  # the web process is warm: the figure measures intake
        started = time.monotonic()
        number, pdf, message_id = self.email_request()
        loads = 1
        while number not in officer.get(QUEUE_410_CARGO):
            loads += 1
            assert time.monotonic() - started < 60, (
                f"request {number} never reached the queue:\n{self.log_tail()}"
            )
            time.sleep(0.02)
        return Arrival(number, pdf, message_id, time.monotonic() - started, loads)


def _system_env(var_dir: Path, http_port: int, smtp_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        {
            "LONGROOM_VAR_DIR": str(var_dir),
            "LONGROOM_DEMO": "1",
            "LONGROOM_HTTP": f"127.0.0.1:{http_port}",
            "LONGROOM_SMTP": f"127.0.0.1:{smtp_port}",
            "LONGROOM_PUBLIC_URL": f"http://127.0.0.1:{http_port}",
            "DJANGO_SETTINGS_MODULE": "longroom.settings",
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH", "")])
            ),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _stop_group(process: subprocess.Popen[bytes]) -> str:
    """Stop `run` the way Ctrl+C would (it stops its children), then make sure nothing of the
    group survives. Returns "" when the stop was clean, else what had to be forced."""
    pgid = process.pid  # start_new_session=True: the group is led by `run` itself
    forced = ""
    try:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        forced = "`longroom run` did not stop within 20 s of SIGINT"
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)  # stragglers: children of children, PDF sandbox workers
        except ProcessLookupError:
            break
        time.sleep(0.5)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        forced = forced or "`longroom run` survived SIGKILL"
    return forced


@pytest.fixture(scope="session")
def longroom_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLongroom]:
    """`migrate`, `demo_load` and `run` as real processes, on a fresh var/ directory."""
    var_dir = tmp_path_factory.mktemp("longroom-var")
    http_port, smtp_port = free_port(), free_port()
    while smtp_port == http_port:
        smtp_port = free_port()
    env = _system_env(var_dir, http_port, smtp_port)
    for command in (["migrate", "--no-input", "-v0"], ["demo_load"]):
        done = subprocess.run(
            [sys.executable, "-m", "longroom", *command],
            env=env,
            cwd=var_dir,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"`longroom {command[0]}` failed:\n{done.stdout}\n{done.stderr}"
    log_path = var_dir / "run.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "longroom", "run"],
        env=env,
        cwd=var_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    system = RunningLongroom(
        var_dir=var_dir, http_port=http_port, smtp_port=smtp_port, process=process, log_path=log_path, env=env
    )
    try:
        deadline = time.monotonic() + 90
        # `run` prints its banner once web, SMTP and the (warmed-up) worker are all ready.
        while "Longroom is running." not in log_path.read_text(errors="replace"):
            assert process.poll() is None, (
                f"`longroom run` exited with {process.returncode}:\n{system.log_tail()}"
            )
            assert time.monotonic() < deadline, f"`longroom run` did not open its ports:\n{system.log_tail()}"
            time.sleep(0.1)
        # Acceptance 1 is "`make run`, then an e-mail": time the very first one, whichever
        # e2e test happens to run first.
        from longroom.desk.demo import DEMO_PASSWORD

        officer = system.http()
        officer.sign_in(OFFICER, DEMO_PASSWORD)
        system.first_arrival = system.time_to_queue(officer)
        yield system
    finally:
        forced = _stop_group(process)
        log.close()
    assert not forced, f"{forced}\n{system.log_tail()}"
    assert not port_accepts(http_port) and not port_accepts(smtp_port), "ports still open after stopping"


# ── browser ─────────────────────────────────────────────────────────────────────────────────


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not (VENDOR_ASSETS / "gcds").exists():
        pytest.skip(f"front-end assets are not built ({VENDOR_ASSETS}); run `node scripts/build-assets.mjs`")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread, which
    would trip Django's async-safety check in later (non-e2e) tests if it outlived the module."""
    _require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        pytest.skip("playwright (python) is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def wait_for_components(page) -> None:  # type: ignore[no-untyped-def]
    """GC Design System components render in shadow DOM once hydrated (Stencil adds `hydrated`)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('*')]
                 .filter(el => el.tagName.startsWith('GCDS-'))
                 .every(el => el.classList.contains('hydrated') && (el.shadowRoot !== null || !el.attachShadow))""",
        timeout=15000,
    )


def sign_in_in_browser(page, base_url: str, login: str, password: str, lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/{lang}/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url, timeout=15000)


# ── revenue data for the revenue pages ────────────────────────────────────────────────────

REVENUE_OFFICER = "revenue410@longroom.test"
REVENUE_BN15 = "123456782RM0001"


def revenue_setup(password: str) -> str:
    """Python for `python -m longroom shell -c` in the system's own database: a revenue officer
    who may post, the importer, and the USD rate of 10 March 2026. Idempotent; each revenue
    page test appends what it needs (`account`, `EASTERN`, `Decimal`, `dt` are then in scope)."""
    return f"""
import datetime as dt
from decimal import Decimal
from django.contrib.auth.models import Permission
from longroom.core.models import User
from longroom.registry.models import Business, ProgramAccount
from longroom.revenue.calendar import EASTERN
from longroom.tariff.models import ExchangeRate

officer, created = User.objects.get_or_create(
    email="{REVENUE_OFFICER}", defaults={{"is_staff": True, "staff_identifier": "REV-410"}})
if created:
    officer.set_password("{password}")
    officer.save()
officer.user_permissions.add(*Permission.objects.filter(
    content_type__app_label="revenue", codename__in=["view_ledgerentry", "add_ledgerentry"]))
business, _ = Business.objects.get_or_create(bn9="{REVENUE_BN15[:9]}", defaults=dict(
    legal_name="Maple Leaf Imports Ltd.", address_line1="100 Queen St.", city="Ottawa", province="ON",
    postal_code="K1A 0L5"))
account, _ = ProgramAccount.objects.get_or_create(
    number="{REVENUE_BN15}", defaults=dict(business=business, opened_on=dt.date(2026, 1, 1)))
ExchangeRate.objects.get_or_create(
    currency="USD", date=dt.date(2026, 3, 10), defaults={{"rate": Decimal("1.3500"), "source": "e2e"}})
"""
