"""Every change an officer, superintendent or administrator makes to a request.

Each service: keyword-only, one transaction, checks the transition table (desk.states),
records its audit event, and schedules e-mail with on_commit. Permission checks live here
and in desk.selectors, so the web pages and the API enforce the same rules.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Collection
from datetime import datetime, timedelta

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from longroom.core import audit
from longroom.core.crypto import decrypt_secret, encrypt_secret
from longroom.core.models import AuditEvent, User
from longroom.offices.models import Membership, Office, StaffRole

from . import pdf as pdftools
from . import states
from .models import (
    Document,
    DocumentRole,
    InboundMessage,
    MessageStatus,
    OutboundKind,
    RejectionReason,
    Request,
    RequestStatus,
    SealCertificate,
    Stamp,
    Stamping,
)
from .replies import Attachment, Reply, reply_record
from .storage import read_bytes, store_bytes


class DeskError(Exception):
    """A refusal the officer can understand; views show it, the API returns it."""


class RequestAlreadyClaimed(DeskError):
    pass


class ClaimRequired(DeskError):
    pass


class NotAllowed(DeskError):
    pass


class NoSealConfigured(DeskError):
    pass


def claim_lease() -> timedelta:
    return timedelta(seconds=settings.LONGROOM_CLAIM_LEASE_SECONDS)


def office_role(user: User, office_id: int) -> str | None:
    membership = Membership.objects.filter(user=user, office_id=office_id).only("role").first()
    return membership.role if membership else None


def _require_role(user: User, office_id: int, roles: Collection[str]) -> str:
    role = office_role(user, office_id)
    if role is None or role not in roles:
        raise NotAllowed(_("You do not have this role in this office."))
    return role


ANY_ROLE = {StaffRole.OFFICER, StaffRole.SUPERINTENDENT, StaffRole.ADMINISTRATOR}
SUPERVISORS = {StaffRole.SUPERINTENDENT, StaffRole.ADMINISTRATOR}


def _locked(request: Request) -> Request:
    # Lock the request row only: locking the joined office row would serialise a whole office.
    return (
        Request.objects.select_for_update(of=("self",)).select_related("office", "inbox").get(pk=request.pk)
    )


def _require_live_claim(request: Request, officer: User, now: datetime) -> None:
    if request.claimed_by_id != officer.pk or not request.claim_expires_at or request.claim_expires_at <= now:
        raise ClaimRequired(_("Claim this request before working on it."))


# ── claims ──────────────────────────────────────────────────────────────────────────────


def request_claim(*, request: Request, officer: User, now: datetime | None = None) -> Request:
    """Give the request to `officer` for one lease; another officer's live claim wins.

    The conditional UPDATE is the lock: of two officers claiming at once, the database lets
    exactly one row change, so exactly one wins on SQLite and PostgreSQL alike.
    """
    now = now or timezone.now()
    _require_role(officer, request.office_id, ANY_ROLE)
    with transaction.atomic():
        taken = (
            Request.objects.filter(pk=request.pk, status__in=states.TRANSITIONS["claim"].sources)
            .filter(Q(claimed_by__isnull=True) | Q(claim_expires_at__lt=now) | Q(claimed_by=officer))
            .update(status=RequestStatus.IN_REVIEW, claimed_by=officer, claim_expires_at=now + claim_lease())
        )
        if not taken:
            current = Request.objects.get(pk=request.pk)
            if not current.is_open or current.status == RequestStatus.INFO_REQUESTED:
                raise states.TransitionNotAllowed("claim", current.status)
            raise RequestAlreadyClaimed(request.reference)
        renewed = request.claimed_by_id == officer.pk and request.status == RequestStatus.IN_REVIEW
        if not renewed:
            audit.record(verb="request.claimed", subject=request, actor=officer, office_id=request.office_id)
    return Request.objects.get(pk=request.pk)


def request_release(*, request: Request, officer: User, now: datetime | None = None) -> Request:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(request)
        states.check("release", locked.status)
        _require_live_claim(locked, officer, now)
        locked.status, locked.claimed_by, locked.claim_expires_at = RequestStatus.QUEUED, None, None
        locked.save(update_fields=["status", "claimed_by", "claim_expires_at"])
        audit.record(verb="request.released", subject=locked, actor=officer, office_id=locked.office_id)
    return locked


def request_reassign(
    *, request: Request, superintendent: User, to_officer: User, now: datetime | None = None
) -> Request:
    now = now or timezone.now()
    _require_role(superintendent, request.office_id, SUPERVISORS)
    _require_role(to_officer, request.office_id, ANY_ROLE)
    with transaction.atomic():
        locked = _locked(request)
        states.check("reassign", locked.status)
        before = locked.claimed_by.email if locked.claimed_by else None
        locked.status = RequestStatus.IN_REVIEW
        locked.claimed_by, locked.claim_expires_at = to_officer, now + claim_lease()
        locked.save(update_fields=["status", "claimed_by", "claim_expires_at"])
        audit.record(
            verb="request.reassigned",
            subject=locked,
            actor=superintendent,
            office_id=locked.office_id,
            data={"before": before, "after": to_officer.email},
        )
    return locked


def request_expire_leases(*, now: datetime | None = None) -> int:
    """Put abandoned claims back in the queue. Run by the scheduler."""
    now = now or timezone.now()
    expired = 0
    stale = Request.objects.filter(status=RequestStatus.IN_REVIEW, claim_expires_at__lt=now).values_list(
        "pk", flat=True
    )
    for pk in list(stale[:500]):
        with transaction.atomic():
            changed = Request.objects.filter(pk=pk, status=RequestStatus.IN_REVIEW, claim_expires_at__lt=now)
            locked = changed.select_for_update(of=("self",)).select_related("claimed_by").first()
            if locked is None:
                continue
            before = locked.claimed_by.email if locked.claimed_by else None
            changed.update(status=RequestStatus.QUEUED, claimed_by=None, claim_expires_at=None)
            audit.record(
                verb="request.lease_expired",
                subject=locked,
                office_id=locked.office_id,
                data={"before": before},
            )
            expired += 1
    return expired


def request_view(*, request: Request, officer: User, now: datetime | None = None) -> None:
    """Note that an officer opened the request (at most once per officer per five minutes)."""
    now = now or timezone.now()
    recent = (
        AuditEvent.objects.for_subject("desk.request", request.pk)
        .filter(verb="request.viewed", actor=officer, occurred_at__gte=now - timedelta(minutes=5))
        .exists()
    )
    if not recent:
        with transaction.atomic():
            audit.record(verb="request.viewed", subject=request, actor=officer, office_id=request.office_id)


# ── seals and stamping ──────────────────────────────────────────────────────────────────


def seal_install(
    *, office: Office, pkcs12: bytes, passphrase: bytes | None, actor: User | None, demo: bool = False
) -> SealCertificate:
    """Make this PKCS#12 the office's active seal; earlier seals stay trusted for verification."""
    credentials = pdftools.SealCredentials.from_pkcs12(pkcs12, passphrase)
    with transaction.atomic():
        SealCertificate.objects.filter(office=office, active=True).update(active=False)
        seal = SealCertificate.objects.create(
            office=office,
            pkcs12_encrypted=encrypt_secret(base64.b64encode(pkcs12).decode()),
            passphrase_encrypted=encrypt_secret((passphrase or b"").decode()),
            certificate_der=credentials.certificate_der,
            fingerprint_sha256=credentials.fingerprint_sha256,
            subject=credentials.subject[:500],
            not_after=x509.load_der_x509_certificate(credentials.certificate_der).not_valid_after_utc,
            generated_for_demo=demo,
        )
        audit.record(
            verb="office.seal_installed",
            subject=seal,
            actor=actor,
            office_id=office.pk,
            data={"fingerprint": seal.fingerprint_sha256, "subject": seal.subject, "demo": demo},
        )
    return seal


def seal_generate_demo(*, office: Office, actor: User | None = None) -> SealCertificate:
    pkcs12, passphrase = pdftools.generate_demo_seal(
        common_name=f"Longroom {office.number} demo seal",
        organization=f"{settings.LONGROOM_AGENCY_NAME_EN} (demo)",
    )
    return seal_install(office=office, pkcs12=pkcs12, passphrase=passphrase, actor=actor, demo=True)


@functools.lru_cache(maxsize=256)
def _credentials(fingerprint: str) -> pdftools.SealCredentials:
    seal = SealCertificate.objects.get(fingerprint_sha256=fingerprint)
    pkcs12 = base64.b64decode(decrypt_secret(seal.pkcs12_encrypted))
    passphrase = decrypt_secret(seal.passphrase_encrypted).encode() or None
    return pdftools.SealCredentials.from_pkcs12(pkcs12, passphrase)


def active_seal(office: Office) -> tuple[SealCertificate, pdftools.SealCredentials]:
    seal = SealCertificate.objects.filter(office=office, active=True).first()
    if seal is None:
        raise NoSealConfigured(_("This office has no seal certificate."))
    return seal, _credentials(seal.fingerprint_sha256)


def verify_url(reference: str) -> str:
    return f"{settings.LONGROOM_PUBLIC_URL}/verify/{reference}/"


def stamp_spec(
    *,
    request: Request,
    stamp: Stamp,
    officer: User,
    pages: list[int],
    position: tuple[float, float],
    now: datetime,
) -> pdftools.StampSpec:
    office = request.office
    local = timezone.localtime(now, office.zone)
    return pdftools.StampSpec(
        agency_en=settings.LONGROOM_AGENCY_NAME_EN,
        agency_fr=settings.LONGROOM_AGENCY_NAME_FR,
        text_en=stamp.text_en,
        text_fr=stamp.text_fr,
        office_en=f"LONGROOM {office.number}",
        office_fr=f"SALLE DES COMPTOIRS {office.number}",
        date_text=local.strftime("%Y-%m-%d %H:%M %Z"),
        officer_identifier=officer.display_identifier,
        reference=request.reference,
        verify_url=verify_url(request.reference),
        pages=pages,
        position=position,
    )


def document_source_bytes(document: Document) -> bytes:
    """The bytes to stamp: as received, or the repaired copy when PDFium could not use the original.

    Only for a repaired file is the original not a prefix of the stamped one; both are kept.
    """
    return read_bytes(document.repaired_file or document.file)


def request_stamp(
    *,
    request: Request,
    officer: User,
    stamp: Stamp,
    document: Document,
    pages: list[int],
    position: tuple[float, float],
    return_now: bool = True,
    now: datetime | None = None,
) -> Stamping:
    """Apply and sign the stamp as an incremental update; return the request to the client."""
    now = now or timezone.now()
    if stamp.office_id != request.office_id or not stamp.active:
        raise NotAllowed(_("This stamp does not belong to the request’s office."))
    if document.request_id != request.pk:
        raise NotAllowed(_("This document does not belong to the request."))
    fresh = Request.objects.select_related("office").get(pk=request.pk)
    states.check("stamp", fresh.status)
    _require_live_claim(fresh, officer, now)
    pages = sorted({p for p in pages if 0 <= p < max(document.page_count, 1)}) or [0]
    seal, credentials = active_seal(fresh.office)
    spec = stamp_spec(request=fresh, stamp=stamp, officer=officer, pages=pages, position=position, now=now)
    # Signing is the slow part and runs in the PDF sandbox, before the transaction opens.
    stamped_bytes = pdftools.stamp_and_sign(document_source_bytes(document), spec, credentials)
    with transaction.atomic():
        locked = _locked(fresh)
        states.check("stamp", locked.status)
        _require_live_claim(locked, officer, now)
        stamped = Document.objects.create(
            request=locked,
            role=DocumentRole.STAMPED,
            filename=document.filename,
            file=store_bytes(stamped_bytes),
            page_count=document.page_count,
            stamped_from=document,
        )
        stamping = Stamping.objects.create(
            request=locked,
            original=document,
            stamped=stamped,
            stamp=stamp,
            officer=officer,
            pages=pages,
            position_x=position[0],
            position_y=position[1],
            seal_fingerprint=seal.fingerprint_sha256,
            stamped_at=now,
        )
        audit.record(
            verb="request.stamped",
            subject=locked,
            actor=officer,
            office_id=locked.office_id,
            data={
                "document": document.filename,
                "stamp": f"{stamp.text_en} / {stamp.text_fr}",
                "pages": [p + 1 for p in pages],
                "sha256": stamped.file.sha256,
            },
        )
        if return_now:
            _return(locked, officer, now)
    return stamping


def request_return(*, request: Request, officer: User, now: datetime | None = None) -> Request:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(request)
        _require_live_claim(locked, officer, now)
        _return(locked, officer, now)
    return locked


def _latest_stamped(request: Request) -> list[Document]:
    latest: dict[int, Document] = {}
    for stamping in Stamping.objects.filter(request=request).select_related("stamped__file", "original"):
        latest[stamping.original_id] = stamping.stamped
    return list(latest.values())


def _return(locked: Request, officer: User, now: datetime) -> None:
    states.check("return", locked.status)
    stamped = _latest_stamped(locked)
    if not stamped:
        raise DeskError(_("Stamp at least one document before returning the request."))
    locked.status = RequestStatus.RETURNED
    locked.decided_at, locked.decided_by = now, officer
    locked.claim_expires_at = None
    locked.save(update_fields=["status", "decided_at", "decided_by", "claim_expires_at"])
    audit.record(
        verb="request.returned",
        subject=locked,
        actor=officer,
        office_id=locked.office_id,
        data={"documents": [d.filename for d in stamped]},
    )
    outbound = reply_record(
        Reply(
            kind=OutboundKind.RETURN,
            to_address=locked.client_email,
            request=locked,
            context={"documents": stamped, "verify_url": verify_url(locked.reference)},
            attachments=[Attachment(d.filename, read_bytes(d.file)) for d in stamped],
        )
    )
    _schedule_send(outbound.pk)


def request_reject(
    *, request: Request, officer: User, reason: RejectionReason, note: str = "", now: datetime | None = None
) -> Request:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(request)
        states.check("reject", locked.status)
        _require_live_claim(locked, officer, now)
        locked.status = RequestStatus.REJECTED
        locked.decided_at, locked.decided_by = now, officer
        locked.rejection_reason, locked.decision_note = reason, note
        locked.claim_expires_at = None
        locked.save()
        audit.record(
            verb="request.rejected",
            subject=locked,
            actor=officer,
            office_id=locked.office_id,
            data={"reason": reason.code, "note": note},
        )
        outbound = reply_record(
            Reply(
                kind=OutboundKind.REJECTION,
                to_address=locked.client_email,
                request=locked,
                context={"reason_en": reason.text_en, "reason_fr": reason.text_fr, "note": note},
            )
        )
        _schedule_send(outbound.pk)
    return locked


def request_ask_for_information(
    *, request: Request, officer: User, note: str, now: datetime | None = None
) -> Request:
    now = now or timezone.now()
    if not note.strip():
        raise DeskError(_("Say what information is needed."))
    with transaction.atomic():
        locked = _locked(request)
        states.check("ask_for_information", locked.status)
        _require_live_claim(locked, officer, now)
        locked.status = RequestStatus.INFO_REQUESTED
        locked.decision_note = note
        locked.claimed_by, locked.claim_expires_at = None, None
        locked.save()
        audit.record(
            verb="request.info_requested",
            subject=locked,
            actor=officer,
            office_id=locked.office_id,
            data={"note": note},
        )
        outbound = reply_record(
            Reply(
                kind=OutboundKind.INFO_REQUEST,
                to_address=locked.client_email,
                request=locked,
                context={"note": note},
            )
        )
        _schedule_send(outbound.pk)
    return locked


def message_retry(*, message: InboundMessage, actor: User) -> InboundMessage:
    """Staff send a dead message through the pipeline again (after fixing the cause)."""
    if message.inbox is not None:
        _require_role(actor, message.inbox.office_id, SUPERVISORS)
    elif not actor.is_superuser:
        raise NotAllowed(_("Only an administrator can retry mail for an unknown inbox."))
    with transaction.atomic():
        updated = InboundMessage.objects.filter(
            pk=message.pk, status__in=[MessageStatus.DEAD, MessageStatus.RETRY_WAIT]
        ).update(status=MessageStatus.RECEIVED, attempts=0, next_attempt_at=None)
        if updated:
            audit.record(
                verb="message.retried",
                subject=message,
                actor=actor,
                office_id=message.inbox.office_id if message.inbox else None,
            )
            transaction.on_commit(lambda: _schedule_process(message.pk))
    return InboundMessage.objects.get(pk=message.pk)


def _schedule_send(outbound_pk: int) -> None:
    from .tasks import send_outbound

    transaction.on_commit(lambda: send_outbound.enqueue(outbound_pk))


def _schedule_process(message_pk: int) -> None:
    from .tasks import process_message

    process_message.enqueue(message_pk)


# ── an office administrator's settings ──────────────────────────────────────────────────


def stamp_save(
    *,
    office: Office,
    actor: User,
    stamp: Stamp | None,
    text_en: str,
    text_fr: str,
    position: int,
    active: bool,
) -> Stamp:
    """Add a stamp to the office's set or change one. Stamps already applied keep their record."""
    _require_role(actor, office.pk, {StaffRole.ADMINISTRATOR})
    text_en, text_fr = text_en.strip().upper(), text_fr.strip().upper()
    if not text_en or not text_fr:
        raise DeskError(_("A stamp needs its text in English and in French."))
    with transaction.atomic():
        before = (
            {"text_en": stamp.text_en, "text_fr": stamp.text_fr, "active": stamp.active} if stamp else None
        )
        if stamp is None:
            stamp = Stamp(office=office)
        elif stamp.office_id != office.pk:
            raise NotAllowed(_("This stamp belongs to another office."))
        stamp.text_en, stamp.text_fr, stamp.position, stamp.active = text_en, text_fr, position, active
        stamp.save()
        audit.record(
            verb="office.stamp_saved",
            subject=stamp,
            actor=actor,
            office_id=office.pk,
            data={"before": before, "after": {"text_en": text_en, "text_fr": text_fr, "active": active}},
        )
    return stamp
