"""Encryption of stored secrets (IMAP passwords), keyed by LONGROOM_FIELD_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    # Fernet wants 32 url-safe base64 bytes; derive them so any strong string works as the key.
    digest = hashlib.sha256(settings.LONGROOM_FIELD_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt_secret(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "The stored secret cannot be decrypted with the current LONGROOM_FIELD_KEY."
        ) from exc
