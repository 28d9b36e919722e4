"""Revenue staff pages: find an account; its position, transaction history and what cleared what;
its declarations (enter one or a correction of one; approve or reject an adjustment); its
statements and notices (download, reissue); post a penalty.

Thin: parse, call a selector or service, render. Only revenue staff
(`registry.selectors.is_revenue_staff`) see these pages; to anyone else signed in they do not
exist (404), and signed-out people are sent to sign in. Every action that writes (enter a
declaration or a correction, approve, reject, reissue, penalty) also needs
`revenue.add_ledgerentry`: without it the forms are not shown and a POST answers 404.
"""

from .accounts import account_detail, credit_apply, entry_detail, find, history_csv
from .declarations import adjustment_approve, adjustment_reject, declaration_detail, declaration_list
from .declare import declaration_correct, declaration_new
from .documents import document_download, document_list, document_reissue
from .penalties import penalty_new

__all__ = [
    "account_detail",
    "adjustment_approve",
    "adjustment_reject",
    "credit_apply",
    "declaration_correct",
    "declaration_detail",
    "declaration_list",
    "declaration_new",
    "document_download",
    "document_list",
    "document_reissue",
    "entry_detail",
    "find",
    "history_csv",
    "penalty_new",
]
