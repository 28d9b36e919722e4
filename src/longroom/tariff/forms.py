"""Forms of the tariff tools. They parse and check input; the figures come from `estimates`."""

from __future__ import annotations

import datetime as dt
import gettext
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pycountry
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from longroom.core.geography import PROVINCES
from longroom.core.language import current_language

from .treatments import TREATMENTS


def _today() -> dt.date:
    return timezone.localdate()


def country_choices() -> list[tuple[str, str]]:
    """Countries by name in the reader's language (pycountry ships the ISO 3166 translations)."""
    return _countries(current_language())


@lru_cache(maxsize=2)
def _countries(language: str) -> list[tuple[str, str]]:
    catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
    names = [(c.alpha_2, catalogue.gettext(c.name)) for c in pycountry.countries]
    return sorted(names, key=lambda pair: unicodedata.normalize("NFKD", pair[1]).casefold())


class AsOfDateField(forms.DateField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Date"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Product or tariff number"),
        max_length=300,
        help_text=_(
            "Words in English or French (for example “cotton t-shirt”), or the start of a number (6109)."
        ),
    )
    date = AsOfDateField(help_text=_("Rates in force on this day. Leave empty for today."))

    def as_of(self) -> dt.date:
        return self.cleaned_data.get("date") or _today()


class ClassifyForm(forms.Form):
    description = forms.CharField(
        label=_("Describe the product"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What it is, what it is made of and what it is used for, e.g. “men's knitted cotton t-shirt”."
        ),
    )


class CalculatorSettingsForm(forms.Form):
    """What applies to the whole shipment."""

    date = forms.DateField(
        label=_("Date of import"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Rates of duty, exchange rates and tax rates in force on this day are used."),
    )
    import_kind = forms.ChoiceField(
        label=_("Kind of import"),
        choices=(
            ("commercial", _("Commercial goods (GST collected at the border)")),
            ("casual", _("Casual (personal) import (provincial taxes collected too)")),
        ),
        initial="commercial",
    )
    province = forms.ChoiceField(
        label=_("Province or territory of destination"),
        choices=(("", _("— choose —")), *PROVINCES),
        required=False,
        help_text=_("Needed for casual imports, where HST, PST or QST applies."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("import_kind") == "casual" and not data.get("province"):
            self.add_error("province", _("Choose the province or territory the goods are going to."))
        return data


def _money(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=18,
        decimal_places=4,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class CalculatorLineForm(forms.Form):
    tariff_item = forms.CharField(
        label=_("Tariff item"), max_length=20, help_text=_("8 or 10 digits, e.g. 6109.10.00")
    )
    description = forms.CharField(label=_("Description (optional)"), max_length=200, required=False)
    origin = forms.ChoiceField(label=_("Country of origin"))
    treatment = forms.ChoiceField(
        label=_("Tariff treatment"),
        required=False,
        help_text=_("Leave on “best available” to use the most favourable treatment the origin may claim."),
    )
    value = _money(_("Value"), required=True, help_text=_("Value for duty, in the invoice currency."))
    currency = forms.CharField(
        label=_("Currency"), max_length=3, initial="CAD", help_text=_("ISO code, e.g. USD")
    )
    quantity = _money(_("Quantity"), help_text=_("Needed where the rate is per unit (kg, litre, each…)."))
    unit = forms.CharField(
        label=_("Unit"), max_length=40, required=False, help_text=_("e.g. kg, litre, each")
    )
    surtax_percent = _money(_("Surtax (%)"), help_text=_("Only where a surtax order applies."))
    anti_dumping = _money(_("Anti-dumping duty (CAD)"))
    countervailing = _money(_("Countervailing duty (CAD)"))
    excise_duty = _money(_("Excise duty (CAD)"))
    excise_tax = _money(_("Excise tax (CAD)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["origin"].choices = [("", _("— choose —")), *country_choices()]  # type: ignore[attr-defined]
        self.fields["treatment"].choices = [  # type: ignore[attr-defined]
            ("", _("Best available")),
            *((code, f"{code} — {t.name}") for code, t in TREATMENTS.items()),
        ]

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].strip().upper()
        if pycountry.currencies.get(alpha_3=code) is None:
            raise forms.ValidationError(_("“%(code)s” is not a currency code."), params={"code": code})
        return code


# Beyond this many lines, the CSV upload is the way. absolute_max stops a forged TOTAL_FORMS from
# making the server build a thousand forms.
MAX_FORM_LINES = 50
CalculatorLineFormSet = forms.formset_factory(
    CalculatorLineForm,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_FORM_LINES,
    validate_max=True,
    absolute_max=MAX_FORM_LINES,
)


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file of invoice lines"),
        help_text=_(
            "Columns: tariff_item, origin, value, currency, and where needed quantity, unit, treatment, "
            "surtax_percent, anti_dumping, countervailing, excise_duty, excise_tax, description."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.LONGROOM_CALCULATOR_MAX_LINES * 400:
            raise forms.ValidationError(_("The file is too large."))
        return upload
