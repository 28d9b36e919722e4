"""axe-core on every page, in English and in French, on the running demo system.

A page passes when axe reports nothing "serious" or "critical". Every violation (any impact) is
printed with its rule, impact and targets, so a failure says what to fix and where.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from longroom.desk.demo import DEMO_PASSWORD, demo_email, demo_pdf

from .conftest import (
    AXE_SCRIPT,
    CARGO_410,
    OFFICER,
    RunningLongroom,
    sign_in_in_browser,
    wait_for_components,
)

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
REFERENCE = r"LR-410-C-\d{4}-\d{6}"
# The demo request that load_demo stamps and returns (see longroom.desk.demo._demo_requests).
DEMO_STAMPED_NUMBER = "123456789101112131415"

# (rule id, CSS target) pairs that come from inside a GC Design System component and cannot be
# fixed from our markup. Keep this empty unless a component itself is at fault; say which and why.
COMPONENT_EXCEPTIONS: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Targets:
    open_reference: str  # a cargo request this test claims, so the decision forms show
    stamped_reference: str
    message_pk: str


@pytest.fixture(scope="module")
def targets(longroom_system: RunningLongroom) -> Targets:
    number = "4100000" + "".join(str((i * 7) % 10) for i in range(8))
    pdf = demo_pdf(number)
    longroom_system.send(
        demo_email(to=CARGO_410, subject=f"RMD - {number}", attachments=[(f"{number}.pdf", pdf)])
    )
    ack = longroom_system.wait_for_mail(
        lambda m: number in str(m["Subject"]), what=f"acknowledgement of {number}"
    )
    open_reference = re.search(REFERENCE, str(ack["Subject"])).group(0)  # type: ignore[union-attr]
    officer = longroom_system.http()
    officer.sign_in(OFFICER, DEMO_PASSWORD)
    everything = officer.get("/en/desk/queue/410/C/?status=all")
    stamped = re.search(rf">({REFERENCE})</a>(?:(?!</tr>).)*{DEMO_STAMPED_NUMBER}", everything, re.S)
    assert stamped, "the demo's stamped request is not in the 410 cargo queue"
    message = re.search(r"/en/desk/intake/(\d+)/", officer.get("/en/desk/intake/"))
    assert message, "the demo's refused message is not on the intake problems page"
    return Targets(
        open_reference=open_reference, stamped_reference=stamped.group(1), message_pk=message.group(1)
    )


def _public_pages(t: Targets) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("locations", "/locations/"),
        ("verify", "/desk/verify/"),
        ("verify-reference", f"/desk/verify/{t.stamped_reference}/"),
        ("sign-in", "/accounts/login/"),
        ("tariff tools", "/tariff/"),
        ("tariff search", "/tariff/search/?q=cotton+t-shirt"),
        ("tariff browse", "/tariff/browse/"),
        ("tariff chapter", "/tariff/browse/61/"),
        ("tariff item", "/tariff/items/6109.10.00/"),
        ("help me classify", "/tariff/classify/?description=cotton+t-shirt"),
        ("calculator", "/tariff/calculator/?item=6109.10.00"),
        ("exchange rates", "/tariff/exchange-rates/"),
    ]


def _staff_pages(t: Targets) -> list[tuple[str, str]]:
    return [
        ("desk home", "/desk/"),
        ("queue", "/desk/queue/410/C/"),
        ("request review (claimed)", f"/desk/requests/{t.open_reference}/"),
        ("pop-out viewer", f"/desk/requests/{t.open_reference}/viewer/"),
        ("intake problems", "/desk/intake/"),
        ("received message", f"/desk/intake/{t.message_pk}/"),
        ("outbox", "/desk/outbox/"),
        ("profile", "/profile/"),
    ]


def _axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
    wait_for_components(page)
    page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help,
               targets: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))"""
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_has_no_serious_accessibility_violations(longroom_system, browser, targets, lang):
    if not AXE_SCRIPT.exists():
        pytest.skip(f"axe-core is not installed ({AXE_SCRIPT}); run `npm ci`")
    base = f"{longroom_system.base_url}/{lang}"
    # axe is injected as an inline script, which our strict CSP (rightly) refuses.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale=lang)
    page = context.new_page()
    report: list[str] = []
    blocking: list[str] = []

    def check(name: str, path: str) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status < 500, f"{name}: HTTP {response and response.status}"
        page_lang = page.evaluate("document.documentElement.lang")
        if page_lang != lang:
            blocking.append(f"[{lang}] {name} ({path}): <html lang={page_lang!r}>, expected {lang!r}")
        for violation in _axe(page):
            for node in violation["targets"]:
                target = json.dumps(node["target"])
                line = (
                    f"[{lang}] {name} ({path}): {violation['id']} — {violation['impact']} — {violation['help']}\n"
                    f"      target {target}\n      {(node['summary'] or '').replace(chr(10), ' ')}"
                )
                report.append(line)
                excepted = any(
                    violation["id"] == rule and selector in target for rule, selector in COMPONENT_EXCEPTIONS
                )
                if violation["impact"] in BLOCKING and not excepted:
                    blocking.append(line)

    try:
        for name, path in _public_pages(targets):
            check(name, path)
        sign_in_in_browser(page, longroom_system.base_url, OFFICER, DEMO_PASSWORD, lang=lang)
        page.goto(f"{base}/desk/requests/{targets.open_reference}/")
        if page.locator("#claim").count():
            page.locator("#claim").click()
            page.wait_for_load_state()
        assert page.locator("#stamp-form").count() == 1, (
            "the request is not claimed: its decision forms would go unchecked"
        )
        for name, path in _staff_pages(targets):
            check(name, path)
    finally:
        context.close()
    if report:
        print("\naxe-core violations:\n" + "\n".join(report))
    assert not blocking, "serious or critical accessibility violations:\n" + "\n".join(blocking)
