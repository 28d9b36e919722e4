"""Revenue services, one module per subject; imported here so `revenue.services.x` keeps working."""

from .days import revenue_day_due, revenue_day_run
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
from .security import (
    SecurityRefused,
    rpp_enrol,
    rpp_in_force,
    rpp_security_post,
    security_lapses_enforce,
    security_requirement,
    security_reviews_run,
)
from .statements import (
    DocumentError,
    broker_statement_issue,
    daily_notice_issue,
    daily_notices_issue_all,
    document_reissue,
    statement_issue,
    statements_issue_all,
)

__all__ = [
    "CREDIT_CARD_CAP",
    "CadHeader",
    "CadLine",
    "DeclarationError",
    "DocumentError",
    "LedgerError",
    "PaymentRefused",
    "SecurityRefused",
    "account_clear",
    "adjustment_approve",
    "adjustment_reject",
    "broker_statement_issue",
    "card_payment_make",
    "credit_apply",
    "credit_card_room",
    "daily_notice_issue",
    "daily_notices_issue_all",
    "declaration_correct",
    "declaration_submit",
    "declaration_withdraw",
    "document_reissue",
    "interest_charge",
    "ledger_post",
    "ledger_reverse",
    "pad_agreement_cancel",
    "pad_agreement_sign",
    "pad_debits_run",
    "penalty_post",
    "revenue_day_due",
    "revenue_day_run",
    "rpp_enrol",
    "rpp_in_force",
    "rpp_security_post",
    "security_lapses_enforce",
    "security_requirement",
    "security_reviews_run",
    "statement_issue",
    "statements_issue_all",
]
