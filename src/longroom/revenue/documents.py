"""Statements of account, customs broker summaries and daily notices, as PDF and CSV bytes.

The revenue core works out every figure from the ledger and hands over a :class:`DocumentData`;
this module only lays it out. It reads no database and decides nothing about money, so the same
data always gives the same bytes: a statement re-printed a year later is the statement that was
sent, and a test can compare two renders byte for byte.

Language
    A document is printed in ``data.language`` ("en" or "fr"), whatever language the request
    that asked for it is in: the labels go through gettext under ``translation.override``.
    Money follows the language (``$1,234.56`` / ``1 234,56 $`` with no-break spaces, as the
    Government of Canada style guides write it); dates are ISO ``2026-04-25`` in both, because
    ``04/05/2026`` reads differently in each.

PDF
    Letter size, Helvetica (the PDF standard fonts, so nothing is embedded and the file is
    small; they cover Latin-1, which holds English and French names, but not every script a
    legal name could use). reportlab's ``invariant`` mode removes the creation time and the
    random document ID, which is what makes renders byte-identical. Every page carries the
    document number and "Page N of M", because a statement can run to hundreds of lines and
    pages get separated. reportlab writes untagged PDF: the accessible forms of the same figures
    are the portal's HTML pages and the CSV.

CSV
    A plain table for spreadsheets and reconciliation: UTF-8 with a byte-order mark (so Excel
    reads accents right), a header row in the document's language, one row per line, amounts
    as ``-1234.56`` (dot decimal in both languages, so a machine reads either file the same
    way) and ISO dates. No totals or header facts: they would break the table for a machine,
    and the PDF has them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from longroom.core.spreadsheets import safe_cell
from longroom.revenue.models import EntryKind

CENT = Decimal("0.01")
LANGUAGES = ("en", "fr")
NBSP = "\u00a0"


class DocumentKind(StrEnum):
    STATEMENT = "statement"  # statement of account (SOA) of one program account (BN15)
    BROKER_STATEMENT = "broker_statement"  # customs broker summary: debts tagged with the broker's ASEC
    DAILY_NOTICE = "daily_notice"  # transactions posted on one business date


@dataclass(frozen=True)
class DocumentLine:
    posted_on: date  # business date of posting
    effective_date: date  # release date (debts) or payment date (credits)
    kind: str  # ledger kind code: duties_taxes, penalty, interest, fee, refund, payment, correction_credit
    reference: str  # CAD transaction number, payment reference…
    description: str
    amount: Decimal  # + owed to the agency, − owed to the client
    due_date: date | None
    account_number: str = ""  # BN15; used on broker statements, where lines come from many clients
    broker_asec: str = ""


@dataclass(frozen=True)
class DocumentData:
    kind: DocumentKind
    language: str  # "en" or "fr": the language the document is printed in
    number: str  # e.g. "SOA-123456782RM0001-2026-04" — shown on the document
    holder_name: str  # legal name, exactly as on file
    holder_address: tuple[str, ...]
    holder_number: str  # BN15 (statement, notice) or BN9 (broker statement)
    issue_date: date
    period_start: date
    period_end: date
    due_date: date | None  # statements: payment due date; notices: None
    opening_balance: Decimal
    lines: tuple[DocumentLine, ...]
    closing_balance: Decimal
    amount_due: Decimal  # what must be paid by the due date (statements)
    overdue: Decimal
    broker_asec: str = ""  # broker statements

    def __post_init__(self) -> None:
        # Caught here rather than half-way through a render: a document in a third language, or
        # one whose lines are a list (and so could change after it was "printed"), is a bug.
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, got {self.language!r}")
        if not isinstance(self.lines, tuple) or not isinstance(self.holder_address, tuple):
            raise TypeError("lines and holder_address must be tuples, so the document cannot change")
        object.__setattr__(self, "kind", DocumentKind(self.kind))


# --- Formatting ------------------------------------------------------------------------------


def format_money(amount: Decimal, language: str) -> str:
    """``$1,234.56`` in English, ``1 234,56 $`` in French (no-break spaces); ``-`` before a credit."""
    cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    digits = f"{abs(cents):,.2f}"
    if language == "fr":
        digits = digits.replace(",", NBSP).replace(".", ",")
        return f"{sign}{digits}{NBSP}$"
    return f"{sign}${digits}"


def format_plain_amount(amount: Decimal) -> str:
    """``-1234.56``: the machine-readable form, the same in both languages."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def format_date(day: date | None) -> str:
    """ISO ``2026-04-25``, read the same way in English and French; "" for no date."""
    return day.isoformat() if day is not None else ""


def kind_label(kind: str) -> str:
    """The ledger kind's name in the active language ("Duties and taxes"); the code if unknown."""
    try:
        return str(EntryKind(kind).label)
    except ValueError:
        return kind


def document_title(kind: DocumentKind) -> str:
    titles = {
        DocumentKind.STATEMENT: _("Statement of account"),
        DocumentKind.BROKER_STATEMENT: _("Customs broker summary"),
        DocumentKind.DAILY_NOTICE: _("Daily notice"),
    }
    return titles[kind]


def _agency_name(language: str) -> str:
    if language == "fr":
        return str(getattr(settings, "LONGROOM_AGENCY_NAME_FR", "Agence des services frontaliers du Canada"))
    return str(getattr(settings, "LONGROOM_AGENCY_NAME_EN", "Canada Border Services Agency"))


def _totals_by_kind(lines: Iterable[DocumentLine]) -> list[tuple[str, Decimal]]:
    """The sum of each kind present, in the ledger's order of kinds, unknown codes after."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.kind] = totals.get(line.kind, Decimal("0")) + line.amount
    known = [kind.value for kind in EntryKind if kind.value in totals]
    unknown = sorted(set(totals) - set(known))
    return [(kind, totals[kind]) for kind in known + unknown]


# --- Columns of the PDF table --------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    label: str
    value: Callable[[DocumentLine], str]
    width: float  # points, in the PDF
    numeric: bool = False


def _pdf_columns(data: DocumentData) -> list[_Column]:
    money = partial(format_money, language=data.language)
    columns = [
        _Column(_("Posted"), lambda line: format_date(line.posted_on), 48),
        _Column(_("Release or payment date"), lambda line: format_date(line.effective_date), 50),
    ]
    if data.kind is DocumentKind.BROKER_STATEMENT:
        columns.append(_Column(_("Program account"), lambda line: line.account_number, 70))
    columns += [
        _Column(_("Reference"), lambda line: line.reference, 70),
        _Column(_("Description"), lambda line: line.description, 0),  # takes the width left over
        _Column(_("Type"), lambda line: kind_label(line.kind), 62),
        _Column(_("Amount"), lambda line: money(line.amount), 62, numeric=True),
        _Column(_("Due date"), lambda line: format_date(line.due_date), 50),
    ]
    return columns


# --- CSV -------------------------------------------------------------------------------------


def _csv_columns() -> list[tuple[str, Callable[[DocumentLine], str]]]:
    # Every kind of document has the same columns, so one import script reads them all. Text a
    # client typed goes through _csv_text; amounts and dates are ours and never start a formula
    # except by their minus sign, which must stay.
    return [
        (_("Posted"), lambda line: format_date(line.posted_on)),
        (_("Release or payment date"), lambda line: format_date(line.effective_date)),
        (_("Program account"), lambda line: safe_cell(line.account_number)),
        (_("Broker ASEC"), lambda line: safe_cell(line.broker_asec)),
        (_("Reference"), lambda line: safe_cell(line.reference)),
        (_("Description"), lambda line: safe_cell(line.description)),
        (_("Type"), lambda line: kind_label(line.kind)),
        (_("Amount (CAD)"), lambda line: format_plain_amount(line.amount)),
        (_("Due date"), lambda line: format_date(line.due_date)),
    ]


def render_csv(data: DocumentData) -> bytes:
    """The document's lines as a CSV table; see the module docstring for the format."""
    with translation.override(data.language):
        columns = _csv_columns()
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([label for label, _value in columns])
        for line in data.lines:
            writer.writerow([value(line) for _label, value in columns])
    return out.getvalue().encode("utf-8-sig")


# --- PDF -------------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = letter
MARGIN = 0.6 * inch
# The text width: inside the margins and the frame's own 6-point padding on each side.
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN - 2 * 6
FONT, FONT_BOLD = "Helvetica", "Helvetica-Bold"
RULE = colors.HexColor("#8c8c8c")
SHADE = colors.HexColor("#e6e6e6")

_STYLES = {
    "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=2),
    "agency": ParagraphStyle("agency", fontName=FONT, fontSize=9, leading=11),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5),
    "bold": ParagraphStyle("bold", fontName=FONT_BOLD, fontSize=9, leading=11.5),
    "note": ParagraphStyle("note", fontName=FONT, fontSize=8, leading=10),
    "heading": ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=8),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9),
    "cell_right": ParagraphStyle("cell_right", fontName=FONT, fontSize=7.5, leading=9, alignment=TA_RIGHT),
    "sum": ParagraphStyle("sum", fontName=FONT_BOLD, fontSize=9, leading=11.5, alignment=TA_RIGHT),
    "head": ParagraphStyle("head", fontName=FONT_BOLD, fontSize=7.5, leading=9),
    "head_right": ParagraphStyle(
        "head_right", fontName=FONT_BOLD, fontSize=7.5, leading=9, alignment=TA_RIGHT
    ),
}


def _p(text: str, style: str = "body") -> Paragraph:
    # Paragraph reads its text as markup: a "&" or "<" in a legal name must print as itself.
    return Paragraph(escape(text), _STYLES[style])


class _NumberedCanvas(Canvas):
    """A canvas that holds its pages until the end, so each can say "Page N of M".

    reportlab only knows the page count once every page is laid out; the pages are kept as
    canvas states and written out in ``save``.
    """

    def __init__(self, *args: Any, page_label: Callable[[int, int], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page_label = page_label
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.drawRightString(
                PAGE_WIDTH - MARGIN, MARGIN / 2, self._page_label(self.getPageNumber(), total)
            )
            super().showPage()
        super().save()


def _holder_block(data: DocumentData) -> list[Paragraph]:
    block = [_p(data.holder_name, "bold"), *(_p(line) for line in data.holder_address)]
    if data.kind is DocumentKind.BROKER_STATEMENT:
        block.append(_p(_("Business number (BN9): %(number)s") % {"number": data.holder_number}))
        if data.broker_asec:
            block.append(_p(_("Broker ASEC: %(asec)s") % {"asec": data.broker_asec}))
    else:
        block.append(_p(_("Program account (BN15): %(number)s") % {"number": data.holder_number}))
    return block


def _facts(data: DocumentData) -> list[tuple[str, str]]:
    money = partial(format_money, language=data.language)
    facts = [(_("Document number"), data.number), (_("Issue date"), format_date(data.issue_date))]
    if data.period_start == data.period_end:
        facts.append((_("Business date"), format_date(data.period_start)))
    else:
        facts.append(
            (
                _("Period"),
                _("%(start)s to %(end)s")
                % {"start": format_date(data.period_start), "end": format_date(data.period_end)},
            )
        )
    if data.due_date is not None:
        facts.append((_("Payment due"), format_date(data.due_date)))
        facts.append((_("Amount due"), money(data.amount_due)))
    return facts


def _header(data: DocumentData) -> list[Any]:
    facts = Table(
        [[_p(label), _p(value, "bold")] for label, value in _facts(data)],
        colWidths=[1.2 * inch, 2.2 * inch],
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("BACKGROUND", (0, 0), (0, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        ),
    )
    top = Table(
        [[_holder_block(data), facts]],
        colWidths=[BODY_WIDTH - 3.4 * inch, 3.4 * inch],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("RIGHTPADDING", (-1, 0), (-1, 0), 0),
            ]
        ),
    )
    flowables: list[Any] = [
        _p(_agency_name(data.language), "agency"),
        _p(document_title(data.kind), "title"),
        Spacer(1, 6),
        top,
        Spacer(1, 6),
    ]
    if data.due_date is not None:
        flowables.append(
            _p(
                _("Payment due by 11:59 p.m. Eastern time on %(date)s.")
                % {"date": format_date(data.due_date)},
                "bold",
            )
        )
    flowables.append(
        _p(_("A positive amount is owed to the agency; a negative amount is owed to you."), "note")
    )
    return flowables


def _lines_table(data: DocumentData) -> Table:
    columns = _pdf_columns(data)
    fixed = sum(column.width for column in columns)
    widths = [column.width or BODY_WIDTH - fixed for column in columns]
    rows: list[list[Any]] = [
        [_p(column.label, "head_right" if column.numeric else "head") for column in columns]
    ]
    for line in data.lines:
        rows.append(
            [_p(column.value(line), "cell_right" if column.numeric else "cell") for column in columns]
        )
    if not data.lines:
        rows.append([_p(_("No transactions in this period."), "cell"), *([""] * (len(columns) - 1))])
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    amount_column = next(index for index, column in enumerate(columns) if column.numeric)
    style.append(("RIGHTPADDING", (amount_column, 0), (amount_column, -1), 6))
    if not data.lines:
        style.append(("SPAN", (0, 1), (-1, 1)))
    # The header row repeats on every page, so a column is never a guess on page 7.
    return Table(rows, colWidths=widths, repeatRows=1, style=TableStyle(style))


def _summary(data: DocumentData) -> list[Any]:
    money = partial(format_money, language=data.language)
    rows: list[tuple[str, str, bool]] = [(_("Opening balance"), money(data.opening_balance), False)]
    rows += [(kind_label(kind), money(total), False) for kind, total in _totals_by_kind(data.lines)]
    rows.append((_("Closing balance"), money(data.closing_balance), True))
    if data.due_date is not None:
        rows.append(
            (
                _("Amount due by %(date)s") % {"date": format_date(data.due_date)},
                money(data.amount_due),
                True,
            )
        )
    rows.append((_("Overdue"), money(data.overdue), True))
    table = Table(
        [[_p(label, "bold" if strong else "body"), _p(value, "sum")] for label, value, strong in rows],
        colWidths=[2.6 * inch, 1.3 * inch],
        hAlign="RIGHT",
        style=TableStyle(
            [
                ("LINEABOVE", (0, len(rows) - (3 if data.due_date else 2)), (-1, -1), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        ),
    )
    # The heading never ends a page on its own, away from its figures.
    return [KeepTogether([_p(_("Summary"), "heading"), table])]


def render_pdf(data: DocumentData) -> bytes:
    """The document as a letter-size PDF in ``data.language``; the same data gives the same bytes."""
    with translation.override(data.language):
        page_label_format = _("Page %(number)s of %(total)s")
        title = document_title(data.kind)
        running = f"{title} — {data.number} — {data.holder_number}"

        def first_page(canvas: Canvas, doc: Any) -> None:
            canvas.saveState()
            canvas.setFont(FONT, 8)
            canvas.drawString(MARGIN, MARGIN / 2, data.number)
            canvas.restoreState()

        def later_page(canvas: Canvas, doc: Any) -> None:
            first_page(canvas, doc)
            canvas.saveState()
            canvas.setFont(FONT, 8)
            canvas.drawString(MARGIN, PAGE_HEIGHT - MARGIN / 2 - 4, running)
            canvas.restoreState()

        out = io.BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=letter,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=f"{title} {data.number}",
            author=_agency_name(data.language),
            subject=data.holder_name,
            creator="Longroom",
            lang=f"{data.language}-CA",
            invariant=1,
        )
        story = [*_header(data), Spacer(1, 8), _lines_table(data), *_summary(data)]
        doc.build(
            story,
            onFirstPage=first_page,
            onLaterPages=later_page,
            canvasmaker=partial(
                _NumberedCanvas,
                page_label=lambda number, total: page_label_format % {"number": number, "total": total},
            ),
        )
    return out.getvalue()
