"""Writes to the registry: businesses, program accounts, customs brokers, and the CSV import.

Every write is one transaction with its audit event. The checks a form and an imported row need
are the same (`business_problems`), so a business is never valid in one and refused by the
other. An import reads and checks the whole file first and writes nothing when any row is wrong.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from longroom.core import audit
from longroom.core.geography import PROVINCES
from longroom.core.importing import RowError, SourceRejected
from longroom.core.models import User

from .models import AccessLevel, AccountAccess, Business, CustomsBroker, ProgramAccount, ProgramAccountStatus
from .numbers import asec_problem, bn9_problem, bn15_problem, clean_bn9, clean_bn15

BUSINESS_FIELDS = (
    "legal_name",
    "address_line1",
    "address_line2",
    "city",
    "province",
    "postal_code",
    "country",
    "contact_email",
)
IMPORT_COLUMNS = ("bn9", *BUSINESS_FIELDS, "program_accounts", "asec")
_CANADIAN_POSTAL_CODE = re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d", re.I)


class RegistryError(Exception):
    """A registry write refused; `problems` maps each field to what is wrong with it."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.problems.items()))


def business_problems(values: Mapping[str, str]) -> dict[str, str]:
    """What is wrong with a business's name and address (field → message); empty when fine."""
    problems: dict[str, str] = {}
    if not values.get("legal_name", "").strip():
        problems["legal_name"] = _("the legal name is required, exactly as on the agency's file")
    if not values.get("address_line1", "").strip():
        problems["address_line1"] = _("the address is required")
    if not values.get("city", "").strip():
        problems["city"] = _("the city is required")
    country = values.get("country", "").strip().upper() or "CA"
    if not re.fullmatch(r"[A-Z]{2}", country):
        problems["country"] = _("give the country as a two-letter code, e.g. CA or US")
    province = values.get("province", "").strip().upper()
    if country == "CA":
        if province not in dict(PROVINCES):
            problems["province"] = _("give the province or territory as its two-letter code, e.g. ON or QC")
        if not _CANADIAN_POSTAL_CODE.fullmatch(values.get("postal_code", "").strip()):
            problems["postal_code"] = _("a Canadian postal code looks like K1A 0L5")
    email = values.get("contact_email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems["contact_email"] = _("this is not an e-mail address")
    return problems


def _business_values(values: Mapping[str, str]) -> dict[str, str]:
    """Stored as given (the name and address must match the agency's file to the character),
    only trimmed; codes upper-cased."""
    cleaned = {name: (values.get(name) or "").strip() for name in BUSINESS_FIELDS}
    cleaned["country"] = cleaned["country"].upper() or "CA"
    cleaned["province"] = cleaned["province"].upper()
    cleaned["postal_code"] = cleaned["postal_code"].upper()
    return cleaned


def _snapshot(business: Business) -> dict[str, str]:
    return {name: getattr(business, name) for name in BUSINESS_FIELDS}


def business_register(*, actor: User | None, bn9: str, **values: str) -> Business:
    bn9 = clean_bn9(bn9)
    problems = business_problems(values)
    if problem := bn9_problem(bn9):
        problems["bn9"] = problem
    elif Business.objects.filter(bn9=bn9).exists():
        problems["bn9"] = _("business %(bn9)s is already registered") % {"bn9": bn9}
    if problems:
        raise RegistryError(problems)
    with transaction.atomic():
        business = Business.objects.create(bn9=bn9, **_business_values(values))
        audit.record(verb="business.registered", subject=business, actor=actor, data=_snapshot(business))
    return business


def business_update(*, actor: User | None, business: Business, **values: str) -> Business:
    merged = _snapshot(business) | values
    problems = business_problems(merged)
    if problems:
        raise RegistryError(problems)
    with transaction.atomic():
        before = _snapshot(business)
        for name, value in _business_values(merged).items():
            setattr(business, name, value)
        after = _snapshot(business)
        if after != before:
            business.save()
            changed = [name for name in BUSINESS_FIELDS if before[name] != after[name]]
            audit.record(
                verb="business.updated",
                subject=business,
                actor=actor,
                data={"before": {n: before[n] for n in changed}, "after": {n: after[n] for n in changed}},
            )
    return business


def program_account_open(
    *, actor: User | None, business: Business, number: str, opened_on: dt.date | None = None
) -> ProgramAccount:
    number = clean_bn15(number)
    if problem := bn15_problem(number, business.bn9):
        raise RegistryError({"number": problem})
    if ProgramAccount.objects.filter(number=number).exists():
        raise RegistryError({"number": _("program account %(bn15)s already exists") % {"bn15": number}})
    with transaction.atomic():
        account = ProgramAccount.objects.create(
            business=business, number=number, opened_on=opened_on or timezone.localdate()
        )
        audit.record(verb="program_account.opened", subject=account, actor=actor, data={"number": number})
    return account


def program_account_close(
    *, actor: User | None, account: ProgramAccount, closed_on: dt.date
) -> ProgramAccount:
    with transaction.atomic():
        closed = ProgramAccount.objects.filter(pk=account.pk, status=ProgramAccountStatus.ACTIVE).update(
            status=ProgramAccountStatus.CLOSED, closed_on=closed_on
        )
        if closed:
            audit.record(
                verb="program_account.closed",
                subject=account,
                actor=actor,
                data={"closed_on": closed_on.isoformat()},
            )
    account.refresh_from_db()
    return account


def customs_broker_register(*, actor: User | None, business: Business, asec: str) -> CustomsBroker:
    asec = asec.strip()
    if problem := asec_problem(asec):
        raise RegistryError({"asec": problem})
    taken = CustomsBroker.objects.filter(asec=asec).exclude(business=business).first()
    if taken is not None:
        raise RegistryError(
            {"asec": _("ASEC %(asec)s belongs to %(broker)s") % {"asec": asec, "broker": taken}}
        )
    with transaction.atomic():
        broker, created = CustomsBroker.objects.get_or_create(business=business, defaults={"asec": asec})
        if created:
            audit.record(verb="customs_broker.registered", subject=broker, actor=actor, data={"asec": asec})
        elif broker.asec != asec:
            before = broker.asec
            broker.asec = asec
            broker.save(update_fields=["asec"])
            audit.record(
                verb="customs_broker.updated",
                subject=broker,
                actor=actor,
                data={"before": {"asec": before}, "after": {"asec": asec}},
            )
    return broker


# ── the CSV import ────────────────────────────────────────────────────────────────────────


@dataclass
class RegistryRow:
    row: int
    bn9: str
    values: dict[str, str]
    accounts: list[str]
    asec: str


@dataclass
class ImportReport:
    businesses_created: int = 0
    businesses_updated: int = 0
    businesses_unchanged: int = 0
    accounts_opened: int = 0
    brokers_registered: int = 0
    brokers_updated: int = 0
    rows: int = 0
    notes: list[str] = field(default_factory=list)


def read_registry_csv(data: bytes | str) -> list[RegistryRow]:
    """Rows of a registry CSV (header `bn9,legal_name,…,program_accounts,asec`, comma or
    semicolon separated, UTF-8), or SourceRejected listing every problem."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SourceRejected([RowError(0, "file", _("the file is not UTF-8 text"))]) from None
    else:
        text = data
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("bn9", "legal_name", "address_line1", "city") if name not in header]
    if missing:
        raise SourceRejected(
            [RowError(1, "header", _("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})]
        )
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    if unknown:
        raise SourceRejected(
            [RowError(1, "header", _("unknown column(s): %(columns)s") % {"columns": ", ".join(unknown)})]
        )
    reader.fieldnames = header
    rows: list[RegistryRow] = []
    errors: list[RowError] = []
    for number, raw in enumerate(reader, start=2):
        record = {name: (value or "").strip() for name, value in raw.items() if name}
        if not any(record.values()):
            continue
        row = RegistryRow(
            row=number,
            bn9=clean_bn9(record.get("bn9", "")),
            values={name: record.get(name, "") for name in BUSINESS_FIELDS},
            accounts=[clean_bn15(a) for a in re.split(r"[\s;|]+", record.get("program_accounts", "")) if a],
            asec=record.get("asec", ""),
        )
        errors.extend(_row_errors(row))
        rows.append(row)
    errors.extend(_file_errors(rows))
    if errors:
        raise SourceRejected(sorted(errors, key=lambda e: (e.row, e.field)))
    if not rows:
        raise SourceRejected([RowError(0, "file", _("the file has no rows"))])
    return rows


def _row_errors(row: RegistryRow) -> Iterable[RowError]:
    if problem := bn9_problem(row.bn9):
        yield RowError(row.row, "bn9", problem)
    for name, problem in business_problems(row.values).items():
        yield RowError(row.row, name, problem)
    for index, account in enumerate(row.accounts):
        # "RM0001" alone means the business's own account.
        if re.fullmatch(r"RM\d{4}", account):
            row.accounts[index] = account = row.bn9 + account
        if problem := bn15_problem(account, row.bn9):
            yield RowError(row.row, "program_accounts", problem)
    if row.asec and (problem := asec_problem(row.asec)):
        yield RowError(row.row, "asec", problem)


def _file_errors(rows: list[RegistryRow]) -> Iterable[RowError]:
    """Duplicates inside the file, and ASECs or accounts the registry gives someone else."""
    seen_bn9: dict[str, int] = {}
    seen_asec: dict[str, int] = {}
    for row in rows:
        if row.bn9 in seen_bn9:
            yield RowError(row.row, "bn9", _("business %(bn9)s is also on row %(row)s") % {
                "bn9": row.bn9, "row": seen_bn9[row.bn9]
            })  # fmt: skip
        seen_bn9.setdefault(row.bn9, row.row)
        if row.asec:
            if row.asec in seen_asec:
                yield RowError(row.row, "asec", _("ASEC %(asec)s is also on row %(row)s") % {
                    "asec": row.asec, "row": seen_asec[row.asec]
                })  # fmt: skip
            seen_asec.setdefault(row.asec, row.row)
    holders = dict(
        CustomsBroker.objects.filter(asec__in=list(seen_asec)).values_list("asec", "business__bn9")
    )
    for row in rows:
        holder = holders.get(row.asec)
        if row.asec and holder is not None and holder != row.bn9:
            yield RowError(row.row, "asec", _("ASEC %(asec)s belongs to business %(bn9)s") % {
                "asec": row.asec, "bn9": holder
            })  # fmt: skip


def registry_import(*, actor: User | None, data: bytes | str, source_name: str = "") -> ImportReport:
    """Create or update every business of the file, open the program accounts it lists and
    register its brokers, in one transaction. Accounts missing from the file are left open:
    closing one is a decision, not an omission. The same file twice changes nothing."""
    rows = read_registry_csv(data)
    report = ImportReport(rows=len(rows))
    with transaction.atomic():
        existing = {b.bn9: b for b in Business.objects.filter(bn9__in=[r.bn9 for r in rows])}
        for row in rows:
            try:
                _import_row(actor, row, existing.get(row.bn9), report)
            except RegistryError as refused:
                # Checked above; only a concurrent change gets here. Nothing of the file stays.
                raise SourceRejected(
                    [RowError(row.row, name, msg) for name, msg in refused.problems.items()]
                ) from None
        if source_name:
            report.notes.append(_("imported from %(name)s") % {"name": source_name})
    return report


def _import_row(
    actor: User | None, row: RegistryRow, business: Business | None, report: ImportReport
) -> None:
    if business is None:
        business = business_register(actor=actor, bn9=row.bn9, **row.values)
        report.businesses_created += 1
    else:
        before = _snapshot(business)
        business_update(actor=actor, business=business, **row.values)
        if _snapshot(business) != before:
            report.businesses_updated += 1
        else:
            report.businesses_unchanged += 1
    known = set(business.program_accounts.values_list("number", flat=True))
    for number in row.accounts:
        if number not in known:
            program_account_open(actor=actor, business=business, number=number)
            known.add(number)
            report.accounts_opened += 1
    if row.asec:
        current = CustomsBroker.objects.filter(business=business).values_list("asec", flat=True).first()
        if current != row.asec:
            customs_broker_register(actor=actor, business=business, asec=row.asec)
            if current is None:
                report.brokers_registered += 1
            else:
                report.brokers_updated += 1


def registry_export_rows() -> list[dict[str, Any]]:
    """The registry in the import's own layout, so a file can be exported, edited and re-imported."""
    out = []
    businesses = Business.objects.prefetch_related("program_accounts").select_related("broker")
    for business in businesses.order_by("bn9"):
        row: dict[str, Any] = {"bn9": business.bn9}
        row |= _snapshot(business)
        row["program_accounts"] = " ".join(a.number for a in business.program_accounts.all())
        broker = getattr(business, "broker", None)
        row["asec"] = broker.asec if broker is not None else ""
        out.append(row)
    return out


# ── access to accounts ────────────────────────────────────────────────────────────────────


def account_access_grant(
    *, account: ProgramAccount, user: User, level: str, actor: User | None, now: dt.datetime
) -> AccountAccess:
    """Give `user` access to `account` (or change its level); one live access per person and account."""
    if level not in AccessLevel.values:
        raise RegistryError({"level": _("choose read or edit")})
    with transaction.atomic():
        live = (
            AccountAccess.objects.select_for_update()
            .filter(user=user, account=account, revoked_at=None)
            .first()
        )
        if live is not None and live.level == level:
            return live
        if live is not None:
            live.revoked_at = now
            live.save(update_fields=["revoked_at"])
        access = AccountAccess.objects.create(
            user=user, account=account, level=level, granted_at=now, granted_by=actor
        )
        audit.record(
            verb="account_access.granted",
            subject=access,
            actor=actor,
            data={"user": user.email, "account": account.number, "level": level},
        )
    return access


def account_access_revoke(*, access: AccountAccess, actor: User | None, now: dt.datetime) -> AccountAccess:
    with transaction.atomic():
        if AccountAccess.objects.filter(pk=access.pk, revoked_at=None).update(revoked_at=now):
            audit.record(verb="account_access.revoked", subject=access, actor=actor)
    access.refresh_from_db()
    return access
