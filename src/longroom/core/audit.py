"""Recording audit events.

Services call `record()` inside their transaction, so an event exists exactly when its state
change does. Where the change came from (web, API, SMTP, IMAP, worker) is carried by a context
variable that the entry point sets, so services do not thread it through every call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.db import models

from .models import AuditEvent, User

_origin: ContextVar[str] = ContextVar("audit_origin", default="system")


@contextlib.contextmanager
def origin(label: str) -> Iterator[None]:
    token = _origin.set(label)
    try:
        yield
    finally:
        _origin.reset(token)


def current_origin() -> str:
    return _origin.get()


def subject_type_of(subject: models.Model) -> str:
    return f"{subject._meta.app_label}.{subject._meta.model_name}"


def record(
    *,
    verb: str,
    subject: models.Model,
    actor: User | None = None,
    actor_label: str = "",
    office_id: int | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: Any = None,
) -> AuditEvent:
    event = unsaved(
        verb=verb,
        subject=subject,
        actor=actor,
        actor_label=actor_label,
        office_id=office_id,
        data=data,
        occurred_at=occurred_at,
    )
    event.save()
    return event


def unsaved(
    *,
    verb: str,
    subject: models.Model,
    actor: User | None = None,
    actor_label: str = "",
    office_id: int | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: Any = None,
) -> AuditEvent:
    """The event `record` would write, not yet written: for `record_many`."""
    event = AuditEvent(
        verb=verb,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label or (actor.email if actor is not None and actor.pk else "system"),
        origin=current_origin(),
        subject_type=subject_type_of(subject),
        subject_id=str(subject.pk),
        office_id=office_id,
        data=data or {},
    )
    if occurred_at is not None:
        event.occurred_at = occurred_at
    return event


def record_many(events: list[AuditEvent]) -> None:
    """Write many events in one statement, one event per state change still (bulk postings)."""
    AuditEvent.objects.bulk_create(events, batch_size=1000)
