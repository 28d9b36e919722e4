"""Against the real nomenclature and Canadian tariff in ../shared/data (skipped when absent)."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from longroom.tariff.search import Classifier, SearchIndex
from longroom.tariff.search.loading import documents_from_rows, merge_documents

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
HS_CSV = SHARED / "hs" / "harmonized-system.csv"
TARIFF_DB = SHARED / "tariff" / "ca_tariff.db"

pytestmark = pytest.mark.skipif(
    not (HS_CSV.exists() and TARIFF_DB.exists()), reason="shared HS and tariff data not present"
)


@pytest.fixture(scope="module")
def full_index() -> SearchIndex:
    with HS_CSV.open(encoding="utf-8") as f:
        hs = documents_from_rows((r["hscode"], r["description"]) for r in csv.DictReader(f))
    with sqlite3.connect(TARIFF_DB) as db:
        tariff = documents_from_rows(db.execute("SELECT digits, description FROM ca_tariff"))
    return SearchIndex.build(merge_documents(hs, tariff))


def test_whole_tariff_is_indexed(full_index: SearchIndex) -> None:
    assert len(full_index) > 24_000
    assert "6109100012" in full_index and "610910001" not in full_index  # group rows are context


def test_cotton_tshirt_finds_6109_first_in_the_real_tariff(full_index: SearchIndex) -> None:
    assert full_index.search("cotton t-shirt")[0].code == "610910"
    assert full_index.search("t-shirt en coton", language="fr")[0].code == "610910"


def test_statistical_lines_carry_their_group_rows(full_index: SearchIndex) -> None:
    # "Men's or boys':" is a group row above 6109.10.00.11/12/19.
    hits = full_index.search("6109 men", levels=[10])
    assert hits[0].code.startswith("610910001")


def test_real_classifier_handles_a_listing(full_index: SearchIndex) -> None:
    found = Classifier(full_index).classify(
        "Women Sterling Silver Heart Pendant Necklace",
        category="Jewelry & Accessories > Fine Jewelry > Necklaces",
        attributes={"Metals Type": "Silver"},
    )
    assert found[0].code6 == "711311"
