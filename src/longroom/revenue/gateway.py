"""The card payment gateway seam: how Longroom asks a card processor to take a payment.

CARM takes credit and debit card payments through a processor (carm.md §9). Longroom does not
pretend to be one: the revenue core talks to a :class:`PaymentGateway`, chosen by the setting
``LONGROOM_PAYMENT_GATEWAY`` (a dotted path to a class, read by :func:`payment_gateway`). The
only gateway shipped is :class:`SandboxGateway`, which is named as such everywhere, approves or
declines deterministic test cards and never moves money. A real processor is one adapter class
and one setting away.

What a real adapter must guarantee
    * **Idempotency by key.** ``charge`` called twice with the same ``idempotency_key`` charges
      the card at most once and answers the second call with the first call's result (same
      outcome, same reference) — the processor's own idempotency feature, not a local cache,
      because the second call may come from another process after a crash or a retried task.
      Reusing a key for a different charge is a programming error (``ValueError``). An
      ``ERROR`` answer is remembered like any other, so trying again means a new key.
    * **No card data kept by Longroom.** The full card number and the CVC are passed straight to
      the processor and dropped: never stored, logged, put in an exception message or in the
      result. The result carries only the last four digits and the brand.
    * **Refusals are results, not exceptions.** A declined card, an expired card, a bad number
      or CVC is ``GatewayOutcome.DECLINED`` with a short reason; an outage or an unclear answer
      is ``GatewayOutcome.ERROR`` (the payer may try again). ``ValueError`` is kept for calls
      that are wrong whatever the card: a non-CAD currency, an amount that is not a positive
      whole number of cents, an empty idempotency key.
    * **Canadian dollars only** (carm.md §9).

Card limits (credit card ≤ $4,999.99 per 18th → 17th billing cycle per program account) are
the revenue core's rule, checked before a gateway is called, not the gateway's.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from longroom.registry.numbers import luhn_valid
from longroom.revenue.calendar import business_date

CURRENCY = "CAD"  # CARM takes Canadian dollars only (carm.md §9)
CENT = Decimal("0.01")
DEFAULT_GATEWAY = "longroom.revenue.gateway.SandboxGateway"

# ISO/IEC 7812 numbers are 8 to 19 digits; payment cards in use are 12 to 19.
_CARD_LENGTHS = range(12, 20)
_CARD_SEPARATORS = re.compile(r"[\s\-]+")


class CardKind(StrEnum):
    CREDIT = "credit"
    DEBIT = "debit"


class GatewayOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"  # the card or the issuer said no; trying the same card again will not help
    ERROR = "error"  # the processor could not decide; the payer may try again


@dataclass(frozen=True)
class GatewayResult:
    """What the processor answered. Holds no card data beyond the last four digits and the brand."""

    outcome: GatewayOutcome
    reference: str  # the processor's reference for this attempt, kept on the payment record
    message: str  # a short reason a payer can read, in the language active when the charge was made
    card_last4: str
    card_brand: str
    # A stable, untranslated code for the reason ("insufficient_funds"), so a stored result can
    # be explained again later in the reader's language; empty when approved.
    decline_code: str = ""

    @property
    def approved(self) -> bool:
        return self.outcome is GatewayOutcome.APPROVED


@runtime_checkable
class PaymentGateway(Protocol):
    """A card processor. See the module docstring for what an implementation must guarantee."""

    name: str

    def charge(
        self,
        *,
        card_number: str,
        expiry_month: int,
        expiry_year: int,
        cvc: str,
        amount: Decimal,
        currency: str,
        card_kind: CardKind,
        idempotency_key: str,
        description: str,
    ) -> GatewayResult: ...


# --- Card helpers ----------------------------------------------------------------------------


def clean_card_number(number: str) -> str:
    """The digits of a card number as people type it ("4242 4242-4242 4242" → "4242424242424242")."""
    return _CARD_SEPARATORS.sub("", number or "")


def luhn_ok(number: str) -> bool:
    """Whether ``number`` looks like a payment card number: 12 to 19 digits passing the Luhn check."""
    digits = clean_card_number(number)
    return digits.isascii() and digits.isdigit() and len(digits) in _CARD_LENGTHS and luhn_valid(digits)


def card_brand(number: str) -> str:
    """The card network from the number's first digits (its IIN range), or "" when not recognised.

    Brand names are proper nouns, printed the same in English and French.
    """
    digits = clean_card_number(number)
    if not (digits.isascii() and digits.isdigit()):
        return ""
    if digits.startswith("4"):
        return "Visa"
    two, four = int(digits[:2] or 0), int(digits[:4] or 0)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "Mastercard"
    if two in (34, 37):
        return "American Express"
    if digits.startswith("6011") or digits.startswith("65") or 644 <= int(digits[:3] or 0) <= 649:
        return "Discover"
    if 3528 <= four <= 3589:
        return "JCB"
    return ""


def mask(number: str) -> str:
    """A card number as it may be shown: "•••• 4242". Never more than the last four digits."""
    digits = clean_card_number(number)
    return f"•••• {digits[-4:]}" if len(digits) >= 4 else "••••"


def _last4(digits: str) -> str:
    return digits[-4:] if len(digits) >= 4 and digits[-4:].isdigit() else ""


# --- Sandbox ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SandboxCard:
    """How the sandbox answers for one test card number."""

    outcome: GatewayOutcome
    decline_code: str = ""
    message: str | Promise = ""


_APPROVED = _("Approved")

SANDBOX_CARDS: Mapping[str, SandboxCard] = MappingProxyType(
    {
        "4242424242424242": SandboxCard(GatewayOutcome.APPROVED, message=_APPROVED),
        "5555555555554444": SandboxCard(GatewayOutcome.APPROVED, message=_APPROVED),
        "4000000000000002": SandboxCard(GatewayOutcome.DECLINED, "card_declined", _("Card declined")),
        "4000000000009995": SandboxCard(
            GatewayOutcome.DECLINED, "insufficient_funds", _("Insufficient funds")
        ),
        "4000000000000119": SandboxCard(
            GatewayOutcome.ERROR, "processing_error", _("Processing error — try again")
        ),
    }
)
"""The sandbox's test cards, by number (digits only). Any other number that passes the Luhn
check is approved; one that fails it is declined."""

# Reasons for refusals found in the card data itself, whatever the number.
_INVALID_NUMBER = ("invalid_number", _("Card number is not valid"))
_INVALID_EXPIRY = ("invalid_expiry", _("Expiry date is not valid"))
_EXPIRED = ("expired_card", _("Card has expired"))
_INVALID_CVC = ("invalid_cvc", _("Security code (CVC) is not valid"))


def _eastern_today() -> date:
    # Expiry is judged on the Eastern date, the same day the revenue core's cut-offs use.
    return business_date(datetime.now(UTC))


def sandbox_reference(idempotency_key: str) -> str:
    """The sandbox's reference for a key: ``SBX-`` and the first 12 hex digits of its SHA-256."""
    return "SBX-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class _Attempt:
    # What makes two calls "the same charge", without any card data beyond what the result shows.
    amount: Decimal
    card_last4: str
    card_kind: CardKind
    result: GatewayResult


class SandboxGateway:
    """A named, deterministic stand-in for a card processor, for demos and tests. Moves no money.

    Test cards (any future expiry; any 3-digit CVC, 4 digits for American Express):

    ====================  ==========  ===========================================
    number                outcome     reason
    ====================  ==========  ===========================================
    4242 4242 4242 4242   approved    Visa
    5555 5555 5555 4444   approved    Mastercard
    4000 0000 0000 0002   declined    "Card declined"
    4000 0000 0000 9995   declined    "Insufficient funds"
    4000 0000 0000 0119   error       "Processing error — try again"
    any other Luhn-valid  approved
    Luhn-invalid          declined    "Card number is not valid"
    ====================  ==========  ===========================================

    An expired card or a malformed expiry or CVC is declined, whatever the number. Expiry is
    judged against ``clock()`` (the Eastern date by default; tests pass a fixed day): a card is
    good through the last day of its expiry month.

    The same ``idempotency_key`` gets the same result and reference for the life of the
    instance, as a real processor would; reusing a key for another amount, card or kind is
    refused. Only the amount, the last four digits and the kind are remembered, never the card
    number or the CVC.
    """

    name = "sandbox"

    def __init__(self, *, clock: Callable[[], date] = _eastern_today) -> None:
        self._clock = clock
        self._attempts: dict[str, _Attempt] = {}
        # One instance serves every thread of a process (payment_gateway() caches it).
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<SandboxGateway: {len(self._attempts)} attempts>"

    def charge(
        self,
        *,
        card_number: str,
        expiry_month: int,
        expiry_year: int,
        cvc: str,
        amount: Decimal,
        currency: str,
        card_kind: CardKind,
        idempotency_key: str,
        description: str,
    ) -> GatewayResult:
        _check_call(amount=amount, currency=currency, card_kind=card_kind, idempotency_key=idempotency_key)
        digits = clean_card_number(card_number)
        last4, brand = _last4(digits), card_brand(digits)
        with self._lock:
            earlier = self._attempts.get(idempotency_key)
            if earlier is not None:
                if (earlier.amount, earlier.card_last4, earlier.card_kind) != (amount, last4, card_kind):
                    raise ValueError(
                        f"idempotency key {idempotency_key!r} was already used for another charge"
                    )
                return earlier.result
            card = self._decide(digits, expiry_month, expiry_year, cvc, brand)
            result = GatewayResult(
                outcome=card.outcome,
                reference=sandbox_reference(idempotency_key),
                message=str(card.message),
                card_last4=last4,
                card_brand=brand,
                decline_code=card.decline_code,
            )
            self._attempts[idempotency_key] = _Attempt(amount, last4, card_kind, result)
            return result

    def _decide(self, digits: str, expiry_month: int, expiry_year: int, cvc: str, brand: str) -> SandboxCard:
        # Card-data checks first, in the order a payer fixes them: number, expiry, CVC.
        if not luhn_ok(digits):
            return SandboxCard(GatewayOutcome.DECLINED, *_INVALID_NUMBER)
        if not 1 <= expiry_month <= 12 or expiry_year < 0:
            return SandboxCard(GatewayOutcome.DECLINED, *_INVALID_EXPIRY)
        year = expiry_year + 2000 if expiry_year < 100 else expiry_year  # "04/27" is April 2027
        today = self._clock()
        if (year, expiry_month) < (today.year, today.month):
            return SandboxCard(GatewayOutcome.DECLINED, *_EXPIRED)
        cvc_length = 4 if brand == "American Express" else 3
        if not (cvc.isascii() and cvc.isdigit() and len(cvc) == cvc_length):
            return SandboxCard(GatewayOutcome.DECLINED, *_INVALID_CVC)
        return SANDBOX_CARDS.get(digits) or SandboxCard(GatewayOutcome.APPROVED, message=_APPROVED)


def _check_call(*, amount: Decimal, currency: str, card_kind: CardKind, idempotency_key: str) -> None:
    """Refuse a call that is wrong whatever the card: these are bugs in the caller, not payer errors."""
    if currency != CURRENCY:
        raise ValueError(f"CARM takes Canadian dollars only; got currency {currency!r}")
    # bool and float are refused by the isinstance check: a float amount has already lost cents.
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"amount must be a finite Decimal, got {amount!r}")
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValueError(f"amount must be a positive whole number of cents, got {amount}")
    if not isinstance(card_kind, CardKind):
        raise ValueError(f"card_kind must be a CardKind, got {card_kind!r}")
    if not idempotency_key:
        raise ValueError("an idempotency key is required so that a retried charge is not taken twice")


# --- Choosing the gateway --------------------------------------------------------------------


def payment_gateway() -> PaymentGateway:
    """The process's gateway: the class named by ``settings.LONGROOM_PAYMENT_GATEWAY``.

    Defaults to :class:`SandboxGateway`. The class is instantiated without arguments, once per
    process for each dotted path, so the sandbox's idempotency memory lasts as long as the
    process and a test that changes the setting gets the gateway it named.
    """
    path = getattr(settings, "LONGROOM_PAYMENT_GATEWAY", DEFAULT_GATEWAY)
    return _gateway_at(path)


@cache
def _gateway_at(path: str) -> PaymentGateway:
    try:
        gateway_class = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"LONGROOM_PAYMENT_GATEWAY: cannot import {path!r}: {error}") from error
    gateway = gateway_class()
    if not isinstance(gateway, PaymentGateway):
        raise ImproperlyConfigured(
            f"LONGROOM_PAYMENT_GATEWAY: {path!r} is not a payment gateway (needs `name` and `charge`)"
        )
    return gateway
