"""The Customs Tariff by edition, the HS nomenclature above it, exchange rates and sales-tax rates.

An edition is a whole snapshot of the tariff as published, with the date it took effect. A
question "as of" a date is answered by the edition in force that day, so an edition never has
to be patched in place and an old declaration can always be recomputed with the rates of its day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from longroom.core.language import shown_text


class HsSection(models.Model):
    """One of the 21 sections of the Harmonized System (I to XXI)."""

    number = models.CharField(_("section"), max_length=5, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), unique=True)
    title_en = models.TextField(_("title (English)"))
    title_fr = models.TextField(_("title (French)"), blank=True)

    class Meta:
        verbose_name = _("HS section")
        verbose_name_plural = _("HS sections")
        ordering = ("position",)

    def __str__(self) -> str:
        return f"{self.number} {self.title_en}"

    @property
    def title(self) -> str:
        return shown_text(self.title_en, self.title_fr)[0]

    @property
    def title_language(self) -> str:
        return shown_text(self.title_en, self.title_fr)[1]


class HsNode(models.Model):
    """A chapter (2 digits), heading (4) or subheading (6) of the HS nomenclature."""

    code = models.CharField(_("code"), max_length=6, unique=True)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    section = models.ForeignKey(HsSection, verbose_name=_("section"), on_delete=models.PROTECT)
    description_en = models.TextField(_("description (English)"))
    description_fr = models.TextField(_("description (French)"), blank=True)

    class Meta:
        verbose_name = _("HS code")
        verbose_name_plural = _("HS codes")
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=(2, 4, 6)), name="hs_node_level_2_4_6"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description_en}"

    @property
    def description(self) -> str:
        return shown_text(self.description_en, self.description_fr)[0]

    @property
    def description_language(self) -> str:
        return shown_text(self.description_en, self.description_fr)[1]


class Edition(models.Model):
    """One published edition of the Customs Tariff (e.g. T2026-0), in force from a date."""

    code = models.CharField(_("edition"), max_length=40, unique=True)
    effective_from = models.DateField(_("in force from"), unique=True)
    is_sample = models.BooleanField(
        _("sample"), default=False, help_text=_("A small demonstration extract, not the full tariff.")
    )
    source_name = models.CharField(_("source file"), max_length=300)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    treatments = models.JSONField(_("tariff treatments"), default=list)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    item_count = models.PositiveIntegerField(_("tariff items"), default=0)
    has_french = models.BooleanField(_("has French descriptions"), default=False)
    # What changed against the edition in force before this one, kept so the report can be read again.
    changes = models.JSONField(_("changes from the previous edition"), default=dict, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tariff edition")
        verbose_name_plural = _("tariff editions")
        ordering = ("-effective_from",)

    def __str__(self) -> str:
        return self.code


class TariffLine(models.Model):
    """A row of an edition: heading and dash-level text, tariff item (8 digits) or statistical line (10)."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="lines"
    )
    number = models.CharField(_("number"), max_length=10)
    level = models.PositiveSmallIntegerField(_("digits"))
    description_en = models.TextField(_("description (English)"))
    description_fr = models.TextField(_("description (French)"), blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=12, blank=True)
    footnote = models.TextField(_("footnote"), blank=True)
    item_effective_from = models.DateField(_("item in force from"), null=True, blank=True)

    class Meta:
        verbose_name = _("tariff line")
        verbose_name_plural = _("tariff lines")
        ordering = ("edition", "number")
        constraints = [
            models.UniqueConstraint(fields=("edition", "number"), name="tariff_line_unique_per_edition"),
        ]
        indexes = [models.Index(fields=("edition", "level"), name="tariff_line_edition_level")]

    def __str__(self) -> str:
        return f"{format_tariff_number(self.number)} {self.description_en}"

    @property
    def display_number(self) -> str:
        return format_tariff_number(self.number)

    @property
    def description(self) -> str:
        return shown_text(self.description_en, self.description_fr)[0]

    @property
    def description_language(self) -> str:
        return shown_text(self.description_en, self.description_fr)[1]


class TariffRate(models.Model):
    """The rate of duty for one tariff treatment, as published (text) — parsed when it is used."""

    line = models.ForeignKey(
        TariffLine, verbose_name=_("tariff line"), on_delete=models.CASCADE, related_name="rates"
    )
    treatment = models.CharField(_("tariff treatment"), max_length=8)
    text = models.CharField(_("rate as published"), max_length=200)

    class Meta:
        verbose_name = _("rate of duty")
        verbose_name_plural = _("rates of duty")
        constraints = [
            models.UniqueConstraint(fields=("line", "treatment"), name="tariff_rate_unique_per_treatment"),
        ]

    def __str__(self) -> str:
        return f"{self.treatment} {self.text}"


class ExchangeRate(models.Model):
    """Canadian dollars for one unit of a currency, as published for one business day."""

    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("CAD per unit"), max_digits=20, decimal_places=10)
    source = models.CharField(_("source"), max_length=100)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ("currency", "-date")
        constraints = [
            models.UniqueConstraint(fields=("currency", "date"), name="exchange_rate_unique_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date} {self.rate}"


class SalesTaxRate(models.Model):
    """GST, HST, PST or QST for a jurisdiction over a period — never hard-coded, since rates change."""

    class Kind(models.TextChoices):
        GST = "GST", _("Goods and services tax (GST)")
        HST = "HST", _("Harmonized sales tax (HST)")
        PST = "PST", _("Provincial sales tax (PST)")
        QST = "QST", _("Quebec sales tax (QST)")

    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=2, help_text=_("CA for federal, else the province or territory code.")
    )
    kind = models.CharField(_("tax"), max_length=3, choices=Kind.choices)
    rate_percent = models.DecimalField(_("rate (%)"), max_digits=6, decimal_places=3)
    valid_from = models.DateField(_("in force from"))
    valid_to = models.DateField(_("in force until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("sales tax rate")
        verbose_name_plural = _("sales tax rates")
        ordering = ("jurisdiction", "kind", "valid_from")
        constraints = [
            models.UniqueConstraint(
                fields=("jurisdiction", "kind", "valid_from"), name="sales_tax_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.kind} {self.rate_percent} %"


def format_tariff_number(digits: str) -> str:
    """`61091000` → `6109.10.00`, `6109100011` → `6109.10.00.11`, `6109` → `6109`: as CBSA prints them."""
    if len(digits) <= 4:
        return digits
    parts = [digits[:4]] + [digits[i : i + 2] for i in range(4, len(digits), 2)]
    return ".".join(parts)
