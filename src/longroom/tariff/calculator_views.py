"""The duties-and-taxes calculator pages: a form of lines or a CSV upload in, figures, print and CSV out.

The page never shows a figure it could not fully explain: any bad line refuses the whole estimate,
and every line's problem is listed beside the line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .calculation import as_csv_rows
from .estimates import CSV_COLUMNS, EstimateLine, EstimateRefused, EstimateRequest, estimate, lines_from_csv
from .forms import MAX_FORM_LINES, CalculatorLineFormSet, CalculatorSettingsForm, CsvUploadForm


def _lines_from_formset(formset: Any) -> list[EstimateLine]:
    lines = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        lines.append(
            EstimateLine(
                tariff_item=data["tariff_item"],
                origin=data["origin"],
                value=data["value"],
                currency=data["currency"],
                quantity=data.get("quantity"),
                unit=data.get("unit") or "",
                treatment=data.get("treatment") or "",
                surtax_percent=data.get("surtax_percent"),
                anti_dumping=data.get("anti_dumping") or Decimal(0),
                countervailing=data.get("countervailing") or Decimal(0),
                excise_duty=data.get("excise_duty") or Decimal(0),
                excise_tax=data.get("excise_tax") or Decimal(0),
                description=data.get("description") or "",
            )
        )
    return lines


def lines_as_csv(lines: list[EstimateLine]) -> str:
    """The lines in the upload format, carried in the result page so "Download CSV" recalculates them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(["" if getattr(line, c) is None else str(getattr(line, c)) for c in CSV_COLUMNS])
    return out.getvalue()


def _request_from(settings_form: CalculatorSettingsForm, lines: list[EstimateLine]) -> EstimateRequest:
    data = settings_form.cleaned_data
    return EstimateRequest(
        date=data["date"],
        lines=tuple(lines),
        casual=data["import_kind"] == "casual",
        province=data.get("province") or "",
    )


def calculator(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"upload_form": CsvUploadForm()}
    if request.method != "POST":
        settings_form = CalculatorSettingsForm(
            initial={
                "date": request.GET.get("date") or timezone.localdate().isoformat(),
                "import_kind": "commercial",
            }
        )
        formset = CalculatorLineFormSet(
            initial=[{"tariff_item": request.GET.get("item", ""), "currency": "CAD"}], prefix="line"
        )
        return render(
            request, "tariff/calculator.html", {**context, "settings_form": settings_form, "formset": formset}
        )

    settings_form = CalculatorSettingsForm(request.POST)
    if "upload" in request.POST:
        upload_form = CsvUploadForm(request.POST, request.FILES)
        context["upload_form"] = upload_form
        formset = CalculatorLineFormSet(initial=[{"currency": "CAD"}], prefix="line")
        if settings_form.is_valid() and upload_form.is_valid():
            try:
                lines = lines_from_csv(upload_form.cleaned_data["file"].read())
                context.update(_estimate_context(_request_from(settings_form, lines)))
            except EstimateRefused as refused:
                context["problems"] = refused.problems
        return _render_form(request, context, settings_form, formset)

    formset = CalculatorLineFormSet(request.POST, prefix="line")
    if "add_line" in request.POST:
        # Show what was typed again, unjudged, with one more empty line; no figures until asked.
        try:
            total = max(1, min(int(request.POST.get("line-TOTAL_FORMS", "1")), MAX_FORM_LINES - 1))
        except ValueError:
            total = 1
        names = list(CalculatorLineFormSet.form.base_fields)
        typed = [{name: request.POST.get(f"line-{i}-{name}", "") for name in names} for i in range(total)]
        formset = CalculatorLineFormSet(initial=[*typed, {"currency": "CAD"}], prefix="line")
        settings_form = CalculatorSettingsForm(initial=request.POST.dict())
        context["adding"] = True
        return _render_form(request, context, settings_form, formset)
    if settings_form.is_valid() and formset.is_valid():
        try:
            context.update(_estimate_context(_request_from(settings_form, _lines_from_formset(formset))))
        except EstimateRefused as refused:
            context["problems"] = refused.problems
    return _render_form(request, context, settings_form, formset)


def _estimate_context(estimate_request: EstimateRequest) -> dict[str, Any]:
    result = estimate(estimate_request)
    return {"estimate": result, "lines_csv": lines_as_csv(list(estimate_request.lines))}


def _render_form(
    request: HttpRequest, context: dict[str, Any], settings_form: CalculatorSettingsForm, formset: Any
) -> HttpResponse:
    # A submitted form that produced no figures (problems, invalid fields) is a 422, as an API would say.
    refused = request.method == "POST" and "estimate" not in context and not context.get("adding")
    status = 422 if refused else 200
    return render(
        request,
        "tariff/calculator.html",
        {**context, "settings_form": settings_form, "formset": formset},
        status=status,
    )


@require_POST
def calculator_export(request: HttpRequest) -> HttpResponse:
    """The figures as CSV, recalculated from the lines the result page carried (never trusted figures)."""
    settings_form = CalculatorSettingsForm(request.POST)
    if not settings_form.is_valid():
        return HttpResponse(
            _("The calculation settings are incomplete."), status=400, content_type="text/plain"
        )
    try:
        lines = lines_from_csv(request.POST.get("lines_csv", "").encode())
        result = estimate(_request_from(settings_form, lines))
    except EstimateRefused as refused:
        text = "\n".join(f"{p.line}: {p.message}" for p in refused.problems)
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(as_csv_rows(result.result))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="duties-and-taxes-{stamp}.csv"'
    return response


def calculator_template(request: HttpRequest) -> HttpResponse:
    """An empty upload file with the expected columns and one example line."""
    example = EstimateLine(
        tariff_item="6109.10.00", origin="CN", value=Decimal(1000), currency="USD", description="T-shirts"
    )
    response = HttpResponse(lines_as_csv([example]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="calculator-lines.csv"'
    return response
