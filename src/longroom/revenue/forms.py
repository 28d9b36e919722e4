"""Forms of the revenue staff pages. They parse and check what staff type; the services decide."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from longroom.tariff.forms import country_choices
from longroom.tariff.treatments import TREATMENTS

from .models import EntryKind, TransportMode
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


# ── entering a declaration (CAD) or a correction of one ─────────────────────────────────────

# A longer CAD goes through the API. absolute_max stops a forged TOTAL_FORMS from making the
# server build a thousand forms.
MAX_DECLARATION_LINES = 50
_SPACES = r"\s\u00a0\u202f"


class AmountField(forms.DecimalField):
    """A number as people type it in either language: "1,234.56", "1 234,56", "1.234,56", "0,5".

    A lone comma is the decimal comma unless it groups thousands ("1,234" is 1234); digits grouped
    by spaces are French, so "1 234,567" is 1234.567.
    """

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        raw = str(value).strip()
        spaced = re.search(rf"\d[{_SPACES}]\d", raw) is not None
        text = re.sub(rf"[{_SPACES}$]", "", raw)
        if not re.fullmatch(r"[-+]?[\d.,]*\d[\d.,]*", text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if "," in text and "." in text:
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")  # 1.234,56
            else:
                text = text.replace(",", "")  # 1,234.56
        elif text.count(",") == 1 and (spaced or len(text.rsplit(",", 1)[1]) != 3):
            text = text.replace(",", ".")  # 1234,56 or 1 234,567
        else:
            text = text.replace(",", "")  # 1,234 or 1,234,567
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


def _amount(label: Any, *, max_digits: int, decimal_places: int, **kwargs: Any) -> AmountField:
    # A text box, not type="number": browsers refuse "1 234,56" in a number box.
    return AmountField(
        label=label,
        max_digits=max_digits,
        decimal_places=decimal_places,
        min_value=Decimal(0),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **kwargs,
    )


def _code_input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", **attrs})


class DeclarationHeaderForm(forms.Form):
    """The header of a CAD as staff type it. Whether the office, the broker or RPP are right is
    for `declaration_submit` to say, so that a refused submission is recorded with its problems."""

    office_number = forms.CharField(
        label=_("Office number"),
        max_length=8,
        help_text=_("The customs office of release, for example 0497."),
        widget=_code_input(inputmode="numeric"),
    )
    release_date = forms.DateField(label=_("Release date"), widget=_iso_date_input())
    transport_mode = forms.ChoiceField(label=_("Mode of transport"))
    carrier_code = forms.CharField(
        label=_("Carrier code (optional)"), max_length=4, required=False, widget=_code_input()
    )
    cargo_control_number = forms.CharField(
        label=_("Cargo control number (optional)"),
        max_length=25,
        required=False,
        help_text=_("The carrier code followed by a number, 5 to 25 letters and digits."),
        widget=_code_input(),
    )
    broker_account = forms.CharField(
        label=_("Customs broker's BN15 (optional)"),
        max_length=20,
        required=False,
        help_text=_("When a customs broker accounts for the goods; give its ASEC too."),
        widget=_code_input(),
    )
    broker_asec = forms.CharField(
        label=_("Broker's ASEC (optional)"),
        max_length=5,
        required=False,
        widget=_code_input(inputmode="numeric"),
    )
    release_prior_to_payment = forms.BooleanField(
        label=_("Released prior to payment (RPP)"),
        required=False,
        help_text=_(
            "Then the duties and taxes are due with the statement of the release's cycle; otherwise at "
            "release. The account must be enrolled in RPP."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mode = self.fields["transport_mode"]
        assert isinstance(mode, forms.ChoiceField)
        mode.choices = [("", _("— choose —")), *TransportMode.choices]

    def clean_release_date(self) -> dt.date:
        released: dt.date = self.cleaned_data["release_date"]
        if released.year < 2000 or released.year > 2100:
            raise ValidationError(_("Give a release date between 2000 and 2100."))
        return released


class NewDeclarationForm(DeclarationHeaderForm):
    transaction_number = forms.CharField(
        label=_("Transaction number"),
        max_length=30,
        help_text=_("14 digits, for example 12345000000017."),
        widget=_code_input(inputmode="numeric"),
    )

    def clean_transaction_number(self) -> str:
        # Spaces and dashes people type to group the digits are not part of the number.
        return re.sub(r"[\s\u00a0\u202f-]", "", str(self.cleaned_data["transaction_number"]))


class CorrectionForm(DeclarationHeaderForm):
    reason_code = forms.CharField(
        label=_("Reason code (optional)"), max_length=20, required=False, widget=_code_input()
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is corrected and why, for the record (and for whoever decides an adjustment)."),
        error_messages={"required": _("Say what is corrected and why.")},
    )


class DeclarationLineForm(forms.Form):
    """One invoice line. The tariff item, origin, currency and treatment are checked by the
    service (through the tariff calculator), which names the field of every problem."""

    vendor = forms.CharField(label=_("Vendor"), max_length=200)
    description = forms.CharField(label=_("Description (optional)"), max_length=300, required=False)
    tariff_item = forms.CharField(
        label=_("Tariff item"),
        max_length=14,
        help_text=_("8 or 10 digits, e.g. 6109.10.00"),
        widget=_code_input(),
    )
    origin = forms.ChoiceField(label=_("Country of origin"))
    currency = forms.CharField(
        label=_("Currency"), max_length=3, help_text=_("ISO code, e.g. USD"), widget=_code_input()
    )
    value = _amount(
        _("Value"),
        max_digits=18,
        decimal_places=4,
        help_text=_("The invoice value, in the invoice currency, for example 1,234.56."),
    )
    quantity = _amount(
        _("Quantity (optional)"),
        max_digits=18,
        decimal_places=4,
        required=False,
        help_text=_("Needed where the rate is per unit (kg, litre, each…)."),
    )
    unit = forms.CharField(
        label=_("Unit (optional)"),
        max_length=10,
        required=False,
        help_text=_("e.g. kg, litre, each"),
        widget=_code_input(),
    )
    treatment = forms.ChoiceField(
        label=_("Tariff treatment (optional)"),
        required=False,
        help_text=_("Leave on “best available” to use the most favourable treatment the origin may claim."),
    )
    surtax_percent = _amount(
        _("Surtax (%)"),
        max_digits=7,
        decimal_places=3,
        required=False,
        help_text=_("Only where a surtax order applies."),
    )
    anti_dumping = _amount(_("Anti-dumping duty (CAD)"), max_digits=14, decimal_places=2, required=False)
    countervailing = _amount(_("Countervailing duty (CAD)"), max_digits=14, decimal_places=2, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        origin = self.fields["origin"]
        treatment = self.fields["treatment"]
        assert isinstance(origin, forms.ChoiceField) and isinstance(treatment, forms.ChoiceField)
        origin.choices = [("", _("— choose —")), *country_choices()]
        treatment.choices = [
            ("", _("Best available")),
            *((code, f"{code} — {t.name}") for code, t in TREATMENTS.items()),
        ]


TOO_MANY_LINES = _(
    "At most %(num)d invoice lines can be entered here; send a longer declaration through the API."
)


class BaseDeclarationLineFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": TOO_MANY_LINES,
        "too_few_forms": _("A declaration has at least one invoice line."),
    }

    def initial_form_count(self) -> int:
        # Every line on the page is new to the formset, prefilled or not: a line left blank is
        # left out, wherever it is, instead of being required because it was shown with values.
        return 0 if self.is_bound else super().initial_form_count()

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this line")

    def lines_kept(self) -> list[forms.Form]:
        """The lines to declare, in order: not removed and not left blank (after is_valid)."""
        return [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


DeclarationLineFormSet = cast(
    type[BaseDeclarationLineFormSet],
    forms.formset_factory(
        DeclarationLineForm,
        formset=BaseDeclarationLineFormSet,
        extra=0,
        min_num=1,
        validate_min=True,
        max_num=MAX_DECLARATION_LINES,
        validate_max=True,
        absolute_max=MAX_DECLARATION_LINES,
        can_delete=True,
    ),
)
