"""Statement and daily-notice rendering: PDF and CSV bytes from a fully computed description.

PDF text is read back with pypdfium2, as a reader's PDF viewer would find it. No database.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.utils import translation

from longroom.revenue.documents import (
    DocumentData,
    DocumentKind,
    DocumentLine,
    format_money,
    kind_label,
    render_csv,
    render_pdf,
)

NBSP = "\u00a0"
KINDS = ("duties_taxes", "penalty", "interest", "fee", "refund", "payment", "correction_credit")
CREDITS = {"payment", "correction_credit"}


def make_line(index: int, *, account_number: str = "") -> DocumentLine:
    kind = KINDS[index % len(KINDS)]
    amount = Decimal(index * 137 + 11) / 100
    day = date(2026, 3, 18) + timedelta(days=index % 30)
    return DocumentLine(
        posted_on=day,
        effective_date=day,
        kind=kind,
        reference=f"{12345678901234 + index}",
        description=f"Release of shipment no. {index}",
        amount=-amount if kind in CREDITS else amount,
        due_date=None if kind in CREDITS else date(2026, 5, 1),
        account_number=account_number,
    )


def make_statement(
    count: int = 3, *, language: str = "en", kind: DocumentKind = DocumentKind.STATEMENT
) -> DocumentData:
    broker = kind is DocumentKind.BROKER_STATEMENT
    lines = tuple(make_line(i, account_number="123456782RM0001" if broker else "") for i in range(count))
    opening = Decimal("1234.56")
    closing = opening + sum((line.amount for line in lines), Decimal("0"))
    return DocumentData(
        kind=kind,
        language=language,
        number="SOA-123456782RM0001-2026-04",
        holder_name="Érable & Fils <Importations> Ltée",
        holder_address=("123 rue Principale", "Montréal QC  H2X 1Y4"),
        holder_number="123456782" if broker else "123456782RM0001",
        issue_date=date(2026, 4, 25),
        period_start=date(2026, 3, 18),
        period_end=date(2026, 4, 17),
        due_date=None if kind is DocumentKind.DAILY_NOTICE else date(2026, 5, 1),
        opening_balance=opening,
        lines=lines,
        closing_balance=closing,
        amount_due=closing,
        overdue=Decimal("250.00"),
        broker_asec="12345" if broker else "",
    )


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text, with no-break spaces and line breaks read as plain spaces."""
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    pages = []
    for page in document:
        text = page.get_textpage().get_text_range()
        pages.append(" ".join(text.replace(NBSP, " ").split()))
    return pages


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- PDF -------------------------------------------------------------------------------------


def test_a_statement_is_a_pdf_with_the_holder_and_the_figures():
    data = make_statement()

    pdf = render_pdf(data)

    assert pdf.startswith(b"%PDF")
    (text,) = pdf_pages(pdf)
    assert "Statement of account" in text
    assert "123456782RM0001" in text
    assert "Érable & Fils <Importations> Ltée" in text  # markup characters print as themselves
    assert "SOA-123456782RM0001-2026-04" in text
    assert "Opening balance $1,234.56" in text
    assert "$0.11" in text  # the first line's amount
    assert "Closing balance $1,239.00" in text
    assert "Overdue $250.00" in text
    assert "Payment due by 11:59 p.m. Eastern time on 2026-05-01." in text
    assert "Page 1 of 1" in text


def test_the_same_statement_renders_to_the_same_bytes():
    data = make_statement(40)

    assert render_pdf(data) == render_pdf(replace(data))


def test_lines_show_iso_dates_reference_kind_and_due_date():
    (text,) = pdf_pages(render_pdf(make_statement(7)))

    assert (
        "2026-03-18 2026-03-18 12345678901234 Release of shipment no. 0 Duties and taxes $0.11 2026-05-01"
        in text
    )
    assert "Payment -$6.96" in text  # a credit has no due date


def test_totals_by_kind_are_printed():
    (text,) = pdf_pages(render_pdf(make_statement(14)))

    # Duties and taxes are lines 0 and 7: 0.11 + 9.70.
    assert "Duties and taxes $9.81" in text
    assert "Payment -$23.51" in text  # lines 5 and 12: 6.96 + 16.55


def test_a_300_line_statement_is_paginated_with_the_total_on_the_last_page():
    data = make_statement(300)

    pages = pdf_pages(render_pdf(data))

    assert len(pages) > 2
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert f"Closing balance {format_money(data.closing_balance, 'en')}" in pages[-1]
    assert "Closing balance" not in pages[0]
    # The column headings and the document's number repeat on every page.
    assert all("Reference" in page and "SOA-123456782RM0001-2026-04" in page for page in pages)
    printed = sum(page.count("Release of shipment no.") for page in pages)
    assert printed == 300


def test_a_french_statement_prints_french_money_and_french_labels():
    data = make_statement(language="fr")

    pdf = render_pdf(data)

    raw = pdfium.PdfDocument(io.BytesIO(pdf))[0].get_textpage().get_text_range()
    assert f"1{NBSP}234,56{NBSP}$" in raw or "1 234,56 $" in raw  # pdfium may read NBSP as a space
    (text,) = pdf_pages(pdf)
    assert "1 234,56 $" in text
    assert "Droits et taxes" in text  # already in the French catalogue
    assert "Page 1 sur 1" in text
    with translation.override("fr"):
        expected_title = translation.gettext("Statement of account")
    assert expected_title in text  # whatever the catalogue says, it went through gettext


def test_a_french_document_is_french_even_when_english_is_active():
    translation.activate("en")

    (text,) = pdf_pages(render_pdf(make_statement(language="fr")))

    assert "Agence des services frontaliers du Canada" in text
    assert translation.get_language() == "en"  # the render left the request's language alone


def test_a_broker_summary_shows_the_bn9_asec_and_each_lines_program_account():
    data = make_statement(3, kind=DocumentKind.BROKER_STATEMENT)

    (text,) = pdf_pages(render_pdf(data))

    assert "Customs broker summary" in text
    assert "Business number (BN9): 123456782" in text
    assert "Broker ASEC: 12345" in text
    assert "Program account" in text
    assert text.count("123456782RM0001 1234567890") == 3  # account, then the line's reference


def test_a_daily_notice_has_no_due_date_and_shows_its_business_date():
    data = replace(
        make_statement(2, kind=DocumentKind.DAILY_NOTICE),
        period_start=date(2026, 4, 24),
        period_end=date(2026, 4, 24),
    )

    (text,) = pdf_pages(render_pdf(data))

    assert "Daily notice" in text
    assert "Business date 2026-04-24" in text
    assert "Payment due" not in text
    assert "Amount due" not in text


def test_a_statement_without_lines_says_so():
    data = replace(make_statement(0), closing_balance=Decimal("1234.56"))

    (text,) = pdf_pages(render_pdf(data))

    assert "No transactions in this period." in text
    assert "Closing balance $1,234.56" in text


# --- Money, dates, labels --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "english", "french"),
    [
        (Decimal("1234.56"), "$1,234.56", f"1{NBSP}234,56{NBSP}$"),
        (Decimal("0"), "$0.00", f"0,00{NBSP}$"),
        (Decimal("-1234567.8"), "-$1,234,567.80", f"-1{NBSP}234{NBSP}567,80{NBSP}$"),
        (Decimal("0.005"), "$0.01", f"0,01{NBSP}$"),  # half-up, never banker's rounding
    ],
)
def test_money_is_written_the_way_each_language_writes_it(amount, english, french):
    assert format_money(amount, "en") == english
    assert format_money(amount, "fr") == french


def test_kind_labels_follow_the_active_language_and_fall_back_to_the_code():
    assert kind_label("duties_taxes") == "Duties and taxes"
    with translation.override("fr"):
        assert kind_label("duties_taxes") == "Droits et taxes"
    assert kind_label("mystery") == "mystery"


def test_a_document_in_a_third_language_is_refused():
    with pytest.raises(ValueError, match="language"):
        replace(make_statement(), language="de")


# --- CSV -------------------------------------------------------------------------------------


def test_the_csv_is_one_row_per_line_with_machine_readable_amounts_and_dates():
    data = make_statement(25)

    payload = render_csv(data)

    assert payload.startswith(b"\xef\xbb\xbf")  # BOM, so spreadsheets read the accents right
    rows = csv_rows(payload)
    assert len(rows) == 25
    assert sum(Decimal(row["Amount (CAD)"]) for row in rows) == data.closing_balance - data.opening_balance
    assert rows[0]["Posted"] == "2026-03-18"
    assert rows[0]["Due date"] == "2026-05-01"
    assert rows[0]["Type"] == "Duties and taxes"
    assert rows[5]["Amount (CAD)"] == "-6.96"
    assert rows[5]["Due date"] == ""


def test_a_french_csv_has_french_headers_and_still_uses_a_dot_decimal():
    rows = csv_rows(render_csv(make_statement(3, language="fr")))

    with translation.override("fr"):
        type_header = translation.gettext("Type")
    assert [row["Montant (CAD)"] for row in rows] == ["0.11", "1.48", "2.85"]
    assert rows[0][type_header] == "Droits et taxes"


def test_the_same_data_gives_the_same_csv_bytes():
    data = make_statement(50)

    assert render_csv(data) == render_csv(replace(data))


def test_a_description_that_looks_like_a_formula_is_not_run_by_a_spreadsheet():
    line = replace(make_line(0), description='=HYPERLINK("http://evil")', reference="+1")
    data = replace(make_statement(0), lines=(line,))

    (row,) = csv_rows(render_csv(data))

    assert row["Description"] == '\'=HYPERLINK("http://evil")'
    assert row["Reference"] == "'+1"
    assert row["Amount (CAD)"] == "0.11"


def test_the_csv_has_no_rows_but_the_header_when_there_are_no_lines():
    payload = render_csv(make_statement(0))

    assert csv_rows(payload) == []
    assert payload.decode("utf-8-sig").count("\r\n") == 1
