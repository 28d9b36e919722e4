"""Posting a penalty on an account."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from longroom.core.language import current_language

from .. import services
from ..documents import format_money
from ..forms import (
    PenaltyForm,
)
from .common import _account, _account_context, _user, posting_required


@posting_required
def penalty_new(request: HttpRequest, bn15: str) -> HttpResponse:
    account = _account(request, bn15)
    form = PenaltyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.penalty_post(
                account=account,
                amount=form.cleaned_data["amount"],
                reason_code=form.cleaned_data["reason_code"],
                description=form.cleaned_data["description"],
                due_date=form.cleaned_data["due_date"],
                now=timezone.now(),
                actor=_user(request),
            )
        except services.LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("A penalty of %(amount)s (%(code)s) was posted, due %(due)s.")
                % {
                    "amount": format_money(entry.amount, current_language()),
                    "code": entry.reason_code,
                    "due": entry.due_date.isoformat() if entry.due_date else "—",
                },
            )
            return redirect("revenue:entry", bn15=account.number, pk=entry.pk)
    return render(
        request, "revenue/penalty.html", {**_account_context(request, account, "penalty"), "form": form}
    )
