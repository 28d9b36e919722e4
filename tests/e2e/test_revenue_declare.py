"""Staff entering a declaration and a correction, in a real browser, in English and French:
axe-core finds nothing serious or critical on the new-declaration page (as first shown, with a
line added, and with every error of an empty submission shown) and on a correction page."""

from __future__ import annotations

import json

import pytest

from longroom.desk.demo import DEMO_PASSWORD

from .conftest import (
    AXE_SCRIPT,
    REVENUE_BN15,
    REVENUE_OFFICER,
    RunningLongroom,
    revenue_setup,
    sign_in_in_browser,
)
from .test_accessibility import BLOCKING, _axe

pytestmark = pytest.mark.e2e

BN15 = REVENUE_BN15
NUMBER = "41000000000033"

# Run in the system's own database with `python -m longroom shell -c`: a revenue officer who may
# post, an importer, and an accepted CAD with nothing pending, so its correction page opens.
# Idempotent, and shares the officer and importer with test_revenue_staff.
SETUP = (
    revenue_setup(DEMO_PASSWORD)
    + f"""
from longroom.revenue.models import Declaration
from longroom.revenue.services import CadHeader, CadLine, declaration_submit

if not Declaration.objects.filter(transaction_number="{NUMBER}").exists():
    version = declaration_submit(
        account=account, transaction_number="{NUMBER}",
        header=CadHeader(office_number="410", release_date=dt.date(2026, 3, 10), transport_mode="highway"),
        lines=[CadLine(vendor="Shenzhen Apparel Co.", tariff_item="6109.10.00", origin="CN", currency="USD",
                       value=Decimal("1000"))],
        now=dt.datetime(2026, 3, 10, 12, tzinfo=EASTERN))
    assert version.status == "accepted", version.problems
"""
)


@pytest.fixture(scope="module")
def declare_data(longroom_system: RunningLongroom) -> None:
    longroom_system.manage("shell", "-c", SETUP)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_declaration_entry_pages_have_no_serious_accessibility_violations(
    longroom_system, browser, declare_data, lang
):
    if not AXE_SCRIPT.exists():
        pytest.skip(f"axe-core is not installed ({AXE_SCRIPT}); run `npm ci`")
    base = f"{longroom_system.base_url}/{lang}/revenue/accounts/{BN15}/declarations"
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale=lang)
    page = context.new_page()
    report: list[str] = []
    blocking: list[str] = []

    def audit(name: str) -> str:
        assert page.evaluate("document.documentElement.lang") == lang, f"{name}: wrong <html lang>"
        for violation in _axe(page):
            for node in violation["targets"]:
                line = (
                    f"[{lang}] {name}: {violation['id']} — {violation['impact']} — {violation['help']}\n"
                    f"      target {json.dumps(node['target'])}\n"
                    f"      {(node['summary'] or '').replace(chr(10), ' ')}"
                )
                report.append(line)
                if violation["impact"] in BLOCKING:
                    blocking.append(line)
        return page.content()

    def visit(name: str, path: str) -> str:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, f"{name}: HTTP {response and response.status}"
        return audit(name)

    def click(name: str, selector: str) -> str:
        with page.expect_navigation():
            page.click(selector)
        return audit(name)

    try:
        sign_in_in_browser(page, longroom_system.base_url, REVENUE_OFFICER, DEMO_PASSWORD, lang=lang)
        listing = visit("declarations", "/")
        assert f"/{lang}/revenue/accounts/{BN15}/declarations/new/" in listing, "no link to a new declaration"
        html = visit("new declaration", "/new/")
        assert 'id="line-1"' in html and 'id="line-2"' not in html
        html = click("new declaration, a line added", "#add-line")
        assert 'id="line-2"' in html, "Add a line did not add a line"
        html = click("new declaration, submitted empty", "#declare-submit")
        assert 'id="declare-errors"' in html and 'aria-invalid="true"' in html, "no errors shown"
        html = visit("declaration", f"/{NUMBER}/")
        assert f"/{NUMBER}/correct/" in html, "no link to correct the declaration"
        html = visit("correct a declaration", f"/{NUMBER}/correct/")
        assert 'value="Shenzhen Apparel Co."' in html, "the correction form is not prefilled"
    finally:
        context.close()
    if report:
        print("\naxe-core violations:\n" + "\n".join(report))
    assert not blocking, "serious or critical accessibility violations:\n" + "\n".join(blocking)
