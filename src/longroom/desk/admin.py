from django.contrib import admin

from .models import (
    InboundMessage,
    OutboundMessage,
    RejectionReason,
    Request,
    RequestType,
    SealCertificate,
    Stamp,
)


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "inbox_kind", "label_en", "label_fr", "active"]
    list_filter = ["inbox_kind", "active"]


@admin.register(Stamp)
class StampAdmin(admin.ModelAdmin):
    list_display = ["office", "text_en", "text_fr", "position", "active"]
    list_filter = ["office", "active"]


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "text_en", "active"]


@admin.register(SealCertificate)
class SealCertificateAdmin(admin.ModelAdmin):
    """Seals are installed with `python -m longroom seal`; here they can only be looked at."""

    list_display = ["office", "subject", "fingerprint_sha256", "not_after", "active", "generated_for_demo"]
    readonly_fields = [
        "office",
        "subject",
        "fingerprint_sha256",
        "not_after",
        "generated_for_demo",
        "created_at",
    ]
    exclude = ["pkcs12_encrypted", "passphrase_encrypted", "certificate_der"]

    def has_add_permission(self, request):
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "office",
        "kind",
        "request_type",
        "transaction_number",
        "status",
        "received_at",
    ]
    list_filter = ["status", "kind", "office"]
    search_fields = ["reference", "transaction_number", "client_email"]

    def has_change_permission(self, request, obj=None):
        return False  # changes go through the desk, so they are audited


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "inbox", "from_address", "subject", "status", "outcome_code"]
    list_filter = ["status", "source"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to_address", "status", "attempts"]
    list_filter = ["status", "kind"]

    def has_change_permission(self, request, obj=None):
        return False
