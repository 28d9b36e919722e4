"""Customs Tariff rate cells: read them, describe them, and compute the duty they levy.

A cell of the tariff (``18 %``, ``3.32 ¢/kg``, ``8.43 ¢/kg but not less than 8.5 %``) is read once
by :func:`parse_rate` into a frozen :class:`Rate` and applied by :func:`duty_for`. Every form in
CBSA edition T2026-0 is handled (see ``tests/tariff/test_rates.py``, which reads them all):

================================================  ==================================================
form                                              duty
================================================  ==================================================
``Free``                                          nothing
``N/A`` or empty                                  no rate: the treatment does not apply to the item
``18 %``                                          percentage of the value for duty
``3.32 ¢/kg``, ``$1.52/kg``, ``0.86 ¢each``       amount per unit of quantity
``5.42 ¢/kg plus 4 %``                            both, added
``8.43 ¢/kg but not less than 8.5 %``             the greater of the two
``238 % but not less than $1.25/kg``              the greater of the two
``5 % but not less than 4.74 ¢/kg or more         the percentage, kept between the two amounts
than 9.48 ¢/kg``
``1.88 ¢/kg but not less than 4 % plus 4 %``      the greater of the first two, then the third added
================================================  ==================================================

A rate is stored as one leading component (``base``), optional bounds (``minimum``,
``maximum``) and an optional ``addition`` applied after the bounds:
``duty = clamp(base, minimum, maximum) + addition``. The CARM-style ``ad_valorem_min`` …
``specific_max`` properties and :attr:`Rate.combination` are derived from that.

Specific amounts are stored in dollars per unit (3.32 ¢ → ``Decimal("0.0332")``) and units in the
canonical names of :data:`CANONICAL_UNITS`.

Three damaged cells occur in the source file. Where only one reading is possible it is applied and
recorded in :attr:`Rate.source_issue` (``Fre`` → Free; ``… or more than 9.48 ¢`` takes the unit of
its ``not less than 4.74 ¢/kg`` partner). Where the text lost information (``1.9 ¢`` with no unit,
``8.47 ¢/kg plus 8.`` cut off mid-number) the rate parses as :attr:`RateKind.INCOMPLETE`: it can
be shown, but :func:`duty_for` refuses it rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CENT: Final = Decimal("0.01")
_HUNDRED: Final = Decimal(100)


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A number put into a message, formatted for the reader's language when the message is shown."""

    value: Decimal
    places: int | None = None  # 2 for money; None keeps the number's own digits


def _render(template: StrOrPromise, params: dict[str, object]) -> str:
    rendered: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, Number):
            shown = value.value if value.places is not None else _plain(value.value)
            rendered[key] = number_format(shown, value.places, use_l10n=True, force_grouping=True)
        else:
            rendered[key] = str(value)
    return str(template) % rendered


# Messages stay lazy until shown, so one result renders in English or French as the reader asks.
_render_lazy = lazy(_render, str)


def message(template: StrOrPromise, **params: object) -> StrOrPromise:
    """A translatable message with named ``%(...)s`` placeholders, rendered when it is shown."""
    return _render_lazy(template, params)


def _plain(value: Decimal) -> Decimal:
    """The number without trailing zeros and without an exponent (3.3200 → 3.32, 1E+1 → 10)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def round_cents(amount: Decimal) -> Decimal:
    """Money to the cent, half-up (the rounding customs and GST use)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# --- errors -----------------------------------------------------------------------------------


class RateError(ValueError):
    """A rate that cannot be read or applied as asked. ``code`` is stable; ``message`` is translated."""

    code: str = "rate_error"

    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class RateSyntaxError(RateError):
    code = "rate_syntax"

    def __init__(self, text: str, reason: StrOrPromise | None = None) -> None:
        self.text = text
        self.reason = reason or _("it is not a percentage, an amount in ¢ or $, Free or N/A")
        super().__init__(
            message(_("The rate “%(text)s” cannot be read: %(reason)s."), text=text, reason=self.reason)
        )


class RateNotApplicable(RateError):
    code = "rate_not_applicable"

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        super().__init__(
            message(_("This tariff treatment has no rate for this item (“%(text)s”)."), text=rate.text)
        )


class RateIncomplete(RateError):
    code = "rate_incomplete"

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        super().__init__(
            message(
                _(
                    "The rate “%(text)s” is incomplete in the tariff data (%(issue)s); check the published tariff."
                ),
                text=rate.text,
                issue=rate.source_issue_text,
            )
        )


class QuantityRequired(RateError):
    code = "quantity_required"

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        super().__init__(
            message(
                _("The rate “%(text)s” is charged by quantity: give the quantity in %(unit)s."),
                text=rate.text,
                unit=unit_label(rate.unit) if rate.unit else "",
            )
        )


class UnknownUnit(RateError):
    code = "unit_unknown"

    def __init__(self, spelling: str) -> None:
        self.spelling = spelling
        super().__init__(message(_("“%(unit)s” is not a unit of measure we know."), unit=spelling))


class UnitMismatch(RateError):
    code = "unit_mismatch"

    def __init__(self, given: str, expected: str) -> None:
        self.given = given
        self.expected = expected
        super().__init__(
            message(
                _("A quantity in %(given)s cannot be converted to %(expected)s, the unit of the rate."),
                given=unit_label(given),
                expected=unit_label(expected),
            )
        )


class InvalidAmount(RateError):
    code = "invalid_amount"

    def __init__(self, field: str, value: object) -> None:
        self.field = field
        self.value = value
        super().__init__(
            message(
                _("%(field)s must be a finite decimal number, zero or more (got %(value)s)."),
                field=field,
                value=value,
            )
        )


# --- units ------------------------------------------------------------------------------------

KG: Final = "kg"
GRAM: Final = "g"
TONNE: Final = "tonne"
LITRE: Final = "litre"
MILLILITRE: Final = "ml"
HECTOLITRE: Final = "hl"
LITRE_ABSOLUTE_ALCOHOL: Final = "litre_absolute_alcohol"
EACH: Final = "each"
DOZEN: Final = "dozen"


@dataclass(frozen=True)
class _Unit:
    dimension: str
    size: Decimal  # in the dimension's base unit (kg, litre, litre of alcohol, piece)
    label: StrOrPromise  # shown after a quantity
    per: StrOrPromise  # shown after a specific amount


# Conversions stay inside a dimension. Litres of product and litres of absolute ethyl alcohol are
# different dimensions: converting needs the alcoholic strength, which a rate cell does not carry.
_UNITS: Final[dict[str, _Unit]] = {
    GRAM: _Unit("mass", Decimal("0.001"), _("g"), _("/g")),
    KG: _Unit("mass", Decimal(1), _("kg"), _("/kg")),
    TONNE: _Unit("mass", Decimal(1000), _("t"), _("/tonne")),
    MILLILITRE: _Unit("volume", Decimal("0.001"), _("mL"), _("/ml")),
    LITRE: _Unit("volume", Decimal(1), _("L"), _("/litre")),
    HECTOLITRE: _Unit("volume", Decimal(100), _("hL"), _("/hl")),
    LITRE_ABSOLUTE_ALCOHOL: _Unit(
        "absolute_alcohol",
        Decimal(1),
        _("L of absolute ethyl alcohol"),
        _("/litre of absolute ethyl alcohol"),
    ),
    EACH: _Unit("count", Decimal(1), _("units"), _(" each")),
    DOZEN: _Unit("count", Decimal(12), _("dozen"), _("/dozen")),
}
CANONICAL_UNITS: Final[tuple[str, ...]] = tuple(_UNITS)

# Spellings met in rate cells, in forms, and the UN/ECE Rec. 20 codes of the tariff's UOM column.
_SPELLINGS: Final[dict[str, str]] = {
    **{name: name for name in _UNITS},
    "gram": GRAM, "grams": GRAM, "grm": GRAM,
    "kilogram": KG, "kilograms": KG, "kgm": KG, "kgs": KG,
    "tonnes": TONNE, "t": TONNE, "tne": TONNE, "metric ton": TONNE, "metric tonne": TONNE,
    "millilitre": MILLILITRE, "millilitres": MILLILITRE, "milliliter": MILLILITRE, "mlt": MILLILITRE,
    "litres": LITRE, "liter": LITRE, "liters": LITRE, "l": LITRE, "ltr": LITRE,
    "hectolitre": HECTOLITRE, "hectolitres": HECTOLITRE, "hectoliter": HECTOLITRE, "hlt": HECTOLITRE,
    "litre of absolute ethyl alcohol": LITRE_ABSOLUTE_ALCOHOL,
    "litres of absolute ethyl alcohol": LITRE_ABSOLUTE_ALCOHOL,
    "litre of absolute alcohol": LITRE_ABSOLUTE_ALCOHOL,
    "lpa": LITRE_ABSOLUTE_ALCOHOL, "laa": LITRE_ABSOLUTE_ALCOHOL,
    "ea": EACH, "unit": EACH, "units": EACH, "piece": EACH, "pieces": EACH, "nmb": EACH,
    "doz": DOZEN, "dozens": DOZEN, "dzn": DOZEN,
}  # fmt: skip


def canonical_unit(spelling: str) -> str:
    """The canonical name for a unit spelling or UOM code (``"KGM"`` → ``"kg"``); UnknownUnit otherwise."""
    key = " ".join(spelling.replace("²", "2").lower().split()).rstrip(".")
    try:
        return _SPELLINGS[key]
    except KeyError:
        raise UnknownUnit(spelling) from None


def unit_label(unit: str) -> StrOrPromise:
    """The short label shown after a quantity in this unit (``kg``, ``L``, ``dozen``)."""
    return _UNITS[unit].label if unit in _UNITS else unit


def convert_quantity(quantity: Decimal, *, from_unit: str, to_unit: str) -> Decimal:
    """The quantity expressed in ``to_unit``; UnitMismatch across dimensions (mass to volume, …)."""
    source, target = canonical_unit(from_unit), canonical_unit(to_unit)
    if source == target:
        return quantity
    if _UNITS[source].dimension != _UNITS[target].dimension:
        raise UnitMismatch(source, target)
    return quantity * _UNITS[source].size / _UNITS[target].size


# --- the rate ---------------------------------------------------------------------------------


class RateKind(StrEnum):
    FREE = "free"
    NOT_APPLICABLE = "not_applicable"
    AD_VALOREM = "ad_valorem"
    SPECIFIC = "specific"
    COMPOUND = "compound"
    # Recognisable but missing information in the source; shown, never applied.
    INCOMPLETE = "incomplete"


class Combination(StrEnum):
    PLUS = "plus"
    NOT_LESS_THAN = "not_less_than"
    NOT_MORE_THAN = "not_more_than"
    NOT_LESS_THAN_OR_MORE_THAN = "not_less_than_or_more_than"
    NOT_LESS_THAN_PLUS = "not_less_than_plus"
    NOT_MORE_THAN_PLUS = "not_more_than_plus"
    NOT_LESS_THAN_OR_MORE_THAN_PLUS = "not_less_than_or_more_than_plus"


class SourceIssue(StrEnum):
    """What was wrong with a damaged source cell (see the module docstring)."""

    WORD_CUT_OFF = "word_cut_off"  # read: the word could only be "Free"
    BOUND_UNIT_MISSING = "bound_unit_missing"  # read: the unit of the other bound
    UNIT_MISSING = "unit_missing"  # incomplete
    NUMBER_CUT_OFF = "number_cut_off"  # incomplete


_SOURCE_ISSUE_TEXT: Final[dict[SourceIssue, StrOrPromise]] = {
    SourceIssue.WORD_CUT_OFF: _("the text is cut off; read as “Free”"),
    SourceIssue.BOUND_UNIT_MISSING: _(
        "the unit of one bound is missing; read as the unit of the other bound"
    ),
    SourceIssue.UNIT_MISSING: _("the unit of the specific rate is missing"),
    SourceIssue.NUMBER_CUT_OFF: _("the text is cut off in the middle of a number"),
}


@dataclass(frozen=True)
class AdValorem:
    """A percentage of the value for duty (``percent=Decimal("8.5")`` for 8.5 %)."""

    percent: Decimal

    def describe(self) -> StrOrPromise:
        return message(_("%(percent)s %%"), percent=Number(self.percent))

    def amount(self, value_for_duty: Decimal) -> Decimal:
        return value_for_duty * self.percent / _HUNDRED


@dataclass(frozen=True)
class Specific:
    """An amount in dollars per unit of quantity (``amount=Decimal("0.0332"), unit="kg"`` for 3.32 ¢/kg)."""

    amount: Decimal
    unit: str | None

    def describe(self) -> StrOrPromise:
        per = _UNITS[self.unit].per if self.unit else ""
        if self.amount < 1:
            return message(_("%(cents)s ¢%(per)s"), cents=Number(self.amount * _HUNDRED), per=per)
        return message(_("$%(dollars)s%(per)s"), dollars=Number(self.amount, 2), per=per)


Component = AdValorem | Specific


@dataclass(frozen=True)
class Rate:
    """One rate cell, read. ``text`` is the cell as published; the other fields are what it means."""

    text: str
    kind: RateKind
    base: Component | None = None
    minimum: Component | None = None
    maximum: Component | None = None
    addition: Component | None = None
    source_issue: SourceIssue | None = None

    @property
    def components(self) -> tuple[Component, ...]:
        return tuple(c for c in (self.base, self.minimum, self.maximum, self.addition) if c is not None)

    @property
    def needs_quantity(self) -> bool:
        """A specific part means the duty depends on the quantity, not only on the value."""
        return any(isinstance(c, Specific) for c in self.components)

    @property
    def unit(self) -> str | None:
        """The unit the quantity must be given in (one per rate), or None."""
        units = {c.unit for c in self.components if isinstance(c, Specific) and c.unit}
        return units.pop() if units else None

    @property
    def is_applicable(self) -> bool:
        return self.kind not in (RateKind.NOT_APPLICABLE, RateKind.INCOMPLETE)

    @property
    def combination(self) -> Combination | None:
        """How the components combine, or None for a single component."""
        if self.minimum and self.maximum:
            bounds = "not_less_than_or_more_than"
        elif self.minimum:
            bounds = "not_less_than"
        elif self.maximum:
            bounds = "not_more_than"
        else:
            return Combination.PLUS if self.addition else None
        return Combination(f"{bounds}_plus" if self.addition else bounds)

    @property
    def source_issue_text(self) -> StrOrPromise:
        return _SOURCE_ISSUE_TEXT[self.source_issue] if self.source_issue else ""

    # CARM tariff OData style (AdValoremRate{Min,Reg,Max}, SpecificRate{Min,Reg,Max}Value): the
    # leading component and the addition are "regular" rates; the bounds are the minimum and maximum.

    def _slot(self, kind: type[Component], *slots: Component | None) -> Decimal | None:
        for component in slots:
            if isinstance(component, AdValorem) and kind is AdValorem:
                return component.percent
            if isinstance(component, Specific) and kind is Specific:
                return component.amount
        return None

    @property
    def ad_valorem_min(self) -> Decimal | None:
        return self._slot(AdValorem, self.minimum)

    @property
    def ad_valorem_reg(self) -> Decimal | None:
        return self._slot(AdValorem, self.base, self.addition)

    @property
    def ad_valorem_max(self) -> Decimal | None:
        return self._slot(AdValorem, self.maximum)

    @property
    def specific_min(self) -> Decimal | None:
        return self._slot(Specific, self.minimum)

    @property
    def specific_reg(self) -> Decimal | None:
        return self._slot(Specific, self.base, self.addition)

    @property
    def specific_max(self) -> Decimal | None:
        return self._slot(Specific, self.maximum)

    def describe(self) -> str:
        """A short text for people: ``Free``, ``18 %``, ``the greater of 8.43 ¢/kg and 8.5 %``."""
        if self.kind is RateKind.FREE:
            return str(_("Free"))
        if self.kind is RateKind.NOT_APPLICABLE:
            return str(_("Not applicable: no rate under this treatment"))
        if self.kind is RateKind.INCOMPLETE:
            return str(
                message(_("“%(text)s” (incomplete: %(issue)s)"), text=self.text, issue=self.source_issue_text)
            )
        assert self.base is not None
        base = self.base.describe()
        if self.minimum and self.maximum:
            text = message(
                _("%(base)s, but not less than %(minimum)s or more than %(maximum)s"),
                base=base,
                minimum=self.minimum.describe(),
                maximum=self.maximum.describe(),
            )
        elif self.minimum:
            text = message(
                _("the greater of %(base)s and %(minimum)s"), base=base, minimum=self.minimum.describe()
            )
        elif self.maximum:
            text = message(
                _("the lesser of %(base)s and %(maximum)s"), base=base, maximum=self.maximum.describe()
            )
        else:
            text = base
        if self.addition:
            text = message(_("%(rate)s, plus %(addition)s"), rate=text, addition=self.addition.describe())
        return str(text)


# --- reading ----------------------------------------------------------------------------------

_NOT_APPLICABLE_SPELLINGS: Final = frozenset({"", "n/a", "na", "-", "—"})
_FREE_SPELLINGS: Final = frozenset({"free"})
# Cut-off spellings whose only possible completion is "Free".
_FREE_CUT_OFF: Final = frozenset({"fre"})

_NUMBER: Final = r"(?:\d+(?:\.\d*)?|\.\d+)"
_TERM: Final = re.compile(
    rf"^(?:\$\s*(?P<dollars>{_NUMBER})|(?P<number>{_NUMBER})\s*(?P<sign>%|¢)?)\s*(?P<unit>.*)$"
)
_CONNECTOR: Final = re.compile(
    r"\s*\b(but not less than|but not more than|or more than|or not more than|plus)\b\s*"
)


@dataclass(frozen=True)
class _CutOff:
    """A final term cut off in the source (``8.``)."""


def _normalise(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ").lower()
    text = re.sub(r"\bper ?cent\b", "%", text)
    text = re.sub(r"\bcents?\b", "¢", text)
    text = text.replace("+", " plus ")
    return " ".join(text.split())


def _read_term(term: str, *, original: str, last: bool) -> Component | _CutOff:
    match = _TERM.match(term)
    if not match:
        raise RateSyntaxError(original, message(_("“%(part)s” is not a rate"), part=term))
    unit_text = match["unit"].removeprefix("/").removeprefix("per ").strip()
    if match["dollars"] is not None:
        amount = Decimal(match["dollars"])
    else:
        number = match["number"]
        if match["sign"] == "%":
            if unit_text:
                raise RateSyntaxError(
                    original, message(_("a percentage has no unit (“%(part)s”)"), part=term)
                )
            return AdValorem(Decimal(number))
        if match["sign"] is None:
            if last and number.endswith(".") and not unit_text:
                return _CutOff()
            raise RateSyntaxError(original, message(_("“%(part)s” has no %% or ¢ sign"), part=term))
        amount = Decimal(number).scaleb(-2)
    unit = canonical_unit(unit_text) if unit_text else None
    return Specific(amount, unit)


def parse_rate(text: str) -> Rate:
    """Read one rate cell. RateSyntaxError when the text is not a rate."""
    normal = _normalise(text)
    if normal in _NOT_APPLICABLE_SPELLINGS:
        return Rate(text=text, kind=RateKind.NOT_APPLICABLE)
    if normal in _FREE_SPELLINGS:
        return Rate(text=text, kind=RateKind.FREE)
    if normal in _FREE_CUT_OFF:
        return Rate(text=text, kind=RateKind.FREE, source_issue=SourceIssue.WORD_CUT_OFF)

    parts = _CONNECTOR.split(normal)
    terms, connectors = parts[0::2], parts[1::2]
    try:
        read = [_read_term(term, original=text, last=i == len(terms) - 1) for i, term in enumerate(terms)]
    except UnknownUnit as error:
        raise RateSyntaxError(text, message(_("unknown unit “%(unit)s”"), unit=error.spelling)) from None

    base, *rest = read
    slots: dict[str, Component | _CutOff | None] = {"minimum": None, "maximum": None, "addition": None}
    # The connectors allowed, in order: a lower bound, then its upper bound (or an upper bound
    # alone), then one addition. Anything else is not a form the tariff uses.
    expected = ["but not less than", "or more than", "plus"]
    for connector, term in zip(connectors, rest, strict=True):
        connector = {"or not more than": "or more than"}.get(connector, connector)
        if connector == "but not more than" and expected[0] == "but not less than":
            expected = ["plus"]
            slots["maximum"] = term
            continue
        if connector not in expected or (connector == "or more than" and slots["minimum"] is None):
            raise RateSyntaxError(text, message(_("“%(word)s” is not expected here"), word=connector))
        expected = expected[expected.index(connector) + 1 :]
        slots[{"but not less than": "minimum", "or more than": "maximum", "plus": "addition"}[connector]] = (
            term
        )

    return _assemble(text, base, slots)


def _assemble(text: str, base: Component | _CutOff, slots: dict[str, Component | _CutOff | None]) -> Rate:
    minimum, maximum, addition = slots["minimum"], slots["maximum"], slots["addition"]
    issue: SourceIssue | None = None
    if isinstance(base, _CutOff):
        raise RateSyntaxError(text)
    if isinstance(addition, _CutOff) or isinstance(maximum, _CutOff) or isinstance(minimum, _CutOff):
        issue = SourceIssue.NUMBER_CUT_OFF
        minimum, maximum, addition = (
            None if isinstance(c, _CutOff) else c for c in (minimum, maximum, addition)
        )

    # A bound without a unit can only be in the unit of the other bound: they bound the same thing.
    if isinstance(minimum, Specific) and isinstance(maximum, Specific):
        if maximum.unit is None and minimum.unit is not None:
            maximum, issue = Specific(maximum.amount, minimum.unit), issue or SourceIssue.BOUND_UNIT_MISSING
        elif minimum.unit is None and maximum.unit is not None:
            minimum, issue = Specific(minimum.amount, maximum.unit), issue or SourceIssue.BOUND_UNIT_MISSING

    components = [c for c in (base, minimum, maximum, addition) if c is not None]
    specifics = [c for c in components if isinstance(c, Specific)]
    if len({s.unit for s in specifics if s.unit}) > 1:
        raise RateSyntaxError(text, _("its parts are in different units"))
    if any(s.unit is None for s in specifics):
        issue = SourceIssue.UNIT_MISSING
    if minimum is not None and maximum is not None:
        if type(minimum) is not type(maximum):
            raise RateSyntaxError(text, _("its lower and upper bounds are of different kinds"))
        low = minimum.percent if isinstance(minimum, AdValorem) else minimum.amount
        high = maximum.percent if isinstance(maximum, AdValorem) else maximum.amount
        if low > high:
            raise RateSyntaxError(text, _("its lower bound is above its upper bound"))
    if addition is not None and type(addition) is type(base) and minimum is None and maximum is None:
        raise RateSyntaxError(text, _("it adds two parts of the same kind"))

    if issue in (SourceIssue.UNIT_MISSING, SourceIssue.NUMBER_CUT_OFF):
        kind = RateKind.INCOMPLETE
    elif len(components) > 1:
        kind = RateKind.COMPOUND
    else:
        kind = RateKind.AD_VALOREM if isinstance(base, AdValorem) else RateKind.SPECIFIC
    return Rate(
        text=text,
        kind=kind,
        base=base,
        minimum=minimum,
        maximum=maximum,
        addition=addition,
        source_issue=issue,
    )


# --- applying ---------------------------------------------------------------------------------


class Applied(StrEnum):
    """Which part of the rate set the duty."""

    REGULAR = "regular"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"


@dataclass(frozen=True)
class DutyAmount:
    """The duty a rate levies, to the cent, with the arithmetic that produced it."""

    amount: Decimal
    explanation: StrOrPromise
    applied: Applied = Applied.REGULAR


def check_amount(field: str, value: object) -> Decimal:
    """``value`` as a finite, non-negative Decimal (ints accepted); InvalidAmount otherwise, floats too."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidAmount(field, value)
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise InvalidAmount(field, value)
    return number


@dataclass(frozen=True)
class _Part:
    exact: Decimal
    explanation: StrOrPromise


@dataclass(frozen=True)
class _Quantity:
    in_rate_unit: Decimal
    given: Decimal
    given_unit: str


def _apply(component: Component, value: Decimal, quantity: _Quantity | None) -> _Part:
    if isinstance(component, AdValorem):
        exact = component.amount(value)
        return _Part(
            exact,
            message(
                _("%(rate)s of %(value)s = %(amount)s"),
                rate=component.describe(),
                value=Number(value, 2),
                amount=Number(round_cents(exact), 2),
            ),
        )
    assert quantity is not None and component.unit is not None
    exact = component.amount * quantity.in_rate_unit
    shown = _quantity_text(_at_most_6_places(quantity.in_rate_unit), component.unit)
    if quantity.given_unit != component.unit:
        shown = message(
            _("%(converted)s (%(given)s)"),
            converted=shown,
            given=_quantity_text(quantity.given, quantity.given_unit),
        )
    return _Part(
        exact,
        message(
            _("%(rate)s × %(quantity)s = %(amount)s"),
            rate=component.describe(),
            quantity=shown,
            amount=Number(round_cents(exact), 2),
        ),
    )


def _quantity_text(quantity: Decimal, unit: str) -> StrOrPromise:
    return message(_("%(quantity)s %(unit)s"), quantity=Number(quantity), unit=unit_label(unit))


def _at_most_6_places(quantity: Decimal) -> Decimal:
    """A converted quantity is shown to at most 6 decimals (5 each = 0.416667 dozen)."""
    six = Decimal("0.000001")
    return quantity if quantity == quantity.quantize(six) else quantity.quantize(six, rounding=ROUND_HALF_UP)


def duty_for(
    rate: Rate, *, value_for_duty: Decimal, quantity: Decimal | None, unit: str | None
) -> DutyAmount:
    """The customs duty ``rate`` levies on goods of this value (CAD) and quantity.

    ``unit`` is the unit of ``quantity`` (any spelling :func:`canonical_unit` knows); None means
    the rate's own unit. The quantity is converted within its dimension (g, kg, tonne; ml, litre,
    hl; each, dozen). Errors: RateNotApplicable, RateIncomplete, QuantityRequired, UnitMismatch,
    UnknownUnit, InvalidAmount.

    Each component is computed exactly and compared exactly; the one that applies is rounded to
    the cent, half-up. When an addition follows (``plus``), the two rounded figures are added, so
    the explanation's arithmetic adds up to the cent.
    """
    value = check_amount("value_for_duty", value_for_duty)
    if rate.kind is RateKind.NOT_APPLICABLE:
        raise RateNotApplicable(rate)
    if rate.kind is RateKind.INCOMPLETE:
        raise RateIncomplete(rate)
    if rate.kind is RateKind.FREE:
        return DutyAmount(Decimal("0.00"), _("Free"))
    assert rate.base is not None

    measured: _Quantity | None = None
    if rate.needs_quantity:
        assert rate.unit is not None
        if quantity is None:
            raise QuantityRequired(rate)
        given = check_amount("quantity", quantity)
        given_unit = canonical_unit(unit) if unit else rate.unit
        in_rate_unit = convert_quantity(given, from_unit=given_unit, to_unit=rate.unit)
        measured = _Quantity(in_rate_unit=in_rate_unit, given=given, given_unit=given_unit)

    regular = _apply(rate.base, value, measured)
    chosen, applied, explanation = regular, Applied.REGULAR, regular.explanation
    floor = _apply(rate.minimum, value, measured) if rate.minimum is not None else None
    ceiling = _apply(rate.maximum, value, measured) if rate.maximum is not None else None
    if floor is not None and floor.exact > regular.exact:
        chosen, applied = floor, Applied.MINIMUM
        explanation = message(
            _("%(chosen)s (greater than %(other)s)"), chosen=floor.explanation, other=regular.explanation
        )
    elif ceiling is not None and ceiling.exact < regular.exact:
        chosen, applied = ceiling, Applied.MAXIMUM
        explanation = message(
            _("%(chosen)s (less than %(other)s)"), chosen=ceiling.explanation, other=regular.explanation
        )
    elif floor is not None and ceiling is not None:
        explanation = message(
            _("%(chosen)s (not less than %(low)s, not more than %(high)s)"),
            chosen=regular.explanation,
            low=floor.explanation,
            high=ceiling.explanation,
        )
    elif floor is not None:
        explanation = message(
            _("%(chosen)s (not less than %(other)s)"), chosen=regular.explanation, other=floor.explanation
        )
    elif ceiling is not None:
        explanation = message(
            _("%(chosen)s (not more than %(other)s)"), chosen=regular.explanation, other=ceiling.explanation
        )

    amount = round_cents(chosen.exact)
    if rate.addition is not None:
        added = _apply(rate.addition, value, measured)
        amount += round_cents(added.exact)
        explanation = message(
            _("%(first)s, plus %(second)s; total %(amount)s"),
            first=explanation,
            second=added.explanation,
            amount=Number(amount, 2),
        )
    return DutyAmount(amount, explanation, applied)


__all__ = [
    "CANONICAL_UNITS",
    "AdValorem",
    "Applied",
    "Combination",
    "Component",
    "DutyAmount",
    "InvalidAmount",
    "QuantityRequired",
    "Rate",
    "RateError",
    "RateIncomplete",
    "RateKind",
    "RateNotApplicable",
    "RateSyntaxError",
    "SourceIssue",
    "Specific",
    "UnitMismatch",
    "UnknownUnit",
    "canonical_unit",
    "convert_quantity",
    "duty_for",
    "parse_rate",
    "round_cents",
]
