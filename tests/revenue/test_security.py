"""RPP security: the requirement worked out by the system, the 20 October review, suspension after 15 January."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core import mail

from longroom.revenue.models import EntryKind, RppStatus, SecurityType
from longroom.revenue.services import (
    SecurityRefused,
    ledger_post,
    rpp_enrol,
    rpp_security_post,
    security_lapses_enforce,
    security_requirement,
    security_reviews_run,
)

from .conftest import at, day

pytestmark = pytest.mark.django_db


def released(account, amount, on):
    return ledger_post(
        account=account, kind=EntryKind.DUTIES_TAXES, amount=D(amount), effective_date=day(on), due_date=day(on),
        now=at(on), reference="12345000000017",
    )  # fmt: skip


def test_the_requirement_is_half_or_all_of_the_highest_month_within_the_limits(importer):
    released(importer, "6000.00", "2026-01-12")
    released(importer, "12000.00", "2026-02-03")
    released(importer, "8000.00", "2026-02-20")  # February: 20,000.00, the highest month
    released(importer, "12000.00", "2026-03-05")
    bond = security_requirement(importer, SecurityType.BOND, day("2026-01-01"), day("2026-12-31"))
    assert (bond.highest_month, bond.highest_amount, bond.required) == (
        "2026-02",
        D("20000.00"),
        D("10000.00"),
    )
    cash = security_requirement(importer, SecurityType.CASH, day("2026-01-01"), day("2026-12-31"))
    assert cash.required == D("20000.00")
    assert security_requirement(
        importer, SecurityType.BOND, day("2026-01-01"), day("2026-01-31")
    ).required == D("5000.00")  # 50 % of 6,000.00 is 3,000.00: the minimum is 5,000.00
    released(importer, "30000000.00", "2026-04-01")
    assert security_requirement(
        importer, SecurityType.BOND, day("2026-04-01"), day("2026-04-30")
    ).required == D("10000000.00")  # the maximum


def test_enrolment_needs_at_least_the_requirement(importer):
    released(importer, "30000.00", "2026-02-03")
    with pytest.raises(SecurityRefused) as refused:
        rpp_enrol(
            account=importer, security_type=SecurityType.BOND, security_amount=D("5000"), now=at("2026-03-02")
        )
    assert "$15,000.00" in refused.value.message
    enrolment = rpp_enrol(
        account=importer, security_type=SecurityType.BOND, security_amount=D("15000"), now=at("2026-03-02")
    )
    assert (enrolment.status, enrolment.required_amount) == (RppStatus.ENROLLED, D("15000.00"))


def test_the_annual_review_notifies_only_an_increase_and_suspends_rpp_when_it_is_not_posted(
    importer, broker, django_capture_on_commit_callbacks
):
    importer.business.contact_email = "ap@mapleleaf.test"
    importer.business.save()
    rpp_enrol(
        account=importer, security_type=SecurityType.BOND, security_amount=D("5000"), now=at("2025-10-01")
    )
    rpp_enrol(
        account=broker, security_type=SecurityType.BOND, security_amount=D("5000"), now=at("2025-10-01")
    )
    released(importer, "30000.00", "2026-05-04")  # in the window 20 Oct 2025 → 19 Oct 2026
    released(importer, "90000.00", "2026-10-20")  # the next window's: not counted
    with django_capture_on_commit_callbacks(execute=True):
        reviews = security_reviews_run(review_year=2026, now=at("2026-10-20", 1))
    mine = next(r for r in reviews if r.enrolment.account == importer)
    theirs = next(r for r in reviews if r.enrolment.account == broker)
    assert (mine.highest_month, mine.required_amount, mine.due_on) == (
        "2026-05",
        D("15000.00"),
        day("2027-01-15"),
    )
    assert mine.increased and mine.notified_at is not None
    assert not theirs.increased and theirs.notified_at is None and theirs.due_on is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ap@mapleleaf.test"]
    assert "$15,000.00" in mail.outbox[0].body and "15\u00a0000,00\u00a0$" in mail.outbox[0].body
    assert security_reviews_run(review_year=2026, now=at("2026-10-21")) == []  # once a year
    assert security_lapses_enforce(now=at("2027-01-15", 12)) == []  # due that day: not yet lapsed
    [suspended] = security_lapses_enforce(now=at("2027-01-18", 1))
    assert (suspended.account, suspended.status) == (importer, RppStatus.SUSPENDED)
    restored = rpp_security_post(enrolment=suspended, amount=D("15000"), now=at("2027-01-20"))
    assert restored.status == RppStatus.ENROLLED


def test_posting_the_increase_in_time_keeps_rpp(importer):
    rpp_enrol(
        account=importer, security_type=SecurityType.CASH, security_amount=D("5000"), now=at("2025-10-01")
    )
    released(importer, "8000.00", "2026-05-04")
    [review] = security_reviews_run(review_year=2026, now=at("2026-10-20", 1))
    assert review.required_amount == D("8000.00")
    rpp_security_post(enrolment=review.enrolment, amount=D("8000"), now=at("2026-12-01"))
    assert security_lapses_enforce(now=at("2027-01-18")) == []
    review.refresh_from_db()
    assert review.met_at is not None
