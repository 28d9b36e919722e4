from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from longroom.core.models import User

from .models import Document, RejectionReason, Stamp


class StampForm(forms.Form):
    stamp = forms.ModelChoiceField(queryset=Stamp.objects.none(), label=_("Stamp"), empty_label=None)
    document = forms.ModelChoiceField(queryset=Document.objects.none(), label=_("Document"), empty_label=None)
    pages = forms.CharField(
        label=_("Pages"),
        initial="1",
        max_length=200,
        help_text=_("Page numbers separated by commas, a range like 1-3, or “all”."),
    )
    # Where the stamp's top-left corner goes, as fractions of the page seen upright.
    x = forms.FloatField(min_value=0, max_value=1, initial=0.55, widget=forms.HiddenInput)
    y = forms.FloatField(min_value=0, max_value=1, initial=0.04, widget=forms.HiddenInput)
    return_now = forms.BooleanField(
        label=_("Return to the client by e-mail now"), required=False, initial=True
    )

    def __init__(self, *args: object, stamps: object, documents: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["stamp"].queryset = stamps  # type: ignore[attr-defined]
        self.fields["document"].queryset = documents  # type: ignore[attr-defined]

    def page_indexes(self, page_count: int) -> list[int]:
        return parse_pages(self.cleaned_data["pages"], page_count)


def parse_pages(text: str, page_count: int) -> list[int]:
    """“1”, “1,3”, “2-4”, “all” → zero-based page indexes within the document."""
    text = text.strip().lower()
    if text in {"all", "tout", "toutes", "*"}:
        return list(range(page_count))
    pages: set[int] = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            start, _sep, end = part.partition("-")
            if not (start.strip().isdigit() and end.strip().isdigit()):
                raise forms.ValidationError(_("“%(part)s” is not a page range."), params={"part": part})
            pages.update(range(int(start), int(end) + 1))
        elif part.isdigit():
            pages.add(int(part))
        else:
            raise forms.ValidationError(_("“%(part)s” is not a page number."), params={"part": part})
    indexes = sorted(p - 1 for p in pages if 1 <= p <= page_count)
    if not indexes:
        raise forms.ValidationError(
            _("Choose at least one page between 1 and %(count)s."), params={"count": page_count}
        )
    return indexes


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(
        queryset=RejectionReason.objects.filter(active=True), label=_("Reason"), empty_label=None
    )
    note = forms.CharField(
        label=_("Note to the client (optional)"), required=False, widget=forms.Textarea, max_length=4000
    )


class InformationForm(forms.Form):
    note = forms.CharField(
        label=_("What do you need from the client?"), widget=forms.Textarea, max_length=4000
    )


class ReassignForm(forms.Form):
    officer = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Give to"), empty_label=None)

    def __init__(self, *args: object, staff: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["officer"].queryset = staff  # type: ignore[attr-defined]


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label=_("Stamped PDF file"))


class VerifyReferenceForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"), max_length=40, help_text=_("For example LR-410-C-2026-000123.")
    )
