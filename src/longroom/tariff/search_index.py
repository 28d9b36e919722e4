"""The search index of one edition, built from the database once per process and kept in memory.

Building reads ~25,000 rows and takes a second or two; a query then takes milliseconds. The
index is keyed by the edition and the nomenclature's last change, so importing either makes the
next query rebuild it. Each web process holds its own (a few tens of MB).
"""

from __future__ import annotations

import threading

from django.db.models import Count, Max

from .models import Edition, HsNode
from .search.classify import Classifier
from .search.index import Document, SearchIndex
from .search.loading import clean, documents_from_rows, merge_documents

_lock = threading.Lock()
_cache: dict[tuple[int, str, str], SearchIndex] = {}


def _nomenclature_marker() -> str:
    # Imports add, remove or rewrite rows; count and highest id together change with each of those
    # the index cares about except a rewording, which the French titles file is the only source of.
    marker = HsNode.objects.aggregate(count=Count("pk"), last=Max("pk"))
    return f"{marker['count']}:{marker['last']}"


def edition_documents(edition: Edition) -> list[Document]:
    hs = documents_from_rows(HsNode.objects.values_list("code", "description_en", "description_fr"))
    lines = documents_from_rows(edition.lines.values_list("number", "description_en", "description_fr"))
    # An empty description (a handful of CBSA rows) still deserves a place in the tree.
    lines = [d if d.text_en else Document(d.code, d.level, clean("—"), d.text_fr, d.parent) for d in lines]
    return merge_documents(hs, lines)


def index_for(edition: Edition) -> SearchIndex:
    key = (edition.pk, edition.imported_at.isoformat(), _nomenclature_marker())
    index = _cache.get(key)
    if index is not None:
        return index
    with _lock:
        index = _cache.get(key)
        if index is None:
            index = SearchIndex.build(edition_documents(edition))
            # Keep only the newest few: an old edition's index is rebuilt if someone asks for it.
            while len(_cache) >= 3:
                _cache.pop(next(iter(_cache)))
            _cache[key] = index
    return index


_classifiers: dict[int, Classifier] = {}


def classifier_for(edition: Edition) -> Classifier:
    """The classifier over the edition's index; rebuilt whenever the index is."""
    index = index_for(edition)
    classifier = _classifiers.get(id(index))
    if classifier is None:
        with _lock:
            _classifiers.clear()  # only the current index's classifier is kept
            classifier = _classifiers[id(index)] = Classifier(index)
    return classifier


def warm_in_background() -> None:
    """Build the index of the edition in force today in a thread, so a web process's first
    search does not wait the 2–4 s it takes. Nothing to warm (no edition, no tables yet) is fine."""

    def build() -> None:
        from django.db import DatabaseError, connection
        from django.utils import timezone

        from .selectors import NoEditionInForce, edition_in_force

        try:
            index_for(edition_in_force(timezone.localdate()))
        except (NoEditionInForce, DatabaseError):
            pass
        finally:
            connection.close()

    threading.Thread(target=build, name="tariff-index-warm-up", daemon=True).start()
