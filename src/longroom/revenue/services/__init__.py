"""Revenue services, one module per subject; imported here so `revenue.services.x` keeps working."""

from .declarations import (
    CadHeader,
    CadLine,
    DeclarationError,
    adjustment_approve,
    adjustment_reject,
    declaration_correct,
    declaration_submit,
    declaration_withdraw,
)
from .ledger import LedgerError, account_clear, credit_apply, ledger_post, ledger_reverse

__all__ = [
    "CadHeader",
    "CadLine",
    "DeclarationError",
    "LedgerError",
    "account_clear",
    "adjustment_approve",
    "adjustment_reject",
    "credit_apply",
    "declaration_correct",
    "declaration_submit",
    "declaration_withdraw",
    "ledger_post",
    "ledger_reverse",
]
