"""Request reference numbers: LR-<office>-<C|R|E>-<year>-<six digits>, one series per office, kind, year."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from longroom.offices.models import Office

from .models import ReferenceCounter


def reference_allocate(*, office: Office, kind: str, year: int) -> str:
    """Issue the next number of the series. Call inside the transaction that uses it."""
    table = ReferenceCounter._meta.db_table
    for _attempt in range(3):
        # One round trip: increment and read back (PostgreSQL, and SQLite since 3.35).
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET last = last + 1 "  # noqa: S608 - our own table name, values are parameters
                "WHERE office_id = %s AND kind = %s AND year = %s RETURNING last",
                [office.pk, kind, year],
            )
            row = cursor.fetchone()
        if row is not None:
            return _format(office, kind, year, row[0])
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(office=office, kind=kind, year=year, last=1)
            return _format(office, kind, year, 1)
        except IntegrityError:
            continue  # another process created the series first; increment it instead
    raise RuntimeError("Could not allocate a reference number")


def _format(office: Office, kind: str, year: int, number: int) -> str:
    return f"LR-{office.number}-{kind}-{year}-{number:06d}"
