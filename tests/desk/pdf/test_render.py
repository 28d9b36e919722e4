"""Previews, thumbnails and barcodes the clerk sees for an incoming document."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from longroom.desk.pdf import PdfSandboxError, render_pages

from . import pdfs


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_each_page_gets_a_preview_and_a_thumbnail_of_the_requested_widths() -> None:
    pages = render_pages(pdfs.a4_pdf(3), preview_width_px=900, thumb_width_px=150)
    assert [p.page_index for p in pages] == [0, 1, 2]
    for page in pages:
        preview, thumb = _png(page.preview_png), _png(page.thumbnail_png)
        assert preview.size == (page.width_px, page.height_px)
        assert page.width_px == 900 and abs(page.height_px - 900 * 841.89 / 595.28) <= 1
        assert thumb.width == page.thumb_width_px == 150


def test_max_pages_limits_the_work() -> None:
    assert len(render_pages(pdfs.reportlab_pdf(5), max_pages=2)) == 2


def test_rotated_pages_are_previewed_the_way_the_reader_sees_them() -> None:
    [page] = render_pages(pdfs.with_rotation(pdfs.reportlab_pdf(), 90), preview_width_px=792)
    assert (page.width_px, page.height_px) == (792, 612)


def test_the_printed_transaction_number_barcode_is_read() -> None:
    [page] = render_pages(pdfs.reportlab_pdf(transaction_number=pdfs.TRANSACTION_NUMBER))
    assert [(b.format, b.text, b.page_index) for b in page.barcodes] == [
        ("Code128", pdfs.TRANSACTION_NUMBER, 0)
    ]


def test_barcodes_are_read_on_the_page_they_are_printed_on() -> None:
    data = pdfs.reportlab_pdf(2, transaction_number=pdfs.TRANSACTION_NUMBER)
    first, second = render_pages(data)
    assert [b.text for b in first.barcodes] == [pdfs.TRANSACTION_NUMBER]
    assert second.barcodes == []


def test_a_barcode_on_a_sideways_scan_is_still_read() -> None:
    data = pdfs.with_rotation(pdfs.reportlab_pdf(transaction_number=pdfs.TRANSACTION_NUMBER), 90)
    [page] = render_pages(data)
    assert [b.text for b in page.barcodes] == [pdfs.TRANSACTION_NUMBER]


def test_a_file_pdfium_cannot_open_raises_value_error() -> None:
    with pytest.raises(ValueError, match="PDFium"):
        render_pages(b"%PDF-1.7\nthis is not really a pdf")


def test_render_respects_the_sandbox_timeout() -> None:
    with pytest.raises(PdfSandboxError) as caught:
        render_pages(pdfs.reportlab_pdf(3), timeout=0.0001)
    assert caught.value.kind == "timeout"


def test_a_long_document_can_be_rendered_in_slices() -> None:
    pages = render_pages(pdfs.reportlab_pdf(5), first_page=3, max_pages=2, decode=False)
    assert [p.page_index for p in pages] == [3, 4]
