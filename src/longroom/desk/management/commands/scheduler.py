from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from longroom.core import audit
from longroom.desk.intake.imap_poll import inbox_poll
from longroom.desk.maintenance import sweep
from longroom.offices.models import Inbox
from longroom.revenue.services import revenue_day_due, revenue_day_run

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Periodic upkeep: expire claims, rescue stalled intake, retry e-mail, poll IMAP inboxes, "
        "and the revenue core's routine once a day."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between sweeps.")
        parser.add_argument("--once", action="store_true", help="Run one round and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        last_poll = 0.0
        while not stop.is_set():
            close_old_connections()
            with audit.origin("scheduler"):
                try:
                    result = sweep()
                    if any((result.leases_expired, result.messages_rescheduled, result.outbound_rescheduled)):
                        logger.info("sweep: %s", result)
                    now = timezone.now()
                    if revenue_day_due(now):
                        logger.info("revenue day: %s", revenue_day_run(now=now))
                    if time.monotonic() - last_poll >= settings.LONGROOM_IMAP_POLL_SECONDS:
                        last_poll = time.monotonic()
                        for inbox in Inbox.objects.filter(active=True).exclude(imap_host=""):
                            inbox_poll(inbox=inbox)
                except Exception:
                    logger.exception("scheduler round failed; trying again next round")
            if options["once"]:
                return
            stop.wait(options["interval"])
