"""The transaction history as CSV, the same file for the staff pages and the API."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from longroom.core.spreadsheets import safe_cell
from longroom.registry.models import ProgramAccount

from .calendar import EASTERN
from .documents import format_plain_amount, kind_label
from .selectors import HistoryFilter, transaction_history_all


class _Echo:
    """A file for csv.writer that hands each written row back, to stream it."""

    def write(self, value: str) -> str:
        return value


def history_csv(account: ProgramAccount, filters: HistoryFilter, language: str) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (so spreadsheets read the accents), a header row in
    `language`, every matching entry newest first; amounts as 1234.56, negative owed to the
    client; dates ISO. Rendered while a response streams, so the language is set here."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    with translation.override(language):
        header = [
            _("Transaction ID"),
            _("Posted at (Eastern time)"),
            _("Business date"),
            _("Release or payment date"),
            _("Type"),
            _("Reference"),
            _("Description"),
            _("Amount (CAD)"),
            _("Due date"),
            _("Left to pay or use (CAD)"),
            _("Broker ASEC"),
        ]
        yield "\ufeff".encode() + writer.writerow(header).encode()
        for row in transaction_history_all(account, filters):
            entry = row.entry
            yield writer.writerow(
                [
                    str(entry.pk),
                    timezone.localtime(entry.posted_at, EASTERN).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.business_date.isoformat(),
                    entry.effective_date.isoformat(),
                    kind_label(entry.kind),
                    safe_cell(entry.reference),
                    safe_cell(entry.description),
                    format_plain_amount(entry.amount),  # its minus sign must stay
                    entry.due_date.isoformat() if entry.due_date else "",
                    format_plain_amount(row.outstanding),
                    safe_cell(entry.broker_asec),
                ]
            ).encode()
