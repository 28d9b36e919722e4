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
from .interest import interest_charge, penalty_post
from .ledger import LedgerError, account_clear, credit_apply, ledger_post, ledger_reverse
from .payments import (
    CREDIT_CARD_CAP,
    PaymentRefused,
    card_payment_make,
    credit_card_room,
    pad_agreement_cancel,
    pad_agreement_sign,
    pad_debits_run,
)

__all__ = [
    "CREDIT_CARD_CAP",
    "CadHeader",
    "CadLine",
    "DeclarationError",
    "LedgerError",
    "PaymentRefused",
    "account_clear",
    "adjustment_approve",
    "adjustment_reject",
    "card_payment_make",
    "credit_apply",
    "credit_card_room",
    "declaration_correct",
    "declaration_submit",
    "declaration_withdraw",
    "interest_charge",
    "ledger_post",
    "ledger_reverse",
    "pad_agreement_cancel",
    "pad_agreement_sign",
    "pad_debits_run",
    "penalty_post",
]
