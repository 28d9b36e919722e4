"""Back office for revenue. The ledger, declarations, payments and documents are read-only here:
they change only through the services (and the staff screens at /revenue/). What staff keep by
hand — the interest rate table and an account's offsetting preference — is saved through audited
services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    AccountProfile,
    ClearingApplication,
    Declaration,
    InterestRate,
    LedgerEntry,
    PadAgreement,
    Payment,
    RevenueDocument,
    RppEnrolment,
    SecurityReview,
)
from .services import interest_rate_save, offsetting_preference_set


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["posted_at", "account", "kind", "amount", "due_date", "reference", "reason_code"]
    list_filter = ["kind"]
    search_fields = ["account__number", "reference"]
    date_hierarchy = "business_date"
    list_select_related = ["account"]


@admin.register(ClearingApplication)
class ClearingApplicationAdmin(ReadOnlyAdmin):
    list_display = ["applied_at", "account", "credit", "debit", "amount", "rule"]
    list_filter = ["rule"]
    search_fields = ["account__number"]


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ["transaction_number", "account", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["transaction_number", "account__number"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "requested_at",
        "account",
        "method",
        "amount",
        "status",
        "card_last4",
        "gateway_reference",
    ]
    list_filter = ["method", "status"]
    search_fields = ["account__number", "gateway_reference"]


@admin.register(PadAgreement)
class PadAgreementAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "holder_name",
        "institution_number",
        "transit_number",
        "bank_account_last4",
        "status",
    ]
    exclude = ["bank_account_encrypted"]


@admin.register(RevenueDocument)
class RevenueDocumentAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "kind",
        "issue_date",
        "closing_balance",
        "amount_due",
        "language",
        "reissue_count",
    ]
    list_filter = ["kind"]
    search_fields = ["number"]


@admin.register(RppEnrolment)
class RppEnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["account", "status", "security_type", "security_amount", "required_amount"]
    list_filter = ["status", "security_type"]


@admin.register(SecurityReview)
class SecurityReviewAdmin(ReadOnlyAdmin):
    list_display = ["enrolment", "review_year", "required_amount", "due_on", "met_at", "lapsed_at"]


@admin.register(InterestRate)
class InterestRateAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "annual_percent", "source"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a rate that applied stays on record; correct it or add the next one

    def save_model(self, request: HttpRequest, obj: InterestRate, form: Any, change: bool) -> None:
        interest_rate_save(rate=obj, actor=request.user)  # type: ignore[arg-type]


@admin.register(AccountProfile)
class AccountProfileAdmin(admin.ModelAdmin):
    list_display = ["account", "offsetting_preference"]
    autocomplete_fields = ["account"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["account"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: AccountProfile, form: Any, change: bool) -> None:
        profile = offsetting_preference_set(
            account=obj.account,
            preference=obj.offsetting_preference,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = profile.pk
