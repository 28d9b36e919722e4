"""The two languages the site speaks, and which one a bilingual text is shown in."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import get_language


def current_language() -> Literal["en", "fr"]:
    """ "fr" when the active language is French (fr, fr-ca…), else "en"."""
    return "fr" if (get_language() or "en").startswith("fr") else "en"


def shown_text(english: str, french: str) -> tuple[str, str]:
    """The text to show the reader and the language it is really in: French when the page is in
    French and a French text exists, else English (which the page then marks as lang="en")."""
    if french and current_language() == "fr":
        return french, "fr"
    return english, "en"
