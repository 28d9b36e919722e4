"""The revenue API's request and response schemas: the contract brokers' software codes against."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.urls import reverse
from ninja import Field, Schema

from longroom.registry.models import AccessLevel, ProgramAccount
from longroom.revenue import selectors
from longroom.revenue.models import (
    EntryKind,
    RevenueDocument,
    RevenueDocumentKind,
    TransportMode,
)
from longroom.revenue.services import (
    CadHeader,
    CadLine,
)

from .access import Money

# ── schemas ───────────────────────────────────────────────────────────────────────────────


class ErrorOut(Schema):
    code: str
    message: str


class AccountOut(Schema):
    bn15: str = Field(..., alias="number", examples=["123456782RM0001"])
    display_number: str = Field(..., examples=["123456782 RM 0001"])
    legal_name: str = Field(..., alias="business.legal_name")
    status: str
    access: Literal["read", "edit"] = Field(
        ..., description="What you may do: read, or edit (declare); revenue staff have edit."
    )

    @staticmethod
    def resolve_access(obj: ProgramAccount) -> str:
        # Annotated with the live access's level; revenue staff have none and may act on all.
        return getattr(obj, "access_level", None) or AccessLevel.EDIT.value


class PositionOut(Schema):
    bn15: str
    as_of: dt.date
    balance: Money = Field(..., description="Owed (positive) or owed back (negative)")
    overdue: Money
    due_today: Money
    not_yet_due: Money
    unapplied_credits: Money
    credit_card_room: Money = Field(
        ...,
        description="What may still be paid by credit card in the billing cycle (18th → 17th) of `as_of`: "
        "$4,999.99 per cycle per program account",
    )


class HistoryQuery(Schema):
    kind: list[EntryKind] = Field(default_factory=list, description="Repeat to ask for several kinds.")
    posted_from: dt.date | None = Field(default=None, description="Business date posted, inclusive")
    posted_to: dt.date | None = Field(default=None, description="Business date posted, inclusive")
    reference: str = Field("", max_length=40, description="Part of the reference (transaction number)")
    open_only: bool = Field(False, description="Only debts not fully paid and credits not fully used")

    def as_filter(self) -> selectors.HistoryFilter:
        return selectors.HistoryFilter(
            kinds=tuple(kind.value for kind in self.kind),
            posted_from=self.posted_from,
            posted_to=self.posted_to,
            reference=self.reference,
            open_only=self.open_only,
        )


class HistoryPageQuery(HistoryQuery):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


class TransactionOut(Schema):
    id: int
    posted_on: dt.date = Field(..., description="Business date (Eastern) of posting")
    effective_date: dt.date = Field(..., description="Release date of a CAD, date of a payment")
    kind: EntryKind
    reference: str
    description: str
    amount: Money = Field(..., description="Positive owed to the agency, negative owed to you")
    due_date: dt.date | None
    outstanding: Money = Field(..., description="What is left to pay of a debt, or to use of a credit")
    broker_asec: str
    reverses: int | None = Field(None, description="The id of the entry this one cancels")


class TransactionPageOut(Schema):
    items: list[TransactionOut]
    page: int
    page_size: int
    has_next: bool


class HeaderIn(Schema):
    office_number: str = Field(..., max_length=8, examples=["0497"])
    release_date: dt.date
    transport_mode: TransportMode
    carrier_code: str = Field("", max_length=4)
    cargo_control_number: str = Field("", max_length=25)
    broker_account: str = Field("", max_length=20, description="The broker's BN15, when a broker declares")
    broker_asec: str = Field("", max_length=5, description="The broker's ASEC; must match broker_account")
    release_prior_to_payment: bool = Field(
        False, description="RPP: due with the statement of the release's cycle; otherwise due at release"
    )

    def as_header(self) -> CadHeader:
        return CadHeader(
            office_number=self.office_number,
            release_date=self.release_date,
            transport_mode=self.transport_mode.value,
            carrier_code=self.carrier_code,
            cargo_control_number=self.cargo_control_number,
            broker_account=self.broker_account,
            broker_asec=self.broker_asec,
            release_prior_to_payment=self.release_prior_to_payment,
        )


class LineIn(Schema):
    vendor: str = Field(..., max_length=200)
    tariff_item: str = Field(..., max_length=14, examples=["6109.10.00"])
    origin: str = Field(..., max_length=2, description="ISO 3166 country code", examples=["CN"])
    currency: str = Field(..., max_length=3, examples=["USD"])
    value: Decimal = Field(..., max_digits=18, decimal_places=4, description="Invoice value in `currency`")
    quantity: Decimal | None = Field(default=None, max_digits=18, decimal_places=4)
    unit: str = Field("", max_length=10)
    treatment: str = Field("", max_length=8, description="Empty: the most favourable the origin may claim")
    description: str = Field("", max_length=300)
    surtax_percent: Decimal | None = Field(default=None, max_digits=7, decimal_places=3)
    anti_dumping: Decimal = Field(Decimal(0), max_digits=14, decimal_places=2, description="CAD")
    countervailing: Decimal = Field(Decimal(0), max_digits=14, decimal_places=2, description="CAD")

    def as_line(self) -> CadLine:
        return CadLine(**self.dict())


class CorrectionIn(Schema):
    header: HeaderIn
    lines: list[LineIn]
    reason_code: str = Field("", max_length=20)
    reason: str = Field("", max_length=2000)


class DeclarationIn(Schema):
    transaction_number: str = Field(
        ...,
        max_length=20,
        description="The CAD transaction number: exactly 14 digits",
        examples=["12345000000017"],
        json_schema_extra={"pattern": r"^\d{14}$"},
    )
    header: HeaderIn
    lines: list[LineIn]


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class ProblemOut(Schema):
    line: int = Field(..., description="1-based line (0: the header or the declaration as a whole)")
    field: str
    code: str
    message: str


class HeaderOut(Schema):
    office_number: str
    release_date: dt.date
    transport_mode: str
    carrier_code: str
    cargo_control_number: str
    broker_account: str | None
    broker_asec: str
    release_prior_to_payment: bool


class LineOut(Schema):
    number: int
    vendor: str
    description: str
    tariff_item: str
    origin: str
    treatment: str = Field(..., description="As claimed (empty: the most favourable)")
    currency: str
    value: str
    quantity: str | None
    unit: str
    surtax_percent: str | None
    anti_dumping: Money
    countervailing: Money
    # Worked out by the tariff calculator; null on a refused version.
    treatment_applied: str | None
    rate_text: str | None
    exchange_rate: str | None = Field(..., description="CAD per unit of `currency`")
    value_for_duty: Money | None
    customs_duty: Money | None
    surtax: Money | None
    excise: Money | None
    value_for_tax: Money | None
    gst: Money | None
    total: Money | None


class TotalsOut(Schema):
    value_for_duty: Money
    customs_duty: Money
    surtax: Money
    anti_dumping: Money
    countervailing: Money
    excise: Money
    value_for_tax: Money
    gst: Money
    total: Money


class VersionOut(Schema):
    transaction_number: str
    number: int
    kind: str = Field(..., description="original, correction or adjustment")
    status: str = Field(
        ...,
        description="accepted, rejected, correction_approved, adjustment_pending, adjustment_approved, "
        "adjustment_rejected or withdrawn",
    )
    submitted_at: dt.datetime
    channel: str
    reason_code: str
    reason: str
    edition_code: str = Field(..., description="The tariff edition the figures come from")
    header: HeaderOut
    lines: list[LineOut]
    totals: TotalsOut | None = Field(..., description="Null when the version was refused")
    payment_due_date: dt.date | None
    problems: list[ProblemOut]
    ledger_effect: Money | None = Field(
        ..., description="What this version posted to the ledger (a difference); null: nothing"
    )
    decided_at: dt.datetime | None
    decision_note: str


class VersionSummaryOut(Schema):
    number: int
    kind: str
    status: str
    submitted_at: dt.datetime
    total: Money | None = Field(..., description="Null when the version was refused")


class DeclarationOut(Schema):
    transaction_number: str
    bn15: str
    status: str = Field(..., description="accepted, rejected or withdrawn")
    current_version: int | None = Field(..., description="The version in force")
    created_at: dt.datetime
    versions: list[VersionSummaryOut]


class ChangeOut(Schema):
    field: str
    before: str | None
    after: str | None


class LineChangesOut(Schema):
    line: int
    changes: list[ChangeOut]


class ComparisonOut(Schema):
    transaction_number: str
    before: int
    after: int
    header: list[ChangeOut]
    lines: list[LineChangesOut]
    totals: list[ChangeOut]


class DocumentOut(Schema):
    number: str
    kind: RevenueDocumentKind
    issue_date: dt.date
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date | None
    opening_balance: Money
    closing_balance: Money
    amount_due: Money
    overdue: Money
    line_count: int
    language: str
    pdf: str = Field("", description="Path of the PDF")
    csv: str = Field("", description="Path of the CSV")

    @staticmethod
    def resolve_pdf(obj: RevenueDocument) -> str:
        return reverse("api-v1:document_pdf", kwargs={"number": obj.number})

    @staticmethod
    def resolve_csv(obj: RevenueDocument) -> str:
        return reverse("api-v1:document_csv", kwargs={"number": obj.number})


class DocumentQuery(Schema):
    kind: RevenueDocumentKind | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


class DocumentPageOut(Schema):
    items: list[DocumentOut]
    count: int


ERRORS = {403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
