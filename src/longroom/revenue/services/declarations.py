"""Commercial Accounting Declarations: submit, correct, adjust, withdraw.

The duties and taxes of every line are worked out by the tariff calculator
(`tariff.estimates.estimate`) as of the release date, never taken from the sender. A submission
with problems is kept, refused, with every problem named by line and field, so nothing a client
sent is lost and a fixed submission under the same transaction number is its next version.

What a version changes in money goes to the ledger as the difference from the version in force
(domain/carm.md §12):
- a **correction** (sent on or before the payment due date) is approved at once and keeps the
  original due date, so it costs no interest;
- an **adjustment** (sent after the due date) waits for staff approval; an increase is then due
  on the original due date, so it is overdue at once and interest runs from that date;
- a decrease, either way, is a correction credit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from longroom.core import audit
from longroom.core.models import User
from longroom.offices.models import Office
from longroom.registry.models import CustomsBroker, ProgramAccount, ProgramAccountStatus
from longroom.registry.numbers import clean_bn15
from longroom.tariff.calculation import LineResult
from longroom.tariff.estimates import (
    Estimate,
    EstimateLine,
    EstimateRefused,
    EstimateRequest,
    LineContext,
    estimate,
)

from ..calendar import business_date, statement_cycle_for_release
from ..models import (
    Declaration,
    DeclarationLine,
    DeclarationStatus,
    DeclarationVersion,
    EntryKind,
    LedgerEntry,
    TransportMode,
    VersionKind,
    VersionStatus,
)
from ..selectors import ZERO
from .ledger import ledger_post, ledger_reverse
from .security import rpp_in_force


class DeclarationError(Exception):
    """A request about a declaration that cannot be taken at all (not a refused submission,
    which is recorded): `code` for programs, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class CadHeader:
    office_number: str
    release_date: dt.date
    transport_mode: str
    carrier_code: str = ""
    cargo_control_number: str = ""
    broker_account: str = ""  # the broker's BN15
    broker_asec: str = ""
    release_prior_to_payment: bool = False


@dataclass(frozen=True)
class CadLine:
    vendor: str
    tariff_item: str
    origin: str
    currency: str
    value: Decimal
    quantity: Decimal | None = None
    unit: str = ""
    treatment: str = ""
    description: str = ""
    surtax_percent: Decimal | None = None
    anti_dumping: Decimal = ZERO
    countervailing: Decimal = ZERO


@dataclass
class _Checked:
    problems: list[dict[str, object]] = field(default_factory=list)
    broker: ProgramAccount | None = None
    worked_out: Estimate | None = None

    def add(self, line: int, field_name: str, code: str, message: object) -> None:
        self.problems.append({"line": line, "field": field_name, "code": code, "message": str(message)})


# ── the services ──────────────────────────────────────────────────────────────────────────


def declaration_submit(
    *,
    account: ProgramAccount,
    transaction_number: str,
    header: CadHeader,
    lines: list[CadLine],
    now: dt.datetime,
    actor: User | None = None,
    channel: str = "api",
) -> DeclarationVersion:
    """Record a CAD. Returns its version: `status` ACCEPTED with the figures posted to the
    ledger, or REJECTED with `problems`. DeclarationError when the number cannot be used."""
    number = transaction_number.strip()
    if not re.fullmatch(r"\d{14}", number):
        raise DeclarationError("bad_transaction_number", _("a transaction number has exactly 14 digits"))
    if account.status != ProgramAccountStatus.ACTIVE:
        raise DeclarationError("account_closed", _("program account %(bn15)s is closed") % {"bn15": account})
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().filter(transaction_number=number).first()
        if declaration is not None and declaration.account_id != account.pk:
            audit.record(
                verb="declaration.number_refused",
                subject=account,
                actor=actor,
                data={"transaction_number": number},
            )
            raise DeclarationError(
                "transaction_number_taken",
                _("transaction number %(number)s is already used") % {"number": number},
            )
        if declaration is not None and declaration.status != DeclarationStatus.REJECTED:
            raise DeclarationError(
                "already_declared",
                _("transaction %(number)s is already declared: send a correction or adjustment")
                % {"number": number},
            )
        if declaration is None:
            try:
                with transaction.atomic():
                    declaration = Declaration.objects.create(
                        transaction_number=number,
                        account=account,
                        status=DeclarationStatus.REJECTED,
                        created_at=now,
                    )
            except IntegrityError:
                # The same new number from two submissions at once: the other one has it.
                raise DeclarationError(
                    "transaction_number_taken",
                    _("transaction number %(number)s is already used") % {"number": number},
                ) from None
        checked = _check(account, header, lines)
        version = _record_version(
            declaration, VersionKind.ORIGINAL, header, lines, checked, now, actor, channel
        )
        if checked.problems:
            audit.record(
                verb="declaration.rejected", subject=version, actor=actor, data={"problems": checked.problems}
            )
            return version
        version.status = VersionStatus.ACCEPTED
        version.payment_due_date = _due_date(header)
        version.ledger_entry = _post_difference(
            version, ZERO, due_date=version.payment_due_date, now=now, actor=actor
        )
        version.save(update_fields=["status", "payment_due_date", "ledger_entry"])
        declaration.status = DeclarationStatus.ACCEPTED
        declaration.current_version = version
        declaration.save(update_fields=["status", "current_version"])
        audit.record(verb="declaration.accepted", subject=version, actor=actor, data=_figures(version))
    return version


def declaration_correct(
    *,
    declaration: Declaration,
    header: CadHeader,
    lines: list[CadLine],
    now: dt.datetime,
    reason_code: str = "",
    reason: str = "",
    actor: User | None = None,
    channel: str = "api",
) -> DeclarationVersion:
    """A new version of an accepted CAD: a correction on or before the payment due date
    (approved at once), an adjustment after it (pending staff approval)."""
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if declaration.status != DeclarationStatus.ACCEPTED or declaration.current_version is None:
            raise DeclarationError("not_accepted", _("only an accepted declaration can be corrected"))
        if declaration.versions.filter(status=VersionStatus.ADJUSTMENT_PENDING).exists():
            raise DeclarationError(
                "adjustment_pending", _("an adjustment of this declaration is waiting for a decision")
            )
        current = declaration.current_version
        in_time = current.payment_due_date is None or business_date(now) <= current.payment_due_date
        kind = VersionKind.CORRECTION if in_time else VersionKind.ADJUSTMENT
        checked = _check(declaration.account, header, lines)
        version = _record_version(declaration, kind, header, lines, checked, now, actor, channel)
        version.reason_code, version.reason = reason_code, reason
        if checked.problems:
            version.save(update_fields=["reason_code", "reason"])
            audit.record(
                verb="declaration.rejected", subject=version, actor=actor, data={"problems": checked.problems}
            )
            return version
        version.payment_due_date = current.payment_due_date
        if kind == VersionKind.CORRECTION:
            version.status = VersionStatus.CORRECTION_APPROVED
            version.ledger_entry = _post_difference(
                version, current.total, due_date=current.payment_due_date, now=now, actor=actor
            )
            declaration.current_version = version
            declaration.save(update_fields=["current_version"])
            verb = "declaration.corrected"
        else:
            version.status = VersionStatus.ADJUSTMENT_PENDING
            verb = "declaration.adjustment_requested"
        version.save(update_fields=["status", "payment_due_date", "ledger_entry", "reason_code", "reason"])
        audit.record(
            verb=verb, subject=version, actor=actor, data=_figures(version) | {"previous": current.number}
        )
    return version


def adjustment_approve(
    *, version: DeclarationVersion, actor: User, now: dt.datetime, note: str = ""
) -> DeclarationVersion:
    with transaction.atomic():
        version = _pending(version)
        if version.submitted_by_id is not None and version.submitted_by_id == actor.pk:
            # Four eyes: whoever entered an adjustment does not also approve it.
            raise DeclarationError(
                "own_adjustment", _("another officer decides on an adjustment you entered")
            )
        declaration = version.declaration
        current = declaration.current_version
        assert current is not None
        version.ledger_entry = _post_difference(
            version, current.total, due_date=current.payment_due_date, now=now, actor=actor
        )
        version.status = VersionStatus.ADJUSTMENT_APPROVED
        version.decided_at, version.decided_by, version.decision_note = now, actor, note
        version.save(update_fields=["ledger_entry", "status", "decided_at", "decided_by", "decision_note"])
        declaration.current_version = version
        declaration.save(update_fields=["current_version"])
        audit.record(
            verb="declaration.adjustment_approved",
            subject=version,
            actor=actor,
            data=_figures(version) | {"previous": current.number, "note": note},
        )
    return version


def adjustment_reject(
    *, version: DeclarationVersion, actor: User, now: dt.datetime, note: str
) -> DeclarationVersion:
    if not note.strip():
        raise DeclarationError("reason_required", _("say why the adjustment is rejected"))
    with transaction.atomic():
        version = _pending(version)
        version.status = VersionStatus.ADJUSTMENT_REJECTED
        version.decided_at, version.decided_by, version.decision_note = now, actor, note.strip()
        version.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        audit.record(
            verb="declaration.adjustment_rejected", subject=version, actor=actor, data={"note": note}
        )
    return version


def declaration_withdraw(
    *, declaration: Declaration, now: dt.datetime, reason: str, actor: User | None = None
) -> Declaration:
    """Withdraw an accepted CAD: every ledger entry its versions posted is reversed."""
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if declaration.status != DeclarationStatus.ACCEPTED:
            raise DeclarationError("not_accepted", _("only an accepted declaration can be withdrawn"))
        entries = LedgerEntry.objects.filter(
            declaration_version__declaration=declaration, reversed_by__isnull=True
        )
        for entry in entries.order_by("id"):
            ledger_reverse(entry=entry, now=now, reason_code="WITHDRAWN", description=reason, actor=actor)
        declaration.versions.filter(status=VersionStatus.ADJUSTMENT_PENDING).update(
            status=VersionStatus.WITHDRAWN, decided_at=now, decision_note=reason
        )
        declaration.status = DeclarationStatus.WITHDRAWN
        declaration.save(update_fields=["status"])
        audit.record(verb="declaration.withdrawn", subject=declaration, actor=actor, data={"reason": reason})
    return declaration


# ── the parts ─────────────────────────────────────────────────────────────────────────────


def _pending(version: DeclarationVersion) -> DeclarationVersion:
    version = DeclarationVersion.objects.select_for_update().select_related("declaration").get(pk=version.pk)
    if version.status != VersionStatus.ADJUSTMENT_PENDING:
        raise DeclarationError("not_pending", _("this version is not an adjustment waiting for a decision"))
    return version


def _due_date(header: CadHeader) -> dt.date:
    """Release prior to payment: due with the statement of the release's cycle; otherwise the
    duties and taxes are due at release (domain/carm.md §8)."""
    if header.release_prior_to_payment:
        return statement_cycle_for_release(header.release_date).due_date
    return header.release_date


def _check(account: ProgramAccount, header: CadHeader, lines: list[CadLine]) -> _Checked:
    checked = _Checked()
    if not Office.objects.filter(number=header.office_number.strip()).exists():
        checked.add(0, "office_number", "unknown_office", _("%(office)s is not a customs office") % {
            "office": header.office_number or "—"
        })  # fmt: skip
    if header.transport_mode not in TransportMode.values:
        checked.add(0, "transport_mode", "unknown_transport_mode", _("choose one of: %(modes)s") % {
            "modes": ", ".join(TransportMode.values)
        })  # fmt: skip
    if header.cargo_control_number and not re.fullmatch(
        r"[A-Z0-9]{5,25}", header.cargo_control_number.upper()
    ):
        checked.add(
            0, "cargo_control_number", "bad_cargo_control_number",
            _("a cargo control number is the carrier code and a number, 5 to 25 letters and digits"),
        )  # fmt: skip
    if header.broker_account or header.broker_asec:
        checked.broker = _broker(header, checked)
    if header.release_prior_to_payment and not rpp_in_force(account):
        checked.add(
            0, "release_prior_to_payment", "not_enrolled_in_rpp",
            _("this account is not enrolled in release prior to payment (or RPP is suspended)"),
        )  # fmt: skip
    if not lines:
        checked.add(0, "lines", "no_lines", _("a declaration has at least one invoice line"))
        return checked
    for number, line in enumerate(lines, start=1):
        if not line.vendor.strip():
            checked.add(number, "vendor", "vendor_required", _("name the vendor"))
    request = EstimateRequest(
        date=header.release_date,
        lines=tuple(
            EstimateLine(
                tariff_item=line.tariff_item,
                origin=line.origin,
                value=line.value,
                currency=line.currency,
                quantity=line.quantity,
                unit=line.unit,
                treatment=line.treatment,
                surtax_percent=line.surtax_percent,
                anti_dumping=line.anti_dumping,
                countervailing=line.countervailing,
                description=line.description,
            )
            for line in lines
        ),
    )
    try:
        checked.worked_out = estimate(request)
    except EstimateRefused as refused:
        for problem in refused.problems:
            checked.add(problem.line, problem.field, problem.code, problem.message)
    return checked


def _broker(header: CadHeader, checked: _Checked) -> ProgramAccount | None:
    number = clean_bn15(header.broker_account)
    account = ProgramAccount.objects.select_related("business").filter(number=number).first()
    broker = CustomsBroker.objects.filter(business=account.business, active=True).first() if account else None
    if account is None or broker is None:
        checked.add(0, "broker_account", "unknown_broker", _("%(bn15)s is not a licensed customs broker's account") % {
            "bn15": header.broker_account or "—"
        })  # fmt: skip
        return None
    if broker.asec != header.broker_asec.strip():
        checked.add(0, "broker_asec", "asec_mismatch", _("the ASEC does not match the broker's account"))
        return None
    return account


def _record_version(
    declaration: Declaration,
    kind: VersionKind,
    header: CadHeader,
    lines: list[CadLine],
    checked: _Checked,
    now: dt.datetime,
    actor: User | None,
    channel: str,
) -> DeclarationVersion:
    """The version as sent, with its problems or its figures: kept whatever the outcome."""
    previous = declaration.versions.order_by("-number").values_list("number", flat=True).first() or 0
    worked = checked.worked_out
    version = DeclarationVersion.objects.create(
        declaration=declaration,
        number=previous + 1,
        kind=kind,
        status=VersionStatus.REJECTED,
        office_number=header.office_number.strip()[:8],
        release_date=header.release_date,
        transport_mode=header.transport_mode[:10],
        carrier_code=header.carrier_code.strip().upper()[:4],
        cargo_control_number=header.cargo_control_number.strip().upper()[:25],
        broker_account=checked.broker,
        broker_asec=header.broker_asec.strip()[:5] if checked.broker else "",
        release_prior_to_payment=header.release_prior_to_payment,
        submitted_at=now,
        submitted_by=actor if actor is not None and actor.pk else None,
        channel=channel,
        problems=checked.problems,
        edition_code=worked.edition.code if worked else "",
        **(_totals(worked) if worked and not checked.problems else {}),
    )
    rows = worked.result.lines if worked and not checked.problems else [None] * len(lines)
    contexts = worked.contexts if worked and not checked.problems else [None] * len(lines)
    DeclarationLine.objects.bulk_create(
        [
            DeclarationLine(
                version=version,
                number=number,
                vendor=line.vendor.strip()[:200],
                description=line.description.strip()[:300],
                tariff_item=line.tariff_item.strip()[:14],
                origin=line.origin.strip().upper()[:2],
                treatment=line.treatment.strip().upper()[:8],
                currency=line.currency.strip().upper()[:3],
                value=line.value,
                quantity=line.quantity,
                unit=line.unit.strip()[:10],
                surtax_percent=line.surtax_percent,
                anti_dumping=line.anti_dumping,
                countervailing=line.countervailing,
                **(_line_figures(result, context) if result is not None and context is not None else {}),
            )
            for number, (line, result, context) in enumerate(zip(lines, rows, contexts, strict=True), start=1)
        ]
    )
    return version


def _totals(worked: Estimate) -> dict[str, Decimal]:
    result = worked.result
    return {
        "value_for_duty": result.value_for_duty,
        "customs_duty": result.customs_duty,
        "surtax": result.surtax,
        "anti_dumping": result.anti_dumping,
        "countervailing": result.countervailing,
        "excise": result.excise_duty + result.excise_tax,
        "value_for_tax": result.value_for_tax,
        "gst": result.gst,
        "total": result.total_duties_and_taxes,
    }


def _line_figures(result: LineResult, context: LineContext) -> dict[str, object]:
    return {
        "treatment_applied": context.treatment,
        "rate_text": context.rate_text[:200],
        "exchange_rate": context.exchange_rate.rate,
        "value_for_duty": result.value_for_duty,
        "customs_duty": result.customs_duty,
        "surtax": result.surtax,
        "excise": result.excise_duty + result.excise_tax,
        "value_for_tax": result.value_for_tax,
        "gst": result.gst,
        "total": result.total_duties_and_taxes,
    }


def _post_difference(
    version: DeclarationVersion,
    before: Decimal,
    *,
    due_date: dt.date | None,
    now: dt.datetime,
    actor: User | None,
) -> LedgerEntry | None:
    """Post what `version` changes: a debt for an increase (due on `due_date`), a correction
    credit for a decrease, nothing when the total is unchanged."""
    difference = version.total - before
    if difference == 0:
        return None
    declaration = version.declaration
    common = {
        "account": declaration.account,
        "effective_date": version.release_date,
        "now": now,
        "reference": declaration.transaction_number,
        # Stored text shows on documents printed in either language: keep it language-free.
        "description": f"v{version.number}",
        "broker_asec": version.broker_asec,
        "actor": actor,
    }
    if difference > 0:
        return ledger_post(kind=EntryKind.DUTIES_TAXES, amount=difference, due_date=due_date, **common)  # type: ignore[arg-type]
    return ledger_post(kind=EntryKind.CORRECTION_CREDIT, amount=-difference, **common)  # type: ignore[arg-type]


def _figures(version: DeclarationVersion) -> dict[str, object]:
    return {
        "transaction_number": version.declaration.transaction_number,
        "version": version.number,
        "kind": version.kind,
        "status": version.status,
        "total": str(version.total),
        "due_date": version.payment_due_date.isoformat() if version.payment_due_date else None,
    }
