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
from .documents import RevenueDocument, RevenueDocumentKind
from .interest import InterestCharge, InterestRate
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
from .payments import PadAgreement, PadAgreementStatus, Payment, PaymentMethod, PaymentStatus
from .runs import RevenueDayRun
from .security import (
    MAXIMUM_SECURITY,
    MINIMUM_SECURITY,
    RppEnrolment,
    RppStatus,
    SecurityReview,
    SecurityType,
)

__all__ = [
    "CENT",
    "CHARGES_FIRST",
    "CREDIT_KINDS",
    "DEBIT_KINDS",
    "MAXIMUM_SECURITY",
    "MINIMUM_SECURITY",
    "AccountProfile",
    "ClearingApplication",
    "ClearingRule",
    "Declaration",
    "DeclarationLine",
    "DeclarationStatus",
    "DeclarationVersion",
    "EntryKind",
    "InterestCharge",
    "InterestRate",
    "LedgerEntry",
    "LedgerIsAppendOnly",
    "OffsettingPreference",
    "PadAgreement",
    "PadAgreementStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "RevenueDayRun",
    "RevenueDocument",
    "RevenueDocumentKind",
    "RppEnrolment",
    "RppStatus",
    "SecurityReview",
    "SecurityType",
    "TransportMode",
    "VersionKind",
    "VersionStatus",
]
