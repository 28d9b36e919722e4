"""An office administrator's pages: client instructions, hours, and the stamp set."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from longroom.offices.forms import InstructionsForm, StampForm
from longroom.offices.models import Office
from longroom.offices.selectors import office_administered_by
from longroom.offices.services import office_update_instructions

from . import services
from .models import SealCertificate, Stamp
from .views import _user, staff_required


def _administered(request: HttpRequest, number: str) -> Office:
    office = office_administered_by(_user(request), number)
    if office is None:
        raise Http404
    return office


@staff_required
def office_settings(request: HttpRequest, number: str) -> HttpResponse:
    office = _administered(request, number)
    if request.method == "POST":
        form = InstructionsForm(request.POST)
        if form.is_valid():
            office_update_instructions(office=office, actor=_user(request), **form.cleaned_data)
            messages.success(request, _("The instructions were saved. They are on the Locations page now."))
            return redirect("desk:office_settings", number=number)
    else:
        form = InstructionsForm(
            initial={
                "hours_en": office.hours_en,
                "hours_fr": office.hours_fr,
                "instructions_en": office.instructions_en,
                "instructions_fr": office.instructions_fr,
            }
        )
    return render(
        request,
        "desk/office_settings.html",
        {
            "office": office,
            "form": form,
            "stamps": Stamp.objects.filter(office=office),
            "new_stamp_form": StampForm(),
            "seals": SealCertificate.objects.filter(office=office),
        },
    )


@staff_required
def stamp_edit(request: HttpRequest, number: str, pk: int | None = None) -> HttpResponse:
    office = _administered(request, number)
    stamp = None
    if pk is not None:
        stamp = Stamp.objects.filter(office=office, pk=pk).first()
        if stamp is None:
            raise Http404
    if request.method == "POST":
        form = StampForm(request.POST)
        if form.is_valid():
            try:
                services.stamp_save(office=office, actor=_user(request), stamp=stamp, **form.cleaned_data)
            except services.DeskError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The stamp set was saved."))
                return redirect("desk:office_settings", number=number)
    else:
        form = StampForm(
            initial={
                "text_en": stamp.text_en,
                "text_fr": stamp.text_fr,
                "position": stamp.position,
                "active": stamp.active,
            }
            if stamp
            else None
        )
    return render(request, "desk/stamp_edit.html", {"office": office, "form": form, "stamp": stamp})
