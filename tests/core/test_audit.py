import pytest

from longroom.core import audit
from longroom.core.models import AuditEvent, AuditLogIsAppendOnly


def test_an_audit_event_cannot_be_changed_or_deleted(office):
    event = audit.record(verb="office.checked", subject=office)
    event.verb = "something.else"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(verb="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_an_audit_event_records_where_the_change_came_from(office):
    with audit.origin("smtp 192.0.2.1"):
        event = audit.record(verb="office.checked", subject=office, actor_label="client@example.com")
    assert (event.origin, event.actor_label, event.subject_type) == (
        "smtp 192.0.2.1",
        "client@example.com",
        "offices.office",
    )
