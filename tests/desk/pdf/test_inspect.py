"""Intake: every incoming file ends in a clear state - usable, or refused with a stable code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from longroom.desk.pdf import inspect_pdf, render_pages

from . import pdfs

# Small limits keep the hostile-file tests quick; production defaults are 20 s / 1.5 GiB.
HOSTILE_LIMITS: dict[str, Any] = {"timeout": 10.0, "memory_bytes": 768 * 1024**2}


def test_a_normal_pdf_is_accepted_with_its_page_count_and_sizes() -> None:
    result = inspect_pdf(pdfs.reportlab_pdf(3))
    assert result.ok and result.problem is None
    assert result.page_count == 3
    assert result.page_sizes == [(612.0, 792.0)] * 3
    assert not result.repaired and result.repaired_pdf is None


def test_rotated_pages_report_the_size_the_reader_sees() -> None:
    result = inspect_pdf(pdfs.with_rotation(pdfs.reportlab_pdf(), 90))
    assert result.page_sizes == [(792.0, 612.0)]


def test_page_size_uses_the_visible_box_even_off_origin() -> None:
    result = inspect_pdf(pdfs.offset_mediabox_pdf(rotate=270))
    assert result.page_sizes == [(592.0, 612.0)]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a....",
        b"<html><body>" + b" " * 2000 + b"%PDF-1.7 quoted too late</body></html>",
        b"\x00" * 2048,
    ],
    ids=["empty", "gif", "html-mentioning-pdf-late", "zeros"],
)
def test_non_pdf_files_are_refused_as_not_pdf(data: bytes) -> None:
    result = inspect_pdf(data)
    assert (result.ok, result.problem) == (False, "not_pdf")
    assert result.message


def test_a_pdf_header_after_some_junk_is_still_a_pdf() -> None:
    assert inspect_pdf(b"\r\n" * 100 + pdfs.reportlab_pdf()).ok


def test_encrypted_pdf_is_refused_with_a_clear_code() -> None:
    result = inspect_pdf(pdfs.user_password_pdf())
    assert (result.ok, result.problem) == (False, "encrypted")


@pytest.mark.parametrize("maker", [pdfs.owner_password_only_rc4, pdfs.owner_password_only_aes256])
def test_owner_password_only_pdf_is_accepted_and_flagged(maker: Callable[[], bytes]) -> None:
    result = inspect_pdf(maker())
    assert result.ok
    assert result.owner_password_only


def test_too_many_pages_is_refused_with_the_count() -> None:
    result = inspect_pdf(pdfs.reportlab_pdf(12), max_pages=10)
    assert (result.ok, result.problem, result.page_count) == (False, "too_many_pages", 12)


def test_a_damaged_pdf_is_repaired_and_the_copy_is_offered_for_stamping() -> None:
    original = pdfs.broken_startxref(pdfs.reportlab_pdf(2))
    result = inspect_pdf(original)
    assert result.ok and result.repaired
    assert result.repaired_pdf is not None and result.repaired_pdf != original
    assert result.usable_pdf(original) is result.repaired_pdf
    assert inspect_pdf(result.repaired_pdf).repaired is False
    assert len(render_pages(result.repaired_pdf, decode=False)) == 2


def test_a_truncated_pdf_is_unreadable() -> None:
    result = inspect_pdf(pdfs.reportlab_pdf()[:300])
    assert (result.ok, result.problem) == (False, "unreadable")


def test_a_page_tree_loop_is_unreadable_not_a_hang() -> None:
    assert inspect_pdf(pdfs.page_tree_cycle(), **HOSTILE_LIMITS).problem == "unreadable"


def test_endlessly_nested_objects_are_unreadable_not_a_crash() -> None:
    assert inspect_pdf(pdfs.deeply_nested(), **HOSTILE_LIMITS).problem == "unreadable"


def test_a_compression_bomb_is_stopped_by_the_memory_limit() -> None:
    result = inspect_pdf(pdfs.flate_bomb(), **HOSTILE_LIMITS)
    assert (result.ok, result.problem) == (False, "memory"), result.detail


def test_a_self_drawing_form_is_stopped_not_left_running() -> None:
    result = inspect_pdf(pdfs.self_referencing_xobject(), **HOSTILE_LIMITS)
    assert result.problem in {"memory", "timeout"}, result.detail


def test_a_gigantic_page_renders_at_a_capped_size() -> None:
    data = pdfs.huge_page()
    assert inspect_pdf(data).page_sizes == [(200000.0, 200000.0)]
    [page] = render_pages(data, preview_width_px=600, thumb_width_px=100)
    assert (page.width_px, page.height_px) == (600, 600)


def test_the_pool_still_serves_normal_files_after_hostile_ones() -> None:
    inspect_pdf(pdfs.flate_bomb(), **HOSTILE_LIMITS)
    assert inspect_pdf(pdfs.reportlab_pdf()).ok
