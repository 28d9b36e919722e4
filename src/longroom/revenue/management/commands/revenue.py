"""`python -m longroom revenue run-day [--at 2026-03-25T06:00-04:00]`: the revenue core's daily
routine (clearing, PAD debits, daily notices, interest and statements on the 25th, RPP reviews),
as the scheduler runs it; safe to run again, and the way to catch up after a stop."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from longroom.core import audit
from longroom.revenue.services import revenue_day_run


class Command(BaseCommand):
    help = "Run the revenue core's daily routine."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        day = sub.add_parser(
            "run-day", help="Clearing, PAD debits, notices, interest, statements, RPP reviews."
        )
        day.add_argument("--at", help="The moment to run as (ISO 8601 with offset); default now.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options.get("at"):
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError("--at takes an ISO 8601 moment, e.g. 2026-03-25T06:00-04:00") from None
            if now.tzinfo is None:
                raise CommandError("--at needs a UTC offset, e.g. 2026-03-25T06:00-04:00")
        with audit.origin("command"):
            report = revenue_day_run(now=now)
        self.stdout.write(json.dumps(report, sort_keys=True))
