"""Fixtures for the mail tests: a private Dovecot for IMAP (skipped when absent)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.dovecot import DovecotServer, find_dovecot, running_dovecot


@pytest.fixture(autouse=True)
def _isolated_files() -> None:
    """Override the project-wide autouse fixture: this package uses no Django settings.

    Keeps ``pytest tests/desk/mail -p no:django`` working (the parent fixture
    needs pytest-django's ``settings``).
    """


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A private Dovecot IMAP server on 127.0.0.1 (one per test session)."""
    if find_dovecot() is None:
        pytest.skip(
            "dovecot is not installed (apt-get install dovecot-imapd) - IMAP tests need a real server"
        )
    with running_dovecot() as server:
        yield server
