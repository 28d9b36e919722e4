from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from longroom.core.models import User

from .models import Inbox, Membership, Office, StaffRole


def offices_offering_elongroom() -> QuerySet[Office]:
    active_inboxes = Prefetch("inboxes", queryset=Inbox.objects.filter(active=True).order_by("kind"))
    return Office.objects.filter(elongroom_offered=True).prefetch_related(active_inboxes).order_by("number")


def staff_office_ids(user: User, roles: set[str] | None = None) -> list[int]:
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user=user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return list(memberships.values_list("office_id", flat=True))


def office_administered_by(user: User, number: str) -> Office | None:
    return Office.objects.filter(
        number=number, memberships__user=user, memberships__role=StaffRole.ADMINISTRATOR
    ).first()


def office_staff(office: Office) -> QuerySet[User]:
    return User.objects.filter(memberships__office=office, is_active=True).order_by("email")
