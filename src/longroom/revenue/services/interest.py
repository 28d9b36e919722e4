"""Interest on overdue debts and penalties.

Interest is simple and daily, Longroom's reading of an unverified rule (domain/carm.md §11; ADR
0006): for each day after a debt's due date, the part of it still unpaid at the start of the day
times the annual rate in force that day, divided by 365. Interest is not charged on interest.
It is posted as one ledger entry per account and charge (monthly, with the statement), with the
working kept debt by debt so anyone can check the figure; each charge starts the day after the
previous one ended, so no day is charged twice and a second run for the same day does nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from longroom.core import audit
from longroom.core.models import User
from longroom.registry.models import ProgramAccount

from ..calendar import ONE_DAY
from ..models import CENT, ClearingApplication, EntryKind, InterestCharge, InterestRate, LedgerEntry
from .ledger import LedgerError, ledger_post, lock_account

DAYS_IN_YEAR = Decimal(365)


def interest_charge(
    *,
    account: ProgramAccount,
    through: dt.date,
    now: dt.datetime,
    due_date: dt.date | None = None,
    actor: User | None = None,
) -> InterestCharge | None:
    """Charge interest for the days since the last charge through `through`, payable on
    `due_date` (the statement's due date when charged with it; else `through`); None when every
    day is already charged."""
    with transaction.atomic():
        lock_account(account)
        last = InterestCharge.objects.filter(account=account).order_by("-period_end").first()
        debts = list(
            LedgerEntry.objects.filter(account=account, amount__gt=0, due_date__lt=through).exclude(
                kind=EntryKind.INTEREST
            )
        )
        if last is not None:
            start = last.period_end + ONE_DAY
        elif debts:
            start = min(d.due_date for d in debts if d.due_date) + ONE_DAY
        else:
            return None
        if start > through:
            return None
        rates = list(
            InterestRate.objects.order_by("effective_from").values_list("effective_from", "annual_percent")
        )
        working = []
        total = Decimal("0.00")
        for debt in debts:
            assert debt.due_date is not None
            first_day = max(start, debt.due_date + ONE_DAY)
            if first_day > through:
                continue
            paid = list(
                ClearingApplication.objects.filter(debit=debt, business_date__lt=through)
                .order_by("business_date")
                .values_list("business_date", "amount")
            )
            amount, segments = _debt_interest(debt.amount, paid, rates, first_day, through)
            if amount:
                total += amount
                working.append({"entry": debt.pk, "reference": debt.reference, "interest": str(amount),
                                "segments": segments})  # fmt: skip
        entry = None
        if total > 0:
            entry = ledger_post(
                account=account,
                kind=EntryKind.INTEREST,
                amount=total,
                effective_date=through,
                due_date=due_date or through,
                now=now,
                reference=f"INT-{through.isoformat()}",
                # Language-free: it shows on statements printed in English or French.
                description=f"{start.isoformat()} – {through.isoformat()}",
                reason_code="INT",
                actor=actor,
            )
        charge = InterestCharge.objects.create(
            account=account,
            period_start=start,
            period_end=through,
            amount=total,
            ledger_entry=entry,
            working=working,
            charged_at=now,
        )
        audit.record(
            verb="interest.charged",
            subject=charge,
            actor=actor,
            occurred_at=now,
            data={"from": start.isoformat(), "through": through.isoformat(), "amount": str(total)},
        )
    return charge


def _debt_interest(
    principal: Decimal,
    paid: list[tuple[dt.date, Decimal]],
    rates: list[tuple[dt.date, Decimal]],
    first_day: dt.date,
    last_day: dt.date,
) -> tuple[Decimal, list[dict[str, str]]]:
    """Interest on one debt for `first_day`…`last_day`, and the runs of days with the same unpaid
    amount and rate that make it up."""
    # Days on which the unpaid amount or the rate changes: a payment applied on day p lowers the
    # amount from day p + 1 (it was unpaid at the start of day p); a rate applies from its date.
    changes = sorted(
        {first_day, last_day + ONE_DAY}
        | {p + ONE_DAY for p, _ in paid if first_day < p + ONE_DAY <= last_day}
        | {r for r, _ in rates if first_day < r <= last_day}
    )
    exact = Decimal(0)
    segments = []
    for begin, end in itertools.pairwise(changes):
        unpaid = principal - sum((amount for day, amount in paid if day < begin), Decimal(0))
        rate = next((percent for since, percent in reversed(rates) if since <= begin), Decimal(0))
        days = (end - begin).days
        if unpaid <= 0 or rate <= 0 or days <= 0:
            continue
        exact += unpaid * rate * days / 100 / DAYS_IN_YEAR
        segments.append(
            {"from": begin.isoformat(), "days": str(days), "unpaid": str(unpaid), "rate": str(rate)}
        )
    return exact.quantize(CENT, rounding=ROUND_HALF_UP), segments


def penalty_post(
    *,
    account: ProgramAccount,
    amount: Decimal,
    reason_code: str,
    description: str,
    due_date: dt.date,
    now: dt.datetime,
    actor: User | None = None,
) -> LedgerEntry:
    """A penalty is a debt with a reason code (e.g. an AMPS contravention number)."""
    code = reason_code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9\-]{0,19}", code):
        raise LedgerError(_("give the penalty's reason code, e.g. C152"))
    if not description.strip():
        raise LedgerError(_("describe the penalty"))
    return ledger_post(
        account=account,
        kind=EntryKind.PENALTY,
        amount=amount,
        effective_date=due_date,
        due_date=due_date,
        now=now,
        reference=code,
        description=description.strip(),
        reason_code=code,
        actor=actor,
    )


def interest_rate_save(*, rate: InterestRate, actor: User | None) -> InterestRate:
    """Add or correct a row of the rate table (audited before/after)."""
    with transaction.atomic():
        before = (
            InterestRate.objects.filter(pk=rate.pk)
            .values("effective_from", "annual_percent", "source")
            .first()
            if rate.pk
            else None
        )
        rate.save()
        audit.record(
            verb="interest.rate_saved",
            subject=rate,
            actor=actor,
            data={
                "before": {k: str(v) for k, v in before.items()} if before else None,
                "after": {"effective_from": str(rate.effective_from), "annual_percent": str(rate.annual_percent),
                          "source": rate.source},
            },
        )  # fmt: skip
    return rate
