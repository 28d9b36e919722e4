"""Forms of the revenue staff pages. They parse and check what staff type; the services decide."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import EntryKind
from .selectors import HistoryFilter

MAX_PAGE = 1_000_000  # far beyond any account's history; keeps the OFFSET a sane integer
LANGUAGE_CHOICES = [("en", _("English")), ("fr", _("French"))]


def _iso_date_input() -> forms.DateInput:
    # <input type="date"> sends and expects ISO dates whatever the page's language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccountSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Business number (BN9 or BN15) or legal name"),
        max_length=100,
        help_text=_("For example 123456782, 123456782 RM 0001 or Maple Leaf."),
    )


class HistoryFilterForm(forms.Form):
    """The filters of the transaction history, read from the query string."""

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    posted_from = forms.DateField(label=_("Posted from"), required=False, widget=_iso_date_input())
    posted_to = forms.DateField(label=_("Posted to"), required=False, widget=_iso_date_input())
    reference = forms.CharField(label=_("Reference"), required=False, max_length=40)
    open_only = forms.TypedChoiceField(
        label=_("Show"),
        required=False,
        coerce=lambda value: value == "1",
        empty_value=None,
        choices=[("", _("All transactions")), ("1", _("Only what is not fully paid or used"))],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("Any kind")), *EntryKind.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("posted_from"), data.get("posted_to")
        if start and end and start > end:
            self.add_error("posted_to", _("The end of the period is before its start."))
        return data

    def history_filter(self) -> HistoryFilter:
        """The filters that were valid; a bad one is left out (and its error shown)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        data = self.cleaned_data
        kind = data.get("kind") or ""
        return HistoryFilter(
            kinds=(kind,) if kind else (),
            posted_from=data.get("posted_from"),
            posted_to=data.get("posted_to"),
            reference=data.get("reference") or "",
            open_only=bool(data.get("open_only")),
        )

    def page_number(self) -> int:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return int(self.cleaned_data.get("page") or 1)


class CompareForm(forms.Form):
    """Two versions of a declaration to compare, by number."""

    before = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    after = forms.TypedChoiceField(label=_("with version"), coerce=int)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("before", "after"):
            versions = self.fields[name]
            assert isinstance(versions, forms.ChoiceField)
            versions.choices = [(n, str(n)) for n in numbers]


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you checked, for the record."),
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why the adjustment is rejected"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. The client reads it."),
        error_messages={"required": _("Say why the adjustment is rejected: the client reads it.")},
    )

    def clean_note(self) -> str:
        note = str(self.cleaned_data["note"]).strip()
        if not note:
            raise ValidationError(_("Say why the adjustment is rejected: the client reads it."))
        return note


class ReissueForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)


class MoneyField(forms.DecimalField):
    """Dollars and cents as people type them: "1234.56", "1,234.56", "$1 234,56", "1 234,56 $"."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        text = re.sub(r"[\s\u00a0\u202f$]", "", str(value))
        if "," in text and "." in text:
            text = text.replace(",", "")  # 1,234.56
        elif text.count(",") == 1 and len(text.rsplit(",", 1)[1]) <= 2:
            text = text.replace(",", ".")  # 1234,56
        else:
            text = text.replace(",", "")  # 1,234
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class PenaltyForm(forms.Form):
    amount = MoneyField(
        label=_("Amount (CAD)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("Dollars and cents, for example 150.00."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason_code = forms.CharField(
        label=_("Reason code"),
        max_length=20,
        help_text=_("The contravention number, for example C152."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Description"), max_length=300, widget=forms.TextInput(attrs={"size": "60"})
    )
    due_date = forms.DateField(label=_("Due date"), widget=_iso_date_input())

    def clean_due_date(self) -> dt.date:
        due: dt.date = self.cleaned_data["due_date"]
        if due.year < 2000 or due.year > 2100:
            raise ValidationError(_("Give a due date between 2000 and 2100."))
        return due
