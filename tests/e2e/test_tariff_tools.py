"""A member of the public finds a tariff item for cotton T-shirts and estimates the duties and taxes,
in a real browser against the running system (demo data: the sample edition), in English and French."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from .conftest import wait_for_components

pytestmark = pytest.mark.e2e

SEARCH_WORDS = {"en": "cotton t-shirt", "fr": "t-shirt en coton"}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_search_guided_flow_and_calculator_for_a_cotton_t_shirt(longroom_system, browser, lang):
    from playwright.sync_api import expect

    base = f"{longroom_system.base_url}/{lang}"
    context = browser.new_context(
        viewport={"width": 1300, "height": 1000}, locale="fr-CA" if lang == "fr" else "en-CA"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    try:
        # Search from the tools page.
        page.goto(f"{base}/tariff/")
        wait_for_components(page)
        page.locator("#id_q").fill(SEARCH_WORDS[lang])
        page.locator("form[role=search] button[type=submit]").click()
        page.wait_for_load_state()
        results = page.locator("#search-results")
        expect(results).to_contain_text("6109.10.00")

        # Not sure which line? The guided flow, starting from the same words.
        page.locator("a[href*='/tariff/classify/']").first.click()
        page.wait_for_load_state()
        wait_for_components(page)
        for _ in range(8):  # answer each question with the choice that names T-shirts or cotton
            if page.locator("#proposed-item").count():
                break
            form = page.locator("#question-form")
            expect(form).to_be_visible()
            labels = form.locator("label")
            wanted = None
            for i in range(labels.count()):
                text = labels.nth(i).inner_text().lower()
                if "t-shirt" in text or "cotton" in text or "coton" in text or "6109.10" in text:
                    wanted = labels.nth(i)
                    break
            (wanted or labels.first).click()
            form.locator("#answer").click()
            page.wait_for_load_state()
        expect(page.locator("#proposed-item")).to_have_text("6109.10.00")
        expect(page.locator("#proposal")).to_contain_text("18 %")

        # Send it to the calculator and estimate US$1,000 of T-shirts from China.
        page.locator("#send-to-calculator").click()
        page.wait_for_load_state()
        wait_for_components(page)
        expect(page.locator("#id_line-0-tariff_item")).to_have_value("6109.10.00")
        page.locator("#id_line-0-origin").select_option("CN")
        page.locator("#id_line-0-value").fill("1000")
        page.locator("#id_line-0-currency").fill("USD")
        page.locator("#calculate").click()
        page.wait_for_load_state()
        table = page.locator("#result-table")
        expect(table).to_be_visible()
        total_text = page.locator("#result-total").inner_text()
        total = Decimal(re.sub(r"[^\d.,]", "", total_text).replace(",", "."))
        # 18 % duty on the value for duty, then 5 % GST on value plus duty: the figures shown must agree.
        cells = [c.inner_text() for c in table.locator("tbody tr").first.locator("td").all()]
        value_for_duty = Decimal(cells[1].replace(",", ".").replace("\u00a0", "").replace(" ", ""))
        duty = (value_for_duty * Decimal("0.18")).quantize(Decimal("0.01"))
        gst = ((value_for_duty + duty) * Decimal("0.05")).quantize(Decimal("0.01"))
        assert total == duty + gst
        expect(page.locator("#calculator-result")).to_contain_text("MFN")
    finally:
        context.close()
    assert not errors, errors
