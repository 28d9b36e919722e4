"""`python -m longroom registry import FILE.csv` / `registry export [FILE.csv]`.

The import creates or updates businesses, opens the program accounts listed and registers
brokers, all or nothing; the export writes the same layout, so the file round-trips.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from longroom.core import audit
from longroom.core.importing import SourceRejected
from longroom.registry.services import IMPORT_COLUMNS, registry_export_rows, registry_import


class Command(BaseCommand):
    help = "Import or export the business registry (businesses, BN15 accounts, brokers) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "import", help="Create or update businesses, accounts and brokers from a CSV file."
        )
        load.add_argument("path", type=Path)
        dump = sub.add_parser("export", help="Write the registry as CSV (to stdout without a path).")
        dump.add_argument("path", type=Path, nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            handle = (
                options["path"].open("w", newline="", encoding="utf-8") if options["path"] else sys.stdout
            )
            writer = csv.DictWriter(handle, fieldnames=IMPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(registry_export_rows())
            return
        path: Path = options["path"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            with audit.origin("command"):
                report = registry_import(actor=None, data=data, source_name=path.name)
        except SourceRejected as rejected:
            for problem in rejected.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{path.name}: {rejected} — nothing was imported") from None
        self.stdout.write(
            f"{report.rows} rows: {report.businesses_created} businesses created, "
            f"{report.businesses_updated} updated, {report.businesses_unchanged} unchanged; "
            f"{report.accounts_opened} program accounts opened; "
            f"{report.brokers_registered} brokers registered, {report.brokers_updated} updated"
        )
