"""An account's declarations: every version, comparisons, and the decision on adjustments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from longroom.core.language import current_language
from longroom.registry.models import ProgramAccount

from .. import services
from ..documents import format_money
from ..forms import (
    ApproveForm,
    CompareForm,
    RejectForm,
)
from ..models import (
    Declaration,
    DeclarationLine,
    DeclarationVersion,
    VersionStatus,
)
from ..selectors import (
    declarations_of,
    version_changes,
)
from .common import _account, _account_context, _user, posting_required, revenue_staff_required


@revenue_staff_required
def declaration_list(request: HttpRequest, bn15: str) -> HttpResponse:
    account = _account(request, bn15)
    declarations = (
        declarations_of(account)
        .annotate(pending=Count("versions", filter=Q(versions__status=VersionStatus.ADJUSTMENT_PENDING)))
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "revenue/declarations.html",
        {
            **_account_context(request, account, "declarations"),
            "declarations": Paginator(declarations, 50).get_page(request.GET.get("page")),
        },
    )


def _declaration(account: ProgramAccount, transaction_number: str) -> Declaration:
    declaration = declarations_of(account).filter(transaction_number=transaction_number.strip()).first()
    if declaration is None:
        raise Http404
    return declaration


def _shown(value: object, *, money: bool = False) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if money:
            return format_money(value, current_language())
        # 1100.0000 (a value as stored) reads as 1100.00; 12.3456 keeps its places.
        cents = value.quantize(Decimal("0.01"))
        return formats.number_format(cents if cents == value else value.normalize())
    return str(value)


def _changes(before: DeclarationVersion, after: DeclarationVersion) -> dict[str, Any]:
    """`version_changes`, labelled and formatted for people."""
    changes = version_changes(before, after)

    def label(model: type[DeclarationVersion] | type[DeclarationLine], name: str) -> str:
        return capfirst(str(getattr(model._meta.get_field(name), "verbose_name", name)))

    return {
        "header": [
            (label(DeclarationVersion, name), _shown(a), _shown(b)) for name, (a, b) in changes.header.items()
        ],
        "lines": [
            (
                number,
                [
                    (
                        label(DeclarationLine, name),
                        _shown(a, money=name == "total"),
                        _shown(b, money=name == "total"),
                    )
                    for name, (a, b) in fields.items()
                ],
            )
            for number, fields in changes.lines.items()
        ],
        "totals": [
            (label(DeclarationVersion, name), _shown(a, money=True), _shown(b, money=True))
            for name, (a, b) in changes.totals.items()
        ],
        "empty": not (changes.header or changes.lines or changes.totals),
    }


def _problems(version: DeclarationVersion) -> list[dict[str, str]]:
    shown = []
    for problem in version.problems or []:
        if not isinstance(problem, dict):
            shown.append({"where": "", "field": "", "message": str(problem)})
            continue
        line = problem.get("line") or 0
        name = str(problem.get("field", ""))
        model = DeclarationLine if line else DeclarationVersion
        try:
            label = capfirst(str(getattr(model._meta.get_field(name), "verbose_name", name)))
        except FieldDoesNotExist:
            label = name  # "lines" and the like: the code says enough
        shown.append(
            {
                "where": _("Line %(line)s") % {"line": line} if line else _("Declaration"),
                "field": label,
                "message": str(problem.get("message", "")),
            }
        )
    return shown


def _render_declaration(
    request: HttpRequest,
    account: ProgramAccount,
    declaration: Declaration,
    *,
    approve_form: ApproveForm | None = None,
    reject_form: RejectForm | None = None,
) -> HttpResponse:
    versions = list(
        declaration.versions.select_related("submitted_by", "decided_by", "ledger_entry", "broker_account")
        .prefetch_related("lines")
        .order_by("number")
    )
    by_number = {v.number: v for v in versions}
    pending = next((v for v in versions if v.status == VersionStatus.ADJUSTMENT_PENDING), None)
    numbers = [v.number for v in versions]
    compare: dict[str, Any] | None = None
    if "before" in request.GET or "after" in request.GET:
        compare_form = CompareForm(request.GET, numbers=numbers)
    else:
        default: tuple[int, int] | None = None
        if pending is not None and declaration.current_version is not None:
            default = (declaration.current_version.number, pending.number)
        elif len(numbers) >= 2:
            default = (numbers[-2], numbers[-1])
        compare_form = CompareForm(
            {"before": default[0], "after": default[1]} if default else None, numbers=numbers
        )
    if compare_form.is_bound and compare_form.is_valid():
        before = by_number[compare_form.cleaned_data["before"]]
        after = by_number[compare_form.cleaned_data["after"]]
        compare = {"before": before, "after": after, **_changes(before, after)}
    current_pk = declaration.current_version_id
    return render(
        request,
        "revenue/declaration.html",
        {
            **_account_context(request, account, "declarations"),
            "declaration": declaration,
            "versions": [
                {
                    "version": v,
                    "lines": [
                        (line, line.surtax + line.excise + line.anti_dumping + line.countervailing)
                        for line in v.lines.all()
                    ],
                    "problems": _problems(v),
                    "is_current": v.pk == current_pk,
                    "open": v.pk == current_pk or v is pending or v is versions[-1],
                }
                for v in reversed(versions)
            ],
            "pending": pending,
            "approve_form": approve_form or ApproveForm(prefix="approve"),
            "reject_form": reject_form or RejectForm(prefix="reject"),
            "compare_form": compare_form,
            "compare": compare,
            "can_compare": len(numbers) >= 2,
        },
    )


@revenue_staff_required
def declaration_detail(request: HttpRequest, bn15: str, transaction_number: str) -> HttpResponse:
    account = _account(request, bn15)
    return _render_declaration(request, account, _declaration(account, transaction_number))


def _version(declaration: Declaration, number: int) -> DeclarationVersion:
    version = declaration.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return version


def _declaration_url(account: ProgramAccount, declaration: Declaration) -> str:
    return reverse("revenue:declaration", args=[account.number, declaration.transaction_number])


@posting_required
@require_POST
def adjustment_approve(request: HttpRequest, bn15: str, transaction_number: str, number: int) -> HttpResponse:
    account = _account(request, bn15)
    declaration = _declaration(account, transaction_number)
    version = _version(declaration, number)
    form = ApproveForm(request.POST, prefix="approve")
    if form.is_valid():
        try:
            approved = services.adjustment_approve(
                version=version,
                actor=_user(request),
                now=timezone.now(),
                note=form.cleaned_data["note"].strip(),
            )
        except services.DeclarationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _approved_message(approved))
            return redirect(_declaration_url(account, declaration))
    return _render_declaration(request, account, declaration, approve_form=form)


def _approved_message(version: DeclarationVersion) -> str:
    entry = version.ledger_entry
    number = version.number
    if entry is None:
        return _("Version %(number)s is approved. Its total is unchanged, so nothing was posted.") % {
            "number": number
        }
    amount = format_money(abs(entry.amount), current_language())
    if entry.amount > 0:
        return _("Version %(number)s is approved: %(amount)s more duties and taxes posted, due %(due)s.") % {
            "number": number,
            "amount": amount,
            "due": entry.due_date.isoformat() if entry.due_date else "—",
        }
    return _("Version %(number)s is approved: a correction credit of %(amount)s posted.") % {
        "number": number,
        "amount": amount,
    }


@posting_required
@require_POST
def adjustment_reject(request: HttpRequest, bn15: str, transaction_number: str, number: int) -> HttpResponse:
    account = _account(request, bn15)
    declaration = _declaration(account, transaction_number)
    version = _version(declaration, number)
    form = RejectForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            services.adjustment_reject(
                version=version, actor=_user(request), now=timezone.now(), note=form.cleaned_data["note"]
            )
        except services.DeclarationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Version %(number)s is rejected. Nothing was posted to the ledger.") % {"number": number},
            )
            return redirect(_declaration_url(account, declaration))
    return _render_declaration(request, account, declaration, reject_form=form)


# ── statements and notices ────────────────────────────────────────────────────────────────
