"""Revenue models, one module per subject; imported here so `revenue.models.X` keeps working."""

from .declarations import (
    Declaration,
    DeclarationLine,
    DeclarationStatus,
    DeclarationVersion,
    TransportMode,
    VersionKind,
    VersionStatus,
)
from .ledger import (
    CENT,
    CHARGES_FIRST,
    CREDIT_KINDS,
    DEBIT_KINDS,
    AccountProfile,
    ClearingApplication,
    ClearingRule,
    EntryKind,
    LedgerEntry,
    LedgerIsAppendOnly,
    OffsettingPreference,
)

__all__ = [
    "CENT",
    "CHARGES_FIRST",
    "CREDIT_KINDS",
    "DEBIT_KINDS",
    "AccountProfile",
    "ClearingApplication",
    "ClearingRule",
    "Declaration",
    "DeclarationLine",
    "DeclarationStatus",
    "DeclarationVersion",
    "EntryKind",
    "LedgerEntry",
    "LedgerIsAppendOnly",
    "OffsettingPreference",
    "TransportMode",
    "VersionKind",
    "VersionStatus",
]
