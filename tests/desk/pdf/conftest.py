from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from longroom.desk.pdf import SealCredentials, StampSpec, generate_demo_seal, shutdown_sandbox, warm_up

from . import pdfs

REFERENCE = "LR-410-C-2026-000123"
VERIFY_URL = f"https://longroom.example/verify/{REFERENCE}"


@pytest.fixture(autouse=True)
def _isolated_files() -> None:
    """Override the project-wide autouse fixture: the PDF package uses no Django settings.

    Keeps ``pytest tests/desk/pdf -p no:django`` working (the parent fixture needs
    pytest-django's ``settings``).
    """


@pytest.fixture(scope="session", autouse=True)
def _sandbox_pool() -> Iterator[None]:
    warm_up()
    yield
    shutdown_sandbox()


@pytest.fixture(scope="session")
def seal() -> SealCredentials:
    bundle, passphrase = generate_demo_seal(
        common_name="Longroom 410 seal", organization="Longroom demo office"
    )
    return SealCredentials.from_pkcs12(bundle, passphrase)


@pytest.fixture(scope="session")
def stranger_seal() -> SealCredentials:
    bundle, passphrase = generate_demo_seal(
        common_name="Impostor seal", organization="Not the office", key_type="ec"
    )
    return SealCredentials.from_pkcs12(bundle, passphrase)


def make_spec(**overrides: Any) -> StampSpec:
    values: dict[str, Any] = {
        "text_en": "AUTHORIZED TO MOVE IN BOND",
        "text_fr": "MOUVEMENT SOUS DOUANE AUTORISÉ",
        "office_en": "LONGROOM 410",
        "office_fr": "SALLE DES COMPTOIRS 410",
        "date_text": "2026-11-21 14:05 EST",
        "officer_identifier": "AB1234",
        "reference": REFERENCE,
        "verify_url": VERIFY_URL,
    }
    values.update(overrides)
    return StampSpec(**values)


@pytest.fixture
def spec_factory() -> Callable[..., StampSpec]:
    return make_spec


@pytest.fixture(scope="session")
def one_page_pdf() -> bytes:
    return pdfs.reportlab_pdf(transaction_number=pdfs.TRANSACTION_NUMBER)


@pytest.fixture(scope="session")
def stamped_one_page(one_page_pdf: bytes, seal: SealCredentials) -> bytes:
    from longroom.desk.pdf import stamp_and_sign

    return stamp_and_sign(one_page_pdf, make_spec(), seal)
