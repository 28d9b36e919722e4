from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Inbox, Membership, Office
from .services import inbox_set_imap_password


class InboxForm(forms.ModelForm):
    # Write-only: the stored password is never sent back to the browser.
    imap_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        label=_("IMAP password"),
        help_text=_(
            "Leave empty to keep the current password. Or set LONGROOM_IMAP_PASSWORD_<ADDRESS> in the environment."
        ),
    )

    class Meta:
        model = Inbox
        fields = [
            "office",
            "kind",
            "address",
            "active",
            "imap_host",
            "imap_port",
            "imap_ssl",
            "imap_username",
            "imap_folder",
        ]


class InboxInline(admin.TabularInline):
    model = Inbox
    form = InboxForm
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["number", "name_en", "city", "elongroom_offered", "service_target_minutes"]
    search_fields = ["number", "name_en", "name_fr", "city"]
    inlines = [InboxInline, MembershipInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            password = (
                inline_form.cleaned_data.get("imap_password")
                if hasattr(inline_form, "cleaned_data")
                else None
            )
            if password and inline_form.instance.pk:
                inbox_set_imap_password(inbox=inline_form.instance, actor=request.user, password=password)


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    form = InboxForm
    list_display = ["address", "office", "kind", "active", "imap_host", "imap_last_polled_at"]
    readonly_fields = ["imap_uidvalidity", "imap_last_uid", "imap_last_polled_at", "imap_last_error"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("imap_password"):
            inbox_set_imap_password(
                inbox=obj, actor=request.user, password=form.cleaned_data["imap_password"]
            )
