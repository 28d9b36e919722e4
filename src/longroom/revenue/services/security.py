"""RPP enrolment and financial security: the requirement worked out, the annual review, suspension.

The highest monthly amount is taken from the duties and taxes (GST included) posted on the
account, by month of release (the entry's effective date), corrections and adjustments included
(net of their credits): what the agency would have had to wait for had the importer not paid.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.translation import gettext as _

from longroom.core import audit
from longroom.core.language import current_language
from longroom.core.models import User
from longroom.registry.models import ProgramAccount

from ..calendar import business_date, security_due_date, security_review_window
from ..documents import format_money
from ..models import (
    CENT,
    MAXIMUM_SECURITY,
    MINIMUM_SECURITY,
    EntryKind,
    LedgerEntry,
    RppEnrolment,
    RppStatus,
    SecurityReview,
    SecurityType,
)
from .ledger import lock_account

SHARE = {SecurityType.BOND: Decimal("0.50"), SecurityType.CASH: Decimal("1.00")}


class SecurityRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Requirement:
    highest_month: str  # YYYY-MM, "" when nothing was declared
    highest_amount: Decimal
    required: Decimal


def security_requirement(
    account: ProgramAccount, security_type: SecurityType | str, first: dt.date, last: dt.date
) -> Requirement:
    """The security `account` must post for releases from `first` to `last` (inclusive)."""
    by_month: dict[str, Decimal] = defaultdict(Decimal)
    rows = LedgerEntry.objects.filter(
        account=account,
        kind__in=[EntryKind.DUTIES_TAXES, EntryKind.CORRECTION_CREDIT],
        effective_date__range=(first, last),
    ).values_list("effective_date", "amount")
    for released, amount in rows:
        by_month[f"{released:%Y-%m}"] += Decimal(amount)
    month, highest = max(by_month.items(), key=lambda kv: (kv[1], kv[0]), default=("", Decimal(0)))
    share = SHARE[SecurityType(security_type)]
    required = (max(highest, Decimal(0)) * share).quantize(CENT, rounding=ROUND_HALF_UP)
    return Requirement(month, highest.quantize(CENT), min(max(required, MINIMUM_SECURITY), MAXIMUM_SECURITY))


def rpp_enrol(
    *,
    account: ProgramAccount,
    security_type: SecurityType | str,
    security_amount: Decimal,
    now: dt.datetime,
    actor: User | None = None,
) -> RppEnrolment:
    """Enrol in RPP with security at least the requirement over the last 12 months."""
    today = business_date(now)
    need = security_requirement(account, security_type, today - dt.timedelta(days=365), today)
    if Decimal(security_amount) < need.required:
        raise SecurityRefused(
            "security_too_low",
            _("RPP needs security of at least %(required)s for this account") % {
                "required": format_money(need.required, current_language())
            },
        )  # fmt: skip
    with transaction.atomic():
        lock_account(account)
        enrolment, _created = RppEnrolment.objects.update_or_create(
            account=account,
            defaults={
                "status": RppStatus.ENROLLED,
                "security_type": SecurityType(security_type),
                "security_amount": Decimal(security_amount).quantize(CENT),
                "required_amount": need.required,
                "enrolled_at": now,
                "suspended_at": None,
            },
        )
        audit.record(
            verb="rpp.enrolled",
            subject=enrolment,
            actor=actor,
            occurred_at=now,
            data={"security_type": enrolment.security_type, "security": str(enrolment.security_amount),
                  "required": str(need.required)},
        )  # fmt: skip
    return enrolment


def rpp_security_post(
    *, enrolment: RppEnrolment, amount: Decimal, now: dt.datetime, actor: User | None = None
) -> RppEnrolment:
    """Raise the security on file (a bond rider or more cash); an open increase is met when it
    reaches the requirement, and a suspension for lack of security is lifted."""
    with transaction.atomic():
        lock_account(enrolment.account)
        enrolment = RppEnrolment.objects.get(pk=enrolment.pk)
        before = enrolment.security_amount
        enrolment.security_amount = Decimal(amount).quantize(CENT)
        if enrolment.security_amount >= enrolment.required_amount:
            SecurityReview.objects.filter(enrolment=enrolment, met_at=None, due_on__isnull=False).update(
                met_at=now
            )
            if enrolment.status == RppStatus.SUSPENDED:
                enrolment.status, enrolment.suspended_at = RppStatus.ENROLLED, None
        enrolment.save()
        audit.record(
            verb="rpp.security_posted",
            subject=enrolment,
            actor=actor,
            occurred_at=now,
            data={"before": str(before), "after": str(enrolment.security_amount), "status": enrolment.status},
        )
    return enrolment


def security_reviews_run(*, review_year: int, now: dt.datetime) -> list[SecurityReview]:
    """The 20 October review of every enrolled account; only increases are notified."""
    first, last = security_review_window(review_year)
    reviews = []
    for enrolment in RppEnrolment.objects.filter(status=RppStatus.ENROLLED).select_related(
        "account__business"
    ):
        with transaction.atomic():
            lock_account(enrolment.account)
            if SecurityReview.objects.filter(enrolment=enrolment, review_year=review_year).exists():
                continue  # reviewed already: a second run changes nothing
            need = security_requirement(enrolment.account, enrolment.security_type, first, last)
            increased = need.required > enrolment.security_amount
            review = SecurityReview.objects.create(
                enrolment=enrolment,
                review_year=review_year,
                window_start=first,
                window_end=last,
                highest_month=need.highest_month,
                highest_amount=need.highest_amount,
                previous_required=enrolment.required_amount,
                required_amount=need.required,
                due_on=security_due_date(review_year) if increased else None,
                notified_at=now if increased else None,
                met_at=None if increased else now,
                reviewed_at=now,
            )
            enrolment.required_amount = need.required
            enrolment.save(update_fields=["required_amount"])
            audit.record(
                verb="rpp.security_reviewed",
                subject=review,
                occurred_at=now,
                data={
                    "required": str(need.required),
                    "posted": str(enrolment.security_amount),
                    "increased": increased,
                },
            )
            if increased:
                _notify_increase(review)
            reviews.append(review)
    return reviews


def security_lapses_enforce(*, now: dt.datetime) -> list[RppEnrolment]:
    """After the due date, suspend RPP where the increased security was not posted."""
    today = business_date(now)
    suspended = []
    overdue = SecurityReview.objects.filter(met_at=None, lapsed_at=None, due_on__lt=today).select_related(
        "enrolment__account"
    )
    for review in overdue:
        with transaction.atomic():
            lock_account(review.enrolment.account)
            enrolment = RppEnrolment.objects.get(pk=review.enrolment_id)
            if enrolment.security_amount >= review.required_amount:
                review.met_at = now
                review.save(update_fields=["met_at"])
                audit.record(verb="rpp.security_review_met", subject=review, occurred_at=now)
                continue
            review.lapsed_at = now
            review.save(update_fields=["lapsed_at"])
            enrolment.status, enrolment.suspended_at = RppStatus.SUSPENDED, now
            enrolment.save(update_fields=["status", "suspended_at"])
            audit.record(
                verb="rpp.suspended",
                subject=enrolment,
                occurred_at=now,
                data={"review_year": review.review_year},
            )
            suspended.append(enrolment)
    return suspended


def rpp_in_force(account: ProgramAccount) -> bool:
    return RppEnrolment.objects.filter(account=account, status=RppStatus.ENROLLED).exists()


def _notify_increase(review: SecurityReview) -> None:
    """Tell the business, in both official languages, by e-mail after the review commits."""
    business = review.enrolment.account.business
    if not business.contact_email:
        return
    figures = {
        "account": review.enrolment.account,
        "due": review.due_on.isoformat() if review.due_on else "",
    }
    subject = f"RPP security review {review.review_year} / Examen de la garantie MLAP {review.review_year}"
    body = (
        f"Program account {figures['account']}: the security required for release prior to payment is now "
        f"{format_money(review.required_amount, 'en')} (highest month {review.highest_month}: "
        f"{format_money(review.highest_amount, 'en')}). Post the increase by {figures['due']}, or RPP will be "
        "suspended.\n\n"
        f"Compte de programme {figures['account']}\u00a0: la garantie exigée pour la mainlevée avant paiement est "
        f"maintenant de {format_money(review.required_amount, 'fr')} (mois le plus élevé {review.highest_month}\u00a0: "
        f"{format_money(review.highest_amount, 'fr')}). Déposez l’augmentation au plus tard le {figures['due']}, "
        "sinon la MLAP sera suspendue.\n"
    )
    message = EmailMessage(subject=subject, body=body, to=[business.contact_email])
    transaction.on_commit(lambda: message.send(fail_silently=False))
