from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from longroom.core import audit
from longroom.desk.intake import accepts_recipient, message_record
from longroom.desk.mail.smtp import IntakeHandler, serve_forever


def record_smtp(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> None:
    with audit.origin("smtp"):
        message_record(raw=raw, source="smtp", envelope_from=mail_from, envelope_to=rcpt_tos)


def intake_handler() -> IntakeHandler:
    return IntakeHandler(
        accepts_recipient=accepts_recipient,
        record=record_smtp,
        accept_all_recipients=settings.LONGROOM_SMTP_ACCEPT_UNKNOWN,
        data_size_limit=settings.LONGROOM_MAX_MESSAGE_BYTES * 2,
    )


class Command(BaseCommand):
    help = "Receive e-mail for the configured inboxes over SMTP (LONGROOM_SMTP, default 127.0.0.1:2525)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--listen", default=settings.LONGROOM_SMTP, help="host:port")
        parser.add_argument("--lmtp", action="store_true", help="Speak LMTP instead of SMTP.")

    def handle(self, *args: Any, **options: Any) -> None:
        host, _sep, port = options["listen"].rpartition(":")
        serve_forever(intake_handler(), host or "127.0.0.1", int(port), lmtp=options["lmtp"])
