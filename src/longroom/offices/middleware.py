from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Membership


class OfficeTimeZoneMiddleware:
    """Times are stored in UTC and shown in the office's time zone.

    Staff see lists in the time zone of their (first) office; pages about one office switch to
    that office's zone in the template (`{% timezone office.time_zone %}`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated and user.is_staff:
            zone = (
                Membership.objects.filter(user=user)
                .order_by("office__number")
                .values_list("office__time_zone", flat=True)
                .first()
            )
        if zone:
            with timezone.override(zone):
                return self.get_response(request)
        return self.get_response(request)
