"""The reference data shipped in `longroom/tariff/data/`: layout, content, and agreement with the published tariff.

Plain `csv`/`sqlite3`, no models: these files are read by the importer and the calculator, so they must be
right on their own. The rates of the sample edition are checked against the published T2026-0 tariff in
`../shared/data/tariff/ca_tariff.db` when that file is present (it does not ship with the product).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "src" / "longroom" / "tariff" / "data"
TARIFF_DB = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tariff" / "ca_tariff.db"

# The CBSA distribution's TPHS table, column for column, then our bilingual extension.
TPHS_COLUMNS = [
    "TARIFF", "DESC1", "DESC2", "DESC3", "UOM", "FOOTNOTE", "EFF_DATE",
    "MFN", "AUT", "NZT", "CCCT", "LDCT", "GPT", "UST", "MXT", "CIAT", "CT", "CRT", "IT", "NT", "SLT",
    "PT", "COLT", "JT", "PAT", "HNT", "KRT", "CEUT", "CPTPT", "UKT", "UAT", "General Tariff", "CPUKT",
]  # fmt: skip
EXTENSION_COLUMNS = ["DESC1_FR", "DESC2_FR", "DESC3_FR"]
RATE_COLUMNS = TPHS_COLUMNS[TPHS_COLUMNS.index("MFN") :]
CHECKED_RATES = {"MFN": "mfn", "UST": "ust", "MXT": "mxt", "General Tariff": "general_rate"}

ROMAN = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI",
    "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI",
]  # fmt: skip
HS_CHAPTERS = {f"{n:02d}" for n in range(1, 98)} - {"77"}  # 77 is reserved in the HS
CANADIAN_CHAPTERS = {"98", "99"}  # special classification provisions of the Canadian schedule


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _digits(tariff: str) -> str:
    return tariff.replace(".", "")


def _english(row: dict[str, str]) -> str:
    return " ".join(row[c].strip() for c in ("DESC1", "DESC2", "DESC3") if row[c].strip())


def _french(row: dict[str, str]) -> str:
    return " ".join(row[c].strip() for c in EXTENSION_COLUMNS if row[c].strip())


def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


@pytest.fixture(scope="module")
def edition() -> list[dict[str, str]]:
    return _read("sample_edition.csv")[1]


@pytest.fixture(scope="module")
def published() -> Iterator[sqlite3.Connection]:
    if not TARIFF_DB.is_file():
        pytest.skip(f"the published tariff is not here ({TARIFF_DB}); rates cannot be checked")
    con = sqlite3.connect(f"file:{TARIFF_DB}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    yield con
    con.close()


# --- sample_edition.csv ---------------------------------------------------------------------------


def test_sample_edition_has_the_tphs_layout_then_the_french_columns():
    header, _ = _read("sample_edition.csv")
    assert header == TPHS_COLUMNS + EXTENSION_COLUMNS


def test_sample_edition_rows_are_well_formed(edition):
    numbers = [row["TARIFF"] for row in edition]
    assert len(numbers) == len(set(numbers)), "a tariff number appears twice"
    assert numbers == sorted(numbers, key=_digits), "rows are not in tariff order"
    items = {row["TARIFF"] for row in edition if len(_digits(row["TARIFF"])) == 8}
    assert 35 <= len(items) <= 60, "the sample should hold about forty tariff items"
    for row in edition:
        number = row["TARIFF"]
        assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}(\.\d{2})?", number), number
        assert row["EFF_DATE"] == "2026-01-01", number
        assert row["FOOTNOTE"] == "", number
        if len(_digits(number)) == 8:
            assert row["MFN"] and row["General Tariff"], (
                f"{number}: a tariff item needs MFN and General rates"
            )
        else:
            assert number[:10] in items, f"{number}: statistical line without its tariff item"
            assert not any(row[c] for c in RATE_COLUMNS), f"{number}: statistical lines take the item's rates"
            assert row["UOM"], f"{number}: a statistical line needs its unit of measure"


def test_every_row_is_described_in_english_and_in_french(edition):
    for row in edition:
        english, french = _english(row), _french(row)
        assert row["DESC1"].strip() and row["DESC1_FR"].strip(), row["TARIFF"]
        assert _normal(english) != _normal(french), f"{row['TARIFF']}: the French text is the English one"
        for column in (*("DESC1", "DESC2", "DESC3"), *EXTENSION_COLUMNS):
            assert len(row[column]) <= 255, f"{row['TARIFF']} {column}: longer than a TPHS text field"
            assert row[column] == row[column].strip(), f"{row['TARIFF']} {column}: stray spaces"


@pytest.mark.parametrize(
    ("tariff", "mfn"),
    [("6109.10.00", "18 %"), ("8703.23.00", "6.1 %"), ("0406.10.10", "3.32 ¢/kg")],
)
def test_the_sample_holds_the_reference_items(edition, tariff, mfn):
    by_number = {row["TARIFF"]: row for row in edition}
    assert tariff in by_number
    assert by_number[tariff]["MFN"] == mfn


def test_the_sample_holds_the_items_the_demos_use(edition):
    numbers = {row["TARIFF"] for row in edition}
    assert {"6109.10.00.11", "0406.10.20", "8471.30.00", "8517.13.00", "2402.20.00", "8703.80.00"} <= numbers


def test_rates_equal_the_published_tariff(edition, published):
    mismatches = []
    for row in edition:
        number = row["TARIFF"]
        if len(_digits(number)) != 8:
            continue
        db = published.execute("SELECT * FROM ca_tariff WHERE digits = ?", (_digits(number),)).fetchone()
        assert db is not None, f"{number} is not in the published tariff"
        for column, db_column in CHECKED_RATES.items():
            if row[column] != (db[db_column] or ""):
                mismatches.append(f"{number} {column}: sample {row[column]!r}, published {db[db_column]!r}")
    assert not mismatches, "\n".join(mismatches)


def test_units_and_statistical_lines_exist_in_the_published_tariff(edition, published):
    for row in edition:
        digits = _digits(row["TARIFF"])
        if len(digits) == 10:
            db = published.execute("SELECT uom FROM ca_tariff WHERE digits = ?", (digits,)).fetchone()
            assert db is not None, f"{row['TARIFF']} is not in the published tariff"
            assert row["UOM"] == db["uom"], row["TARIFF"]
        else:
            # CBSA leaves the unit blank on the item; the sample carries the one unit its statistical lines use.
            units = {
                u
                for (u,) in published.execute(
                    "SELECT uom FROM ca_tariff WHERE digits LIKE ? AND length(digits) = 10", (digits + "%",)
                )
            }
            expected = units.pop() if len(units) == 1 else ""
            assert row["UOM"] == expected, (
                f"{row['TARIFF']}: unit {row['UOM']!r}, statistical lines use {units}"
            )


def test_descriptions_are_our_own_words(edition, published):
    """No sample text is the published text: only trivially short labels ("Vodka", "Other") may coincide."""
    for row in edition:
        db = published.execute(
            "SELECT description FROM ca_tariff WHERE digits = ?", (_digits(row["TARIFF"]),)
        ).fetchone()
        theirs = _normal(db["description"] if db else "")
        ours = _normal(_english(row))
        if len(theirs.split()) <= 2:
            continue
        assert ours != theirs, f"{row['TARIFF']}: the English text is the published description"
        if len(theirs.split()) >= 6:
            assert theirs not in ours, f"{row['TARIFF']}: the English text contains the published description"


# --- hs_titles_fr.csv -----------------------------------------------------------------------------


def test_french_titles_cover_every_section_and_chapter():
    header, rows = _read("hs_titles_fr.csv")
    assert header == ["code", "title_fr"]
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    sections = [c for c in codes if not c.isdigit()]
    chapters = {c for c in codes if c.isdigit()}
    assert sections == ROMAN, "21 sections, I to XXI, in order"
    assert chapters >= HS_CHAPTERS, f"missing chapters: {sorted(HS_CHAPTERS - chapters)}"
    assert len(HS_CHAPTERS) == 96 and "77" not in chapters
    assert chapters - HS_CHAPTERS <= CANADIAN_CHAPTERS
    for row in rows:
        assert row["title_fr"].strip() == row["title_fr"] and row["title_fr"], row["code"]
    titles = {row["code"]: row["title_fr"] for row in rows}
    assert titles["61"] == "Vêtements et accessoires du vêtement, en bonneterie"
    assert titles["XI"] == "Matières textiles et ouvrages en ces matières"


# --- sales_tax_rates.csv --------------------------------------------------------------------------


def _tax_rows() -> list[dict[str, str]]:
    header, rows = _read("sales_tax_rates.csv")
    assert header == ["jurisdiction", "kind", "rate_percent", "valid_from", "valid_to", "source"]
    return rows


def _period(row: dict[str, str]) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(row["valid_from"])
    end = dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else dt.date.max
    return start, end


def _rate_on(jurisdiction: str, kind: str, day: str) -> Decimal | None:
    on = dt.date.fromisoformat(day)
    found = [
        Decimal(row["rate_percent"])
        for row in _tax_rows()
        if row["jurisdiction"] == jurisdiction
        and row["kind"] == kind
        and _period(row)[0] <= on <= _period(row)[1]
    ]
    assert len(found) <= 1
    return found[0] if found else None


def test_sales_tax_rows_are_well_formed():
    provinces = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
    for row in _tax_rows():
        assert row["jurisdiction"] in provinces | {"CA"}, row
        assert row["kind"] in {"GST", "HST", "PST", "QST"}, row
        assert (row["jurisdiction"] == "CA") == (row["kind"] == "GST"), row
        assert 0 < Decimal(row["rate_percent"]) < 100, row
        start, end = _period(row)
        assert start <= end, row
        assert row["source"].startswith("https://") and len(row["source"]) <= 300, row


def test_sales_tax_periods_never_overlap():
    by_tax = defaultdict(list)
    for row in _tax_rows():
        by_tax[row["jurisdiction"], row["kind"]].append(_period(row))
    for tax, periods in by_tax.items():
        periods.sort()
        for (_, end), (next_start, _) in pairwise(periods):
            assert end < next_start, f"{tax}: periods overlap"


def test_sales_tax_rates_on_known_dates():
    assert _rate_on("CA", "GST", "2026-11-15") == Decimal("5")
    assert _rate_on("ON", "HST", "2026-11-15") == Decimal("13")
    assert _rate_on("NS", "HST", "2025-03-31") == Decimal("15")
    assert _rate_on("NS", "HST", "2025-04-01") == Decimal("14")
    assert _rate_on("MB", "PST", "2019-06-30") == Decimal("8")
    assert _rate_on("MB", "PST", "2019-07-01") == Decimal("7")
    assert _rate_on("QC", "QST", "2026-11-15") == Decimal("9.975")
    for province in ("NB", "NL", "PE"):
        assert _rate_on(province, "HST", "2026-11-15") == Decimal("15")
    assert _rate_on("BC", "PST", "2026-11-15") == Decimal("7")
    assert _rate_on("SK", "PST", "2026-11-15") == Decimal("6")
    for territory in ("AB", "NT", "NU", "YT"):  # GST only: no provincial row
        assert all(row["jurisdiction"] != territory for row in _tax_rows())


# --- sample_exchange_rates.csv --------------------------------------------------------------------


def test_sample_exchange_rates_are_labelled_sample_business_days():
    header, rows = _read("sample_exchange_rates.csv")
    assert header == ["date", "currency", "rate_cad", "source"]
    assert {row["source"] for row in rows} == {"sample"}
    assert {"USD", "EUR", "GBP", "MXN", "CNY", "JPY"} <= {row["currency"] for row in rows}
    keys = [(row["date"], row["currency"]) for row in rows]
    assert len(keys) == len(set(keys))
    days = {dt.date.fromisoformat(row["date"]) for row in rows}
    assert len(days) >= 10
    for day in days:
        assert (day.year, day.month) == (2026, 11) and day.weekday() < 5, day
    for row in rows:
        assert re.fullmatch(r"[A-Z]{3}", row["currency"])
        assert Decimal(row["rate_cad"]) > 0
    usd = [Decimal(row["rate_cad"]) for row in rows if row["currency"] == "USD"]
    assert all(Decimal("1.2") < rate < Decimal("1.6") for rate in usd), "a USD rate a demo would not believe"


def test_readme_says_what_is_sample():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for name in (
        "sample_edition.csv",
        "hs_titles_fr.csv",
        "sales_tax_rates.csv",
        "sample_exchange_rates.csv",
    ):
        assert name in readme
    assert "python -m longroom tariff import" in readme
    assert "not Bank of Canada" in readme
