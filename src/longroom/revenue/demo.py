"""Demo revenue data for `make run`: an importer, its broker, a few declarations and a payment.

Everything goes through the services (so it is audited like real work) and is dated relative to
today, on the sample tariff edition and its sample exchange rates. The interest rate loaded is a
demo figure, labelled as such: administrators set the prescribed rate in the admin.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from longroom.core.models import User
from longroom.registry.models import AccessLevel, Business
from longroom.registry.services import (
    account_access_grant,
    business_register,
    customs_broker_register,
    program_account_open,
)

from .calendar import EASTERN, business_date, previous_business_day
from .gateway import CardKind, SandboxGateway
from .models import InterestRate, SecurityType
from .services import (
    CadHeader,
    CadLine,
    card_payment_make,
    declaration_submit,
    revenue_day_run,
    rpp_enrol,
)

IMPORTER_BN9, BROKER_BN9 = "123456782", "111111118"
DEMO_ADDRESS = {
    "address_line1": "100 Queen St.",
    "city": "Ottawa",
    "province": "ON",
    "postal_code": "K1A 0L5",
}


def load_revenue_demo(
    password: str, now: dt.datetime | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """Load what is missing; returns the demo logins and a line per thing loaded."""
    if Business.objects.filter(bn9=IMPORTER_BN9).exists():
        return _logins(), []
    now = now or timezone.now()
    with transaction.atomic():
        importer_business = business_register(
            actor=None, bn9=IMPORTER_BN9, legal_name="Maple Leaf Imports Ltd.", contact_email="ap@mapleleaf.test",
            **DEMO_ADDRESS,
        )  # fmt: skip
        importer = program_account_open(
            actor=None, business=importer_business, number=IMPORTER_BN9 + "RM0001"
        )
        broker_business = business_register(
            actor=None, bn9=BROKER_BN9, legal_name="Borealis Customs Brokers Inc.", address_line1="1, rue du Port",
            city="Montréal", province="QC", postal_code="H2Y 1C6",
        )  # fmt: skip
        broker_account = program_account_open(
            actor=None, business=broker_business, number=BROKER_BN9 + "RM0001"
        )
        customs_broker_register(actor=None, business=broker_business, asec="12345")
        officer = _user("revenue@longroom.test", password, "Demo revenue officer", staff=True)
        officer.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["view_ledgerentry", "add_ledgerentry"], content_type__app_label="revenue"
            )
        )
        client = _user("importer@longroom.test", password, "Demo importer (Maple Leaf Imports)")
        account_access_grant(account=importer, user=client, level=AccessLevel.EDIT, actor=None, now=now)
        broker_user = _user("broker@longroom.test", password, "Demo broker (Borealis)")
        account_access_grant(account=importer, user=broker_user, level=AccessLevel.EDIT, actor=None, now=now)
        account_access_grant(
            account=broker_account, user=broker_user, level=AccessLevel.EDIT, actor=None, now=now
        )
        InterestRate.objects.get_or_create(
            effective_from=dt.date(2026, 1, 1),
            defaults={"annual_percent": Decimal("9.000"), "source": "Demo figure: set the prescribed rate"},
        )
        rpp_enrol(account=importer, security_type=SecurityType.CASH, security_amount=Decimal("5000"), now=now)
    today = business_date(now)
    first, second = previous_business_day(previous_business_day(today)), previous_business_day(today)
    lines = []
    for number, released, value, broker in (
        ("12345000000017", first, "1000", True),
        ("00000000000025", second, "2500", False),
    ):
        header = CadHeader(
            office_number="410", release_date=released, transport_mode="highway", release_prior_to_payment=True,
            **({"broker_account": BROKER_BN9 + "RM0001", "broker_asec": "12345"} if broker else {}),
        )  # fmt: skip
        line = CadLine(vendor="Shenzhen Apparel Co.", tariff_item="6109.10.00", origin="CN", currency="USD",
                       value=Decimal(value), description="Cotton T-shirts")  # fmt: skip
        at = dt.datetime.combine(released, dt.time(11), tzinfo=EASTERN)
        version = declaration_submit(
            account=importer, transaction_number=number, header=header, lines=[line], now=at
        )
        lines.append(f"declaration {number}: {version.status}, total ${version.total}")
    payment = card_payment_make(
        account=importer, amount=Decimal("100.00"), card_kind=CardKind.DEBIT, card_number="4242424242424242",
        expiry_month=12, expiry_year=today.year + 3, cvc="123", idempotency_key="demo-payment-1",
        now=dt.datetime.combine(second, dt.time(15), tzinfo=EASTERN), gateway=SandboxGateway(),
    )  # fmt: skip
    lines.append(f"sandbox debit card payment ${payment.amount}: {payment.status}")
    revenue_day_run(now=now)
    return _logins(), [f"Revenue demo: {', '.join(lines)}"]


def _user(email: str, password: str, name: str, *, staff: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email, password, full_name=name, is_staff=staff)


def _logins() -> list[tuple[str, str]]:
    return [
        ("revenue@longroom.test", "revenue officer (accounts, ledgers, adjustments)"),
        ("importer@longroom.test", "importer, API access to 123456782RM0001"),
        ("broker@longroom.test", "customs broker (ASEC 12345), API access to its client"),
    ]
