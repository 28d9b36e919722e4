from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from longroom.desk import pdf as pdftools


def ready_marker() -> Any:
    return settings.VAR_DIR / "worker.ready"


class Command(DatabaseWorkerCommand):
    help = (
        "The task worker (django-tasks-db's db_worker), with its PDF sandbox started first: otherwise "
        "the first request after a start would wait seconds for PDFium and pyHanko to load."
    )

    def configure_logging(self, verbosity: int) -> None:
        # Keep settings.LOGGING's levels (failures are warnings; LONGROOM_TASKS_LOG_LEVEL=INFO shows
        # every task) unless more is asked for with -v 2.
        if verbosity > 1:
            super().configure_logging(verbosity)

    def handle(self, *args: Any, **options: Any) -> None:
        pdftools.warm_up()
        ready_marker().write_text("ready\n")
        super().handle(*args, **options)
