"""Revenue staff enter a CAD, and a correction or adjustment of one, on the account's pages.

The worked figures are those of test_declarations: 6109.10.00 (MFN 18 %) from China, US$1,000 at
1.3500 on 2026-03-10 = VFD $1,350.00, duty $243.00, GST $79.65, total $322.65.
"""

from __future__ import annotations

import re
from decimal import Decimal as D
from unittest import mock

import pytest

from longroom.revenue.models import (
    Declaration,
    DeclarationStatus,
    DeclarationVersion,
    EntryKind,
    LedgerEntry,
    VersionKind,
    VersionStatus,
)
from longroom.revenue.services import CadHeader, CadLine, declaration_submit

from .conftest import at, day

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
BN15 = "123456782RM0001"
ACCOUNT = f"/en/revenue/accounts/{BN15}/"
NEW = f"{ACCOUNT}declarations/new/"
NUMBER = "12345000000017"


@pytest.fixture(autouse=True)
def _demo(settings):
    settings.LONGROOM_DEMO = True  # staff may use the pages without a second factor here


def _line(index: int, **changes: str) -> dict[str, str]:
    values = {
        "vendor": "Shenzhen Apparel Co.",
        "description": "Cotton T-shirts",
        "tariff_item": "6109.10.00",
        "origin": "CN",
        "currency": "USD",
        "value": "1,000.00",
    } | changes
    return {f"line-{index}-{name}": value for name, value in values.items()}


def _cad(*lines: dict[str, str], number: str = NUMBER, **header: str) -> dict[str, str]:
    """The form as a browser sends it: the header, the lines and the formset's management form."""
    lines = lines or (_line(0),)
    data = {
        "transaction_number": number,
        "office_number": "0497",
        "release_date": "2026-03-10",
        "transport_mode": "air",
        "line-TOTAL_FORMS": str(len(lines)),
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "1",
        "line-MAX_NUM_FORMS": "50",
    } | header
    for line in lines:
        data |= line
    return data


def _text(response) -> str:
    return response.content.decode()


def _field_group(html: str, field_id: str) -> str:
    """The markup from a field's label to its input: where its own error message is shown."""
    found = re.search(rf'<label[^>]*for="{field_id}".*?id="{field_id}"[^>]*>', html, re.S)
    assert found, f"no field {field_id}"
    return found.group(0)


def _submitted(importer) -> DeclarationVersion:
    header = CadHeader(office_number="0497", release_date=day("2026-03-10"), transport_mode="air")
    line = CadLine(
        vendor="Shenzhen Apparel Co.", tariff_item="6109.10.00", origin="CN", currency="USD", value=D("1000")
    )
    version = declaration_submit(
        account=importer, transaction_number=NUMBER, header=header, lines=[line], now=at("2026-03-10")
    )
    assert version.status == VersionStatus.ACCEPTED, version.problems
    return version


# ── a new declaration ──────────────────────────────────────────────────────────────────────


def test_a_revenue_officer_submits_the_worked_cad_and_lands_on_its_page(
    officer_client, revenue_officer, ready
):
    listing = _text(officer_client.get(f"{ACCOUNT}declarations/"))
    assert f'href="{NEW}"' in listing and "Submit a declaration" in listing
    form = _text(officer_client.get(NEW))
    assert 'for="id_transaction_number"' in form and 'for="id_line-0-tariff_item"' in form
    assert 'name="csrfmiddlewaretoken"' in form and 'value="air"' in form
    response = officer_client.post(NEW, _cad())
    declaration_url = f"{ACCOUNT}declarations/{NUMBER}/"
    assert response.status_code == 302 and response["Location"] == declaration_url
    version = Declaration.objects.get(transaction_number=NUMBER).current_version
    assert (version.status, version.total, version.channel) == (VersionStatus.ACCEPTED, D("322.65"), "staff")
    assert version.submitted_by == revenue_officer
    [line] = version.lines.all()
    assert (line.value, line.description, line.currency) == (D("1000"), "Cotton T-shirts", "USD")
    page = _text(officer_client.get(declaration_url))
    assert f"Declaration {NUMBER} was accepted: $322.65 in duties and taxes, due 2026-03-10." in page
    assert "$322.65" in page and "entered by staff" in page
    assert LedgerEntry.objects.get(reference=NUMBER).amount == D("322.65")


def test_french_amounts_and_lines_added_without_javascript_are_declared(officer_client, ready):
    # "Add a line" shows what was typed again, with one more empty line, and records nothing.
    added = officer_client.post(NEW, _cad(_line(0, value="1 000,00")) | {"add_line": ""})
    assert added.status_code == 200 and not Declaration.objects.exists()
    html = _text(added)
    assert 'name="line-TOTAL_FORMS" value="2"' in html and 'id="line-2"' in html
    assert 'value="1 000,00"' in html and 'value="Shenzhen Apparel Co."' in html
    # A blank line is left out; a line marked for removal too.
    removed = _line(2, tariff_item="9999.99.99") | {"line-2-DELETE": "on"}
    response = officer_client.post(
        NEW, _cad(_line(0, value="1 000,00"), {"line-1-vendor": ""}, removed, release_prior_to_payment="on")
    )
    assert response.status_code == 302
    version = Declaration.objects.get().current_version
    assert version.lines.count() == 1 and version.total == D("322.65")
    assert version.release_prior_to_payment and version.payment_due_date == day("2026-03-31")


def test_a_refused_submission_shows_each_problem_on_its_field_and_is_recorded(officer_client, ready):
    second = _line(1, tariff_item="9999.99.99", value="10")
    response = officer_client.post(NEW, _cad(_line(0), second, office_number="9999"))
    assert response.status_code == 200
    html = _text(response)
    # Recorded: a rejected version with the lines as sent, nothing posted.
    version = DeclarationVersion.objects.get()
    assert version.status == VersionStatus.REJECTED and version.lines.count() == 2
    assert {(p["line"], p["field"]) for p in version.problems} == {(0, "office_number"), (2, "tariff_item")}
    assert not LedgerEntry.objects.exists()
    assert f"Refused. What was sent is recorded as version 1 of transaction {NUMBER}" in html
    assert f"{ACCOUNT}declarations/{NUMBER}/#version-1" in html
    # Each problem on its own field, announced in the summary, with the values sent kept.
    office = _field_group(html, "id_office_number")
    assert "9999 is not a customs office" in office and 'aria-invalid="true"' in office
    item = _field_group(html, "id_line-1-tariff_item")
    assert "9999.99.99 is not a tariff item" in item and 'aria-invalid="true"' in item
    assert "is not a tariff item" not in _field_group(html, "id_line-0-tariff_item")
    summary = re.search(
        r'<div role="alert" class="lr-form-errors" id="declare-errors">(.*?)</div>', html, re.S
    )
    assert summary, "no error summary"
    assert 'href="#id_office_number"' in summary.group(1)
    assert 'href="#id_line-1-tariff_item"' in summary.group(1) and "Line 2 — Tariff item" in summary.group(1)
    assert 'value="9999.99.99"' in html and 'value="1,000.00"' in html
    # Fixed and sent again under the same number, it is the declaration's next version.
    fixed = officer_client.post(NEW, _cad(_line(0), _line(1, value="10")))
    assert fixed.status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.status == DeclarationStatus.ACCEPTED and declaration.current_version.number == 2


def test_a_taken_transaction_number_is_explained_on_its_field(officer_client, ready, broker):
    _submitted(ready)
    again = officer_client.post(NEW, _cad())
    assert again.status_code == 200
    assert "is already declared: send a correction or adjustment" in _field_group(
        _text(again), "id_transaction_number"
    )
    other = officer_client.post(f"/en/revenue/accounts/{broker.number}/declarations/new/", _cad())
    assert other.status_code == 200
    assert f"transaction number {NUMBER} is already used" in _field_group(
        _text(other), "id_transaction_number"
    )
    short = officer_client.post(NEW, _cad(number="123"))
    assert "a transaction number has exactly 14 digits" in _text(short)
    assert DeclarationVersion.objects.count() == 1


def test_bad_input_is_explained_never_a_server_error(officer_client, ready):
    letters = officer_client.post(NEW, _cad(_line(0, value="one thousand")))
    assert letters.status_code == 200 and "Enter a number." in _field_group(_text(letters), "id_line-0-value")
    bad_date = officer_client.post(NEW, _cad(release_date="10/03/2026x"))
    assert bad_date.status_code == 200 and "Enter a valid date." in _field_group(
        _text(bad_date), "id_release_date"
    )
    sixty = officer_client.post(NEW, _cad(*(_line(i) for i in range(60))))
    assert sixty.status_code == 200 and "At most 50 invoice lines can be entered here" in _text(sixty)
    for data in (
        _cad(transport_mode="teleport"),
        _cad(_line(0, origin="XX", value="-5", surtax_percent="12.34567")),
        _cad(_line(0, value="1" * 30)),
        _cad(**{"line-TOTAL_FORMS": "abc"}),
        _cad(**{"line-TOTAL_FORMS": "100000"}),
        {"line-TOTAL_FORMS": "1"},
        {},
        _cad(_line(0, tariff_item="", vendor="")),
        _cad(**{"line-TOTAL_FORMS": "1000", "add_line": ""}),
        _cad(release_date="0001-01-01"),
    ):
        response = officer_client.post(NEW, data)
        assert response.status_code == 200, data
        assert 'role="alert"' in _text(response), data
    assert not Declaration.objects.exists()


def test_staff_without_the_posting_permission_get_404(client, ready, revenue_reader):
    _submitted(ready)
    reader = revenue_reader
    client.force_login(reader)
    correct = f"{ACCOUNT}declarations/{NUMBER}/correct/"
    for path in (NEW, correct):
        assert client.get(path).status_code == 404, path
        assert client.post(path, _cad(number="12345000000025")).status_code == 404, path
    assert "Submit a declaration" not in _text(client.get(f"{ACCOUNT}declarations/"))
    assert "Correct this declaration" not in _text(client.get(f"{ACCOUNT}declarations/{NUMBER}/"))
    assert DeclarationVersion.objects.count() == 1


def test_the_french_pages_render(officer_client, ready):
    _submitted(ready)
    new = officer_client.get(f"/fr/revenue/accounts/{BN15}/declarations/new/")
    assert new.status_code == 200 and '<html lang="fr">' in _text(new)
    correct = officer_client.get(f"/fr/revenue/accounts/{BN15}/declarations/{NUMBER}/correct/")
    assert correct.status_code == 200 and "322,65" in _text(correct)
    refused = officer_client.post(
        f"/fr/revenue/accounts/{BN15}/declarations/new/",
        _cad(_line(0, value="1 000,5"), number="12345000000025", office_number="9999"),
    )
    assert refused.status_code == 200 and 'aria-invalid="true"' in _text(refused)
    assert DeclarationVersion.objects.get(
        declaration__transaction_number="12345000000025"
    ).lines.get().value == D("1000.5")


# ── corrections and adjustments ────────────────────────────────────────────────────────────


def _correct_url(number: str = NUMBER) -> str:
    return f"{ACCOUNT}declarations/{number}/correct/"


def test_the_correction_form_shows_the_version_in_force(officer_client, ready):
    _submitted(ready)
    page = _text(officer_client.get(f"{ACCOUNT}declarations/{NUMBER}/"))
    assert f'href="{_correct_url()}"' in page and "Correct this declaration" in page
    html = _text(officer_client.get(_correct_url()))
    assert 'id="id_transaction_number"' not in html
    assert 'value="0497"' in html and 'value="2026-03-10"' in html and 'value="1000.00"' in html
    assert 'value="6109.10.00"' in html and '<option value="CN" selected>' in html
    assert "$322.65" in html and "2026-03-10" in html


def test_a_correction_before_the_due_date_is_approved_at_once(officer_client, ready):
    _submitted(ready)
    data = _cad(_line(0, value="800")) | {"reason_code": "value", "reason": "Invoice discount."}
    data.pop("transaction_number")
    with mock.patch("django.utils.timezone.now", return_value=at("2026-03-10", 15)):
        response = officer_client.post(_correct_url(), data, follow=True)
    assert response.redirect_chain[-1][0] == f"{ACCOUNT}declarations/{NUMBER}/"
    version = DeclarationVersion.objects.get(number=2)
    assert (version.kind, version.status, version.total) == (
        VersionKind.CORRECTION,
        VersionStatus.CORRECTION_APPROVED,
        D("258.12"),
    )
    assert (version.reason_code, version.reason, version.channel) == ("VALUE", "Invoice discount.", "staff")
    assert Declaration.objects.get().current_version == version
    assert version.ledger_entry.kind == EntryKind.CORRECTION_CREDIT
    html = _text(response)
    assert "so it is a correction, approved at once. The duties and taxes are now $258.12" in html


def test_an_adjustment_after_the_due_date_waits_for_a_decision(officer_client, ready):
    _submitted(ready)
    data = _cad(_line(0, value="1100")) | {"reason": "Freight was left out."}
    data.pop("transaction_number")
    with mock.patch("django.utils.timezone.now", return_value=at("2026-04-02")):
        response = officer_client.post(_correct_url(), data, follow=True)
    version = DeclarationVersion.objects.get(number=2)
    assert (version.kind, version.status, version.ledger_entry) == (
        VersionKind.ADJUSTMENT,
        VersionStatus.ADJUSTMENT_PENDING,
        None,
    )
    html = _text(response)
    assert "so it is an adjustment, waiting for a decision" in html and "$354.92" in html
    assert 'id="approve-form"' in html and "Correct this declaration" not in html
    # While it waits, the correction form is not offered.
    blocked = officer_client.get(_correct_url(), follow=True)
    assert "cannot be corrected while an adjustment of it waits for a decision" in _text(blocked)
    again = officer_client.post(_correct_url(), data)
    assert again.status_code == 200
    assert "an adjustment of this declaration is waiting for a decision" in _text(again)
    assert DeclarationVersion.objects.count() == 2


def test_a_refused_correction_is_recorded_and_shown_on_its_fields(officer_client, ready):
    _submitted(ready)
    data = _cad(_line(0, origin="KP", treatment="UST"), office_number="9999") | {"reason": "Origin."}
    data.pop("transaction_number")
    response = officer_client.post(_correct_url(), data)
    assert response.status_code == 200
    html = _text(response)
    assert "recorded as version 2" in html
    assert "is not a customs office" in _field_group(html, "id_office_number")
    assert "cannot claim" in _field_group(html, "id_line-0-treatment")
    version = DeclarationVersion.objects.get(number=2)
    assert version.status == VersionStatus.REJECTED and version.reason == "Origin."
    assert Declaration.objects.get().current_version.number == 1
    missing_reason = officer_client.post(_correct_url(), data | {"reason": "  "})
    assert "Say what is corrected and why." in _field_group(_text(missing_reason), "id_reason")
    assert DeclarationVersion.objects.count() == 2
