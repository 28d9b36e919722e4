"""The revenue staff pages: find an account, its position and history with what cleared what, its
declarations (approve or reject an adjustment), its statements (download, reissue), penalties."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

from longroom.core.models import User
from longroom.desk.storage import read_bytes
from longroom.revenue.calendar import statement_cycle_ending
from longroom.revenue.models import EntryKind, LedgerEntry, RevenueDocument, VersionStatus
from longroom.revenue.services import (
    CadHeader,
    CadLine,
    declaration_correct,
    declaration_submit,
    ledger_post,
    statement_issue,
)

from .conftest import at, day

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
BN15 = "123456782RM0001"
ACCOUNT = f"/en/revenue/accounts/{BN15}/"
NUMBER = "12345000000017"
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _demo(settings):
    settings.LONGROOM_DEMO = True  # staff may use the pages without a second factor here


def _owe(account, amount: str, *, posted: str, due: str, reference: str) -> LedgerEntry:
    return ledger_post(
        account=account, kind=EntryKind.DUTIES_TAXES, amount=D(amount), effective_date=day(posted),
        due_date=day(due), now=at(posted), reference=reference,
    )  # fmt: skip


@pytest.fixture
def ledger(importer):
    """Two overdue debts; a payment of 350.00 clears the first and 27.35 of the second."""
    first = _owe(importer, "322.65", posted="2026-03-02", due="2026-03-02", reference=NUMBER)
    second = _owe(importer, "50.00", posted="2026-03-03", due="2026-03-03", reference="12345000000025")
    payment = ledger_post(
        account=importer, kind=EntryKind.PAYMENT, amount=D("350.00"), effective_date=day("2026-03-05"),
        now=at("2026-03-05"), reference="PAY-0001",
    )  # fmt: skip
    return {"first": first, "second": second, "payment": payment}


def _row(html: str, entry: LedgerEntry) -> str:
    found = re.search(rf'<tr id="entry-{entry.pk}">(.*?)</tr>', html, re.S)
    assert found, f"entry {entry.pk} is not in the history"
    return found.group(1)


def _text(response) -> str:
    return response.content.decode()


# ── finding an account ─────────────────────────────────────────────────────────────────────


def test_a_revenue_officer_finds_an_account_by_name_and_by_bn15(officer_client, importer, broker):
    by_name = _text(officer_client.get("/en/revenue/", {"q": "maple leaf"}))
    assert f'href="{ACCOUNT}"' in by_name and "Maple Leaf Imports Ltd." in by_name
    assert "Borealis" not in by_name
    by_number = _text(officer_client.get("/en/revenue/", {"q": "123 456 782 RM 0001"}))
    assert f'href="{ACCOUNT}"' in by_number and "123456782 RM 0001" in by_number
    by_bn9 = _text(officer_client.get("/en/revenue/", {"q": "111111118"}))
    assert "/en/revenue/accounts/111111118RM0001/" in by_bn9 and ACCOUNT not in by_bn9
    nothing = _text(officer_client.get("/en/revenue/", {"q": "no such importer"}))
    assert "No account matches" in nothing


# ── the account page ───────────────────────────────────────────────────────────────────────


def test_the_account_page_shows_the_position_and_which_payment_cleared_which_debt(officer_client, ledger):
    response = officer_client.get(ACCOUNT)
    assert response.status_code == 200
    html = _text(response)
    assert "Maple Leaf Imports Ltd." in html and "123456782 RM 0001" in html and "100 Queen St." in html
    assert re.search(r'id="position-balance">\$22\.65<', html)
    assert re.search(r'id="position-credits">\$0\.00<', html)
    # The first debt: fully paid by the payment, by the overdue rule.
    first = _row(html, ledger["first"])
    assert "$322.65 paid 2026-03-05 by" in first and "PAY-0001" in first
    assert "Overdue debt, oldest first" in first
    assert re.search(r'class="lr-num">\$0\.00<', first)  # nothing left to pay
    # The second: 27.35 paid, 22.65 left.
    second = _row(html, ledger["second"])
    assert "$27.35 paid 2026-03-05 by" in second and re.search(r'class="lr-num">\$22\.65<', second)
    # The payment: what it was used for.
    payment = _row(html, ledger["payment"])
    assert "-$350.00" in payment and NUMBER in payment and "12345000000025" in payment
    assert "$27.35 used 2026-03-05 for" in payment


def test_the_entry_page_lists_every_debt_a_payment_paid_and_every_credit_that_paid_a_debt(
    officer_client, ledger
):
    payment = _text(officer_client.get(f"{ACCOUNT}entries/{ledger['payment'].pk}/"))
    assert "Which debts this credit paid" in payment
    assert NUMBER in payment and "12345000000025" in payment and "$27.35" in payment
    assert re.search(r'id="entry-outstanding">\$0\.00<', payment)
    debt = _text(officer_client.get(f"{ACCOUNT}entries/{ledger['second'].pk}/"))
    assert "Which credits paid this debt" in debt and "PAY-0001" in debt
    assert re.search(r'id="entry-outstanding">\$22\.65<', debt)


def test_the_history_filters_pages_and_exports_as_csv(officer_client, ledger):
    payments = _text(officer_client.get(ACCOUNT, {"kind": "payment"}))
    assert f'id="entry-{ledger["payment"].pk}"' in payments
    assert f'id="entry-{ledger["first"].pk}"' not in payments
    still_open = _text(officer_client.get(ACCOUNT, {"open_only": "1"}))
    assert f'id="entry-{ledger["second"].pk}"' in still_open
    assert f'id="entry-{ledger["first"].pk}"' not in still_open
    assert "transactions.csv?open_only=1" in still_open
    export = officer_client.get(f"{ACCOUNT}transactions.csv", {"reference": "0000000"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Transaction ID,Posted at (Eastern time),Business date")
    assert len(lines) == 3 and {line.split(",")[5] for line in lines[1:]} == {NUMBER, "12345000000025"}
    assert lines[1].split(",")[-2] == "22.65"  # newest first: the second debt, with what is left


# ── who may see them ───────────────────────────────────────────────────────────────────────


def test_staff_without_the_revenue_permission_and_clients_get_404(client, importer):
    desk_officer = User.objects.create_user("desk@longroom.test", PASSWORD, is_staff=True)
    a_client = User.objects.create_user("importer@example.com", PASSWORD)
    for user in (desk_officer, a_client):
        client.force_login(user)
        for path in ("/en/revenue/", ACCOUNT, f"{ACCOUNT}declarations/", f"{ACCOUNT}documents/"):
            assert client.get(path).status_code == 404, (user, path)
    client.logout()
    signed_out = client.get(ACCOUNT)
    assert signed_out.status_code == 302 and "/accounts/login/" in signed_out["Location"]


def test_revenue_staff_without_the_posting_permission_see_no_actions_and_cannot_post(
    client, revenue_reader, pending_adjustment
):
    client.force_login(revenue_reader)
    page = _text(client.get(_declaration_url()))
    assert "Adjustment (version 2) waiting for a decision" in page
    assert "approve-form" not in page and "reject-form" not in page
    assert "Post a penalty" not in _text(client.get(ACCOUNT))
    approve = client.post(f"{_declaration_url()}versions/2/approve/", {"approve-note": "ok"})
    assert approve.status_code == 404
    assert client.get(f"{ACCOUNT}penalties/new/").status_code == 404
    pending_adjustment.refresh_from_db()
    assert pending_adjustment.status == VersionStatus.ADJUSTMENT_PENDING


# ── declarations ───────────────────────────────────────────────────────────────────────────


def _header(**changes) -> CadHeader:
    values = {
        "office_number": "0497",
        "release_date": day("2026-03-10"),
        "transport_mode": "air",
    }
    return CadHeader(**(values | changes))


def _tshirts(value: str) -> CadLine:
    return CadLine(
        vendor="Shenzhen Apparel Co.", tariff_item="6109.10.00", origin="CN", currency="USD", value=D(value)
    )


def _declaration_url(lang: str = "en") -> str:
    return f"/{lang}/revenue/accounts/{BN15}/declarations/{NUMBER}/"


@pytest.fixture
def pending_adjustment(customs_office, importer, tariff):
    """US$1,000 of T-shirts ($322.65, due at release on 2026-03-10), adjusted to US$1,100 after."""
    tariff("USD", "2026-03-10", "1.3500")
    original = declaration_submit(
        account=importer, transaction_number=NUMBER, header=_header(), lines=[_tshirts("1000")],
        now=at("2026-03-10"),
    )  # fmt: skip
    assert original.status == VersionStatus.ACCEPTED, original.problems
    return declaration_correct(
        declaration=original.declaration, header=_header(), lines=[_tshirts("1100")], now=at("2026-04-02"),
        reason_code="VALUE", reason="Freight was left out of the invoice value.",
    )  # fmt: skip


def test_the_declaration_page_shows_every_version_and_compares_them(officer_client, pending_adjustment):
    listing = _text(officer_client.get(f"{ACCOUNT}declarations/"))
    assert _declaration_url() in listing and "Adjustment pending" in listing and "$322.65" in listing
    html = _text(officer_client.get(_declaration_url()))
    assert 'id="version-1"' in html and 'id="version-2"' in html
    assert "Freight was left out of the invoice value." in html
    assert "Shenzhen Apparel Co." in html and "6109.10.00" in html
    comparison = re.search(r'<div id="comparison">(.*?)</div>', html, re.S)
    assert comparison, "no comparison of the version in force with the adjustment"
    assert "$322.65" in comparison.group(1) and "$354.92" in comparison.group(1)
    assert "1000.00" in comparison.group(1) and "1100.00" in comparison.group(1)
    same = _text(officer_client.get(_declaration_url(), {"before": "1", "after": "1"}))
    assert "Versions 1 and 1 declare the same thing." in same


def test_a_refused_declaration_shows_every_problem_by_line(officer_client, customs_office, importer, tariff):
    tariff("USD", "2026-03-10", "1.3500")
    refused = declaration_submit(
        account=importer, transaction_number="12345000000025", header=_header(office_number="9999"),
        lines=[_tshirts("1000"), CadLine(vendor=" ", tariff_item="6109.10.00", origin="CN", currency="USD",
                                         value=D("10"))],
        now=at("2026-03-10"),
    )  # fmt: skip
    assert refused.status == VersionStatus.REJECTED
    html = _text(officer_client.get(f"{ACCOUNT}declarations/12345000000025/"))
    assert "Why it was refused" in html
    assert "Declaration (Office): 9999 is not a customs office" in html
    assert "Line 2 (Vendor): name the vendor" in html
    assert "Not worked out: the version was refused." in html


def test_a_pending_adjustment_is_approved_from_its_page_and_the_ledger_shows_the_difference(
    officer_client, revenue_officer, pending_adjustment
):
    response = officer_client.post(
        f"{_declaration_url()}versions/2/approve/", {"approve-note": "Checked the freight bill."}
    )
    assert response.status_code == 302 and response["Location"] == _declaration_url()
    pending_adjustment.refresh_from_db()
    assert pending_adjustment.status == VersionStatus.ADJUSTMENT_APPROVED
    assert pending_adjustment.decided_by == revenue_officer
    page = _text(officer_client.get(response["Location"]))
    assert "Version 2 is approved: $32.27 more duties and taxes posted, due 2026-03-10." in page
    difference = pending_adjustment.ledger_entry
    assert difference.amount == D("32.27")
    history = _text(officer_client.get(ACCOUNT))
    assert "$32.27" in _row(history, difference)
    assert re.search(r'id="position-balance">\$354\.92<', history)
    # Approving again (a second click, a stale page) is explained, not a server error.
    again = officer_client.post(f"{_declaration_url()}versions/2/approve/", {"approve-note": ""})
    assert again.status_code == 200
    assert "this version is not an adjustment waiting for a decision" in _text(again)


def test_rejecting_an_adjustment_needs_a_note(officer_client, pending_adjustment):
    refused = officer_client.post(f"{_declaration_url()}versions/2/reject/", {"reject-note": "   "})
    assert refused.status_code == 200
    assert "Say why the adjustment is rejected" in _text(refused) and 'role="alert"' in _text(refused)
    pending_adjustment.refresh_from_db()
    assert pending_adjustment.status == VersionStatus.ADJUSTMENT_PENDING
    done = officer_client.post(
        f"{_declaration_url()}versions/2/reject/",
        {"reject-note": "No freight bill was provided."},
        follow=True,
    )
    assert "Version 2 is rejected" in _text(done)
    pending_adjustment.refresh_from_db()
    assert pending_adjustment.status == VersionStatus.ADJUSTMENT_REJECTED
    assert pending_adjustment.decision_note == "No freight bill was provided."


# ── statements and notices ─────────────────────────────────────────────────────────────────


@pytest.fixture
def statement(importer) -> RevenueDocument:
    _owe(importer, "322.65", posted="2026-03-02", due="2026-03-31", reference=NUMBER)
    return statement_issue(account=importer, cycle=statement_cycle_ending(2026, 3), now=at("2026-03-25", 1))


def test_a_statement_is_downloaded_and_reissued_in_french(officer_client, statement):
    listing = _text(officer_client.get(f"{ACCOUNT}documents/"))
    assert statement.number in listing and f"{ACCOUNT}documents/{statement.pk}.pdf" in listing
    pdf = officer_client.get(f"{ACCOUNT}documents/{statement.pk}.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    done = officer_client.post(f"{ACCOUNT}documents/{statement.pk}/reissue/", {"language": "fr"}, follow=True)
    assert f"{statement.number} was reissued in French" in _text(done)
    statement.refresh_from_db()
    assert (statement.language, statement.reissue_count) == ("fr", 1)
    csv_file = officer_client.get(f"{ACCOUNT}documents/{statement.pk}.csv")
    assert "Montant (CAD)" in b"".join(csv_file.streaming_content).decode("utf-8-sig")
    assert "Montant (CAD)" in read_bytes(statement.csv).decode("utf-8-sig")


def test_a_reissue_the_ledger_no_longer_supports_is_refused_with_a_message(
    officer_client, statement, importer
):
    _owe(importer, "1.00", posted="2026-03-10", due="2026-03-31", reference="LATE")  # behind its back
    done = officer_client.post(f"{ACCOUNT}documents/{statement.pk}/reissue/", {"language": "fr"}, follow=True)
    assert done.status_code == 200 and f"{statement.number} was not reissued" in _text(done)
    bad_language = officer_client.post(f"{ACCOUNT}documents/{statement.pk}/reissue/", {"language": "de"})
    assert bad_language.status_code == 302
    statement.refresh_from_db()
    assert statement.reissue_count == 0


# ── penalties ──────────────────────────────────────────────────────────────────────────────


def test_a_penalty_is_posted_and_a_bad_one_is_refused_on_the_form(officer_client, revenue_officer, importer):
    penalty_url = f"{ACCOUNT}penalties/new/"
    form = _text(officer_client.get(penalty_url))
    assert 'for="id_amount"' in form and 'name="csrfmiddlewaretoken"' in form
    refused = officer_client.post(
        penalty_url, {"amount": "150.001", "reason_code": "C152", "description": "x", "due_date": "soon"}
    )
    assert refused.status_code == 200
    assert 'aria-invalid="true"' in _text(refused) and 'role="alert"' in _text(refused)
    bad_code = officer_client.post(
        penalty_url, {"amount": "150", "reason_code": "!!", "description": "Late", "due_date": "2026-05-01"}
    )
    assert bad_code.status_code == 200 and "reason code, e.g. C152" in _text(bad_code)
    assert not LedgerEntry.objects.filter(kind=EntryKind.PENALTY).exists()
    posted = officer_client.post(
        penalty_url,
        {
            "amount": "1,250.00",
            "reason_code": "c152",
            "description": "Failure to report goods (AMPS C152)",
            "due_date": "2026-05-01",
        },
        follow=True,
    )
    penalty = LedgerEntry.objects.get(kind=EntryKind.PENALTY)
    assert (penalty.amount, penalty.reason_code, penalty.due_date) == (
        D("1250.00"),
        "C152",
        day("2026-05-01"),
    )
    assert penalty.created_by == revenue_officer
    assert "A penalty of $1,250.00 (C152) was posted, due 2026-05-01." in _text(posted)
    assert "Which credits paid this debt" in _text(posted)


# ── bad input ──────────────────────────────────────────────────────────────────────────────


def test_bad_input_is_explained_or_not_found_never_a_server_error(officer_client, ledger, statement):
    explained = {
        f"{ACCOUNT}?page=abc": "Enter a whole number.",
        f"{ACCOUNT}?posted_from=notadate": "Enter a valid date.",
        f"{ACCOUNT}?posted_from=2026-03-05&posted_to=2026-03-01": "before its start",
        f"{ACCOUNT}?page=99999999999999999999": "Ensure this value is less than or equal to",
        f"{ACCOUNT}?kind=bitcoin": "Select a valid choice.",
    }
    for path, message in explained.items():
        response = officer_client.get(path)
        assert response.status_code == 200, path
        assert message in _text(response) and 'role="alert"' in _text(response), path
    for path in (
        f"{ACCOUNT}?page=40",
        f"{ACCOUNT}declarations/?page=abc",
        f"{ACCOUNT}documents/?page=-1",
        f"{ACCOUNT}entries/{ledger['payment'].pk}/?page=zz",
        f"{ACCOUNT}transactions.csv?posted_to=never&page=x",
        "/en/revenue/?q=" + "9" * 500,
    ):
        assert officer_client.get(path).status_code == 200, path
    for path in (
        "/en/revenue/accounts/999999998RM0001/",
        "/en/revenue/accounts/not-a-number/declarations/",
        f"{ACCOUNT}declarations/99999999999999/",
        f"{ACCOUNT}entries/999999/",
        f"{ACCOUNT}documents/{statement.pk}.exe",
        f"{ACCOUNT}documents/999999.pdf",
        "/en/revenue/accounts/111111118RM0001/documents/999999.pdf",
    ):
        assert officer_client.get(path).status_code == 404, path
    assert officer_client.post(f"{ACCOUNT}declarations/{NUMBER}/versions/1/approve/").status_code == 404


def test_another_accounts_entry_or_document_is_not_found(officer_client, ledger, statement, broker):
    other = "/en/revenue/accounts/111111118RM0001/"
    assert officer_client.get(f"{other}entries/{ledger['payment'].pk}/").status_code == 404
    assert officer_client.get(f"{other}documents/{statement.pk}.pdf").status_code == 404
    assert (
        officer_client.post(f"{other}documents/{statement.pk}/reissue/", {"language": "fr"}).status_code
        == 404
    )


# ── French ─────────────────────────────────────────────────────────────────────────────────


def test_the_french_pages_render_with_french_money(officer_client, ledger, pending_adjustment, statement):
    for path in (
        "/fr/revenue/?q=maple",
        f"/fr/revenue/accounts/{BN15}/",
        f"/fr/revenue/accounts/{BN15}/entries/{ledger['payment'].pk}/",
        f"/fr/revenue/accounts/{BN15}/declarations/",
        _declaration_url("fr"),
        f"/fr/revenue/accounts/{BN15}/documents/",
        f"/fr/revenue/accounts/{BN15}/penalties/new/",
    ):
        response = officer_client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="fr">' in _text(response), path
    account = _text(officer_client.get(f"/fr/revenue/accounts/{BN15}/"))
    assert f"-350,00{NBSP}$" in account
    declaration = _text(officer_client.get(_declaration_url("fr")))
    assert f"322,65{NBSP}$" in declaration and f"354,92{NBSP}$" in declaration
    penalty = officer_client.post(
        f"/fr/revenue/accounts/{BN15}/penalties/new/",
        {
            "amount": "1 234,50",
            "reason_code": "C152",
            "description": "Déclaration tardive",
            "due_date": "2026-05-01",
        },
    )
    assert penalty.status_code == 302
    assert LedgerEntry.objects.get(kind=EntryKind.PENALTY).amount == D("1234.50")
