"""Revenue test data shared by the revenue and API tests: a customs office, an importer and its
broker in the registry, the sample tariff edition with the exchange rates a test names, and the
importer enrolled in RPP on the worked example's day (US$1 = 1.3500 CAD on 10 March 2026)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from longroom.offices.models import Office
from longroom.registry.models import Business, CustomsBroker, ProgramAccount
from longroom.revenue.calendar import EASTERN


def at(day: str, hour: int = 12) -> dt.datetime:
    """`hour` o'clock Eastern on `day` (ISO), the aware moment services take."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=EASTERN)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def customs_office(db) -> Office:
    return Office.objects.create(
        number="0497", name_en="Toronto Pearson", name_fr="Toronto Pearson", street_address="1 Airport Rd",
        city="Mississauga", province="ON", postal_code="L5P 1B2", time_zone="America/Toronto",
    )  # fmt: skip


@pytest.fixture
def importer(db) -> ProgramAccount:
    business = Business.objects.create(
        bn9="123456782", legal_name="Maple Leaf Imports Ltd.", address_line1="100 Queen St.", city="Ottawa",
        province="ON", postal_code="K1A 0L5",
    )  # fmt: skip
    return ProgramAccount.objects.create(
        business=business, number="123456782RM0001", opened_on=day("2026-01-01")
    )


@pytest.fixture
def broker(db) -> ProgramAccount:
    business = Business.objects.create(
        bn9="111111118", legal_name="Borealis Customs Brokers Inc.", address_line1="1 rue du Port",
        city="Montréal", province="QC", postal_code="H2Y 1C6",
    )  # fmt: skip
    CustomsBroker.objects.create(business=business, asec="12345")
    return ProgramAccount.objects.create(
        business=business, number="111111118RM0001", opened_on=day("2026-01-01")
    )


@pytest.fixture
def tariff(db):
    """The sample edition (in force from 2026-01-01) and a setter for one day's exchange rate."""
    from longroom.tariff.demo import SAMPLE_EDITION, SAMPLE_EFFECTIVE_FROM
    from longroom.tariff.models import ExchangeRate
    from longroom.tariff.services import DATA_DIR, tariff_edition_import

    tariff_edition_import(
        path=DATA_DIR / "sample_edition.csv",
        code=SAMPLE_EDITION,
        effective_from=SAMPLE_EFFECTIVE_FROM,
        is_sample=True,
    )

    def rate(currency: str, on: str, value: str) -> None:
        ExchangeRate.objects.update_or_create(
            currency=currency, date=day(on), defaults={"rate": Decimal(value), "source": "test"}
        )

    return rate


@pytest.fixture
def ready(customs_office, importer, tariff):
    """The importer, enrolled in RPP with the minimum security (no history yet), and the USD rate
    of 10 March 2026 (1.3500): the worked example's day."""
    from longroom.revenue.models import SecurityType
    from longroom.revenue.services import rpp_enrol

    tariff("USD", "2026-03-10", "1.3500")
    rpp_enrol(
        account=importer,
        security_type=SecurityType.CASH,
        security_amount=Decimal("5000.00"),
        now=at("2026-03-02"),
    )
    return importer
