"""The desk over HTTP: the same services and selectors as the pages, the same permissions."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from longroom.core import audit
from longroom.core.models import User
from longroom.desk import pdf as pdftools
from longroom.desk import selectors, services, states
from longroom.desk.models import OPEN_STATUSES, Document, RejectionReason, Request, Stamp
from longroom.desk.storage import stored_file_response

router = Router(tags=["desk"])


class ErrorOut(Schema):
    code: str
    message: str


class DocumentOut(Schema):
    id: int
    filename: str
    role: str
    page_count: int
    sha256: str = Field(..., alias="file.sha256")


class RequestOut(Schema):
    reference: str
    office: str = Field(..., alias="office.number")
    kind: str
    request_type: str
    wrapper_colour: str
    transaction_number: str
    client_email: str
    status: str
    received_at: datetime
    claimed_by: str | None = None
    claim_expires_at: datetime | None
    barcode_mismatch: bool
    decided_at: datetime | None

    @staticmethod
    def resolve_claimed_by(obj: Request) -> str | None:
        return obj.claimed_by.display_identifier if obj.claimed_by else None


class RequestDetailOut(RequestOut):
    documents: list[DocumentOut]

    @staticmethod
    def resolve_documents(obj: Request) -> list[Document]:
        return list(selectors.request_documents(obj))


class StampOut(Schema):
    id: int
    text_en: str
    text_fr: str


class ReasonOut(Schema):
    code: str
    text_en: str
    text_fr: str


class StampIn(Schema):
    stamp_id: int
    document_id: int | None = Field(
        None, description="An original document of the request; the first by default."
    )
    pages: list[int] = Field([1], description="Page numbers, starting at 1.")
    x: float = Field(0.55, ge=0, le=1, description="Left edge of the stamp, as a fraction of the page width.")
    y: float = Field(0.04, ge=0, le=1, description="Top edge of the stamp, as a fraction of the page height.")
    return_now: bool = True


class RejectIn(Schema):
    reason: str = Field(..., description="A rejection reason code, see /rejection-reasons.")
    note: str = ""


ERRORS = {404: ErrorOut, 409: ErrorOut, 403: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _refusal(exc: Exception) -> Status[dict[str, str]]:
    if isinstance(exc, services.RequestAlreadyClaimed):
        return Status(
            409, {"code": "already_claimed", "message": "Another officer has claimed this request."}
        )
    if isinstance(exc, services.ClaimRequired):
        return Status(
            409,
            {
                "code": "claim_required",
                "message": "Claim the request first; your claim may have expired.",
            },
        )
    if isinstance(exc, states.TransitionNotAllowed):
        return Status(
            409,
            {
                "code": "not_allowed_in_status",
                "message": f"Not allowed while the request is {exc.status}.",
            },
        )
    if isinstance(exc, services.NotAllowed):
        return Status(403, {"code": "not_allowed", "message": str(exc)})
    return Status(409, {"code": "refused", "message": str(exc)})


REFUSALS = (services.DeskError, states.TransitionNotAllowed)


@router.get("/requests", response=list[RequestOut], summary="List requests of your offices")
@paginate(LimitOffsetPagination)
def list_requests(request: HttpRequest, office: str = "", kind: str = "", status: str = "open") -> object:
    rows = selectors.requests_visible_to(_user(request)).select_related("office", "claimed_by")
    if office:
        rows = rows.filter(office__number=office)
    if kind:
        rows = rows.filter(kind=kind)
    if status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        rows = rows.filter(status=status)
    return rows.order_by("received_at", "id")


@router.get("/requests/{reference}", response={200: RequestDetailOut, 404: ErrorOut}, summary="One request")
def get_request(request: HttpRequest, reference: str) -> object:
    return selectors.request_for_staff(_user(request), reference)


def _act(request: HttpRequest, reference: str, perform: object) -> object:
    desk_request = selectors.request_for_staff(_user(request), reference)
    try:
        with audit.origin(f"api {request.META.get('REMOTE_ADDR', '')}"):
            perform(desk_request)  # type: ignore[operator]
    except REFUSALS as exc:
        return _refusal(exc)
    return Status(200, selectors.request_for_staff(_user(request), reference))


@router.post(
    "/requests/{reference}/claim", response={200: RequestDetailOut, **ERRORS}, summary="Claim a request"
)
def claim(request: HttpRequest, reference: str) -> object:
    return _act(request, reference, lambda r: services.request_claim(request=r, officer=_user(request)))


@router.post(
    "/requests/{reference}/release", response={200: RequestDetailOut, **ERRORS}, summary="Release your claim"
)
def release(request: HttpRequest, reference: str) -> object:
    return _act(request, reference, lambda r: services.request_release(request=r, officer=_user(request)))


@router.post(
    "/requests/{reference}/stamp",
    response={200: RequestDetailOut, **ERRORS},
    summary="Stamp, sign and (by default) return to the client",
)
def stamp(request: HttpRequest, reference: str, payload: StampIn) -> object:
    def perform(desk_request: Request) -> None:
        chosen_stamp = Stamp.objects.filter(
            pk=payload.stamp_id, office=desk_request.office, active=True
        ).first()
        if chosen_stamp is None:
            raise services.NotAllowed("Unknown stamp for this office.")
        originals = desk_request.documents.filter(role="original").order_by("id")
        document = (
            originals.filter(pk=payload.document_id).first() if payload.document_id else originals.first()
        )
        if document is None:
            raise services.NotAllowed("Unknown document for this request.")
        services.request_stamp(
            request=desk_request,
            officer=_user(request),
            stamp=chosen_stamp,
            document=document,
            pages=[p - 1 for p in payload.pages],
            position=(payload.x, payload.y),
            return_now=payload.return_now,
        )

    try:
        return _act(request, reference, perform)
    except (pdftools.PdfSandboxError, pdftools.StampError):
        return Status(
            409,
            {
                "code": "document_unprocessable",
                "message": "The document could not be stamped in time.",
            },
        )


@router.post(
    "/requests/{reference}/reject", response={200: RequestDetailOut, **ERRORS}, summary="Reject with a reason"
)
def reject(request: HttpRequest, reference: str, payload: RejectIn) -> object:
    def perform(desk_request: Request) -> None:
        reason = RejectionReason.objects.filter(code=payload.reason, active=True).first()
        if reason is None:
            raise services.NotAllowed("Unknown rejection reason.")
        services.request_reject(
            request=desk_request, officer=_user(request), reason=reason, note=payload.note
        )

    return _act(request, reference, perform)


@router.get(
    "/requests/{reference}/documents/{document_id}",
    summary="Download an original or stamped PDF",
    response={200: None, 404: ErrorOut},
)
def download(request: HttpRequest, reference: str, document_id: int) -> object:
    desk_request = selectors.request_for_staff(_user(request), reference)
    document = get_object_or_404(
        Document.objects.select_related("file"), pk=document_id, request=desk_request
    )
    return stored_file_response(document.file, filename=document.filename, content_type="application/pdf")


@router.get(
    "/offices/{number}/stamps", response=list[StampOut], summary="The stamp set of one of your offices"
)
def office_stamps(request: HttpRequest, number: str) -> object:
    office = selectors.office_for_staff(_user(request), number)
    return Stamp.objects.filter(office=office, active=True)


@router.get("/rejection-reasons", response=list[ReasonOut], summary="Rejection reasons")
def rejection_reasons(request: HttpRequest) -> object:
    return RejectionReason.objects.filter(active=True)
