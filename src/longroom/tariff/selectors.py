"""Reads of the tariff: the edition in force on a date, an item with its place in the tree and its
rates, the tree itself, exchange rates and sales-tax rates. Everything here is public information,
so there is no per-user filtering; every question carries the date it is asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import (
    Edition,
    ExchangeRate,
    HsNode,
    HsSection,
    SalesTaxRate,
    TariffLine,
    TariffRate,
    format_tariff_number,
)
from .search.index import SearchIndex
from .treatments import treatment_name


class TariffLookupError(Exception):
    """A question the tariff cannot answer; `message` is for the user, `code` for programs."""

    code = "tariff_error"

    def __init__(self, message: str | Promise) -> None:
        self.message = message
        super().__init__(str(message))


class NoEditionInForce(TariffLookupError):
    code = "no_edition_in_force"


class UnknownTariffItem(TariffLookupError):
    code = "unknown_tariff_item"


class NoExchangeRate(TariffLookupError):
    code = "no_exchange_rate"


class NoTaxRate(TariffLookupError):
    code = "no_tax_rate"


def editions() -> list[Edition]:
    return list(Edition.objects.order_by("-effective_from"))


def edition_in_force(on: dt.date) -> Edition:
    edition = Edition.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if edition is None:
        first = Edition.objects.order_by("effective_from").first()
        if first is None:
            raise NoEditionInForce(_("No edition of the Customs Tariff has been loaded yet."))
        raise NoEditionInForce(
            _(
                "%(date)s is before the first loaded edition of the tariff (%(code)s, in force from %(first)s)."
            )
            % {"date": on.isoformat(), "code": first.code, "first": first.effective_from.isoformat()}
        )
    return edition


def normalise_number(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())


@dataclass(frozen=True)
class PathStep:
    """One step from the section down to the item, for breadcrumbs and the "place in the tree"."""

    code: str
    display: str
    kind: str  # section, chapter, heading, subheading, group, item, statistical
    description: str
    language: str


@dataclass(frozen=True)
class RateView:
    treatment: str
    treatment_name: str | Promise
    text: str
    inherited_from: str | None = None


@dataclass
class ItemView:
    edition: Edition
    line: TariffLine
    path: list[PathStep]
    rates: list[RateView] = field(default_factory=list)
    statistical_lines: list[TariffLine] = field(default_factory=list)

    @property
    def number(self) -> str:
        return self.line.number

    @property
    def display_number(self) -> str:
        return self.line.display_number

    def rate_for(self, treatment: str) -> RateView | None:
        return next((r for r in self.rates if r.treatment == treatment), None)


_LEVEL_KIND = {2: "chapter", 4: "heading", 6: "subheading", 8: "item", 10: "statistical"}


def tree_path(edition: Edition, number: str) -> list[PathStep]:
    """Section → chapter → heading → (Canadian groups) → subheading → … → the line itself."""
    steps: list[PathStep] = []
    hs_codes = [number[:k] for k in (2, 4, 6) if len(number) >= k]
    nodes = {n.code: n for n in HsNode.objects.filter(code__in=hs_codes).select_related("section")}
    if hs_codes and hs_codes[0] in nodes:
        section = nodes[hs_codes[0]].section
        steps.append(
            PathStep(section.number, section.number, "section", section.title, section.title_language)
        )
    lines = {
        line.number: line
        for line in TariffLine.objects.filter(
            edition=edition, number__in=[number[:k] for k in range(4, len(number) + 1)]
        )
    }
    for k in range(2, len(number) + 1):
        prefix = number[:k]
        line = lines.get(prefix)
        node = nodes.get(prefix)
        # The edition's own wording wins over the nomenclature's, which is UN Comtrade shorthand.
        if line is not None and line.description_en:
            steps.append(
                PathStep(
                    prefix,
                    line.display_number,
                    _LEVEL_KIND.get(k, "group"),
                    line.description,
                    line.description_language,
                )
            )
        elif node is not None:
            steps.append(
                PathStep(
                    prefix,
                    format_tariff_number(prefix),
                    _LEVEL_KIND[k],
                    node.description,
                    node.description_language,
                )
            )
    return steps


def tariff_item(number: str, on: dt.date) -> ItemView:
    """A tariff item (8 digits) or statistical line (10) as of `on`, with its rates per treatment."""
    digits = normalise_number(number)
    edition = edition_in_force(on)
    line = TariffLine.objects.filter(edition=edition, number=digits).first()
    if line is None or line.level not in (8, 10):  # 9 digits: a CBSA text row between item and line
        raise UnknownTariffItem(
            _("%(number)s is not a tariff item in edition %(edition)s.")
            % {"number": number.strip() or "—", "edition": edition.code}
        )
    rates = [
        RateView(r.treatment, treatment_name(r.treatment), r.text)
        for r in TariffRate.objects.filter(line=line).order_by("pk")
    ]
    if not rates and line.level == 10:
        parent = line.number[:8]
        rates = [
            RateView(
                r.treatment, treatment_name(r.treatment), r.text, inherited_from=format_tariff_number(parent)
            )
            for r in TariffRate.objects.filter(line__edition=edition, line__number=parent).order_by("pk")
        ]
    statistical = (
        list(
            TariffLine.objects.filter(edition=edition, level=10, number__startswith=line.number).order_by(
                "number"
            )
        )
        if line.level == 8
        else []
    )
    return ItemView(
        edition=edition,
        line=line,
        path=tree_path(edition, line.number),
        rates=rates,
        statistical_lines=statistical,
    )


@dataclass(frozen=True)
class PricedItem:
    """What a calculation needs of a tariff item: its line and the rate text per treatment."""

    line: TariffLine
    rates: dict[str, str]

    @property
    def display_number(self) -> str:
        return self.line.display_number


def priced_items(edition: Edition, numbers: set[str]) -> dict[str, PricedItem]:
    """Many items in two queries (a calculation of thousands of lines must not ask one by one).

    A statistical line without rates of its own takes its tariff item's. Unknown numbers are absent.
    """
    digits = {normalise_number(n) for n in numbers}
    wanted = digits | {n[:8] for n in digits if len(n) == 10}
    lines = {
        line.number: line
        for line in TariffLine.objects.filter(edition=edition, number__in=wanted, level__in=(8, 10))
    }
    rates: dict[str, dict[str, str]] = {}
    for number, treatment, text in TariffRate.objects.filter(line__in=list(lines.values())).values_list(
        "line__number", "treatment", "text"
    ):
        rates.setdefault(number, {})[treatment] = text
    return {
        number: PricedItem(lines[number], rates.get(number) or rates.get(number[:8], {}))
        for number in digits
        if number in lines
    }


@dataclass
class TreeNode:
    code: str
    display: str
    description: str
    language: str
    is_item: bool
    has_children: bool


def tree_sections() -> list[HsSection]:
    return list(HsSection.objects.prefetch_related("hsnode_set"))


def tree_children(code: str, on: dt.date) -> tuple[list[PathStep], list[TreeNode]]:
    """What sits directly under a chapter, heading, subheading or Canadian group, as of `on`."""
    digits = normalise_number(code)
    edition = edition_in_force(on)
    if len(digits) < 6:
        # Above the subheading the HS nomenclature is the tree; the edition hangs below it.
        children = [
            TreeNode(n.code, format_tariff_number(n.code), n.description, n.description_language, False, True)
            for n in HsNode.objects.filter(parent__code=digits).order_by("code")
        ]
        return tree_path(edition, digits), children
    below = list(
        TariffLine.objects.filter(edition=edition, number__startswith=digits, level__gt=len(digits))
        .order_by("number")
        .only("number", "level", "description_en", "description_fr")
    )
    # Direct children: lines with no other line of this subtree between them and `digits`.
    numbers = {line.number for line in below}
    direct = [
        line
        for line in below
        if not any(line.number[:k] in numbers for k in range(len(digits) + 1, line.level))
    ]
    nodes = [
        TreeNode(
            line.number,
            line.display_number,
            line.description or "—",
            line.description_language,
            line.level in (8, 10),
            any(other.startswith(line.number) and other != line.number for other in numbers),
        )
        for line in direct
        if line.level <= 8 or line.number[:8] not in numbers
    ]
    return tree_path(edition, digits), nodes


# --- Search ---------------------------------------------------------------------------------

SEARCH_LIMIT = 25
# The treatments shown beside each search result; the item page shows them all.
SUMMARY_TREATMENTS = ("MFN", "UST", "GT")


@dataclass
class SearchResult:
    code: str
    display: str
    kind: str
    description: str
    language: str
    heading: str  # the heading's text, since an item's own text is often just "Of cotton"
    # The texts between the heading and the code ("Sports footwear", "Of cotton"): "Other" alone
    # says nothing.
    qualifiers: list[str]
    path: list[tuple[str, str]]  # (code, display) from chapter down to the parent
    matched: tuple[str, ...]
    rates: list[RateView] = field(default_factory=list)

    @property
    def is_item(self) -> bool:
        return len(self.code) >= 8


def search(query: str, *, on: dt.date, language: str = "en", limit: int = SEARCH_LIMIT) -> list[SearchResult]:
    """Ranked codes for words (English or French) or a number prefix, with place in the tree and rates."""
    from .search_index import index_for

    edition = edition_in_force(on)
    index = index_for(edition)
    hits = index.search(query, language="fr" if language == "fr" else "en", limit=limit)
    item_numbers = {h.code for h in hits if len(h.code) >= 8} | {
        h.code[:8] for h in hits if len(h.code) == 10
    }
    rates: dict[str, list[RateView]] = {}
    for rate in TariffRate.objects.filter(
        line__edition=edition, line__number__in=item_numbers, treatment__in=SUMMARY_TREATMENTS
    ).values("line__number", "treatment", "text"):
        rates.setdefault(rate["line__number"], []).append(
            RateView(rate["treatment"], treatment_name(rate["treatment"]), rate["text"])
        )
    wanted = {h.code for h in hits} | {h.code[:4] for h in hits if len(h.code) > 4}
    texts: dict[str, tuple[str, str]] = {
        n.code: (n.description, n.description_language) for n in HsNode.objects.filter(code__in=wanted)
    }
    for line in TariffLine.objects.filter(edition=edition, number__in=wanted).only(
        "number", "description_en", "description_fr"
    ):
        if line.description_en:  # CBSA's wording over the nomenclature's shorthand
            texts[line.number] = (line.description, line.description_language)
    results = []
    for hit in hits:
        ancestors = [d.code for d in index.path(hit.code) if d.code != hit.code and len(d.code) % 2 == 0]
        description, text_language = texts.get(hit.code, ("—", "en"))
        results.append(
            SearchResult(
                code=hit.code,
                display=format_tariff_number(hit.code),
                kind=_LEVEL_KIND.get(len(hit.code), "group"),
                description=description,
                language=text_language,
                heading=texts.get(hit.code[:4], ("", "en"))[0] if len(hit.code) > 4 else "",
                qualifiers=_qualifiers(index, hit.code, language),
                path=[(code, format_tariff_number(code)) for code in ancestors],
                matched=hit.matched_terms,
                rates=rates.get(hit.code) or rates.get(hit.code[:8], []),
            )
        )
    return results


def _qualifiers(index: SearchIndex, code: str, language: str) -> list[str]:
    found = []
    for above, text_en, text_fr in index.lineage(code):
        if 4 < len(above) < len(code):
            text = text_fr if language == "fr" and text_fr else text_en
            # Merged documents read "nomenclature wording | CBSA wording"; the tariff's is shown.
            found.append(text.split(" | ")[-1].strip().rstrip(":").strip())
    return [text for text in found if text]


# --- Exchange and tax rates ------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeRateView:
    currency: str
    requested_for: dt.date
    published_on: dt.date
    rate: Decimal
    source: str

    @property
    def is_carried_forward(self) -> bool:
        return self.published_on != self.requested_for


def exchange_rate(currency: str, on: dt.date) -> ExchangeRateView:
    """The rate in force on `on`: that day's, else the latest earlier one within the allowed gap."""
    currency = currency.strip().upper()
    if currency == "CAD":
        return ExchangeRateView("CAD", on, on, Decimal(1), "")
    gap = dt.timedelta(days=settings.LONGROOM_FX_MAX_GAP_DAYS)
    found = (
        ExchangeRate.objects.filter(currency=currency, date__lte=on, date__gte=on - gap)
        .order_by("-date")
        .first()
    )
    if found is None:
        raise NoExchangeRate(
            _("No exchange rate for %(currency)s is published on or in the %(days)s days before %(date)s.")
            % {"currency": currency or "—", "days": settings.LONGROOM_FX_MAX_GAP_DAYS, "date": on.isoformat()}
        )
    return ExchangeRateView(currency, on, found.date, found.rate, found.source)


def exchange_currencies() -> list[str]:
    return sorted(set(ExchangeRate.objects.values_list("currency", flat=True)))


def exchange_rate_table(currency: str, *, until: dt.date, days: int = 31) -> list[ExchangeRate]:
    return list(
        ExchangeRate.objects.filter(
            currency=currency.upper(), date__lte=until, date__gt=until - dt.timedelta(days=days)
        ).order_by("-date")
    )


def _tax_in_force(jurisdiction: str, kind: str, on: dt.date) -> SalesTaxRate | None:
    return (
        SalesTaxRate.objects.filter(jurisdiction=jurisdiction, kind=kind, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
        .first()
    )


def sales_taxes(*, on: dt.date, province: str = "", casual: bool = False) -> list[SalesTaxRate]:
    """GST for commercial goods; for casual imports, HST in its place or PST/QST beside it (D17-1-22)."""
    gst = _tax_in_force("CA", SalesTaxRate.Kind.GST, on)
    if gst is None:
        raise NoTaxRate(_("No GST rate is recorded for %(date)s.") % {"date": on.isoformat()})
    if not casual or not province:
        return [gst]
    province = province.upper()
    hst = _tax_in_force(province, SalesTaxRate.Kind.HST, on)
    if hst is not None:
        return [hst]
    provincial = [
        tax
        for kind in (SalesTaxRate.Kind.PST, SalesTaxRate.Kind.QST)
        if (tax := _tax_in_force(province, kind, on)) is not None
    ]
    return [gst, *provincial]
