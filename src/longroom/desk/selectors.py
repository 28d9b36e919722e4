"""Reads for the desk, already narrowed to what the person may see.

An officer sees only the requests of the offices they belong to; asking for anything else
answers 404 (Http404), never 403, so the existence of other offices' requests is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from longroom.core.models import AuditEvent, User
from longroom.offices.models import Office, StaffRole
from longroom.offices.selectors import staff_office_ids

from .models import (
    OPEN_STATUSES,
    Barcode,
    Document,
    DocumentRole,
    InboundMessage,
    MessageStatus,
    OutboundMessage,
    Request,
    RequestStatus,
    Stamping,
)
from .states import EVENT_LABELS

QUEUE_PAGE_SIZE = 50


def requests_visible_to(user: User) -> QuerySet[Request]:
    return Request.objects.filter(office_id__in=staff_office_ids(user))


def request_for_staff(user: User, reference: str) -> Request:
    return get_object_or_404(
        requests_visible_to(user).select_related(
            "office", "inbox", "claimed_by", "decided_by", "rejection_reason"
        ),
        reference=reference,
    )


def office_for_staff(user: User, number: str) -> Office:
    return get_object_or_404(Office, number=number, pk__in=staff_office_ids(user))


@dataclass(frozen=True)
class QueueFilters:
    status: str = "open"  # "open", "all", or a RequestStatus value
    request_type: str = ""
    age: str = ""  # "", "late" (over the service target), "today"
    client: str = ""
    flag: str = ""  # "", "barcode"

    @classmethod
    def from_query(cls, query: dict[str, str]) -> QueueFilters:
        status = query.get("status", "open")
        if status not in {"open", "all", *RequestStatus.values}:
            status = "open"
        return cls(
            status=status,
            request_type=query.get("request_type", "").strip()[:16],
            age=query.get("age", "") if query.get("age") in {"late", "today"} else "",
            client=query.get("client", "").strip()[:100],
            flag="barcode" if query.get("flag") == "barcode" else "",
        )


@dataclass(frozen=True)
class QueueView:
    office: Office
    kind: str
    filters: QueueFilters
    page: Page
    counts: dict[str, int]
    request_types: list[str]
    now: datetime


def queue(
    *,
    user: User,
    office: Office,
    kind: str,
    filters: QueueFilters,
    page_number: int = 1,
    now: datetime | None = None,
) -> QueueView:
    """The work list of one office and inbox kind: oldest first, so nothing waits unseen."""
    now = now or timezone.now()
    if office.pk not in staff_office_ids(user):
        raise Http404
    base = Request.objects.filter(office=office, kind=kind)
    rows = base
    if filters.status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif filters.status != "all":
        rows = rows.filter(status=filters.status)
    if filters.request_type:
        rows = rows.filter(request_type=filters.request_type)
    if filters.age == "late":
        rows = rows.filter(received_at__lt=now - timedelta(minutes=office.service_target_minutes))
    elif filters.age == "today":
        local_midnight = timezone.localtime(now, office.zone).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        rows = rows.filter(received_at__gte=local_midnight)
    if filters.client:
        rows = rows.filter(
            Q(client_email__icontains=filters.client) | Q(client_name__icontains=filters.client)
        )
    if filters.flag == "barcode":
        rows = rows.filter(barcode_mismatch=True)
    rows = rows.select_related("claimed_by").order_by("received_at", "id")
    paginator = Paginator(rows, QUEUE_PAGE_SIZE, allow_empty_first_page=True)
    # Counting every row of a large history is slow and useless; count what a page needs.
    paginator.count = rows.count() if filters.status != "all" else min(rows[:10_001].count(), 10_001)
    page = paginator.get_page(page_number)
    counts = {
        row["status"]: row["n"]
        for row in base.filter(status__in=OPEN_STATUSES).values("status").annotate(n=Count("id")).order_by()
    }
    # order_by() first: the model's default ordering would otherwise enter the DISTINCT.
    types = sorted(
        base.filter(status__in=OPEN_STATUSES).order_by().values_list("request_type", flat=True).distinct()
    )
    return QueueView(
        office=office, kind=kind, filters=filters, page=page, counts=counts, request_types=types, now=now
    )


def age_class(request: Request, office: Office, now: datetime) -> str:
    """Green within the first half of the service target, amber to the target, red after it."""
    end = request.decided_at or now
    minutes = (end - request.received_at).total_seconds() / 60
    target = office.service_target_minutes
    if minutes >= target:
        return "late"
    if minutes >= target / 2:
        return "warn"
    return "ok"


def desk_overview(user: User) -> list[dict[str, object]]:
    """For the desk home page: each of the person's offices with its open counts per inbox."""
    office_ids = staff_office_ids(user)
    counts = {
        (row["office_id"], row["kind"]): row["n"]
        for row in Request.objects.filter(office_id__in=office_ids, status__in=OPEN_STATUSES)
        .values("office_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    }
    administered = set(staff_office_ids(user, roles={StaffRole.ADMINISTRATOR}))
    overview = []
    for office in Office.objects.filter(pk__in=office_ids).prefetch_related("inboxes").order_by("number"):
        overview.append(
            {
                "office": office,
                "administers": office.pk in administered,
                "inboxes": [
                    {"inbox": inbox, "open": counts.get((office.pk, inbox.kind), 0)}
                    for inbox in office.inboxes.all()
                ],
            }
        )
    return overview


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    verb: str
    label: str
    who: str
    data: dict[str, object]


def request_timeline(request: Request) -> list[TimelineEntry]:
    events = (
        AuditEvent.objects.for_subject("desk.request", request.pk)
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
    entries = []
    for event in events:
        who = event.actor.display_identifier if event.actor else event.actor_label
        entries.append(
            TimelineEntry(
                at=event.occurred_at,
                verb=event.verb,
                label=str(EVENT_LABELS.get(event.verb, event.verb)),
                who=who,
                data=event.data,
            )
        )
    return entries


def elapsed_to_decision(request: Request) -> timedelta | None:
    if request.decided_at is None:
        return None
    return request.decided_at - request.received_at


def request_documents(request: Request) -> QuerySet[Document]:
    return (
        Document.objects.filter(request=request)
        .select_related("file")
        .prefetch_related("pages", "barcodes")
        .order_by("role", "created_at", "id")
    )


def original_documents(request: Request) -> QuerySet[Document]:
    return request_documents(request).filter(role=DocumentRole.ORIGINAL)


def document_for_staff(user: User, pk: int) -> Document:
    return get_object_or_404(
        Document.objects.select_related("request", "file"),
        pk=pk,
        request__office_id__in=staff_office_ids(user),
    )


def barcode_for_staff(user: User, pk: int) -> Barcode:
    return get_object_or_404(Barcode, pk=pk, document__request__office_id__in=staff_office_ids(user))


def request_messages(request: Request) -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(request=request).order_by("received_at", "id")


def request_replies(request: Request) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(request=request).order_by("created_at", "id")


def mail_visible_to(user: User) -> QuerySet[InboundMessage]:
    """Mail of the person's offices; mail for no known inbox only for system administrators."""
    visible = Q(inbox__office_id__in=staff_office_ids(user))
    if user.is_superuser:
        visible |= Q(inbox__isnull=True)
    return InboundMessage.objects.filter(visible)


def intake_problems(user: User) -> QuerySet[InboundMessage]:
    """Messages that need a look: failing, dead, not accepted."""
    return (
        mail_visible_to(user)
        .filter(
            status__in=[
                MessageStatus.RETRY_WAIT,
                MessageStatus.DEAD,
                MessageStatus.NOT_ACCEPTED,
                MessageStatus.BOUNCE,
                MessageStatus.RECEIVED,
                MessageStatus.PROCESSING,
            ]
        )
        .select_related("inbox__office")
        .order_by("-received_at")
    )


def message_for_staff(user: User, pk: int) -> InboundMessage:
    return get_object_or_404(mail_visible_to(user).select_related("inbox__office", "raw"), pk=pk)


def outbound_for_staff(user: User) -> QuerySet[OutboundMessage]:
    office_ids = staff_office_ids(user)
    return (
        OutboundMessage.objects.filter(
            Q(request__office_id__in=office_ids) | Q(in_response_to__inbox__office_id__in=office_ids)
        )
        .select_related("request")
        .order_by("-created_at")
    )


# ── public verification ─────────────────────────────────────────────────────────────────


def stampings_for_reference(reference: str) -> QuerySet[Stamping]:
    """What the public may know about a reference: that it was stamped, where, when, with what."""
    return (
        Stamping.objects.filter(request__reference=reference.strip().upper())
        .select_related("request__office", "stamp", "stamped__file")
        .order_by("stamped_at")
    )


def stamping_for_file_hash(sha256: str) -> Stamping | None:
    return (
        Stamping.objects.filter(stamped__file__sha256=sha256)
        .select_related("request__office", "stamp", "stamped__file")
        .first()
    )
