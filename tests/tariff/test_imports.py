"""Loading tariff editions, the HS nomenclature and exchange rates: what an administrator sees.

Editions are small TPHS-layout CSVs written per test; the full edition and the shared HS files are
used where the point is agreement with real data.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from longroom.core.importing import SourceRejected
from longroom.core.models import AuditEvent
from longroom.tariff.models import (
    Edition,
    ExchangeRate,
    HsNode,
    HsSection,
    SalesTaxRate,
    TariffLine,
    TariffRate,
)
from longroom.tariff.services import (
    DATA_DIR,
    EditionConflict,
    exchange_rate_set,
    exchange_rates_import,
    hs_nomenclature_import,
    tariff_edition_import,
)
from longroom.tariff.sources import read_hs, read_hs_from_package

from .conftest import HS_DIR, require_shared

pytestmark = pytest.mark.django_db

HEADER = "TARIFF,DESC1,DESC2,DESC3,UOM,FOOTNOTE,EFF_DATE,MFN,UST,MXT,General Tariff"
JANUARY = dt.date(2026, 1, 1)
SEPTEMBER = dt.date(2026, 9, 1)

EDITION_A = [
    "61.09,T-shirts and singlets,,,,,2026-01-01,,,,",
    "6109.10.00,Of cotton,,,,,2026-01-01,18 %,Free,Free,35%",
    "6109.10.00.12,Other T-shirts,,,NMB,,2026-01-01,,,,",
    "6109.90.00,Of other textile materials,,,,,2026-01-01,18 %,Free,Free,35%",
    "0406.10.10,Within access commitment,,,,,2026-01-01,3.32 ¢/kg,Free,,35%",
]
# Seven months later: cotton T-shirts cheaper, "other materials" gone, jerseys new.
EDITION_B = [
    "61.09,T-shirts and singlets,,,,,2026-09-01,,,,",
    "6109.10.00,Of cotton,,,,,2026-09-01,17 %,Free,Free,35%",
    "6109.10.00.12,Other T-shirts,,,NMB,,2026-09-01,,,,",
    "0406.10.10,Within access commitment,,,,,2026-09-01,3.32 ¢/kg,Free,,35%",
    "6110.20.00,Jerseys and pullovers of cotton,,,,,2026-09-01,18 %,Free,Free,35%",
]


def tphs(directory: Path, name: str, rows: list[str]) -> Path:
    path = directory / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run_import(path: Path, *options: str, stderr: io.StringIO | None = None) -> str:
    """`python -m longroom tariff import PATH …`; what it printed."""
    out = io.StringIO()
    call_command("tariff", "import", str(path), *options, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def tariff_events() -> int:
    return AuditEvent.objects.filter(verb__startswith="tariff.").count()


def counts() -> tuple[int, int, int]:
    return Edition.objects.count(), TariffLine.objects.count(), TariffRate.objects.count()


# --- editions --------------------------------------------------------------------------------


def test_importing_an_edition_keeps_every_line_and_rate_as_published(tmp_path):
    report = tariff_edition_import(
        path=tphs(tmp_path, "a.csv", EDITION_A), code="T-A", effective_from=JANUARY
    )
    edition = report.edition
    assert report.created
    assert (edition.line_count, edition.item_count) == (5, 3)
    assert edition.treatments == ["MFN", "UST", "MXT", "GT"]
    assert edition.changes == {"first_edition": True}
    rates = dict(TariffRate.objects.filter(line__number="61091000").values_list("treatment", "text"))
    assert rates == {"MFN": "18 %", "UST": "Free", "MXT": "Free", "GT": "35%"}
    assert TariffLine.objects.get(number="6109100012").unit_of_measure == "NMB"
    assert AuditEvent.objects.filter(verb="tariff.edition_imported", subject_id=str(edition.pk)).exists()


def test_importing_the_same_file_twice_changes_nothing_and_records_no_new_event(tmp_path):
    path = tphs(tmp_path, "a.csv", EDITION_A)
    first = tariff_edition_import(path=path, code="T-A", effective_from=JANUARY)
    before, events = counts(), tariff_events()
    again = tariff_edition_import(path=path, code="T-A", effective_from=JANUARY)
    assert not again.created
    assert again.edition.pk == first.edition.pk
    assert counts() == before
    assert tariff_events() == events


def test_a_later_edition_reports_items_added_removed_and_rates_changed_since_the_previous_one(tmp_path):
    tariff_edition_import(path=tphs(tmp_path, "a.csv", EDITION_A), code="T-A", effective_from=JANUARY)
    report = tariff_edition_import(
        path=tphs(tmp_path, "b.csv", EDITION_B), code="T-B", effective_from=SEPTEMBER
    )
    assert report.previous == "T-A"
    changes = report.changes
    assert changes["counts"] == {"added": 1, "removed": 1, "rates_changed": 1, "reworded": 0}
    assert changes["added"] == ["61102000"]
    assert changes["removed"] == ["61099000"]
    assert changes["rates_changed"] == [["61091000", "MFN", "18 %", "17 %"]]
    # The report is kept with the edition, so it can be read again later.
    assert Edition.objects.get(code="T-B").changes == changes


def test_the_import_command_prints_the_change_report(tmp_path):
    run_import(tphs(tmp_path, "a.csv", EDITION_A), "--edition", "T-A", "--effective-from", "2026-01-01")
    printed = run_import(
        tphs(tmp_path, "b.csv", EDITION_B), "--edition", "T-B", "--effective-from", "2026-09-01"
    )
    assert (
        "Edition T-B, in force from 2026-09-01: 5 lines, 3 tariff items, treatments MFN, UST, MXT, GT."
        in printed
    )
    assert "Since T-A: 1 items added, 1 removed, 1 rates changed, 0 reworded." in printed
    assert "61091000 MFN: 18 % → 17 %" in printed


def test_the_import_command_says_when_the_file_is_already_loaded(tmp_path):
    path = tphs(tmp_path, "a.csv", EDITION_A)
    first = run_import(path, "--edition", "T-A", "--effective-from", "2026-01-01")
    assert "This is the first edition loaded." in first
    again = run_import(path, "--edition", "T-A", "--effective-from", "2026-01-01")
    assert "already loaded from this file; nothing changed" in again


MALFORMED = [
    "61.09,T-shirts and singlets,,,,,2026-01-01,18 %,,,",  # row 2: a rate on a heading
    "6109.1O.00,Of cotton,,,,,2026-01-01,18 %,Free,Free,35%",  # row 3: letter O, not a number
    "6109.90.00,Of other textile materials,,,,,2026-01-01,seventeen,Free,Free,35%",  # row 4: unreadable rate
    "6109.90.00,Of other textile materials again,,,,,2026-01-01,18 %,Free,Free,35%",  # row 5: duplicate
    "6110.20.00,Jerseys,,,,,2026-01-01,18 %,Free,Free,35%",  # row 6: fine
]


def test_a_malformed_edition_is_refused_with_every_rows_error_and_nothing_is_written(tmp_path):
    tariff_edition_import(path=tphs(tmp_path, "a.csv", EDITION_A), code="T-A", effective_from=JANUARY)
    before, events = counts(), tariff_events()
    with pytest.raises(SourceRejected) as refused:
        tariff_edition_import(path=tphs(tmp_path, "bad.csv", MALFORMED), code="T-B", effective_from=SEPTEMBER)
    found = {(error.row, error.field) for error in refused.value.errors}
    assert found == {(2, "rates"), (3, "TARIFF"), (4, "MFN"), (5, "TARIFF")}
    messages = " | ".join(str(error) for error in refused.value.errors)
    assert "“61091O00” is not a tariff number" in messages
    assert "cannot read the rate “seventeen”" in messages
    assert "61099000 appears twice (first on row 4)" in messages
    assert counts() == before
    assert tariff_events() == events


def test_an_edition_with_a_bad_effective_date_is_refused_and_nothing_is_written(tmp_path):
    rows = [*EDITION_A[:2], "6109.90.00,Of other textile materials,,,,,31/31/2026,18 %,Free,Free,35%"]
    with pytest.raises(SourceRejected) as refused:
        tariff_edition_import(path=tphs(tmp_path, "bad.csv", rows), code="T-A", effective_from=JANUARY)
    assert [(e.row, e.field) for e in refused.value.errors] == [(4, "EFF_DATE")]
    assert "not a date: 31/31/2026" in str(refused.value.errors[0])
    assert counts() == (0, 0, 0)


def test_a_bad_date_does_not_hide_the_other_rows_errors(tmp_path):
    rows = [*MALFORMED[:5], "6110.30.00,Jerseys of man-made fibres,,,,,not a date,18 %,Free,Free,35%"]
    with pytest.raises(SourceRejected) as refused:
        tariff_edition_import(path=tphs(tmp_path, "bad.csv", rows), code="T-A", effective_from=JANUARY)
    found = {(error.row, error.field) for error in refused.value.errors}
    assert found == {(2, "rates"), (3, "TARIFF"), (4, "MFN"), (5, "TARIFF"), (7, "EFF_DATE")}


def test_the_access_database_itself_is_refused_with_how_to_export_it(tmp_path):
    path = tmp_path / "01-99-2026-0-eng.accdb"
    path.write_bytes(b"\x00\x01\x00\x00Standard ACE DB")
    with pytest.raises(SourceRejected) as refused:
        tariff_edition_import(path=path, code="T2026-0", effective_from=JANUARY)
    assert "mdb-export" in str(refused.value.errors[0])
    assert counts() == (0, 0, 0)


def test_the_import_command_refuses_a_malformed_file_listing_its_rows(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"Refused: 4 problem\(s\) in the file\. Nothing was loaded\."):
        run_import(
            tphs(tmp_path, "bad.csv", MALFORMED),
            "--edition",
            "T-A",
            "--effective-from",
            "2026-01-01",
            stderr=err,
        )
    listed = err.getvalue()
    for row in (2, 3, 4, 5):
        assert f"row {row}, " in listed
    assert counts() == (0, 0, 0)


def test_the_import_command_asks_for_the_edition_code_and_date(tmp_path):
    with pytest.raises(CommandError, match="--edition CODE and --effective-from"):
        run_import(tphs(tmp_path, "a.csv", EDITION_A))
    with pytest.raises(CommandError, match="not a date"):
        run_import(
            tphs(tmp_path, "a.csv", EDITION_A), "--edition", "T-A", "--effective-from", "1 January 2026"
        )
    assert counts() == (0, 0, 0)


def test_a_real_edition_replaces_the_sample_edition_of_the_same_date(tmp_path):
    sample = tariff_edition_import(
        path=DATA_DIR / "sample_edition.csv", code="T2026-0-SAMPLE", effective_from=JANUARY, is_sample=True
    ).edition
    real = tariff_edition_import(
        path=tphs(tmp_path, "a.csv", EDITION_A), code="T2026-0", effective_from=JANUARY
    )
    assert list(Edition.objects.values_list("code", "is_sample")) == [("T2026-0", False)]
    assert TariffLine.objects.filter(edition=real.edition).count() == TariffLine.objects.count() == 5
    withdrawn = AuditEvent.objects.get(verb="tariff.edition_withdrawn")
    assert withdrawn.subject_id == str(sample.pk)
    assert withdrawn.data == {"replaced_by": "T2026-0"}


def test_a_sample_never_displaces_a_real_edition_and_two_real_editions_cannot_share_a_date(tmp_path):
    tariff_edition_import(path=tphs(tmp_path, "a.csv", EDITION_A), code="T2026-0", effective_from=JANUARY)
    with pytest.raises(EditionConflict, match="already takes effect on 2026-01-01"):
        tariff_edition_import(
            path=DATA_DIR / "sample_edition.csv",
            code="T2026-0-SAMPLE",
            effective_from=JANUARY,
            is_sample=True,
        )
    with pytest.raises(EditionConflict, match="already takes effect on 2026-01-01"):
        tariff_edition_import(path=tphs(tmp_path, "b.csv", EDITION_B), code="T2026-X", effective_from=JANUARY)
    assert list(Edition.objects.values_list("code", flat=True)) == ["T2026-0"]


def test_new_content_under_an_existing_code_needs_replace(tmp_path):
    tariff_edition_import(path=tphs(tmp_path, "a.csv", EDITION_A), code="T-A", effective_from=JANUARY)
    other = tphs(tmp_path, "a2.csv", EDITION_B)
    with pytest.raises(EditionConflict, match="pass --replace"):
        tariff_edition_import(path=other, code="T-A", effective_from=JANUARY)
    assert TariffRate.objects.get(line__number="61091000", treatment="MFN").text == "18 %"
    replaced = tariff_edition_import(path=other, code="T-A", effective_from=JANUARY, replace=True)
    assert replaced.created
    assert TariffRate.objects.get(line__number="61091000", treatment="MFN").text == "17 %"
    assert AuditEvent.objects.filter(verb="tariff.edition_replaced").count() == 1


# --- HS nomenclature -------------------------------------------------------------------------


def test_hs_nomenclature_from_the_shared_file_and_from_the_package_agree():
    hs_dir = require_shared(HS_DIR)
    from_file, from_package = read_hs(hs_dir), read_hs_from_package()
    assert {n.code for n in from_file.nodes} == {n.code for n in from_package.nodes}
    assert from_file.sections == from_package.sections

    printed = run_import(hs_dir / "harmonized-system.csv")
    assert "HS nomenclature from harmonized-system.csv: 6936 added, 0 changed, 0 removed." in printed
    events = tariff_events()
    out = io.StringIO()
    call_command("tariff", "import-hs-package", stdout=out)
    assert "already up to date" in out.getvalue()
    assert tariff_events() == events
    assert HsSection.objects.count() == 21
    assert HsNode.objects.get(code="6109").parent.code == "61"
    # Our own French titles of sections and chapters come with the nomenclature.
    assert HsNode.objects.get(code="61").description_fr
    assert HsSection.objects.get(number="XI").title_fr == "Matières textiles et ouvrages en ces matières"


def test_an_hs_file_listing_a_code_before_its_parent_is_refused_whole(tmp_path):
    (tmp_path / "sections.csv").write_text("section,name\nXI,Textiles\n", encoding="utf-8")
    (tmp_path / "harmonized-system.csv").write_text(
        "section,hscode,description,parent,level\n"
        "XI,61,Apparel; knitted,TOTAL,2\n"
        "XI,610910,T-shirts; of cotton,6109,6\n"
        "XI,6109,T-shirts; knitted,61,4\n"
        "XI,61X,Bad code,61,4\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceRejected) as refused:
        hs_nomenclature_import(source=read_hs(tmp_path))
    assert {(e.row, e.field) for e in refused.value.errors} == {(3, "parent"), (5, "hscode")}
    assert HsNode.objects.count() == 0


def test_a_newer_nomenclature_adds_rewords_and_removes_codes(tmp_path):
    def write(rows: str) -> Path:
        (tmp_path / "sections.csv").write_text("section,name\nXI,Textiles\n", encoding="utf-8")
        (tmp_path / "harmonized-system.csv").write_text(
            "section,hscode,description,parent,level\n" + rows, encoding="utf-8"
        )
        return tmp_path

    hs_nomenclature_import(
        source=read_hs(
            write(
                "XI,61,Apparel; knitted,TOTAL,2\nXI,6109,T-shirts; knitted,61,4\n"
                "XI,610910,T-shirts; of cotton,6109,6\nXI,610990,T-shirts; of other textiles,6109,6\n"
            )
        )
    )
    report = hs_nomenclature_import(
        source=read_hs(
            write(
                "XI,61,Apparel; knitted,TOTAL,2\nXI,6109,T-shirts and vests; knitted,61,4\n"
                "XI,610910,T-shirts; of cotton,6109,6\nXI,6110,Jerseys; knitted,61,4\n"
            )
        )
    )
    assert (report.added, report.changed, report.removed) == (1, 1, 1)
    assert set(HsNode.objects.values_list("code", flat=True)) == {"61", "6109", "610910", "6110"}
    assert HsNode.objects.get(code="6109").description_en == "T-shirts and vests; knitted"
    assert HsNode.objects.get(code="610910").parent.code == "6109"


# --- exchange rates --------------------------------------------------------------------------


def test_exchange_rates_from_a_csv_are_added_once(tmp_path):
    path = tmp_path / "fx.csv"
    path.write_text(
        "date,currency,rate_cad,source\n2026-03-05,USD,1.3512,CBSA\n2026-03-06,USD,1.3498,CBSA\n2026-03-06,EUR,1.4701,CBSA\n",
        encoding="utf-8",
    )
    assert "Exchange rates from fx.csv: 3 added, 0 updated, 0 unchanged." in run_import(path)
    assert ExchangeRate.objects.get(currency="USD", date=dt.date(2026, 3, 6)).rate == Decimal("1.3498")
    events = tariff_events()
    again = exchange_rates_import(path=path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert tariff_events() == events


def test_bank_of_canada_valet_json_is_imported(tmp_path):
    path = tmp_path / "valet.json"
    path.write_text(
        json.dumps(
            {
                "terms": {"url": "https://www.bankofcanada.ca/terms/"},
                "seriesDetail": {"FXUSDCAD": {"label": "USD/CAD"}, "FXEURCAD": {"label": "EUR/CAD"}},
                "observations": [
                    {"d": "2017-01-03", "FXUSDCAD": {"v": "1.3435"}, "FXEURCAD": {"v": "1.3996"}},
                    {"d": "2024-12-27", "FXUSDCAD": {"v": "1.4416"}, "FXEURCAD": {"v": ""}},
                ],
            }
        ),
        encoding="utf-8",
    )
    assert "Exchange rates from valet.json: 3 added" in run_import(path)
    usd = ExchangeRate.objects.get(currency="USD", date=dt.date(2017, 1, 3))
    assert (usd.rate, usd.source) == (Decimal("1.3435"), "Bank of Canada")
    assert ExchangeRate.objects.get(currency="USD", date=dt.date(2024, 12, 27)).rate == Decimal("1.4416")
    assert not ExchangeRate.objects.filter(currency="EUR", date=dt.date(2024, 12, 27)).exists()


def test_an_exchange_rate_file_with_bad_rows_is_refused_whole(tmp_path):
    path = tmp_path / "fx.csv"
    path.write_text(
        "date,currency,rate_cad\n"
        "2026-03-05,USD,1.3512\n"
        "2026-03-06,DOLLARS,1.3498\n"
        "06/03/2026,EUR,1.4701\n"
        "2026-03-06,GBP,-1\n"
        "2026-03-06,CAD,1\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceRejected) as refused:
        exchange_rates_import(path=path)
    found = {(e.row, e.field) for e in refused.value.errors}
    assert found == {(3, "currency"), (4, "date"), (5, "rate"), (6, "currency")}
    assert ExchangeRate.objects.count() == 0
    with pytest.raises(CommandError, match="Nothing was loaded"):
        run_import(path)


def test_a_duplicate_exchange_rate_is_reported_on_its_file_row(tmp_path):
    path = tmp_path / "fx.csv"
    path.write_text(
        "date,currency,rate_cad\n2026-03-05,USD,1.3512\n2026-03-05,XX,1\n2026-03-05,USD,1.3600\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceRejected) as refused:
        exchange_rates_import(path=path)
    assert {(e.row, e.field) for e in refused.value.errors} == {(3, "currency"), (4, "date")}


def test_setting_an_exchange_rate_by_hand_records_before_and_after(rates_admin):
    day = dt.date(2026, 3, 6)
    exchange_rate_set(actor=rates_admin, currency="usd", date=day, rate=Decimal("1.3498"), source="CBSA")
    corrected = exchange_rate_set(
        actor=rates_admin, currency="USD", date=day, rate=Decimal("1.3501"), source="CBSA"
    )
    assert corrected.rate == Decimal("1.3501")
    assert ExchangeRate.objects.filter(currency="USD", date=day).count() == 1
    events = list(AuditEvent.objects.filter(verb="tariff.exchange_rate_set").order_by("pk"))
    audited = [(e.data["before"] and Decimal(e.data["before"]), Decimal(e.data["after"])) for e in events]
    assert audited == [(None, Decimal("1.3498")), (Decimal("1.3498"), Decimal("1.3501"))]
    assert {e.actor_id for e in events} == {rates_admin.pk}


def test_correcting_a_sales_tax_rate_in_the_admin_is_audited_before_and_after(rates_admin, client, settings):
    settings.LONGROOM_DEMO = True  # staff may use the admin without a second factor here
    rates_admin.is_superuser = True
    rates_admin.save()
    tax = SalesTaxRate.objects.get(jurisdiction="ON", kind="HST", valid_to__isnull=True)
    client.force_login(rates_admin)
    form = {
        "jurisdiction": "ON",
        "kind": "HST",
        "rate_percent": "12.000",
        "valid_from": tax.valid_from.isoformat(),
        "valid_to": "",
        "source": tax.source,
    }
    response = client.post(f"/en/admin/tariff/salestaxrate/{tax.pk}/change/", form)
    assert response.status_code == 302
    tax.refresh_from_db()
    assert tax.rate_percent == Decimal("12.000")
    event = AuditEvent.objects.get(verb="tariff.sales_tax_rate_saved")
    assert event.actor_id == rates_admin.pk
    assert (Decimal(event.data["before"]["rate_percent"]), Decimal(event.data["after"]["rate_percent"])) == (
        Decimal("13.000"),
        Decimal("12.000"),
    )
