"""What every file import reports: the rows it refused and why.

Imports (tariff editions, exchange rates, the business registry) read the whole file first and
collect every problem, so staff fix the file once; a file with any bad row is refused whole and
nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line of the file (the header is line 1), or the SQLite row number
    field: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)s, %(field)s: %(message)s") % {
            "row": self.row,
            "field": self.field,
            "message": self.message,
        }


class SourceRejected(Exception):
    """The file cannot be loaded; `errors` says why, row by row. Nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(_("%(count)s problem(s) in the file") % {"count": len(errors)})
