"""Page previews, thumbnails and barcode decoding with PDFium + zxing-cpp (sandboxed)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from .sandbox import call_limits, run_sandboxed

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["DecodedBarcode", "PageRender", "decode_barcodes", "render_pages"]

log = logging.getLogger(__name__)

# Code128 printed with ~1.2 pt bars is missed below 150 dpi (measured, see domain notes).
_MIN_BARCODE_DPI: Final[int] = 150
# A crafted /MediaBox can ask for a bitmap of many gigabytes: cap pixels, lower the dpi instead.
_MAX_RENDER_PIXELS: Final[int] = 40_000_000
# zxing's time grows with the pixel count; A3 at 150 dpi is ~4.4 MP.
_MAX_ANALYSIS_PIXELS: Final[int] = 12_000_000
# Pillow's PNG writer costs ~20 ms per A4 preview whatever the level; above 3 it only gets slower.
_PNG_COMPRESS_LEVEL: Final[int] = 3


@dataclass(frozen=True, slots=True)
class DecodedBarcode:
    """A barcode found on a page: ``format`` is zxing-cpp's name, e.g. ``"Code128"``, ``"QRCode"``."""

    format: str
    text: str
    page_index: int


@dataclass(frozen=True, slots=True)
class PageRender:
    """One rendered page: PNG preview and thumbnail (RGB) plus barcodes decoded from it."""

    page_index: int
    preview_png: bytes = field(repr=False)
    thumbnail_png: bytes = field(repr=False)
    width_px: int
    height_px: int
    thumb_width_px: int
    thumb_height_px: int
    barcodes: list[DecodedBarcode] = field(default_factory=list)


def render_pages(
    data: bytes,
    *,
    dpi: int = 150,
    max_pages: int | None = None,
    preview_width_px: int = 1200,
    thumb_width_px: int = 200,
    decode: bool = True,
    first_page: int = 0,
    timeout: float | None = None,
    memory_bytes: int | None = None,
) -> list[PageRender]:
    """Render pages of ``data`` in the sandbox; ``width_px``/``height_px`` are the preview's.

    Previews are rendered at ``preview_width_px`` wide; ``dpi`` is the resolution of the separate
    greyscale render that barcodes are decoded from (at least 150 dpi).  Raises
    :class:`~longroom.desk.pdf.sandbox.PdfSandboxError` on timeout/memory/crash and
    ``ValueError`` when PDFium cannot open the file (inspect it first).  ``decode=False`` skips
    barcode decoding; ``first_page`` (0-based) with ``max_pages`` renders one slice of a long
    document, so each sandbox call stays short; ``timeout`` / ``memory_bytes`` override the
    sandbox defaults.
    """
    return run_sandboxed(
        _render_in_worker,
        data,
        dpi,
        max_pages,
        preview_width_px,
        thumb_width_px,
        decode,
        first_page,
        **call_limits(timeout, memory_bytes),
    )


# --------------------------------------------------------------------------- worker side


def _barcode_formats() -> Any:
    import zxingcpp

    f = zxingcpp.BarcodeFormat
    return f.Code128 | f.QRCode | f.DataMatrix | f.PDF417


def decode_barcodes(image: Image.Image, page_index: int) -> list[DecodedBarcode]:
    """Decode Code128 / QR / DataMatrix / PDF417 from a PIL image; never raises.

    A full A4 page can hide a code that a crop finds (zxing's detector samples rows/regions
    sparsely), so the top and bottom halves are tried too, and results merged.
    """
    import zxingcpp

    gray = image if image.mode == "L" else image.convert("L")
    width, height = gray.size
    regions = [
        gray,
        gray.crop((0, 0, width, int(height * 0.55))),
        gray.crop((0, int(height * 0.45), width, height)),
    ]
    found: dict[tuple[str, str], DecodedBarcode] = {}
    formats = _barcode_formats()
    for number, region in enumerate(regions):
        try:
            # Rotated symbols are searched on the whole page only: that is where the cost is.
            results = zxingcpp.read_barcodes(
                region, formats=formats, try_invert=False, try_rotate=number == 0, try_downscale=number == 0
            )
        except Exception as exc:  # zxing can throw on odd images; a page without codes is fine
            log.debug("barcode decoding failed on page %d: %s", page_index, exc)
            continue
        for result in results:
            if not result.valid or not result.text:
                continue
            name = result.format.name if hasattr(result.format, "name") else str(result.format)
            key = (name, result.text)
            found.setdefault(key, DecodedBarcode(format=name, text=result.text, page_index=page_index))
    return list(found.values())


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=_PNG_COMPRESS_LEVEL)
    return out.getvalue()


def _scaled(image: Image.Image, width: int) -> Image.Image:
    from PIL import Image

    if image.width == width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=2.0)


def render_page_image(
    page: Any, scale: float, *, grayscale: bool = False, max_pixels: int = _MAX_RENDER_PIXELS
) -> Image.Image:
    """Render a PDFium page at ``scale`` (pixels per point), capping the pixel count.

    Returns an RGB image, or an L image when ``grayscale``.
    """
    width_pt, height_pt = page.get_size()
    pixels = width_pt * height_pt * scale * scale
    if pixels > max_pixels:
        scale *= (max_pixels / pixels) ** 0.5
    if grayscale:
        image = page.render(scale=scale, may_draw_forms=True, grayscale=True).to_pil()
        return image if image.mode == "L" else image.convert("L")
    image = page.render(scale=scale, may_draw_forms=True, rev_byteorder=True).to_pil()
    return image if image.mode == "RGB" else image.convert("RGB")


def _render_in_worker(
    data: bytes,
    dpi: int,
    max_pages: int | None,
    preview_width_px: int,
    thumb_width_px: int,
    decode: bool,
    first_page: int = 0,
) -> list[PageRender]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ValueError(f"PDFium cannot open the file: {exc}") from None
    renders: list[PageRender] = []
    try:
        # Without a form environment PDFium skips widget appearances (signature stamps).
        doc.init_forms()
        end = len(doc) if max_pages is None else min(len(doc), first_page + max_pages)
        for index in range(max(first_page, 0), end):
            page = doc[index]
            try:
                width_pt, _ = page.get_size()
                # Rendering twice is cheaper than resampling one large bitmap with Pillow.
                preview = render_page_image(page, preview_width_px / width_pt)
                analysis = (
                    render_page_image(
                        page, max(dpi, _MIN_BARCODE_DPI) / 72, grayscale=True, max_pixels=_MAX_ANALYSIS_PIXELS
                    )
                    if decode
                    else None
                )
            finally:
                page.close()
            thumb = _scaled(preview, thumb_width_px)
            renders.append(
                PageRender(
                    page_index=index,
                    preview_png=_png(preview),
                    thumbnail_png=_png(thumb),
                    width_px=preview.width,
                    height_px=preview.height,
                    thumb_width_px=thumb.width,
                    thumb_height_px=thumb.height,
                    barcodes=decode_barcodes(analysis, index) if analysis is not None else [],
                )
            )
    finally:
        doc.close()
    return renders
