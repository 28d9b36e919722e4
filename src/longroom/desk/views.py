"""Desk pages. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from longroom.core.models import User
from longroom.offices.models import InboxKind
from longroom.offices.selectors import office_staff

from . import pdf as pdftools
from . import selectors, services, states
from .forms import InformationForm, ReassignForm, RejectForm, StampForm, VerifyReferenceForm, VerifyUploadForm
from .intake import reasons
from .models import RequestStatus, Stamp
from .storage import read_bytes, stored_file_response
from .verification import verify_document


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _back_to(reference: str) -> HttpResponseRedirect:
    return redirect("desk:request", reference=reference)


def _explain_error(exc: Exception) -> str:
    if isinstance(exc, services.RequestAlreadyClaimed):
        return _("Another officer has already claimed this request.")
    if isinstance(exc, services.ClaimRequired):
        return _("Claim this request before working on it. Your claim may have expired.")
    if isinstance(exc, services.NotAllowed):
        return _("You are not allowed to do this for this office.")
    if isinstance(exc, services.NoSealConfigured):
        return _("This office has no seal certificate. An administrator must install one before stamping.")
    if isinstance(exc, states.TransitionNotAllowed):
        return _("This cannot be done while the request is “%(status)s”.") % {
            "status": RequestStatus(exc.status).label
        }
    if isinstance(exc, pdftools.StampError):
        return _(
            "The stamp could not be applied to this document (%(code)s). Reject it as unreadable, or ask for a new copy."
        ) % {"code": exc.code}
    if isinstance(exc, pdftools.PdfSandboxError):
        return _("The document could not be processed in time. Try again, or reject it as unreadable.")
    return _("This could not be done: %(error)s") % {"error": exc}


HANDLED_ERRORS = (
    services.DeskError,
    states.TransitionNotAllowed,
    pdftools.PdfSandboxError,
    pdftools.StampError,
)


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/home.html", {"overview": selectors.desk_overview(_user(request))})


@staff_required
def queue(request: HttpRequest, office_number: str, kind: str) -> HttpResponse:
    if kind not in InboxKind.values:
        raise Http404
    office = selectors.office_for_staff(_user(request), office_number)
    filters = selectors.QueueFilters.from_query(request.GET.dict())
    page_number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    view = selectors.queue(
        user=_user(request), office=office, kind=kind, filters=filters, page_number=page_number
    )
    rows = [
        {"request": r, "age": selectors.age_class(r, office, view.now), "waited": view.now - r.received_at}
        for r in view.page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "desk/queue.html",
        {
            "view": view,
            "rows": rows,
            "kind_label": InboxKind(kind).label,
            "statuses": RequestStatus.choices,
            "filter_query": query.urlencode(),
        },
    )


@staff_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    desk_request = selectors.request_for_staff(user, reference)
    services.request_view(request=desk_request, officer=user)
    documents = list(selectors.request_documents(desk_request))
    originals = [d for d in documents if d.role == "original"]
    now = timezone.now()
    role = services.office_role(user, desk_request.office_id)
    mine = desk_request.claimed_by_id == user.pk and desk_request.claim_is_live(now)
    stamps = Stamp.objects.filter(office=desk_request.office, active=True)
    context = {
        "req": desk_request,
        "documents": documents,
        "originals": originals,
        "stamped_documents": [d for d in documents if d.role == "stamped"],
        "timeline": selectors.request_timeline(desk_request),
        "elapsed": selectors.elapsed_to_decision(desk_request),
        "messages_in": selectors.request_messages(desk_request),
        "replies": selectors.request_replies(desk_request),
        "mine": mine,
        "claimed_by_other": desk_request.claim_is_live(now) and not mine,
        "can_supervise": role in services.SUPERVISORS,
        "stamp_form": StampForm(stamps=stamps, documents=desk_request.documents.filter(role="original")),
        "reject_form": RejectForm(),
        "info_form": InformationForm(),
        "reassign_form": ReassignForm(staff=office_staff(desk_request.office)),
        "age": selectors.age_class(desk_request, desk_request.office, now),
    }
    return render(request, "desk/request.html", context)


@staff_required
def request_popout(request: HttpRequest, reference: str) -> HttpResponse:
    desk_request = selectors.request_for_staff(_user(request), reference)
    return render(
        request,
        "desk/popout.html",
        {"req": desk_request, "documents": selectors.original_documents(desk_request)},
    )


def _action(
    perform: Callable[[HttpRequest, Any], Any], success: Callable[[], str]
) -> Callable[[HttpRequest, str], HttpResponseBase]:
    @staff_required
    @require_POST
    def view(request: HttpRequest, reference: str) -> HttpResponse:
        desk_request = selectors.request_for_staff(_user(request), reference)
        try:
            result = perform(request, desk_request)
        except HANDLED_ERRORS as exc:
            messages.error(request, _explain_error(exc))
            return _back_to(reference)
        if isinstance(result, HttpResponse):
            return result
        messages.success(request, success())
        return _back_to(reference)

    return view


request_claim = _action(
    lambda request, r: services.request_claim(request=r, officer=_user(request)),
    lambda: _("You have claimed this request. Nobody else can work on it while your claim lasts."),
)
request_release = _action(
    lambda request, r: services.request_release(request=r, officer=_user(request)),
    lambda: _("The request is back in the queue."),
)


def _reassign(request: HttpRequest, desk_request: Any) -> Any:
    form = ReassignForm(request.POST, staff=office_staff(desk_request.office))
    if not form.is_valid():
        raise services.DeskError(_("Choose a member of this office."))
    return services.request_reassign(
        request=desk_request, superintendent=_user(request), to_officer=form.cleaned_data["officer"]
    )


request_reassign = _action(_reassign, lambda: _("The request was reassigned."))


def _stamp(request: HttpRequest, desk_request: Any) -> Any:
    form = StampForm(
        request.POST,
        stamps=Stamp.objects.filter(office=desk_request.office, active=True),
        documents=desk_request.documents.filter(role="original"),
    )
    if not form.is_valid():
        raise services.DeskError(" ".join(str(e) for errors in form.errors.values() for e in errors))
    document = form.cleaned_data["document"]
    try:
        pages = form.page_indexes(document.page_count or 1)
    except ValidationError as exc:
        raise services.DeskError(" ".join(exc.messages)) from exc
    return services.request_stamp(
        request=desk_request,
        officer=_user(request),
        stamp=form.cleaned_data["stamp"],
        document=document,
        pages=pages,
        position=(form.cleaned_data["x"], form.cleaned_data["y"]),
        return_now=form.cleaned_data["return_now"],
    )


request_stamp = _action(_stamp, lambda: _("The document was stamped and signed."))
request_return = _action(
    lambda request, r: services.request_return(request=r, officer=_user(request)),
    lambda: _("The stamped documents are on their way to the client."),
)


def _reject(request: HttpRequest, desk_request: Any) -> Any:
    form = RejectForm(request.POST)
    if not form.is_valid():
        raise services.DeskError(_("Choose a reason."))
    return services.request_reject(
        request=desk_request,
        officer=_user(request),
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
    )


request_reject = _action(_reject, lambda: _("The request was rejected and the client told why."))


def _ask(request: HttpRequest, desk_request: Any) -> Any:
    form = InformationForm(request.POST)
    if not form.is_valid():
        raise services.DeskError(_("Say what information is needed."))
    return services.request_ask_for_information(
        request=desk_request, officer=_user(request), note=form.cleaned_data["note"]
    )


request_ask = _action(_ask, lambda: _("The client was asked for more information."))


@staff_required
def stamp_preview(request: HttpRequest, reference: str) -> HttpResponse:
    """The page as it will look once stamped, before the officer confirms."""
    user = _user(request)
    desk_request = selectors.request_for_staff(user, reference)
    stamp = Stamp.objects.filter(office=desk_request.office, pk=request.GET.get("stamp") or 0).first()
    document = desk_request.documents.filter(pk=request.GET.get("document") or 0, role="original").first()
    if stamp is None or document is None:
        raise Http404
    try:
        page = max(int(request.GET.get("page", "1")) - 1, 0)
        x = min(max(float(request.GET.get("x", "0.55")), 0.0), 1.0)
        y = min(max(float(request.GET.get("y", "0.04")), 0.0), 1.0)
    except ValueError as exc:
        raise Http404 from exc
    page = min(page, max(document.page_count - 1, 0))
    spec = services.stamp_spec(
        request=desk_request, stamp=stamp, officer=user, pages=[page], position=(x, y), now=timezone.now()
    )
    png = pdftools.render_stamp_preview(services.document_source_bytes(document), spec, page)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def page_image(request: HttpRequest, document_pk: int, page_index: int, size: str) -> HttpResponse:
    document = selectors.document_for_staff(_user(request), document_pk)
    preview = document.pages.filter(page_index=page_index).select_related("image", "thumbnail").first()
    if preview is None:
        raise Http404
    stored = preview.thumbnail if size == "thumb" else preview.image
    response = HttpResponse(read_bytes(stored), content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400, immutable"
    return response


@staff_required
def document_download(request: HttpRequest, document_pk: int) -> HttpResponseBase:
    document = selectors.document_for_staff(_user(request), document_pk)
    return stored_file_response(
        document.file,
        filename=document.filename,
        content_type="application/pdf",
        as_attachment=request.GET.get("inline") != "1",
    )


@staff_required
def barcode_svg(request: HttpRequest, barcode_pk: int) -> HttpResponse:
    barcode = selectors.barcode_for_staff(_user(request), barcode_pk)
    return HttpResponse(pdftools.code128_svg(barcode.text), content_type="image/svg+xml")


@staff_required
def intake_problems(request: HttpRequest) -> HttpResponse:
    rows = selectors.intake_problems(_user(request))[:200]
    return render(request, "desk/problems.html", {"rows": rows, "explain": reasons.explain})


@staff_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.message_for_staff(_user(request), pk)
    explanation = (
        reasons.explain(message.outcome_code, message.outcome_params) if message.outcome_code else ""
    )
    return render(request, "desk/message.html", {"message": message, "explanation": explanation})


@staff_required
def message_raw(request: HttpRequest, pk: int) -> HttpResponseBase:
    message = selectors.message_for_staff(_user(request), pk)
    return stored_file_response(message.raw, filename=f"message-{pk}.eml", content_type="message/rfc822")


@staff_required
@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.message_for_staff(_user(request), pk)
    try:
        services.message_retry(message=message, actor=_user(request))
        messages.success(request, _("The message will be processed again."))
    except services.DeskError as exc:
        messages.error(request, _explain_error(exc))
    return redirect("desk:message", pk=pk)


@staff_required
def outbox(request: HttpRequest) -> HttpResponse:
    rows = selectors.outbound_for_staff(_user(request))[:200]
    return render(request, "desk/outbox.html", {"rows": rows})


@staff_required
def outbound_eml(request: HttpRequest, pk: int) -> HttpResponseBase:
    outbound = selectors.outbound_for_staff(_user(request)).filter(pk=pk).select_related("eml").first()
    if outbound is None or outbound.eml is None:
        raise Http404
    return stored_file_response(outbound.eml, filename=f"sent-{pk}.eml", content_type="message/rfc822")


# ── public verification ─────────────────────────────────────────────────────────────────

VERIFY_PROBLEMS = {
    "no_signature": lambda: _("The file carries no electronic stamp signature."),
    "altered": lambda: _("The file was changed after it was stamped."),
    "untrusted_signer": lambda: _("The signature was not made with the seal of an e-Longroom office."),
    "unknown_document": lambda: _("We have no record of stamping this exact file."),
    "not_pdf": lambda: _("The file is not a PDF."),
    "unreadable": lambda: _("The file cannot be read as a PDF."),
}


def verify(request: HttpRequest) -> HttpResponse:
    outcome = None
    problem_text = ""
    upload_form = VerifyUploadForm()
    reference_form = VerifyReferenceForm()
    if request.method == "POST" and "reference" in request.POST:
        reference_form = VerifyReferenceForm(request.POST)
        if reference_form.is_valid():
            return redirect(
                "desk:verify_reference", reference=reference_form.cleaned_data["reference"].strip().upper()
            )
    elif request.method == "POST":
        upload_form = VerifyUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            data = upload_form.cleaned_data["file"].read()
            try:
                outcome = verify_document(data)
            except pdftools.PdfSandboxError:
                outcome = None
                problem_text = VERIFY_PROBLEMS["unreadable"]()
            if outcome is not None and not outcome.genuine:
                problem_text = VERIFY_PROBLEMS.get(outcome.problem, VERIFY_PROBLEMS["altered"])()
    return render(
        request,
        "desk/verify.html",
        {
            "upload_form": upload_form,
            "reference_form": reference_form,
            "outcome": outcome,
            "problem_text": problem_text,
        },
    )


def verify_reference(request: HttpRequest, reference: str) -> HttpResponse:
    stampings = list(selectors.stampings_for_reference(reference))
    return render(
        request,
        "desk/verify_reference.html",
        {
            "reference": reference.upper(),
            "stampings": stampings,
            "upload_form": VerifyUploadForm(),
            "verify_url": reverse("desk:verify"),
        },
        status=200 if stampings else 404,
    )
