"""The revenue staff pages in a real browser, in English and French: axe-core finds nothing serious
or critical on an account, its entries, its declarations (one with an adjustment waiting, so the
decision forms show), its statements and the penalty form."""

from __future__ import annotations

import json
import re

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
NUMBER = "41000000000017"

# Run in the system's own database with `python -m longroom shell -c`: a revenue officer, an
# importer, a CAD with a payment against it and an adjustment after its due date, waiting.
SETUP = (
    revenue_setup(DEMO_PASSWORD)
    + f"""
from longroom.revenue.calendar import statement_cycle_ending
from longroom.revenue.models import Declaration
from longroom.revenue.services import (
    CadHeader, CadLine, declaration_correct, declaration_submit, ledger_post, statement_issue,
)

def at(day):
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), tzinfo=EASTERN)

def tshirts(value):
    return CadLine(vendor="Shenzhen Apparel Co.", tariff_item="6109.10.00", origin="CN", currency="USD",
                   value=Decimal(value))

if not Declaration.objects.filter(transaction_number="{NUMBER}").exists():
    header = CadHeader(office_number="410", release_date=dt.date(2026, 3, 10), transport_mode="highway")
    original = declaration_submit(account=account, transaction_number="{NUMBER}", header=header,
                                  lines=[tshirts("1000")], now=at("2026-03-10"))
    assert original.status == "accepted", original.problems
    ledger_post(account=account, kind="payment", amount=Decimal("200.00"),
                effective_date=dt.date(2026, 3, 12), now=at("2026-03-12"), reference="PAY-E2E")
    statement_issue(account=account, cycle=statement_cycle_ending(2026, 3), now=at("2026-03-25"))
    declaration_correct(declaration=original.declaration, header=header, lines=[tshirts("1100")],
                        now=at("2026-04-02"), reason_code="VALUE", reason="Freight was left out.")
"""
)


@pytest.fixture(scope="module")
def revenue_data(longroom_system: RunningLongroom) -> None:
    longroom_system.manage("shell", "-c", SETUP)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_revenue_staff_pages_have_no_serious_accessibility_violations(
    longroom_system, browser, revenue_data, lang
):
    if not AXE_SCRIPT.exists():
        pytest.skip(f"axe-core is not installed ({AXE_SCRIPT}); run `npm ci`")
    base = f"{longroom_system.base_url}/{lang}/revenue"
    account = f"/accounts/{BN15}/"
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale=lang)
    page = context.new_page()
    report: list[str] = []
    blocking: list[str] = []

    def check(name: str, path: str) -> str:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, f"{name}: HTTP {response and response.status}"
        assert page.evaluate("document.documentElement.lang") == lang, f"{name}: wrong <html lang>"
        for violation in _axe(page):
            for node in violation["targets"]:
                line = (
                    f"[{lang}] {name} ({path}): {violation['id']} — {violation['impact']} — "
                    f"{violation['help']}\n      target {json.dumps(node['target'])}\n"
                    f"      {(node['summary'] or '').replace(chr(10), ' ')}"
                )
                report.append(line)
                if violation["impact"] in BLOCKING:
                    blocking.append(line)
        return page.content()

    try:
        sign_in_in_browser(page, longroom_system.base_url, REVENUE_OFFICER, DEMO_PASSWORD, lang=lang)
        check("find an account", "/?q=maple+leaf")
        html = check("account", account)
        assert "PAY-E2E" in html, "the payment is not in the account's history"
        entry = re.search(rf"/{lang}/revenue/accounts/{BN15}/entries/(\d+)/", html)
        assert entry, "no link to an entry page"
        check("entry", f"{account}entries/{entry.group(1)}/")
        check("declarations", f"{account}declarations/")
        html = check("declaration with a pending adjustment", f"{account}declarations/{NUMBER}/")
        assert 'id="approve-form"' in html and 'id="reject-form"' in html, "the decision forms are not shown"
        check("statements and notices", f"{account}documents/")
        check("post a penalty", f"{account}penalties/new/")
    finally:
        context.close()
    if report:
        print("\naxe-core violations:\n" + "\n".join(report))
    assert not blocking, "serious or critical accessibility violations:\n" + "\n".join(blocking)
