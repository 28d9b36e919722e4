"""Staff enter a CAD, or a correction or adjustment of one, on the account's pages (a CAD is
"submitted by API … or by staff").

Thin: the forms parse what was typed; `declaration_submit` and `declaration_correct` decide. A
refused submission is recorded by the service as a version with its problems (line, field), and
each problem is shown on the field it names: line 0 on the header, line n on the n-th line sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from longroom.core.language import current_language
from longroom.registry.models import ProgramAccount

from .. import services
from ..documents import format_money
from ..forms import (
    MAX_DECLARATION_LINES,
    TOO_MANY_LINES,
    BaseDeclarationLineFormSet,
    CorrectionForm,
    DeclarationHeaderForm,
    DeclarationLineFormSet,
    NewDeclarationForm,
)
from ..models import Declaration, DeclarationStatus, DeclarationVersion, VersionKind, VersionStatus
from .common import _account, _account_context, _user, posting_required
from .declarations import _declaration

LINE_PREFIX = "line"
HEADER_FIELDS = (
    "office_number",
    "release_date",
    "transport_mode",
    "carrier_code",
    "cargo_control_number",
    "broker_account",
    "broker_asec",
    "release_prior_to_payment",
)
LINE_FIELDS = tuple(DeclarationLineFormSet.form.base_fields)
# What the service (or the tariff calculator under it) calls a field, where the form differs.
PROBLEM_FIELDS = {"date": "release_date"}
# A DeclarationError with one of these codes is about the transaction number the person typed.
NUMBER_CODES = {"bad_transaction_number", "transaction_number_taken", "already_declared"}


@posting_required
def declaration_new(request: HttpRequest, bn15: str) -> HttpResponse:
    account = _account(request, bn15)
    if request.method != "POST":
        return _render_new(request, account, NewDeclarationForm(), _empty_lines())
    if "add_line" in request.POST:
        header, lines, added = _with_another_line(request, NewDeclarationForm)
        return _render_new(request, account, header, lines, line_not_added=not added)
    form = NewDeclarationForm(request.POST)
    formset = DeclarationLineFormSet(request.POST, prefix=LINE_PREFIX)
    if not _both_valid(form, formset):
        return _render_new(request, account, form, formset)
    try:
        version = services.declaration_submit(
            account=account,
            transaction_number=form.cleaned_data["transaction_number"],
            header=_header(form.cleaned_data),
            lines=[_line(line.cleaned_data) for line in formset.lines_kept()],
            now=timezone.now(),
            actor=_user(request),
            channel="staff",
        )
    except services.DeclarationError as exc:
        form.add_error("transaction_number" if exc.code in NUMBER_CODES else None, exc.message)
        return _render_new(request, account, form, formset)
    if version.status == VersionStatus.REJECTED:
        _place_problems(version, form, formset)
        return _render_new(request, account, form, formset, refused=version)
    messages.success(request, _accepted_message(version))
    return redirect(_declaration_url(account, version.declaration))


@posting_required
def declaration_correct(request: HttpRequest, bn15: str, transaction_number: str) -> HttpResponse:
    account = _account(request, bn15)
    declaration = _declaration(account, transaction_number)
    current = declaration.current_version
    if request.method != "POST":
        # What the link promises; the service decides again on POST (another officer may be quicker).
        pending = declaration.versions.filter(status=VersionStatus.ADJUSTMENT_PENDING).exists()
        if declaration.status != DeclarationStatus.ACCEPTED or current is None or pending:
            messages.error(
                request,
                _("This declaration cannot be corrected while an adjustment of it waits for a decision.")
                if pending and declaration.status == DeclarationStatus.ACCEPTED
                else _("Only an accepted declaration can be corrected."),
            )
            return redirect(_declaration_url(account, declaration))
        form, formset = _prefilled(current)
        return _render_correct(request, account, declaration, form, formset)
    if "add_line" in request.POST:
        header, lines, added = _with_another_line(request, CorrectionForm)
        return _render_correct(request, account, declaration, header, lines, line_not_added=not added)
    form = CorrectionForm(request.POST)
    formset = DeclarationLineFormSet(request.POST, prefix=LINE_PREFIX)
    if not _both_valid(form, formset):
        return _render_correct(request, account, declaration, form, formset)
    try:
        version = services.declaration_correct(
            declaration=declaration,
            header=_header(form.cleaned_data),
            lines=[_line(line.cleaned_data) for line in formset.lines_kept()],
            now=timezone.now(),
            reason_code=form.cleaned_data["reason_code"].strip().upper(),
            reason=form.cleaned_data["reason"],
            actor=_user(request),
            channel="staff",
        )
    except services.DeclarationError as exc:
        form.add_error(None, exc.message)
        return _render_correct(request, account, declaration, form, formset)
    if version.status == VersionStatus.REJECTED:
        _place_problems(version, form, formset)
        return _render_correct(request, account, declaration, form, formset, refused=version)
    messages.success(request, _corrected_message(version))
    return redirect(_declaration_url(account, declaration))


# ── the parts ─────────────────────────────────────────────────────────────────────────────


def _empty_lines() -> BaseDeclarationLineFormSet:
    return DeclarationLineFormSet(prefix=LINE_PREFIX)


def _both_valid(form: Form, formset: BaseDeclarationLineFormSet) -> bool:
    header_valid = form.is_valid()  # both checked, so every error shows at once
    return formset.is_valid() and header_valid


def _with_another_line(
    request: HttpRequest, form_class: type[DeclarationHeaderForm]
) -> tuple[DeclarationHeaderForm, BaseDeclarationLineFormSet, bool]:
    """What was typed, shown again unjudged, without the lines marked for removal and with one
    more empty line (unless the page already has the most it may). No figures, nothing recorded."""
    try:
        count = int(request.POST.get(f"{LINE_PREFIX}-TOTAL_FORMS", "1"))
    except ValueError:
        count = 1
    count = max(1, min(count, MAX_DECLARATION_LINES))
    typed = [
        {name: request.POST.get(f"{LINE_PREFIX}-{i}-{name}", "") for name in LINE_FIELDS}
        for i in range(count)
        if not request.POST.get(f"{LINE_PREFIX}-{i}-DELETE")
    ]
    added = len(typed) < MAX_DECLARATION_LINES
    lines = [*typed, {}] if added else typed
    header = form_class(initial={name: request.POST.get(name, "") for name in form_class.base_fields})
    return header, DeclarationLineFormSet(initial=lines or [{}], prefix=LINE_PREFIX), added


def _header(data: dict[str, Any]) -> services.CadHeader:
    return services.CadHeader(
        office_number=data["office_number"].strip(),
        release_date=data["release_date"],
        transport_mode=data["transport_mode"],
        carrier_code=data["carrier_code"].strip(),
        cargo_control_number=data["cargo_control_number"].strip(),
        broker_account=data["broker_account"].strip(),
        broker_asec=data["broker_asec"].strip(),
        release_prior_to_payment=bool(data["release_prior_to_payment"]),
    )


def _line(data: dict[str, Any]) -> services.CadLine:
    return services.CadLine(
        vendor=data["vendor"].strip(),
        description=data.get("description", "").strip(),
        tariff_item=data["tariff_item"].strip(),
        origin=data["origin"],
        currency=data["currency"].strip().upper(),
        value=data["value"],
        quantity=data.get("quantity"),
        unit=data.get("unit", "").strip(),
        treatment=data.get("treatment", ""),
        surtax_percent=data.get("surtax_percent"),
        anti_dumping=data.get("anti_dumping") or Decimal("0.00"),
        countervailing=data.get("countervailing") or Decimal("0.00"),
    )


def _place_problems(version: DeclarationVersion, form: Form, formset: BaseDeclarationLineFormSet) -> None:
    """Each problem of a refused version on the field it names: line 0 on the header, line n on
    the n-th line sent. A problem about no field of the form goes on the form (the summary)."""
    kept = formset.lines_kept()
    for problem in version.problems or []:
        if not isinstance(problem, dict):
            form.add_error(None, str(problem))
            continue
        message = str(problem.get("message", ""))
        name = str(problem.get("field", ""))
        name = PROBLEM_FIELDS.get(name, name)
        try:
            line = int(problem.get("line") or 0)
        except (TypeError, ValueError):
            line = 0
        target = kept[line - 1] if 1 <= line <= len(kept) else form
        if target is form and line:
            message = _("Line %(line)s: %(message)s") % {"line": line, "message": message}
        target.add_error(name if name in target.fields and name != "DELETE" else None, message)


def _prefilled(current: DeclarationVersion) -> tuple[CorrectionForm, BaseDeclarationLineFormSet]:
    """The correction form filled with the version in force, as declared."""
    header = {
        "office_number": current.office_number,
        "release_date": current.release_date,
        "transport_mode": current.transport_mode,
        "carrier_code": current.carrier_code,
        "cargo_control_number": current.cargo_control_number,
        "broker_account": current.broker_account.number if current.broker_account else "",
        "broker_asec": current.broker_asec,
        "release_prior_to_payment": current.release_prior_to_payment,
    }
    lines = [
        {
            "vendor": line.vendor,
            "description": line.description,
            "tariff_item": line.tariff_item,
            "origin": line.origin,
            "currency": line.currency,
            "value": _typed(line.value),
            "quantity": _typed(line.quantity),
            "unit": line.unit,
            "treatment": line.treatment,
            "surtax_percent": _typed(line.surtax_percent),
            "anti_dumping": _typed(line.anti_dumping or None),
            "countervailing": _typed(line.countervailing or None),
        }
        for line in current.lines.order_by("number")
    ]
    formset = DeclarationLineFormSet(initial=lines or [{}], prefix=LINE_PREFIX)
    return CorrectionForm(initial=header), formset


def _typed(amount: Decimal | None) -> str:
    """An amount as a person would type it: 1000.0000 as 1000.00, 12.3456 as is."""
    if amount is None:
        return ""
    cents = amount.quantize(Decimal("0.01"))
    return f"{cents if cents == amount else amount.normalize():f}"


def _summary(form: Form, formset: BaseDeclarationLineFormSet) -> list[dict[str, str]]:
    """Every error of the page, each linked to its field, for the summary at the top."""
    summary = [{"href": "", "label": "", "message": str(e)} for e in form.non_field_errors()]
    summary += [
        {"href": f"#{field.id_for_label}", "label": str(field.label), "message": str(error)}
        for field in form
        for error in field.errors
    ]
    summary += [{"href": "#lines-heading", "label": "", "message": str(e)} for e in formset.non_form_errors()]
    for number, line in enumerate(formset.forms, start=1):
        where = _("Line %(line)s") % {"line": number}
        summary += [
            {"href": f"#line-{number}", "label": where, "message": str(e)} for e in line.non_field_errors()
        ]
        summary += [
            {"href": f"#{field.id_for_label}", "label": f"{where} — {field.label}", "message": str(error)}
            for field in line
            for error in field.errors
        ]
    return summary


def _render(
    request: HttpRequest,
    account: ProgramAccount,
    form: DeclarationHeaderForm,
    formset: BaseDeclarationLineFormSet,
    *,
    refused: DeclarationVersion | None,
    line_not_added: bool,
    **context: Any,
) -> HttpResponse:
    summary = _summary(form, formset) if form.is_bound else []
    if line_not_added:
        summary.append(
            {
                "href": "#lines-heading",
                "label": "",
                "message": str(TOO_MANY_LINES % {"num": MAX_DECLARATION_LINES}),
            }
        )
    return render(
        request,
        "revenue/declare.html",
        {
            **_account_context(request, account, "declarations"),
            "form": form,
            "formset": formset,
            "summary": summary,
            "refused": refused,
            "max_lines": MAX_DECLARATION_LINES,
            "next_line": formset.total_form_count() + 1,
            **context,
        },
    )


def _render_new(
    request: HttpRequest,
    account: ProgramAccount,
    form: DeclarationHeaderForm,
    formset: BaseDeclarationLineFormSet,
    *,
    refused: DeclarationVersion | None = None,
    line_not_added: bool = False,
) -> HttpResponse:
    return _render(request, account, form, formset, refused=refused, line_not_added=line_not_added)


def _render_correct(
    request: HttpRequest,
    account: ProgramAccount,
    declaration: Declaration,
    form: DeclarationHeaderForm,
    formset: BaseDeclarationLineFormSet,
    *,
    refused: DeclarationVersion | None = None,
    line_not_added: bool = False,
) -> HttpResponse:
    return _render(
        request,
        account,
        form,
        formset,
        refused=refused,
        line_not_added=line_not_added,
        declaration=declaration,
        current=declaration.current_version,
    )


def _declaration_url(account: ProgramAccount, declaration: Declaration) -> str:
    return reverse("revenue:declaration", args=[account.number, declaration.transaction_number])


def _due(version: DeclarationVersion) -> str:
    return version.payment_due_date.isoformat() if version.payment_due_date else "—"


def _accepted_message(version: DeclarationVersion) -> str:
    return _("Declaration %(number)s was accepted: %(total)s in duties and taxes, due %(due)s.") % {
        "number": version.declaration.transaction_number,
        "total": format_money(version.total, current_language()),
        "due": _due(version),
    }


def _corrected_message(version: DeclarationVersion) -> str:
    values = {
        "number": version.number,
        "total": format_money(version.total, current_language()),
        "due": _due(version),
    }
    if version.kind == VersionKind.ADJUSTMENT:
        return (
            _(
                "Version %(number)s was sent after the payment due date (%(due)s), so it is an adjustment, "
                "waiting for a decision. It would bring the duties and taxes to %(total)s; nothing is "
                "posted until it is approved."
            )
            % values
        )
    return (
        _(
            "Version %(number)s was sent on or before the payment due date (%(due)s), so it is a "
            "correction, approved at once. The duties and taxes are now %(total)s, still due %(due)s."
        )
        % values
    )
