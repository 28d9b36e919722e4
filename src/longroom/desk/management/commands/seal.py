from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longroom.desk.services import seal_generate_demo, seal_install
from longroom.offices.models import Office


class Command(BaseCommand):
    help = (
        "Install an office's seal certificate: `seal import --office 410 seal.p12` (passphrase from "
        "LONGROOM_SEAL_PASSPHRASE), or `seal generate --office 410` for a self-signed demo seal."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["import", "generate"])
        parser.add_argument("--office", required=True)
        parser.add_argument("path", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        office = Office.objects.filter(number=options["office"]).first()
        if office is None:
            raise CommandError(f"No office {options['office']}.")
        if options["action"] == "generate":
            seal = seal_generate_demo(office=office)
        else:
            if not options["path"]:
                raise CommandError("Give the path of the PKCS#12 file.")
            passphrase = os.environ.get("LONGROOM_SEAL_PASSPHRASE", "").encode() or None
            seal = seal_install(
                office=office, pkcs12=Path(options["path"]).read_bytes(), passphrase=passphrase, actor=None
            )
        self.stdout.write(
            f"Office {office.number} now signs with {seal.subject} (SHA-256 {seal.fingerprint_sha256})."
        )
