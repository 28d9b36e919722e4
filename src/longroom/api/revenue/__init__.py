"""Revenue over HTTP: program accounts, balances, transactions, CADs and their versions, statements.

The same services and selectors as the portal, with the same rules: a program account (BN15) is
visible when `registry.selectors.accounts_visible_to` gives it, and a CAD is submitted, corrected
or withdrawn only with edit access. An account, declaration or document the caller may not see
answers 404 — the same answer as one that does not exist — so the API never tells a stranger
that a BN15 or a transaction number is on file. A caller who may see an account but only read
it gets 403 when declaring on it: the account's existence is already known to them.

Money is a string with two decimals ("322.65"), positive owed to the agency and negative owed to
the client; dates are ISO. Messages follow the Accept-Language header (English or French).
"""

from .access import RevenueRefusal
from .endpoints import router

__all__ = ["RevenueRefusal", "router"]
