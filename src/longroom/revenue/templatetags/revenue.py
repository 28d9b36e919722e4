"""Template filters of the revenue pages: money as each language writes it."""

from __future__ import annotations

from decimal import Decimal

from django import template

from longroom.core.language import current_language

from ..documents import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None) -> str:
    """``$1,234.56`` on an English page, ``1 234,56 $`` on a French one; "—" for no amount."""
    if amount is None or amount == "":
        return "—"
    return format_money(Decimal(amount), current_language())
