"""The revenue API: accounts, balances, transactions, CADs and statements over HTTP with a personal token.

The worked figures (tests/revenue/test_declarations.py): 6109.10.00 (cotton T-shirts, MFN 18 %) from
China, US$1,000 at 1.3500 = VFD $1,350.00; duty $243.00; VFT $1,593.00; GST 5 % $79.65; total $322.65.
The clock is frozen (`clock`): the API stamps everything with `timezone.now()`, and whether a
change is a correction or an adjustment depends on the day it is sent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache

from longroom.core.models import User
from longroom.core.services import api_token_create
from longroom.registry.models import AccessLevel, CustomsBroker, ProgramAccount
from longroom.registry.services import account_access_grant
from longroom.revenue.calendar import statement_cycle_ending
from longroom.revenue.models import Declaration, DeclarationVersion, EntryKind, LedgerEntry
from longroom.revenue.services import broker_statement_issue, ledger_post, statement_issue
from tests.support.revenue import at, day

pytestmark = pytest.mark.django_db

API = "/api/v1/revenue"
IMPORTER = "123456782RM0001"
NUMBER = "12345000000017"


# The registry, the office, the sample tariff and the RPP enrolment are the shared revenue
# fixtures (tests/support/revenue.py); the API tests also want the broker on file.


@pytest.fixture
def ready(ready, broker):
    return ready


@pytest.fixture
def clock() -> Iterator[Callable[[dt.datetime], None]]:
    """`timezone.now()` frozen at noon Eastern on the release date; call the fixture to move it."""
    moment = [at("2026-03-10")]
    with patch("django.utils.timezone.now", lambda: moment[0]):
        yield lambda when: moment.__setitem__(0, when)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The write throttle counts in the cache; every test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


# ── people and their tokens ───────────────────────────────────────────────────────────────


def person(email: str, account: ProgramAccount | None = None, level: str = AccessLevel.EDIT) -> str:
    """A user with `level` access to `account`, and the bearer header of a fresh personal token."""
    user = User.objects.create_user(email, "a-long-test-password")
    if account is not None:
        account_access_grant(account=account, user=user, level=level, actor=None, now=at("2026-01-02"))
    return api_token_create(user=user, name="broker software")[1]


def auth(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def clerk(importer) -> dict[str, str]:
    """A broker's employee with edit access to the importer's account: declares for it."""
    return auth(person("clerk@borealis.test", importer))


@pytest.fixture
def reader(importer) -> dict[str, str]:
    return auth(person("accountant@mapleleaf.test", importer, AccessLevel.READ))


@pytest.fixture
def outsider(db) -> dict[str, str]:
    return auth(person("someone@elsewhere.test"))


@pytest.fixture
def revenue_staff(db) -> dict[str, str]:
    user = User.objects.create_user("revenue@agency.test", "a-long-test-password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_ledgerentry"))
    return auth(api_token_create(user=user, name="back office")[1])


# ── bodies ────────────────────────────────────────────────────────────────────────────────


def tshirts(value: str = "1000", **changes: object) -> dict[str, object]:
    line = {
        "vendor": "Shenzhen Apparel Co.",
        "tariff_item": "6109.10.00",
        "origin": "CN",
        "currency": "USD",
        "value": value,
    }
    return line | changes


def header(**changes: object) -> dict[str, object]:
    values = {"office_number": "0497", "release_date": "2026-03-10", "transport_mode": "air"}
    return values | changes


def submit(client, who, *, number=NUMBER, lines=None, bn15=IMPORTER, **header_changes):
    body = {"transaction_number": number, "header": header(**header_changes), "lines": lines or [tshirts()]}
    return client.post(f"{API}/accounts/{bn15}/declarations", body, content_type="application/json", **who)


def correct(client, who, *, lines, number=NUMBER, reason_code="VALUE", **header_changes):
    body = {
        "header": header(**header_changes),
        "lines": lines,
        "reason_code": reason_code,
        "reason": "Invoice",
    }
    return client.post(
        f"{API}/declarations/{number}/corrections", body, content_type="application/json", **who
    )


# ── the tests ─────────────────────────────────────────────────────────────────────────────


def test_the_openapi_document_lists_the_revenue_paths(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/revenue/accounts",
        "/api/v1/revenue/accounts/{bn15}/balance",
        "/api/v1/revenue/accounts/{bn15}/transactions",
        "/api/v1/revenue/accounts/{bn15}/transactions.csv",
        "/api/v1/revenue/accounts/{bn15}/declarations",
        "/api/v1/revenue/accounts/{bn15}/statements",
        "/api/v1/revenue/declarations/{transaction_number}",
        "/api/v1/revenue/declarations/{transaction_number}/versions/{number}",
        "/api/v1/revenue/declarations/{transaction_number}/versions/{before}/compare/{after}",
        "/api/v1/revenue/declarations/{transaction_number}/corrections",
        "/api/v1/revenue/declarations/{transaction_number}/withdraw",
        "/api/v1/revenue/documents/{number}.pdf",
        "/api/v1/revenue/documents/{number}.csv",
    ):
        assert path in paths, path
    submit_op = paths["/api/v1/revenue/accounts/{bn15}/declarations"]["post"]
    assert {"201", "422", "409", "404"} <= set(map(str, submit_op["responses"]))
    assert submit_op["security"] == [{"PersonalToken": []}]


def test_without_a_token_the_revenue_api_answers_401(client, importer):
    assert client.get(f"{API}/accounts").status_code == 401
    assert client.get(f"{API}/accounts/{IMPORTER}/balance", **auth("lrt_wrong")).status_code == 401


def test_each_caller_lists_the_accounts_they_may_see_with_what_they_may_do(
    client, importer, broker, clerk, reader, outsider, revenue_staff
):
    def listed(who):
        return [(a["bn15"], a["access"]) for a in client.get(f"{API}/accounts", **who).json()["items"]]

    assert listed(clerk) == [(IMPORTER, "edit")]
    assert listed(reader) == [(IMPORTER, "read")]
    assert listed(outsider) == []
    assert listed(revenue_staff) == [("111111118RM0001", "edit"), (IMPORTER, "edit")]
    [account] = client.get(f"{API}/accounts", **clerk).json()["items"]
    assert account["legal_name"] == "Maple Leaf Imports Ltd."
    assert account["display_number"] == "123456782 RM 0001"


def test_a_broker_submits_a_cad_and_reads_its_computed_duties(client, ready, clerk, clock):
    response = submit(client, clerk, broker_account="111111118 RM 0001", broker_asec="12345")
    assert response.status_code == 201, response.content
    version = response.json()
    assert (version["transaction_number"], version["number"], version["kind"], version["status"]) == (
        NUMBER,
        1,
        "original",
        "accepted",
    )
    assert version["totals"] == {
        "value_for_duty": "1350.00",
        "customs_duty": "243.00",
        "surtax": "0.00",
        "anti_dumping": "0.00",
        "countervailing": "0.00",
        "excise": "0.00",
        "value_for_tax": "1593.00",
        "gst": "79.65",
        "total": "322.65",
    }
    [line] = version["lines"]
    assert (line["treatment_applied"], line["rate_text"], line["exchange_rate"]) == ("MFN", "18 %", "1.3500")
    assert (line["value"], line["customs_duty"], line["gst"], line["total"]) == (
        "1000.00",
        "243.00",
        "79.65",
        "322.65",
    )
    assert (
        version["header"]["broker_account"] == "111111118RM0001"
        and version["header"]["broker_asec"] == "12345"
    )
    assert version["payment_due_date"] == "2026-03-10"  # no RPP: due at release
    assert version["ledger_effect"] == "322.65" and version["problems"] == []
    assert DeclarationVersion.objects.get().channel == "api"

    declaration = client.get(f"{API}/declarations/{NUMBER}", **clerk).json()
    assert (declaration["status"], declaration["current_version"], declaration["bn15"]) == (
        "accepted",
        1,
        IMPORTER,
    )
    assert [(v["number"], v["status"], v["total"]) for v in declaration["versions"]] == [
        (1, "accepted", "322.65")
    ]
    assert client.get(f"{API}/declarations/{NUMBER}/versions/1", **clerk).json() == version
    assert client.get(f"{API}/declarations/{NUMBER}/versions/2", **clerk).status_code == 404
    [entry] = client.get(f"{API}/accounts/{IMPORTER}/transactions", **clerk).json()["items"]
    assert (entry["kind"], entry["amount"], entry["reference"], entry["broker_asec"]) == (
        "duties_taxes",
        "322.65",
        NUMBER,
        "12345",
    )


def test_a_refused_cad_answers_422_with_every_problem_and_is_kept(client, ready, clerk, clock):
    response = submit(
        client,
        clerk,
        office_number="9999",
        lines=[tshirts(), tshirts(tariff_item="9999.99.99", vendor=" ")],
    )
    assert response.status_code == 422, response.content
    refused = response.json()
    assert refused["status"] == "rejected" and refused["totals"] is None and refused["ledger_effect"] is None
    found = {(p["line"], p["field"], p["code"]) for p in refused["problems"]}
    assert {
        (0, "office_number", "unknown_office"),
        (2, "vendor", "vendor_required"),
        (2, "tariff_item", "unknown_tariff_item"),
    } <= found
    assert all(p["message"] for p in refused["problems"])
    assert [line["tariff_item"] for line in refused["lines"]] == ["6109.10.00", "9999.99.99"]  # kept as sent
    assert refused["lines"][0]["total"] is None
    assert not LedgerEntry.objects.exists()
    kept = client.get(f"{API}/declarations/{NUMBER}", **clerk).json()
    assert (kept["status"], kept["current_version"], kept["versions"][0]["total"]) == ("rejected", None, None)

    # A body that does not match the schema is not a CAD at all: Ninja's 422, nothing recorded.
    malformed = submit(client, clerk, transport_mode="teleport")
    assert malformed.status_code == 422 and "detail" in malformed.json()
    assert DeclarationVersion.objects.count() == 1

    fixed = submit(client, clerk)
    assert fixed.status_code == 201 and fixed.json()["number"] == 2
    again = submit(client, clerk)
    assert again.status_code == 409 and again.json()["code"] == "already_declared"


def test_a_bad_transaction_number_answers_400_and_one_used_by_another_importer_409(
    client, ready, broker, clerk, clock
):
    bad = submit(client, clerk, number="123")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_transaction_number"
    assert submit(client, clerk).status_code == 201
    account_access_grant(
        account=broker,
        user=User.objects.get(email="clerk@borealis.test"),
        level="edit",
        actor=None,
        now=at("2026-03-01"),
    )
    taken = submit(client, clerk, bn15=broker.number)
    assert taken.status_code == 409 and taken.json()["code"] == "transaction_number_taken"
    assert Declaration.objects.count() == 1


def test_an_account_the_caller_cannot_see_answers_404(client, ready, clerk, outsider, clock):
    assert submit(client, clerk).status_code == 201
    nowhere = "999999998RM0001"  # no such account: the same answer as one you may not see
    for bn15 in (IMPORTER, nowhere):
        for url in (
            f"{API}/accounts/{bn15}/balance",
            f"{API}/accounts/{bn15}/transactions",
            f"{API}/accounts/{bn15}/transactions.csv",
            f"{API}/accounts/{bn15}/statements",
        ):
            response = client.get(url, **outsider)
            assert response.status_code == 404, url
            assert response.json()["code"] == "account_not_found"
        assert submit(client, outsider, bn15=bn15, number="12345000000025").status_code == 404
    assert client.get(f"{API}/declarations/{NUMBER}", **outsider).status_code == 404
    assert client.get(f"{API}/declarations/{NUMBER}/versions/1", **outsider).status_code == 404
    assert correct(client, outsider, lines=[tshirts("800")]).status_code == 404
    withdrawn = client.post(
        f"{API}/declarations/{NUMBER}/withdraw", {"reason": "x"}, content_type="application/json", **outsider
    )
    assert withdrawn.status_code == 404
    assert Declaration.objects.count() == 1
    # The caller who may see it can type the BN15 as people write it.
    assert client.get(f"{API}/accounts/123 456 782 rm 0001/balance", **clerk).status_code == 200


def test_a_reader_cannot_submit(client, ready, clerk, reader, clock):
    refused = submit(client, reader)
    assert refused.status_code == 403 and refused.json()["code"] == "read_only_access"
    assert not Declaration.objects.exists()
    assert submit(client, clerk).status_code == 201
    assert correct(client, reader, lines=[tshirts("800")]).status_code == 403
    withdraw = client.post(
        f"{API}/declarations/{NUMBER}/withdraw", {"reason": "x"}, content_type="application/json", **reader
    )
    assert withdraw.status_code == 403
    assert DeclarationVersion.objects.count() == 1
    # … but reads everything the account holds.
    assert client.get(f"{API}/declarations/{NUMBER}", **reader).json()["status"] == "accepted"
    assert client.get(f"{API}/accounts/{IMPORTER}/balance", **reader).status_code == 200


def test_transactions_are_filtered_paged_and_exported_as_csv(client, importer, clerk, clock):
    def owe(amount: str, reference: str, posted: str, description: str = "") -> None:
        ledger_post(
            account=importer, kind=EntryKind.DUTIES_TAXES, amount=Decimal(amount), effective_date=day(posted),
            due_date=day("2026-03-31"), now=at(posted), reference=reference, description=description,
        )  # fmt: skip

    owe("100.00", "12345000000017", "2026-03-02")
    owe("250.50", "12345000000025", "2026-03-03", description='=HYPERLINK("http://evil")')
    owe("75.25", "12345000000033", "2026-03-04")
    ledger_post(
        account=importer, kind=EntryKind.PAYMENT, amount=Decimal("100.00"), effective_date=day("2026-03-05"),
        now=at("2026-03-05"), reference="PAY-1",
    )  # fmt: skip
    base = f"{API}/accounts/{IMPORTER}/transactions"

    first = client.get(base, {"page_size": 3}, **clerk).json()
    assert [i["reference"] for i in first["items"]] == ["PAY-1", "12345000000033", "12345000000025"]
    assert (first["page"], first["page_size"], first["has_next"]) == (1, 3, True)
    second = client.get(base, {"page_size": 3, "page": 2}, **clerk).json()
    assert [i["reference"] for i in second["items"]] == ["12345000000017"] and not second["has_next"]
    payment = first["items"][0]
    # A credit clears debts on their due date, not before: all of it is still to use.
    assert (payment["kind"], payment["amount"], payment["outstanding"], payment["due_date"]) == (
        "payment",
        "-100.00",
        "100.00",
        None,
    )

    kinds = client.get(base, {"kind": ["payment", "penalty"]}, **clerk).json()["items"]
    assert [i["reference"] for i in kinds] == ["PAY-1"]
    dated = client.get(base, {"posted_from": "2026-03-03", "posted_to": "2026-03-04"}, **clerk).json()[
        "items"
    ]
    assert [i["reference"] for i in dated] == ["12345000000033", "12345000000025"]
    found = client.get(base, {"reference": "000025"}, **clerk).json()["items"]
    assert [(i["reference"], i["amount"], i["outstanding"]) for i in found] == [
        ("12345000000025", "250.50", "250.50")
    ]
    assert client.get(base, {"page_size": 501}, **clerk).status_code == 422

    exported = client.get(base + ".csv", {"kind": "duties_taxes"}, **clerk)
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert "attachment" in exported["Content-Disposition"]
    raw = b"".join(exported.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Transaction ID", "Posted at (Eastern time)", "Business date"]
    assert len(rows) == 4  # the header and the three debts, no payment
    by_reference = {row[5]: row for row in rows[1:]}
    assert by_reference["12345000000025"][6] == '\'=HYPERLINK("http://evil")'
    assert by_reference["12345000000025"][7] == "250.50"
    assert by_reference["12345000000033"][8] == "2026-03-31"
    french = client.get(base + ".csv", HTTP_ACCEPT_LANGUAGE="fr", **clerk)
    french_header = b"".join(french.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert "Montant (CAD)" in french_header and "Référence" in french_header


def test_a_correction_is_a_new_version_and_versions_compare(client, ready, clerk, clock):
    assert submit(client, clerk, release_prior_to_payment=True).json()["payment_due_date"] == "2026-03-31"

    clock(at("2026-03-20"))
    lower = correct(client, clerk, lines=[tshirts("800")], release_prior_to_payment=True)
    assert lower.status_code == 201, lower.content
    # US$800 → total 258.12: 64.53 less, credited.
    corrected = lower.json()
    assert (corrected["number"], corrected["kind"], corrected["status"]) == (
        2,
        "correction",
        "correction_approved",
    )
    assert (corrected["totals"]["total"], corrected["ledger_effect"]) == ("258.12", "-64.53")
    assert (corrected["reason_code"], corrected["payment_due_date"]) == ("VALUE", "2026-03-31")

    changes = client.get(f"{API}/declarations/{NUMBER}/versions/1/compare/2", **clerk).json()
    assert changes["header"] == []
    [line] = changes["lines"]
    assert line["line"] == 1
    assert {"field": "value", "before": "1000.00", "after": "800.00"} in line["changes"]
    assert {"field": "total", "before": "322.65", "after": "258.12"} in changes["totals"]
    assert client.get(f"{API}/declarations/{NUMBER}/versions/1/compare/9", **clerk).status_code == 404

    clock(at("2026-04-02"))  # after the due date: an adjustment, waiting for the agency
    later = correct(client, clerk, lines=[tshirts("1100")], release_prior_to_payment=True)
    assert later.status_code == 201
    assert (later.json()["kind"], later.json()["status"], later.json()["ledger_effect"]) == (
        "adjustment",
        "adjustment_pending",
        None,
    )
    waiting = correct(client, clerk, lines=[tshirts("900")], release_prior_to_payment=True)
    assert waiting.status_code == 409 and waiting.json()["code"] == "adjustment_pending"
    refused = correct(client, clerk, lines=[])
    assert refused.status_code == 409  # the pending adjustment is checked first

    declaration = client.get(f"{API}/declarations/{NUMBER}", **clerk).json()
    assert declaration["current_version"] == 2
    assert [(v["number"], v["kind"], v["status"]) for v in declaration["versions"]] == [
        (1, "original", "accepted"),
        (2, "correction", "correction_approved"),
        (3, "adjustment", "adjustment_pending"),
    ]

    withdrawn = client.post(
        f"{API}/declarations/{NUMBER}/withdraw",
        {"reason": "Goods not imported"},
        content_type="application/json",
        **clerk,
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert client.get(f"{API}/accounts/{IMPORTER}/balance", **clerk).json()["balance"] == "0.00"
    again = client.post(
        f"{API}/declarations/{NUMBER}/withdraw", {"reason": "again"}, content_type="application/json", **clerk
    )
    assert again.status_code == 409 and again.json()["code"] == "not_accepted"


def test_a_refused_correction_answers_422_and_is_kept_as_a_version(client, ready, clerk, clock):
    submit(client, clerk)
    refused = correct(client, clerk, lines=[tshirts(tariff_item="9999.99.99")])
    assert refused.status_code == 422
    assert refused.json()["number"] == 2 and refused.json()["problems"][0]["code"] == "unknown_tariff_item"
    assert client.get(f"{API}/declarations/{NUMBER}", **clerk).json()["current_version"] == 1


def test_balance_reflects_a_payment(client, ready, clerk, clock):
    submit(client, clerk)  # due at release, 10 March
    balance = f"{API}/accounts/{IMPORTER}/balance"
    on_release = client.get(balance, **clerk).json()
    assert on_release == {
        "bn15": IMPORTER,
        "as_of": "2026-03-10",
        "balance": "322.65",
        "overdue": "0.00",
        "due_today": "322.65",
        "not_yet_due": "0.00",
        "unapplied_credits": "0.00",
        "credit_card_room": "4999.99",
    }
    clock(at("2026-03-11"))
    ledger_post(
        account=ready, kind=EntryKind.PAYMENT, amount=Decimal("100.00"), effective_date=day("2026-03-11"),
        now=at("2026-03-11"),
    )  # fmt: skip
    after = client.get(balance, **clerk).json()
    assert (after["as_of"], after["balance"], after["overdue"], after["unapplied_credits"]) == (
        "2026-03-11",
        "222.65",
        "222.65",
        "0.00",
    )
    # A past day shows the ledger as it stood then, before the payment.
    before = client.get(balance, {"as_of": "2026-03-10"}, **clerk).json()
    assert (before["balance"], before["due_today"]) == ("322.65", "322.65")


def test_statement_pdf_is_served_only_to_those_who_may_see_it(
    client, ready, broker, clerk, reader, outsider, revenue_staff, clock
):
    submit(client, clerk, release_prior_to_payment=True, broker_account=broker.number, broker_asec="12345")
    march = statement_cycle_ending(2026, 3)
    statement = statement_issue(account=ready, cycle=march, now=at("2026-03-25", 20))
    summary = broker_statement_issue(
        broker=CustomsBroker.objects.get(asec="12345"), cycle=march, now=at("2026-03-25", 20)
    )

    listed = client.get(f"{API}/accounts/{IMPORTER}/statements", **reader).json()
    assert listed["count"] == 1
    [item] = listed["items"]
    assert (item["number"], item["kind"], item["due_date"], item["closing_balance"]) == (
        statement.number,
        "statement",
        "2026-03-31",
        "322.65",
    )
    assert item["pdf"] == f"{API}/documents/{statement.number}.pdf"
    assert (
        client.get(f"{API}/accounts/{IMPORTER}/statements", {"kind": "daily_notice"}, **reader).json()[
            "count"
        ]
        == 0
    )

    pdf = client.get(item["pdf"], **reader)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    table = client.get(item["csv"], **reader)
    assert table.status_code == 200 and b"".join(table.streaming_content).startswith(b"\xef\xbb\xbf")
    assert client.get(item["pdf"], **outsider).status_code == 404
    assert client.get(f"{API}/documents/SOA-nothing.pdf", **reader).status_code == 404

    # The broker summary: for those who may see an account of the broker's business, and staff.
    broker_desk = auth(person("desk@borealis.test", broker, AccessLevel.READ))
    summary_pdf = f"{API}/documents/{summary.number}.pdf"
    assert client.get(summary_pdf, **broker_desk).status_code == 200
    assert client.get(summary_pdf, **revenue_staff).status_code == 200
    assert client.get(summary_pdf, **reader).status_code == 404
    assert client.get(item["pdf"], **broker_desk).status_code == 404


def test_writes_are_rate_limited_per_person(client, ready, clerk, reader, clock, settings):
    settings.LONGROOM_REVENUE_API_WRITE_RATE = "2/m"
    assert submit(client, clerk, number="12345000000017").status_code == 201
    assert submit(client, clerk, number="12345000000025").status_code == 201
    assert submit(client, clerk, number="12345000000033").status_code == 429
    assert client.get(f"{API}/accounts/{IMPORTER}/balance", **clerk).status_code == 200  # reads are not
    assert submit(client, reader).status_code == 403  # another person has their own allowance
