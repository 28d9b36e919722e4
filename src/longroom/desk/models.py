"""The e-Longroom desk: received messages, requests, their documents, stamps and replies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from longroom.core.language import current_language
from longroom.offices.models import InboxKind, Office


class RequestType(models.Model):
    """A request type clients may put in the subject (RMD, A48, …), per inbox kind."""

    code = models.CharField(_("code"), max_length=16)
    inbox_kind = models.CharField(_("inbox kind"), max_length=1, choices=InboxKind.choices)
    label_en = models.CharField(_("label (English)"), max_length=200)
    label_fr = models.CharField(_("label (French)"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("request type")
        verbose_name_plural = _("request types")
        ordering = ("inbox_kind", "code")
        constraints = [
            models.UniqueConstraint(fields=["code", "inbox_kind"], name="request_type_unique_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"

    @property
    def label(self) -> str:
        return self.label_fr if current_language() == "fr" else self.label_en


class Stamp(models.Model):
    """One stamp of an office's stamp set, e.g. RELEASED / MAINLEVÉE."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="stamps", verbose_name=_("office")
    )
    text_en = models.CharField(_("text (English)"), max_length=80)
    text_fr = models.CharField(_("text (French)"), max_length=80)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stamp")
        verbose_name_plural = _("stamps")
        ordering = ("office", "position", "id")

    def __str__(self) -> str:
        return f"{self.text_en} / {self.text_fr}"


class RejectionReason(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    text_en = models.TextField(_("text (English)"))
    text_fr = models.TextField(_("text (French)"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ("code",)

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return self.text_fr if current_language() == "fr" else self.text_en


class StoredFile(models.Model):
    """Bytes as received or produced, write-once, addressed by SHA-256 (see desk.storage)."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    path = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.sha256


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Received, waiting for processing")
    PROCESSING = "processing", _("Processing")
    RETRY_WAIT = "retry_wait", _("Failed, will be retried")
    DEAD = "dead", _("Failed, needs staff attention")
    ACCEPTED = "accepted", _("Accepted as a new request")
    FOLLOW_UP = "follow_up", _("Added to an existing request")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    DUPLICATE = "duplicate", _("Duplicate delivery")
    AUTOMATIC = "automatic", _("Automatic mail, no reply sent")
    BOUNCE = "bounce", _("Delivery failure report")


class InboundMessage(models.Model):
    """Every message received, recorded before anything else is done with it."""

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=8, choices=[("smtp", "SMTP"), ("imap", "IMAP"), ("api", "API")])
    inbox = models.ForeignKey(
        "offices.Inbox", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.JSONField(default=list, blank=True)
    raw = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    size = models.BigIntegerField()
    # IMAP provenance; unique so two overlapping polls cannot record one message twice.
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_uid = models.BigIntegerField(null=True, blank=True)

    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.RECEIVED)
    outcome_code = models.CharField(max_length=48, blank=True)
    outcome_detail = models.TextField(blank=True)
    # Values for the outcome's explanation (desk.intake.reasons), so it can be shown in either language.
    outcome_params = models.JSONField(default=dict, blank=True)
    reply_suppressed = models.CharField(max_length=48, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failed_step = models.CharField(max_length=48, blank=True)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    # Filled by parsing; kept so staff lists do not re-parse raw bytes.
    message_id = models.CharField(max_length=998, blank=True)
    dedup_key = models.CharField(max_length=80, blank=True, db_index=True)
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    body_text = models.TextField(blank=True)
    request = models.ForeignKey(
        "desk.Request", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )

    class Meta:
        verbose_name = _("received message")
        verbose_name_plural = _("received messages")
        ordering = ("-received_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "imap_uidvalidity", "imap_uid"],
                condition=Q(imap_uid__isnull=False),
                name="imap_message_recorded_once",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="inbound_retry_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject[:60]}"


class RequestStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for an officer")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("More information requested")
    RETURNED = "returned", _("Stamped and returned")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (RequestStatus.QUEUED, RequestStatus.IN_REVIEW, RequestStatus.INFO_REQUESTED)


class RequestQuerySet(models.QuerySet["Request"]):
    def for_offices(self, office_ids: object) -> RequestQuerySet:
        return self.filter(office_id__in=office_ids)

    def open(self) -> RequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Request(models.Model):
    """A client's request to an office inbox, from receipt to return or rejection."""

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="requests", verbose_name=_("office")
    )
    inbox = models.ForeignKey("offices.Inbox", on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(_("inbox kind"), max_length=1, choices=InboxKind.choices)
    request_type = models.CharField(_("request type"), max_length=16)
    wrapper_colour = models.CharField(_("wrapper colour"), max_length=16, blank=True)
    transaction_number = models.CharField(_("transaction number"), max_length=32, db_index=True)
    client_email = models.EmailField(_("client e-mail"), max_length=320)
    client_name = models.CharField(_("client name"), max_length=200, blank=True)
    subject = models.TextField(_("subject"))
    # The Message-ID of the client's first message: replies go in the same thread.
    thread_message_id = models.CharField(max_length=998, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.QUEUED
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_requests",
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    barcode_mismatch = models.BooleanField(_("barcode disagrees with subject"), default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejection_reason = models.ForeignKey(RejectionReason, null=True, blank=True, on_delete=models.PROTECT)
    decision_note = models.TextField(blank=True)
    retain_until = models.DateField(null=True, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ("received_at", "id")
        indexes = [
            # The queue: one office and kind, open statuses, oldest first.
            models.Index(fields=["office", "kind", "status", "received_at"], name="request_queue_idx"),
            # "All statuses", oldest first: without a status condition the index above cannot give the order.
            models.Index(fields=["office", "kind", "received_at", "id"], name="request_history_idx"),
            models.Index(fields=["client_email"], name="request_client_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def claim_is_live(self, now: object = None) -> bool:
        now = now or timezone.now()
        return bool(self.claimed_by_id and self.claim_expires_at and self.claim_expires_at > now)  # type: ignore[operator]


class ReferenceCounter(models.Model):
    """The last reference number issued per office, inbox kind and year."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE)
    kind = models.CharField(max_length=1, choices=InboxKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "kind", "year"], name="one_counter_per_series")
        ]

    def __str__(self) -> str:
        return f"{self.office_id}-{self.kind}-{self.year}: {self.last}"


class DocumentRole(models.TextChoices):
    ORIGINAL = "original", _("Original")
    STAMPED = "stamped", _("Stamped")


class Document(models.Model):
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="documents")
    message = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=10, choices=DocumentRole.choices, default=DocumentRole.ORIGINAL)
    filename = models.CharField(_("file name"), max_length=255)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    page_count = models.PositiveIntegerField(default=0)
    # Set when PDFium needed a repaired copy to open the file; the original stays as received.
    repaired_file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previews_ready = models.BooleanField(default=False)
    # Why previews could not be made (the officer then opens the PDF itself); retried with back-off.
    preview_error = models.CharField(max_length=200, blank=True)
    preview_attempts = models.PositiveSmallIntegerField(default=0)
    stamped_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.filename


class PagePreview(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="pages")
    page_index = models.PositiveIntegerField()
    image = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    thumbnail = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    width_px = models.PositiveIntegerField()
    height_px = models.PositiveIntegerField()

    class Meta:
        ordering = ("document", "page_index")
        constraints = [
            models.UniqueConstraint(fields=["document", "page_index"], name="one_preview_per_page")
        ]

    def __str__(self) -> str:
        return f"{self.document} p. {self.page_index + 1}"


class Barcode(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="barcodes")
    page_index = models.PositiveIntegerField()
    symbology = models.CharField(max_length=32)
    text = models.CharField(max_length=500)
    matches_transaction = models.BooleanField(null=True)

    class Meta:
        ordering = ("document", "page_index", "id")

    def __str__(self) -> str:
        return f"{self.symbology} {self.text}"


class Stamping(models.Model):
    """A stamp applied and signed: what, where, by whom; the evidence for verification."""

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="stampings")
    original = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="stampings")
    stamped = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="stamping")
    stamp = models.ForeignKey(Stamp, on_delete=models.PROTECT)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pages = models.JSONField(default=list)
    position_x = models.FloatField()
    position_y = models.FloatField()
    seal_fingerprint = models.CharField(max_length=64)
    stamped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("stamped_at", "id")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.stamp_id} at {self.stamped_at:%Y-%m-%d %H:%M}"


class OutboundKind(models.TextChoices):
    ACKNOWLEDGEMENT = "ack", _("Acknowledgement")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    FOLLOW_UP_ACK = "follow_up_ack", _("Follow-up received")
    RETURN = "return", _("Stamped document returned")
    REJECTION = "rejection", _("Rejection")
    INFO_REQUEST = "info_request", _("More information requested")


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    RETRY_WAIT = "retry_wait", _("Delivery failed, will be retried")
    DEAD = "dead", _("Delivery failed, needs staff attention")
    BOUNCED = "bounced", _("Bounced")


class OutboundMessage(models.Model):
    kind = models.CharField(max_length=16, choices=OutboundKind.choices)
    request = models.ForeignKey(
        Request, null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    in_response_to = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    to_address = models.CharField(max_length=320)
    subject = models.TextField()
    message_id = models.CharField(max_length=998, unique=True)
    # The whole message as it will be sent, so a retry sends exactly the same bytes. Empty only
    # for an acknowledgement not yet composed (desk.replies.acknowledgement_record).
    eml = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=OutboundStatus.choices, default=OutboundStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sent e-mail")
        verbose_name_plural = _("sent e-mails")
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["to_address", "created_at"], name="outbound_rate_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="outbound_retry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_address}"


class SealCertificate(models.Model):
    """An office's seal: the PKCS#12 its stamps are signed with. Old seals stay for verification."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="seals")
    # Fernet ciphertext of the base64 PKCS#12 and of its passphrase (core.crypto).
    pkcs12_encrypted = models.TextField(editable=False)
    passphrase_encrypted = models.TextField(editable=False, blank=True)
    certificate_der = models.BinaryField(editable=False)
    fingerprint_sha256 = models.CharField(max_length=64, unique=True)
    subject = models.CharField(max_length=500)
    not_after = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    generated_for_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("seal certificate")
        verbose_name_plural = _("seal certificates")
        ordering = ("office", "-created_at")

    def __str__(self) -> str:
        return f"{self.office.number}: {self.subject}"
