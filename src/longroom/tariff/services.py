"""Writes owned by the tariff app: importing editions, the HS nomenclature, exchange and tax rates.

Each import is one transaction: a file with any bad row is refused whole (SourceRejected, with
every row-level error) and nothing is written; importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from longroom.core import audit
from longroom.core.importing import RowError, SourceRejected
from longroom.core.models import User

from .models import Edition, ExchangeRate, HsNode, HsSection, SalesTaxRate, TariffLine, TariffRate
from .sources import HsSource, TariffSource, read_exchange_rates, read_tariff

DATA_DIR = Path(__file__).resolve().parent / "data"
# Changes listed one by one in the report; beyond this only the counts are kept.
CHANGE_DETAIL_LIMIT = 200


class EditionConflict(Exception):
    pass


@dataclass
class EditionReport:
    edition: Edition
    created: bool
    previous: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)


def tariff_edition_import(
    *,
    path: Path,
    code: str,
    effective_from: dt.date,
    actor: User | None = None,
    is_sample: bool = False,
    replace: bool = False,
) -> EditionReport:
    """Load one edition from a file. Same code and same content again: nothing changes."""
    code = code.strip()
    if not code:
        raise SourceRejected([RowError(0, "edition", _("give the edition a code, e.g. T2026-0"))])
    source = read_tariff(path)
    existing = Edition.objects.filter(code=code).first()
    if (
        existing is not None
        and existing.content_sha256 == source.sha256
        and existing.effective_from == effective_from
    ):
        return EditionReport(edition=existing, created=False, changes=existing.changes)
    if existing is not None and not replace:
        raise EditionConflict(
            _(
                "Edition %(code)s is already loaded from other content; pass --replace to load this file in its place."
            )
            % {"code": code}
        )
    same_day = Edition.objects.filter(effective_from=effective_from).exclude(code=code).first()
    # A demonstration sample gives way to the real edition of the same date; two real ones conflict.
    replaces_sample = same_day is not None and same_day.is_sample and not is_sample
    if same_day is not None and not replaces_sample:
        raise EditionConflict(
            _("Edition %(other)s already takes effect on %(date)s.")
            % {"other": same_day.code, "date": effective_from}
        )
    with transaction.atomic():
        if existing is not None:
            existing.delete()
        if replaces_sample and same_day is not None:
            audit.record(
                verb="tariff.edition_withdrawn", subject=same_day, actor=actor, data={"replaced_by": code}
            )
            same_day.delete()
        previous = (
            Edition.objects.filter(effective_from__lt=effective_from).order_by("-effective_from").first()
        )
        edition = Edition.objects.create(
            code=code,
            effective_from=effective_from,
            is_sample=is_sample,
            source_name=source.name[:300],
            content_sha256=source.sha256,
            treatments=source.treatments,
            line_count=len(source.rows),
            item_count=sum(1 for r in source.rows if len(r.number) == 8),
            has_french=any(r.description_fr for r in source.rows),
            imported_by=actor if actor is not None and actor.pk else None,
        )
        _store_lines(edition, source)
        edition.changes = (
            _changes_since(previous, edition) if previous is not None else {"first_edition": True}
        )
        edition.save(update_fields=["changes"])
        audit.record(
            verb="tariff.edition_imported" if existing is None else "tariff.edition_replaced",
            subject=edition,
            actor=actor,
            data={
                "source": source.name,
                "sha256": source.sha256,
                "effective_from": effective_from.isoformat(),
                "lines": edition.line_count,
                "previous": previous.code if previous else None,
                "counts": edition.changes.get("counts", {}),
            },
        )
    return EditionReport(
        edition=edition, created=True, previous=previous.code if previous else None, changes=edition.changes
    )


def _store_lines(edition: Edition, source: TariffSource) -> None:
    lines = TariffLine.objects.bulk_create(
        [
            TariffLine(
                edition=edition,
                number=row.number,
                level=len(row.number),
                description_en=row.description_en,
                description_fr=row.description_fr,
                unit_of_measure=row.unit_of_measure[:12],
                footnote=row.footnote,
                item_effective_from=row.item_effective_from,
            )
            for row in source.rows
        ],
        batch_size=2000,
    )
    if any(line.pk is None for line in lines):  # backends that do not return ids from bulk inserts
        ids = dict(TariffLine.objects.filter(edition=edition).values_list("number", "pk"))
        for line in lines:
            line.pk = ids[line.number]
    TariffRate.objects.bulk_create(
        [
            TariffRate(line_id=line.pk, treatment=treatment, text=text[:200])
            for line, row in zip(lines, source.rows, strict=True)
            for treatment, text in row.rates.items()
        ],
        batch_size=5000,
    )


def _snapshot(edition: Edition) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    descriptions = dict(
        TariffLine.objects.filter(edition=edition, level__gte=8).values_list("number", "description_en")
    )
    rates = {
        (number, treatment): text
        for number, treatment, text in TariffRate.objects.filter(line__edition=edition).values_list(
            "line__number", "treatment", "text"
        )
    }
    return descriptions, rates


def _changes_since(previous: Edition, edition: Edition) -> dict[str, Any]:
    """Items added and removed, rates changed per treatment, descriptions reworded."""
    old_descriptions, old_rates = _snapshot(previous)
    new_descriptions, new_rates = _snapshot(edition)
    added = sorted(set(new_descriptions) - set(old_descriptions))
    removed = sorted(set(old_descriptions) - set(new_descriptions))
    reworded = sorted(
        n for n in set(new_descriptions) & set(old_descriptions) if new_descriptions[n] != old_descriptions[n]
    )
    rate_changes = sorted(
        (number, treatment, old_rates.get((number, treatment), ""), new_rates.get((number, treatment), ""))
        for number, treatment in set(old_rates) | set(new_rates)
        if number in new_descriptions
        and number in old_descriptions
        and old_rates.get((number, treatment)) != new_rates.get((number, treatment))
    )
    return {
        "previous": previous.code,
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "rates_changed": len(rate_changes),
            "reworded": len(reworded),
        },
        "added": added[:CHANGE_DETAIL_LIMIT],
        "removed": removed[:CHANGE_DETAIL_LIMIT],
        "rates_changed": [list(c) for c in rate_changes[:CHANGE_DETAIL_LIMIT]],
        "reworded": reworded[:CHANGE_DETAIL_LIMIT],
    }


@dataclass
class NomenclatureReport:
    source: str
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.removed)


def hs_nomenclature_import(*, source: HsSource, actor: User | None = None) -> NomenclatureReport:
    """Bring sections, chapters, headings and subheadings in line with `source`; French titles from our own file."""
    french = _french_titles()
    report = NomenclatureReport(source=source.name)
    with transaction.atomic():
        sections: dict[str, HsSection] = {}
        existing_sections = {s.number: s for s in HsSection.objects.all()}
        for position, (number, title) in enumerate(source.sections.items(), start=1):
            section = existing_sections.get(number) or HsSection(number=number)
            wanted = (position, title, french.get(number, section.title_fr))
            if section.pk is None or (section.position, section.title_en, section.title_fr) != wanted:
                # Positions are unique; park the row out of the way before renumbering.
                if section.pk is not None and section.position != position:
                    HsSection.objects.filter(position=position).exclude(pk=section.pk).update(
                        position=10000 + position
                    )
                section.position, section.title_en, section.title_fr = wanted
                section.save()
            sections[number] = section
        existing = {n.code: n for n in HsNode.objects.all()}
        incoming = {row.code for row in source.nodes}
        gone = [code for code in existing if code not in incoming]
        if gone:
            # Children go with their parent (CASCADE); one still in the file is created again below.
            HsNode.objects.filter(code__in=gone).delete()
            existing = {n.code: n for n in HsNode.objects.all()}
            report.removed = len(gone)
        by_code: dict[str, HsNode] = {}
        for row in source.nodes:  # parents come before children in the file
            node = existing.get(row.code)
            description_fr = french.get(row.code, node.description_fr if node else "")
            parent = by_code.get(row.parent) if row.parent else None
            wanted_node = (
                row.level,
                parent.pk if parent else None,
                sections[row.section].pk,
                row.description,
                description_fr,
            )
            if node is None:
                node = HsNode.objects.create(
                    code=row.code,
                    level=row.level,
                    parent=parent,
                    section=sections[row.section],
                    description_en=row.description,
                    description_fr=description_fr,
                )
                report.added += 1
            elif (
                node.level,
                node.parent_id,
                node.section_id,
                node.description_en,
                node.description_fr,
            ) != wanted_node:
                node.level, node.parent, node.section = row.level, parent, sections[row.section]
                node.description_en, node.description_fr = row.description, description_fr
                node.save()
                report.changed += 1
            by_code[row.code] = node
        HsSection.objects.exclude(number__in=list(source.sections)).filter(hsnode=None).delete()
        if not report.unchanged:
            audit.record(
                verb="tariff.nomenclature_imported",
                subject=sections[next(iter(sections))],
                actor=actor,
                data={
                    "source": source.name,
                    "added": report.added,
                    "changed": report.changed,
                    "removed": report.removed,
                },
            )
    return report


def _french_titles() -> dict[str, str]:
    path = DATA_DIR / "hs_titles_fr.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        return {row["code"].strip(): row["title_fr"].strip() for row in csv.DictReader(handle)}


@dataclass
class RatesReport:
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def exchange_rates_import(*, path: Path, actor: User | None = None) -> RatesReport:
    name, rows = read_exchange_rates(path)
    report = RatesReport(source=name)
    with transaction.atomic():
        existing = {
            (r.currency, r.date): r
            for r in ExchangeRate.objects.filter(
                currency__in={row.currency for row in rows}, date__in={row.date for row in rows}
            )
        }
        to_create: list[ExchangeRate] = []
        for row in rows:
            current = existing.get((row.currency, row.date))
            if current is None:
                to_create.append(
                    ExchangeRate(currency=row.currency, date=row.date, rate=row.rate, source=row.source)
                )
                report.added += 1
            elif current.rate != row.rate or current.source != row.source:
                current.rate, current.source = row.rate, row.source
                current.save(update_fields=["rate", "source", "updated_at"])
                report.updated += 1
            else:
                report.unchanged += 1
        ExchangeRate.objects.bulk_create(to_create, batch_size=2000)
        if report.added or report.updated:
            first = ExchangeRate.objects.filter(currency=rows[0].currency, date=rows[0].date).get()
            audit.record(
                verb="tariff.exchange_rates_imported",
                subject=first,
                actor=actor,
                data={"source": name, "added": report.added, "updated": report.updated},
            )
    return report


def exchange_rate_set(
    *, actor: User, currency: str, date: dt.date, rate: Decimal, source: str
) -> ExchangeRate:
    """An administrator publishes or corrects one day's rate; the before/after is audited."""
    with transaction.atomic():
        current = (
            ExchangeRate.objects.select_for_update().filter(currency=currency.upper(), date=date).first()
        )
        before = str(current.rate.normalize()) if current else None
        if current is None:
            current = ExchangeRate.objects.create(
                currency=currency.upper(), date=date, rate=rate, source=source
            )
        else:
            current.rate, current.source = rate, source
            current.save(update_fields=["rate", "source", "updated_at"])
        audit.record(
            verb="tariff.exchange_rate_set",
            subject=current,
            actor=actor,
            data={
                "currency": current.currency,
                "date": date.isoformat(),
                "before": before,
                "after": str(Decimal(rate).normalize()),
            },
        )
    return current


def exchange_rate_delete(*, actor: User, exchange_rate: ExchangeRate) -> None:
    with transaction.atomic():
        audit.record(
            verb="tariff.exchange_rate_deleted",
            subject=exchange_rate,
            actor=actor,
            data={
                "currency": exchange_rate.currency,
                "date": exchange_rate.date.isoformat(),
                "before": str(exchange_rate.rate),
            },
        )
        exchange_rate.delete()


_TAX_FIELDS = ("jurisdiction", "kind", "rate_percent", "valid_from", "valid_to", "source")


def _tax_snapshot(tax: SalesTaxRate) -> dict[str, str | None]:
    return {name: None if getattr(tax, name) is None else str(getattr(tax, name)) for name in _TAX_FIELDS}


def sales_tax_rate_save(*, actor: User, tax: SalesTaxRate) -> SalesTaxRate:
    """An administrator adds or corrects a GST/HST/PST/QST period; the before/after is audited,
    since every later estimate and declaration depends on it."""
    with transaction.atomic():
        stored = SalesTaxRate.objects.select_for_update().filter(pk=tax.pk).first() if tax.pk else None
        before = _tax_snapshot(stored) if stored is not None else None
        tax.save()
        audit.record(
            verb="tariff.sales_tax_rate_saved",
            subject=tax,
            actor=actor,
            data={"before": before, "after": _tax_snapshot(tax)},
        )
    return tax


def sales_tax_rate_delete(*, actor: User, tax: SalesTaxRate) -> None:
    with transaction.atomic():
        audit.record(
            verb="tariff.sales_tax_rate_deleted",
            subject=tax,
            actor=actor,
            data={"before": _tax_snapshot(tax)},
        )
        tax.delete()
