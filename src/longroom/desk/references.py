"""Request reference numbers: LR-<office>-<C|R|E>-<year>-<six digits>, one series per office, kind, year."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from longroom.offices.models import Office

from .models import ReferenceCounter


def reference_allocate(*, office: Office, kind: str, year: int) -> str:
    """Issue the next number of the series. Call inside the transaction that uses it."""
    for _attempt in range(3):
        updated = ReferenceCounter.objects.filter(office=office, kind=kind, year=year).update(
            last=F("last") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    ReferenceCounter.objects.create(office=office, kind=kind, year=year, last=1)
            except IntegrityError:
                continue  # another process created the series first; increment it instead
        number = ReferenceCounter.objects.get(office=office, kind=kind, year=year).last
        return f"LR-{office.number}-{kind}-{year}-{number:06d}"
    raise RuntimeError("Could not allocate a reference number")
