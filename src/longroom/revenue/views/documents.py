"""An account's statements and notices: download and reissue."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from longroom.desk.storage import StoredFileCorrupted, stored_file_response
from longroom.registry.models import ProgramAccount

from .. import services
from ..forms import (
    LANGUAGE_CHOICES,
    ReissueForm,
)
from ..models import (
    RevenueDocument,
)
from .common import _account, _account_context, _user, posting_required, revenue_staff_required


def _documents(account: ProgramAccount) -> QuerySet[RevenueDocument]:
    """The account's statements and notices, and the broker summaries of its business."""
    return (
        RevenueDocument.objects.filter(Q(account=account) | Q(business=account.business))
        .select_related("pdf", "csv")
        .order_by("-issue_date", "number")
    )


def _document(account: ProgramAccount, pk: int) -> RevenueDocument:
    document = _documents(account).filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


@revenue_staff_required
def document_list(request: HttpRequest, bn15: str) -> HttpResponse:
    account = _account(request, bn15)
    return render(
        request,
        "revenue/documents.html",
        {
            **_account_context(request, account, "documents"),
            "documents": Paginator(_documents(account), 50).get_page(request.GET.get("page")),
            "languages": LANGUAGE_CHOICES,
        },
    )


@revenue_staff_required
def document_download(request: HttpRequest, bn15: str, pk: int, fmt: str) -> HttpResponseBase:
    account = _account(request, bn15)
    document = _document(account, pk)
    if fmt not in ("pdf", "csv"):
        raise Http404
    stored = document.pdf if fmt == "pdf" else document.csv
    try:
        return stored_file_response(
            stored,
            filename=f"{document.number}-{document.language}.{fmt}",
            content_type="application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8",
        )
    except (StoredFileCorrupted, OSError):
        messages.error(
            request,
            _("The stored file of %(number)s cannot be read. Reissue the document to print it again.")
            % {"number": document.number},
        )
        return redirect("revenue:documents", bn15=account.number)


@posting_required
@require_POST
def document_reissue(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    account = _account(request, bn15)
    document = _document(account, pk)
    form = ReissueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose English or French for the reissued document."))
    else:
        try:
            services.document_reissue(
                document=document,
                now=timezone.now(),
                actor=_user(request),
                language=form.cleaned_data["language"],
            )
        except services.DocumentError as exc:
            messages.error(
                request,
                _("%(number)s was not reissued: %(reason)s") % {"number": document.number, "reason": exc},
            )
        else:
            language = dict(LANGUAGE_CHOICES)[form.cleaned_data["language"]]
            messages.success(
                request,
                _("%(number)s was reissued in %(language)s, with the figures first issued.")
                % {"number": document.number, "language": language},
            )
    return redirect("revenue:documents", bn15=account.number)


# ── penalties ─────────────────────────────────────────────────────────────────────────────
