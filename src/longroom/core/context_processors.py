from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url


def longroom(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the demo banner flag and the link to the page in the other language."""
    current = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    other = "fr" if current == "en" else "en"
    path = request.get_full_path()
    return {
        "LONGROOM_DEMO": settings.LONGROOM_DEMO,
        "other_language": other,
        "other_language_url": translate_url(path, other),
    }
