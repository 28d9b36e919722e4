"""Write-once, content-addressed file storage on top of Django's storage API.

The same bytes are stored once, under their SHA-256, and never overwritten: what a client sent
can always be shown exactly as it arrived.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse

from .models import StoredFile


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_bytes(data: bytes) -> StoredFile:
    digest = sha256_hex(data)
    path = f"sha256/{digest[:2]}/{digest[2:4]}/{digest}"
    if not default_storage.exists(path):
        saved_as = default_storage.save(path, ContentFile(data))
        if saved_as != path:
            # Another process wrote the same bytes first; ours is an identical copy.
            default_storage.delete(saved_as)
    # One upsert that returns the row's id whether or not the bytes were already known, and no
    # savepoint: this runs for every message, attachment and preview. (The "update" rewrites the
    # same size: content addressed by its hash cannot change.)
    stored = StoredFile(sha256=digest, size=len(data), path=path)
    StoredFile.objects.bulk_create(
        [stored], update_conflicts=True, unique_fields=["sha256"], update_fields=["size"]
    )
    if stored.pk is None:
        return StoredFile.objects.get(sha256=digest)
    return stored


def read_bytes(stored: StoredFile) -> bytes:
    with default_storage.open(stored.path, "rb") as handle:
        data: bytes = handle.read()
    if sha256_hex(data) != stored.sha256:
        raise StoredFileCorrupted(stored.sha256)
    return data


def stored_file_response(
    stored: StoredFile, *, filename: str, content_type: str, as_attachment: bool = True
) -> FileResponse:
    """Serve stored bytes, checked against their address on the way out."""
    return FileResponse(
        iter([read_bytes(stored)]), content_type=content_type, as_attachment=as_attachment, filename=filename
    )


class StoredFileCorrupted(Exception):
    """The bytes on disk no longer match their address: storage was tampered with or damaged."""
