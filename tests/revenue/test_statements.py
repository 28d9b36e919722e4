"""Statements of account, broker summaries and daily notices: figures from the ledger, reproducible."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from longroom.desk.storage import read_bytes
from longroom.registry.models import ProgramAccount
from longroom.revenue.calendar import statement_cycle_ending
from longroom.revenue.models import EntryKind, RevenueDocumentKind
from longroom.revenue.services import (
    DocumentError,
    daily_notices_issue_all,
    document_reissue,
    ledger_post,
    statement_issue,
    statements_issue_all,
)

from .conftest import at, day

pytestmark = pytest.mark.django_db
MARCH = statement_cycle_ending(2026, 3)  # releases 18 Feb → 17 Mar, issued 25 Mar, due 31 Mar


def owe(account, amount, *, posted, due, asec="", reference="12345000000017"):
    return ledger_post(
        account=account, kind=EntryKind.DUTIES_TAXES, amount=D(amount), effective_date=day(posted),
        due_date=day(due), now=at(posted), reference=reference, broker_asec=asec,
    )  # fmt: skip


def pay(account, amount, when):
    return ledger_post(
        account=account, kind=EntryKind.PAYMENT, amount=D(amount), effective_date=day(when), now=at(when)
    )


def csv_rows(document) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(read_bytes(document.csv).decode("utf-8-sig"))))


def test_a_statement_shows_what_was_posted_since_the_last_one_and_what_is_due(importer):
    owe(importer, "50.00", posted="2026-02-20", due="2026-02-20")  # before the window: opening balance
    owe(importer, "322.65", posted="2026-03-02", due="2026-03-31")
    pay(importer, "100.00", "2026-03-20")  # pays the overdue 50.00 at once; the rest waits for the 31st
    statement = statement_issue(account=importer, cycle=MARCH, now=at("2026-03-25", 1))
    assert statement.number == "SOA-123456782RM0001-2026-03"
    assert (statement.period_start, statement.period_end) == (day("2026-02-26"), day("2026-03-25"))
    assert (statement.issue_date, statement.due_date) == (day("2026-03-25"), day("2026-03-31"))
    assert (statement.opening_balance, statement.closing_balance) == (D("50.00"), D("272.65"))
    # Due by 31 March: 322.65, less the 50.00 of credit waiting for that date; nothing overdue.
    assert (statement.amount_due, statement.overdue) == (D("272.65"), D("0.00"))
    assert [(r["Reference"], r["Amount (CAD)"]) for r in csv_rows(statement)] == [
        ("12345000000017", "322.65"),
        (statement_line_reference(importer), "-100.00"),
    ]
    assert read_bytes(statement.pdf).startswith(b"%PDF")


def statement_line_reference(account: ProgramAccount) -> str:
    return account.ledger_entries.get(kind=EntryKind.PAYMENT).reference


def test_issuing_again_or_reissuing_later_gives_the_same_figures(importer):
    owe(importer, "322.65", posted="2026-03-02", due="2026-03-31")
    first = statement_issue(account=importer, cycle=MARCH, now=at("2026-03-25", 1))
    assert statement_issue(account=importer, cycle=MARCH, now=at("2026-03-26")).pk == first.pk
    owe(importer, "99.00", posted="2026-03-27", due="2026-04-30")  # after issue: not on it
    pay(importer, "322.65", "2026-03-31")
    reissued = document_reissue(document=first, now=at("2026-04-02"), language="fr")
    assert (reissued.language, reissued.reissue_count, reissued.closing_balance) == ("fr", 1, D("322.65"))
    assert csv_rows(reissued)[0]["Montant (CAD)"] == "322.65"


def test_a_reissue_refuses_when_the_ledger_no_longer_gives_the_issued_figures(importer):
    owe(importer, "322.65", posted="2026-03-02", due="2026-03-31")
    statement = statement_issue(account=importer, cycle=MARCH, now=at("2026-03-25", 1))
    owe(importer, "1.00", posted="2026-03-10", due="2026-03-31")  # posted "in the past" behind its back
    with pytest.raises(DocumentError):
        document_reissue(document=statement, now=at("2026-04-02"))


def test_daily_notices_cover_each_business_day_with_activity_weekends_rolling_into_monday(importer, broker):
    owe(importer, "10.00", posted="2026-03-06", due="2026-03-06")  # Friday
    owe(importer, "20.00", posted="2026-03-07", due="2026-03-31")  # Saturday
    pay(importer, "5.00", "2026-03-09")  # Monday
    owe(broker, "7.00", posted="2026-03-06", due="2026-03-06")
    friday = daily_notices_issue_all(day=day("2026-03-06"), now=at("2026-03-07", 1))
    assert sorted(n.number for n in friday) == [
        "DN-111111118RM0001-2026-03-06",
        "DN-123456782RM0001-2026-03-06",
    ]
    [monday] = daily_notices_issue_all(day=day("2026-03-09"), now=at("2026-03-10", 1))
    assert (monday.kind, monday.period_start, monday.period_end) == (
        RevenueDocumentKind.DAILY_NOTICE,
        day("2026-03-07"),
        day("2026-03-09"),
    )
    assert (monday.opening_balance, monday.line_count, monday.closing_balance) == (D("10.00"), 2, D("25.00"))
    assert (
        daily_notices_issue_all(day=day("2026-03-10"), now=at("2026-03-11", 1)) == []
    )  # no activity, no notice


def test_the_broker_summary_lists_its_asec_debts_across_its_clients(importer, broker, db):
    other_client = ProgramAccount.objects.create(
        business=importer.business, number="123456782RM0002", opened_on=day("2026-01-01")
    )
    owe(importer, "322.65", posted="2026-03-02", due="2026-03-31", asec="12345")
    owe(
        other_client,
        "100.00",
        posted="2026-03-03",
        due="2026-03-31",
        asec="12345",
        reference="12345000000025",
    )
    owe(importer, "40.00", posted="2026-03-04", due="2026-03-31")  # the importer's own, not the broker's
    documents = statements_issue_all(cycle=MARCH, now=at("2026-03-25", 1))
    summary = next(d for d in documents if d.kind == RevenueDocumentKind.BROKER_STATEMENT)
    assert summary.number == "BSS-111111118-12345-2026-03"
    assert (summary.closing_balance, summary.amount_due, summary.line_count) == (D("422.65"), D("422.65"), 2)
    assert {r["Program account"] for r in csv_rows(summary)} == {"123456782RM0001", "123456782RM0002"}
    assert {d.number for d in documents if d.kind == RevenueDocumentKind.STATEMENT} == {
        "SOA-123456782RM0001-2026-03",
        "SOA-123456782RM0002-2026-03",
    }
    # The routine asks again every day to the month's end: nothing is worked out or issued twice.
    with CaptureQueriesContext(connection) as queries:
        assert statements_issue_all(cycle=MARCH, now=at("2026-03-26", 1)) == []
    assert len(queries.captured_queries) <= 8
