"""Back office: editions are read-only here (they come from `python -m longroom tariff import`);
exchange rates and sales-tax rates are edited by hand, each change through its audited service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Edition, ExchangeRate, SalesTaxRate
from .services import exchange_rate_delete, exchange_rate_set, sales_tax_rate_delete, sales_tax_rate_save


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["code", "effective_from", "is_sample", "item_count", "source_name", "imported_at"]
    readonly_fields = [f.name for f in Edition._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "date", "rate", "source", "updated_at"]
    list_filter = ["currency", "source"]
    date_hierarchy = "date"
    search_fields = ["currency"]
    fields = ["currency", "date", "rate", "source"]

    def save_model(self, request: HttpRequest, obj: ExchangeRate, form: Any, change: bool) -> None:
        saved = exchange_rate_set(
            actor=request.user,  # type: ignore[arg-type]
            currency=obj.currency,
            date=obj.date,
            rate=obj.rate,
            source=obj.source or "manual",
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: ExchangeRate) -> None:
        exchange_rate_delete(actor=request.user, exchange_rate=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for rate in queryset:
            exchange_rate_delete(actor=request.user, exchange_rate=rate)  # type: ignore[arg-type]


@admin.register(SalesTaxRate)
class SalesTaxRateAdmin(admin.ModelAdmin):
    list_display = ["jurisdiction", "kind", "rate_percent", "valid_from", "valid_to", "source"]
    list_filter = ["jurisdiction", "kind"]

    def save_model(self, request: HttpRequest, obj: SalesTaxRate, form: Any, change: bool) -> None:
        sales_tax_rate_save(actor=request.user, tax=obj)  # type: ignore[arg-type]

    def delete_model(self, request: HttpRequest, obj: SalesTaxRate) -> None:
        sales_tax_rate_delete(actor=request.user, tax=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for tax in queryset:
            sales_tax_rate_delete(actor=request.user, tax=tax)  # type: ignore[arg-type]
