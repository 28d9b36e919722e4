from django import forms
from django.utils.translation import gettext_lazy as _


class InstructionsForm(forms.Form):
    hours_en = forms.CharField(
        label=_("Hours (English)"), widget=forms.Textarea, required=False, max_length=2000
    )
    hours_fr = forms.CharField(
        label=_("Hours (French)"), widget=forms.Textarea, required=False, max_length=2000
    )
    instructions_en = forms.CharField(
        label=_("Client instructions (English)"), widget=forms.Textarea, required=False, max_length=10000
    )
    instructions_fr = forms.CharField(
        label=_("Client instructions (French)"), widget=forms.Textarea, required=False, max_length=10000
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for field in ("hours", "instructions"):
            if bool(data.get(f"{field}_en")) != bool(data.get(f"{field}_fr")):
                raise forms.ValidationError(_("Give the text in both languages, or in neither."))
        return data


class StampForm(forms.Form):
    text_en = forms.CharField(label=_("Stamp text (English)"), max_length=80)
    text_fr = forms.CharField(label=_("Stamp text (French)"), max_length=80)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=99, initial=0)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
