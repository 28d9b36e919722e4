"""Back office for the registry. Every save goes through the audited services, so a record
edited here is checked like one imported; the changelist has "Import from CSV"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from longroom.core.importing import SourceRejected

from .models import AccountAccess, Business, CustomsBroker, ProgramAccount
from .numbers import asec_problem, bn9_problem, bn15_problem, clean_bn9, clean_bn15
from .services import (
    BUSINESS_FIELDS,
    account_access_grant,
    account_access_revoke,
    business_problems,
    business_register,
    business_update,
    customs_broker_register,
    program_account_open,
    registry_import,
)

# The forms run the services' own checks, so a refusal shows on the field at fault.


class BusinessForm(forms.ModelForm):
    class Meta:
        model = Business
        fields = ["bn9", *BUSINESS_FIELDS]

    def clean_bn9(self) -> str:
        return clean_bn9(self.cleaned_data.get("bn9") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        values = {name: str(data.get(name) or "") for name in BUSINESS_FIELDS}
        for name, message in business_problems(values).items():
            self.add_error(name, message)
        if self.instance.pk is None and (problem := bn9_problem(str(data.get("bn9") or ""))):
            self.add_error("bn9", problem)
        return data


class ProgramAccountInline(admin.TabularInline):
    model = ProgramAccount
    fields = ["number", "status", "opened_on", "closed_on"]
    readonly_fields = ["number", "status", "opened_on", "closed_on"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    form = BusinessForm
    list_display = ["legal_name", "bn9", "city", "province", "country"]
    search_fields = ["bn9", "legal_name", "program_accounts__number"]
    list_filter = ["province", "country"]
    inlines = [ProgramAccountInline]
    change_list_template = "admin/registry/business/change_list.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A BN9 is the business's identity: correcting one is a new record, not an edit.
        return ["bn9"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Business, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data.get(name) or "" for name in BUSINESS_FIELDS}
        actor = request.user
        if change:
            business_update(actor=actor, business=Business.objects.get(pk=obj.pk), **values)  # type: ignore[arg-type]
        else:
            obj.pk = business_register(actor=actor, bn9=form.cleaned_data["bn9"], **values).pk  # type: ignore[arg-type]

    def get_urls(self) -> list[Any]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="registry_business_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:registry_business_changelist"))
        form = RegistryImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = registry_import(actor=request.user, data=upload.read(), source_name=upload.name)  # type: ignore[arg-type]
            except SourceRejected as rejected:
                errors = [str(e) for e in rejected.errors]
                messages.error(request, _("Nothing was imported: %(why)s.") % {"why": rejected})
            else:
                messages.success(
                    request,
                    _(
                        "%(rows)s rows imported: %(created)s businesses created, %(updated)s updated, "
                        "%(unchanged)s unchanged; %(accounts)s program accounts opened; "
                        "%(brokers)s brokers registered."
                    )
                    % {
                        "rows": report.rows,
                        "created": report.businesses_created,
                        "updated": report.businesses_updated,
                        "unchanged": report.businesses_unchanged,
                        "accounts": report.accounts_opened,
                        "brokers": report.brokers_registered + report.brokers_updated,
                    },
                )
                return HttpResponseRedirect(reverse("admin:registry_business_changelist"))
        context = self.admin_site.each_context(request) | {
            "title": _("Import businesses from CSV"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/registry/business/import.html", context)


class RegistryImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns: bn9, legal_name, address_line1, address_line2, city, province, postal_code, "
            "country, contact_email, program_accounts (e.g. RM0001 RM0002), asec (brokers only). "
            "A file with any bad row is refused whole."
        ),
    )


class ProgramAccountForm(forms.ModelForm):
    class Meta:
        model = ProgramAccount
        fields = ["business", "number", "opened_on"]

    def clean_number(self) -> str:
        return clean_bn15(self.cleaned_data.get("number") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        business = data.get("business")
        problem = bn15_problem(str(data.get("number") or ""), business.bn9) if business is not None else None
        if self.instance.pk is None and problem:
            self.add_error("number", problem)
        return data


class CustomsBrokerForm(forms.ModelForm):
    class Meta:
        model = CustomsBroker
        fields = ["business", "asec"]

    def clean_asec(self) -> str:
        asec = (self.cleaned_data.get("asec") or "").strip()
        if problem := asec_problem(asec):
            raise forms.ValidationError(problem)
        return asec


@admin.register(ProgramAccount)
class ProgramAccountAdmin(admin.ModelAdmin):
    form = ProgramAccountForm
    list_display = ["number", "business", "status", "opened_on", "closed_on"]
    list_filter = ["status"]
    search_fields = ["number", "business__legal_name"]
    autocomplete_fields = ["business"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["business", "number", "opened_on", "status", "closed_on"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ProgramAccount, form: Any, change: bool) -> None:
        if change:
            return
        obj.pk = program_account_open(
            actor=request.user,  # type: ignore[arg-type]
            business=form.cleaned_data["business"],
            number=form.cleaned_data["number"],
            opened_on=form.cleaned_data["opened_on"],
        ).pk


@admin.register(CustomsBroker)
class CustomsBrokerAdmin(admin.ModelAdmin):
    form = CustomsBrokerForm
    list_display = ["asec", "business", "active"]
    search_fields = ["asec", "business__legal_name", "business__bn9"]
    autocomplete_fields = ["business"]
    fields = ["business", "asec"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["business"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CustomsBroker, form: Any, change: bool) -> None:
        obj.pk = customs_broker_register(actor=request.user, business=obj.business, asec=obj.asec).pk  # type: ignore[arg-type]


@admin.register(AccountAccess)
class AccountAccessAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "level", "granted_at", "revoked_at"]
    list_filter = ["level"]
    search_fields = ["user__email", "account__number", "account__business__legal_name"]
    autocomplete_fields = ["account"]
    fields = ["user", "account", "level"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["user", "account", "level"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: AccountAccess, form: Any, change: bool) -> None:
        if not change:
            obj.pk = account_access_grant(
                account=obj.account,
                user=obj.user,
                level=obj.level,
                actor=request.user,  # type: ignore[arg-type]
                now=timezone.now(),
            ).pk

    @admin.action(description=gettext_lazy("Revoke the selected accesses"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for access in queryset.filter(revoked_at=None):
            account_access_revoke(access=access, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
