"""Writes to the ledger: posting, reversing, clearing, applying a credit.

Each service is one transaction that first locks the program account's row, so postings and
clearing for one account happen one after another even when a payment and the daily clearing
arrive together (SELECT … FOR UPDATE on PostgreSQL; SQLite has one writer at a time anyway).
Every service takes `now`: the ledger's clock is the caller's, so a scenario can run months of
business in a test, and a replayed task posts with the time it was meant for.

Clearing order (domain/carm.md §10; ADR 0006):
1. credits clear debts on their due date, not before (unless the client applies a credit);
2. overdue debts first, the oldest due date first;
3. within a due date, penalties, interest and fees before duties and taxes;
4. then the account's offsetting preference (oldest transaction, largest or smallest first);
5. credits are spent oldest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from longroom.core import audit
from longroom.core.models import AuditEvent, User
from longroom.registry.models import ProgramAccount

from ..calendar import business_date
from ..models import (
    CENT,
    CHARGES_FIRST,
    CREDIT_KINDS,
    DEBIT_KINDS,
    AccountProfile,
    ClearingApplication,
    ClearingRule,
    EntryKind,
    LedgerEntry,
    OffsettingPreference,
)
from ..selectors import (
    OpenItem,
    accounts_with_open_credits,
    open_credits,
    open_debits,
    open_items,
    outstanding_of,
)


class LedgerError(Exception):
    """A posting the ledger refuses; the message says why, in the user's language."""


def lock_account(account: ProgramAccount) -> None:
    """Serialize every write to one account's ledger (a no-op on SQLite, which has one writer)."""
    ProgramAccount.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True).first()


def _money(amount: Decimal | str | int) -> Decimal:
    value = Decimal(amount)
    if value != value.quantize(CENT):
        raise LedgerError(
            _("amounts are in dollars and cents: %(amount)s has fractions of a cent") % {"amount": value}
        )
    return value.quantize(CENT)


@dataclass(frozen=True)
class Posting:
    """One entry to post: `amount` positive, the kind says which way it goes."""

    account: ProgramAccount
    kind: EntryKind | str
    amount: Decimal | str | int
    effective_date: dt.date
    due_date: dt.date | None = None
    reference: str = ""
    description: str = ""
    reason_code: str = ""
    broker_asec: str = ""


def ledger_post(
    *,
    account: ProgramAccount,
    kind: EntryKind | str,
    amount: Decimal | str | int,
    effective_date: dt.date,
    now: dt.datetime,
    due_date: dt.date | None = None,
    reference: str = "",
    description: str = "",
    reason_code: str = "",
    broker_asec: str = "",
    actor: User | None = None,
) -> LedgerEntry:
    """Post one entry. `amount` is given positive; the kind decides whether it is owed to the
    agency (debit) or to the client (credit). A credit is cleared against what is due at once."""
    posting = Posting(
        account, kind, amount, effective_date, due_date, reference, description, reason_code, broker_asec
    )
    entry = _entry(posting, now=now, actor=actor)
    with transaction.atomic():
        lock_account(account)
        entry.save()
        audit.record(
            verb="ledger.entry_posted", subject=entry, actor=actor, data=_describe(entry), occurred_at=now
        )
        if entry.amount < 0:
            _clear(account, as_of=entry.business_date, now=now, actor=actor)
    return entry


def ledger_post_many(
    *, postings: Sequence[Posting], now: dt.datetime, actor: User | None = None
) -> list[LedgerEntry]:
    """Post a batch (a day's declarations from a feed, a migration) in one transaction: every
    entry checked first and the whole batch refused if one is wrong; the accounts locked in one
    order (so two batches cannot deadlock); one audit event per entry still; then each account
    that received a credit is cleared."""
    entries = [_entry(posting, now=now, actor=actor) for posting in postings]
    accounts = sorted({entry.account_id for entry in entries})
    with transaction.atomic():
        list(
            ProgramAccount.objects.select_for_update()
            .filter(pk__in=accounts)
            .order_by("pk")
            .values_list("pk")
        )
        LedgerEntry.objects.bulk_create(entries, batch_size=1000)
        audit.record_many(
            [
                audit.unsaved(
                    verb="ledger.entry_posted", subject=e, actor=actor, data=_describe(e), occurred_at=now
                )
                for e in entries
            ]
        )
        credited = sorted({entry.account_id for entry in entries if entry.amount < 0})
        if credited:
            _clear_many(credited, as_of=business_date(now), now=now, actor=actor)
    return entries


def _entry(posting: Posting, *, now: dt.datetime, actor: User | None) -> LedgerEntry:
    """The entry a posting makes, checked, not yet saved."""
    kind = EntryKind(posting.kind)
    value = _money(posting.amount)
    if value <= 0:
        raise LedgerError(_("an entry's amount must be more than zero"))
    due_date = posting.due_date
    if kind in DEBIT_KINDS and due_date is None:
        raise LedgerError(_("a debt needs a due date"))
    if kind in CREDIT_KINDS:
        value, due_date = -value, None
    return LedgerEntry(
        account=posting.account,
        kind=kind,
        amount=value,
        posted_at=now,
        business_date=business_date(now),
        effective_date=posting.effective_date,
        due_date=due_date,
        reference=posting.reference,
        description=posting.description,
        reason_code=posting.reason_code,
        broker_asec=posting.broker_asec,
        created_by=actor if actor is not None and actor.pk else None,
    )


def ledger_reverse(
    *,
    entry: LedgerEntry,
    now: dt.datetime,
    reason_code: str,
    description: str = "",
    actor: User | None = None,
) -> LedgerEntry:
    """Cancel `entry` with an entry of the opposite sign. The reversal first settles whatever is
    still open of the original; what the original had already paid or been paid by stays
    recorded, so reversing a cleared payment leaves the debts it paid owing again (as a new debit)."""
    with transaction.atomic():
        lock_account(entry.account)
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise LedgerError(_("this entry has already been reversed"))
        if entry.reverses_id is not None:
            raise LedgerError(_("a reversal cannot itself be reversed: post a new entry"))
        today = business_date(now)
        reversal = LedgerEntry.objects.create(
            account=entry.account,
            kind=entry.kind,
            amount=-entry.amount,
            posted_at=now,
            business_date=today,
            effective_date=today,
            due_date=today if entry.amount < 0 else None,  # a cancelled credit is owed at once
            reference=entry.reference,
            description=description,  # the staff's or client's words; the link says it reverses
            reason_code=reason_code,
            broker_asec=entry.broker_asec,
            reverses=entry,
            created_by=actor if actor is not None and actor.pk else None,
        )
        still_open = outstanding_of(entry)
        if still_open > 0:
            debit, credit = (entry, reversal) if entry.amount > 0 else (reversal, entry)
            ClearingApplication.objects.create(
                account=entry.account,
                credit=credit,
                debit=debit,
                amount=min(still_open, abs(entry.amount)),
                applied_at=now,
                business_date=today,
                rule=ClearingRule.REVERSAL,
            )
        audit.record(
            verb="ledger.entry_reversed",
            subject=reversal,
            actor=actor,
            data=_describe(reversal) | {"reverses": entry.pk},
            occurred_at=now,
        )
        if reversal.amount < 0:
            _clear(entry.account, as_of=today, now=now, actor=actor)
    return reversal


def account_clear(
    *, account: ProgramAccount, now: dt.datetime, actor: User | None = None
) -> list[ClearingApplication]:
    """The daily clearing of one account: unused credits pay what is due or overdue today."""
    with transaction.atomic():
        lock_account(account)
        return _clear(account, as_of=business_date(now), now=now, actor=actor)


def clearing_run(*, now: dt.datetime, actor: User | None = None, batch: int = 500) -> int:
    """The daily clearing of every account holding unused credit, `batch` accounts per
    transaction (locked in one order); returns how many applications were made."""
    made = 0
    holders = accounts_with_open_credits()
    for start in range(0, len(holders), batch):
        chunk = holders[start : start + batch]
        with transaction.atomic():
            list(
                ProgramAccount.objects.select_for_update()
                .filter(pk__in=chunk)
                .order_by("pk")
                .values_list("pk")
            )
            made += len(_clear_many(chunk, as_of=business_date(now), now=now, actor=actor))
    return made


def credit_apply(
    *, account: ProgramAccount, debit: LedgerEntry, now: dt.datetime, actor: User | None = None
) -> list[ClearingApplication]:
    """“Apply credit as payment”: the client spends unused credits on a debt of their choosing,
    due or not."""
    if debit.account_id != account.pk or debit.amount <= 0:
        raise LedgerError(_("choose a debt of this account"))
    with transaction.atomic():
        lock_account(account)
        debits = [item for item in open_debits(account) if item.entry.pk == debit.pk]
        if not debits:
            raise LedgerError(_("this debt is already paid"))
        credits = open_credits(account)
        if not credits:
            raise LedgerError(_("this account has no credit to apply"))
        applications = _match(
            account.pk, credits, debits, now=now, rule=lambda _item: ClearingRule.CREDIT_APPLIED
        )
        ClearingApplication.objects.bulk_create(applications)
        audit.record_many([_clearing_event(account.pk, applications, actor, now)])
    return applications


# ── clearing ──────────────────────────────────────────────────────────────────────────────


def _clear(
    account: ProgramAccount, *, as_of: dt.date, now: dt.datetime, actor: User | None
) -> list[ClearingApplication]:
    return _clear_many([account.pk], as_of=as_of, now=now, actor=actor)


def _clear_many(
    account_ids: list[int], *, as_of: dt.date, now: dt.datetime, actor: User | None
) -> list[ClearingApplication]:
    """Clear each account's unused credits against its debts due by `as_of`; the accounts are
    already locked. Four queries however many accounts: a batch of payments clears at once."""
    credits = open_items(account_ids, debits=False)
    if not credits:
        return []
    due = open_items(list(credits), debits=True, due_by=as_of)
    if not due:
        return []
    preferences = dict(
        AccountProfile.objects.filter(account_id__in=list(due)).values_list(
            "account_id", "offsetting_preference"
        )
    )
    made: list[ClearingApplication] = []
    per_account: dict[int, list[ClearingApplication]] = {}
    for account_id, debts in due.items():
        preference = OffsettingPreference(preferences.get(account_id, OffsettingPreference.OLDEST_FIRST))
        debts.sort(key=_clearing_order(as_of, preference))
        applications = _match(
            account_id,
            credits[account_id],
            debts,
            now=now,
            rule=lambda item: ClearingRule.OVERDUE if _due(item) < as_of else ClearingRule.DUE,
        )
        per_account[account_id] = applications
        made.extend(applications)
    ClearingApplication.objects.bulk_create(made, batch_size=1000)
    audit.record_many(
        [
            _clearing_event(account_id, applications, actor, now)
            for account_id, applications in per_account.items()
            if applications
        ]
    )
    return made


def _due(item: OpenItem) -> dt.date:
    assert item.entry.due_date is not None  # debits always have one (a database constraint)
    return item.entry.due_date


def _clearing_order(
    as_of: dt.date, preference: OffsettingPreference
) -> Callable[[OpenItem], tuple[Any, ...]]:
    def key(item: OpenItem) -> tuple[Any, ...]:
        entry = item.entry
        chosen: tuple[Any, ...] = ()
        if preference == OffsettingPreference.LARGEST_FIRST:
            chosen = (-item.remaining,)
        elif preference == OffsettingPreference.SMALLEST_FIRST:
            chosen = (item.remaining,)
        return (
            _due(item) >= as_of,  # overdue (False) before due today (True)
            _due(item),
            entry.kind not in CHARGES_FIRST,
            *chosen,
            entry.effective_date,
            entry.posted_at,
            entry.pk,
        )

    return key


def _match(
    account_id: int,
    credits: list[OpenItem],
    debits: list[OpenItem],
    *,
    now: dt.datetime,
    rule: Callable[[OpenItem], ClearingRule],
) -> list[ClearingApplication]:
    """Spend `credits` in order on `debits` in order; the applications, not yet saved."""
    applications: list[ClearingApplication] = []
    today = business_date(now)
    spent = 0
    for debit in debits:
        while debit.remaining > 0 and spent < len(credits):
            credit = credits[spent]
            amount = min(debit.remaining, credit.remaining)
            applications.append(
                ClearingApplication(
                    account_id=account_id,
                    credit=credit.entry,
                    debit=debit.entry,
                    amount=amount,
                    applied_at=now,
                    business_date=today,
                    rule=rule(debit),
                )
            )
            debit.remaining -= amount
            credit.remaining -= amount
            if credit.remaining == 0:
                spent += 1
        if spent >= len(credits):
            break
    return applications


def _clearing_event(
    account_id: int, applications: list[ClearingApplication], actor: User | None, now: dt.datetime
) -> AuditEvent:
    return audit.unsaved(
        verb="ledger.cleared",
        subject=ProgramAccount(pk=account_id),
        actor=actor,
        occurred_at=now,
        data={
            "applications": [
                {"credit": a.credit_id, "debit": a.debit_id, "amount": str(a.amount), "rule": a.rule}
                for a in applications
            ]
        },
    )


def _describe(entry: LedgerEntry) -> dict[str, object]:
    return {
        "account": entry.account.number,
        "kind": entry.kind,
        "amount": str(entry.amount),
        "effective_date": entry.effective_date.isoformat(),
        "due_date": entry.due_date.isoformat() if entry.due_date else None,
        "reference": entry.reference,
        "reason_code": entry.reason_code,
    }


def offsetting_preference_set(
    *, account: ProgramAccount, preference: OffsettingPreference | str, actor: User | None
) -> AccountProfile:
    """Choose how the account's credits pick among equally ranked debts (audited)."""
    chosen = OffsettingPreference(preference)
    with transaction.atomic():
        lock_account(account)
        profile, _created = AccountProfile.objects.get_or_create(account=account)
        before = profile.offsetting_preference
        if before != chosen or _created:
            profile.offsetting_preference = chosen
            profile.save(update_fields=["offsetting_preference"])
            audit.record(
                verb="account.offsetting_preference_set",
                subject=profile,
                actor=actor,
                data={"before": before, "after": chosen},
            )
    return profile
