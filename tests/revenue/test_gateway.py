"""The card payment gateway seam: the sandbox's test cards, refusals of bad card data, idempotency
by key, no card data in results, and choosing the gateway by setting. No database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from longroom.revenue.gateway import (
    SANDBOX_CARDS,
    CardKind,
    GatewayOutcome,
    GatewayResult,
    PaymentGateway,
    SandboxGateway,
    card_brand,
    luhn_ok,
    mask,
    payment_gateway,
)

TODAY = date(2026, 4, 25)
VISA = "4242 4242 4242 4242"


@pytest.fixture
def gateway() -> SandboxGateway:
    return SandboxGateway(clock=lambda: TODAY)


def charge(gateway: PaymentGateway, **overrides: object) -> GatewayResult:
    call: dict[str, object] = {
        "card_number": VISA,
        "expiry_month": 12,
        "expiry_year": 2028,
        "cvc": "123",
        "amount": Decimal("1234.56"),
        "currency": "CAD",
        "card_kind": CardKind.CREDIT,
        "idempotency_key": "payment-1",
        "description": "SOA 2026-04",
    }
    call.update(overrides)
    return gateway.charge(**call)  # type: ignore[arg-type]


# --- Test cards ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "outcome", "brand", "message"),
    [
        ("4242 4242 4242 4242", GatewayOutcome.APPROVED, "Visa", "Approved"),
        ("5555 5555 5555 4444", GatewayOutcome.APPROVED, "Mastercard", "Approved"),
        ("4000 0000 0000 0002", GatewayOutcome.DECLINED, "Visa", "Card declined"),
        ("4000 0000 0000 9995", GatewayOutcome.DECLINED, "Visa", "Insufficient funds"),
        ("4000 0000 0000 0119", GatewayOutcome.ERROR, "Visa", "Processing error — try again"),
    ],
)
def test_each_sandbox_test_card_gets_its_documented_answer(gateway, number, outcome, brand, message):
    result = charge(gateway, card_number=number)

    assert result.outcome is outcome
    assert result.card_brand == brand
    assert result.card_last4 == number[-4:]
    assert result.message == message


def test_every_documented_test_card_is_in_the_sandbox_table_and_passes_luhn():
    assert set(SANDBOX_CARDS) == {
        "4242424242424242",
        "5555555555554444",
        "4000000000000002",
        "4000000000009995",
        "4000000000000119",
    }
    assert all(luhn_ok(number) for number in SANDBOX_CARDS)


def test_any_other_luhn_valid_card_is_approved(gateway):
    result = charge(gateway, card_number="4012 8888 8888 1881")

    assert result.approved
    assert result.decline_code == ""


def test_a_mistyped_card_number_is_declined_not_raised(gateway):
    result = charge(gateway, card_number="4242 4242 4242 4241")

    assert result.outcome is GatewayOutcome.DECLINED
    assert result.decline_code == "invalid_number"
    assert result.message == "Card number is not valid"


def test_a_card_that_expired_last_month_is_declined(gateway):
    result = charge(gateway, expiry_month=3, expiry_year=2026)

    assert result.outcome is GatewayOutcome.DECLINED
    assert result.decline_code == "expired_card"
    assert result.message == "Card has expired"


def test_a_card_expiring_this_month_is_still_good(gateway):
    assert charge(gateway, expiry_month=4, expiry_year=2026).approved


def test_a_two_digit_expiry_year_is_read_in_this_century(gateway):
    assert charge(gateway, expiry_month=4, expiry_year=26).approved
    assert (
        charge(gateway, expiry_month=3, expiry_year=26, idempotency_key="k2").decline_code == "expired_card"
    )


def test_an_impossible_expiry_month_is_declined(gateway):
    result = charge(gateway, expiry_month=13)

    assert result.decline_code == "invalid_expiry"


@pytest.mark.parametrize("cvc", ["12", "1234", "12a", ""])
def test_a_malformed_security_code_is_declined(gateway, cvc):
    result = charge(gateway, cvc=cvc)

    assert result.outcome is GatewayOutcome.DECLINED
    assert result.decline_code == "invalid_cvc"


def test_american_express_takes_a_four_digit_security_code(gateway):
    amex = "3782 822463 10005"

    assert charge(gateway, card_number=amex, cvc="1234").approved
    assert charge(gateway, card_number=amex, cvc="123", idempotency_key="k2").decline_code == "invalid_cvc"


def test_the_reason_is_given_in_the_language_active_at_the_charge(gateway):
    # The French catalogue may not have the sandbox's reasons yet (they fall back to English), so
    # this asserts that the message went through gettext in the payer's language, not its wording.
    with translation.override("fr"):
        expected = translation.gettext("Card declined")
        result = charge(gateway, card_number="4000 0000 0000 0002")

    assert result.message == expected


# --- Idempotency -----------------------------------------------------------------------------


def test_the_same_idempotency_key_gets_the_same_result_and_reference(gateway):
    first = charge(gateway, idempotency_key="retry-me")
    second = charge(gateway, idempotency_key="retry-me")

    assert second == first
    assert first.reference.startswith("SBX-")
    assert len(first.reference) == len("SBX-") + 12


def test_a_retried_declined_charge_stays_declined(gateway):
    first = charge(gateway, card_number="4000 0000 0000 9995", idempotency_key="k")

    assert charge(gateway, card_number="4000 0000 0000 9995", idempotency_key="k") == first


def test_different_idempotency_keys_get_different_references(gateway):
    assert charge(gateway, idempotency_key="a").reference != charge(gateway, idempotency_key="b").reference


def test_references_do_not_depend_on_the_gateway_instance():
    one = charge(SandboxGateway(clock=lambda: TODAY), idempotency_key="same")
    two = charge(SandboxGateway(clock=lambda: TODAY), idempotency_key="same")

    assert one.reference == two.reference


def test_reusing_a_key_for_another_amount_is_refused(gateway):
    charge(gateway, idempotency_key="k", amount=Decimal("10.00"))

    with pytest.raises(ValueError, match="already used"):
        charge(gateway, idempotency_key="k", amount=Decimal("20.00"))


# --- Calls that are wrong whatever the card --------------------------------------------------


@pytest.mark.parametrize("currency", ["USD", "cad", ""])
def test_a_currency_other_than_canadian_dollars_is_refused(gateway, currency):
    with pytest.raises(ValueError, match="Canadian dollars"):
        charge(gateway, currency=currency)


@pytest.mark.parametrize(
    "amount", [Decimal("0.00"), Decimal("-5.00"), Decimal("1.005"), Decimal("NaN"), 12.5, 10]
)
def test_an_amount_that_is_not_a_positive_number_of_cents_is_refused(gateway, amount):
    with pytest.raises(ValueError, match="amount"):
        charge(gateway, amount=amount)


def test_a_whole_dollar_decimal_is_accepted(gateway):
    assert charge(gateway, amount=Decimal("25")).approved


def test_a_charge_without_an_idempotency_key_is_refused(gateway):
    with pytest.raises(ValueError, match="idempotency key"):
        charge(gateway, idempotency_key="")


# --- No card data kept -----------------------------------------------------------------------


def test_the_full_card_number_and_cvc_never_appear_in_the_result_or_the_gateway(gateway):
    result = charge(gateway, card_number="4242424242424242", cvc="987")

    for text in (repr(result), str(result), repr(gateway), repr(vars(gateway))):
        assert "4242424242424242" not in text
        assert "4242 4242 4242 4242" not in text
        assert "987" not in text
    assert result.card_last4 == "4242"


def test_mask_shows_only_the_last_four_digits():
    assert mask("4242 4242 4242 4242") == "•••• 4242"
    assert mask("42") == "••••"


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "Visa"),
        ("5555555555554444", "Mastercard"),
        ("2223003122003222", "Mastercard"),
        ("378282246310005", "American Express"),
        ("6011111111111117", "Discover"),
        ("9999999999999995", ""),
        ("not a card", ""),
    ],
)
def test_card_brand_is_read_from_the_first_digits(number, brand):
    assert card_brand(number) == brand


def test_luhn_ok_accepts_spaces_and_refuses_short_or_non_digit_numbers():
    assert luhn_ok("4242-4242 4242 4242")
    assert not luhn_ok("0")  # passes the Luhn sum but is no card number
    assert not luhn_ok("4242 4242 4242 424x")


# --- Choosing the gateway --------------------------------------------------------------------


class RecordingGateway:
    """A stand-in "real" adapter, named by dotted path in the setting."""

    name = "recording"

    def charge(self, **kwargs: object) -> GatewayResult:
        return GatewayResult(GatewayOutcome.APPROVED, "REC-1", "ok", "4242", "Visa")


class NotAGateway:
    pass


def test_the_sandbox_is_the_gateway_when_nothing_is_configured(settings):
    del settings.LONGROOM_PAYMENT_GATEWAY

    gateway = payment_gateway()

    assert isinstance(gateway, SandboxGateway)
    assert gateway.name == "sandbox"


def test_the_gateway_is_created_once_per_process(settings):
    settings.LONGROOM_PAYMENT_GATEWAY = "longroom.revenue.gateway.SandboxGateway"

    assert payment_gateway() is payment_gateway()


def test_a_real_adapter_is_one_setting_away(settings):
    settings.LONGROOM_PAYMENT_GATEWAY = f"{__name__}.RecordingGateway"

    gateway = payment_gateway()

    assert isinstance(gateway, RecordingGateway)
    assert gateway.name == "recording"


@pytest.mark.parametrize("path", ["longroom.revenue.gateway.NoSuchGateway", f"{__name__}.NotAGateway"])
def test_a_misconfigured_gateway_setting_says_what_is_wrong(settings, path):
    settings.LONGROOM_PAYMENT_GATEWAY = path

    with pytest.raises(ImproperlyConfigured, match="LONGROOM_PAYMENT_GATEWAY"):
        payment_gateway()
