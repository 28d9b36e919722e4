"""On-screen Code 128: crisp, accessible, and readable by a scanner."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # parses only SVG we generate ourselves

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from longroom.desk.pdf import code128_svg, code128_values

SVG = "{http://www.w3.org/2000/svg}"


def _rasterise(svg: str, scale: int = 1) -> Image.Image:
    """Draw the SVG's rectangles with Pillow: the same bars a browser paints with crispEdges."""
    root = ET.fromstring(svg)  # noqa: S314
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    image = Image.new("L", (width * scale, height * scale + 40), 255)
    draw = ImageDraw.Draw(image)
    for group in root.iter(f"{SVG}g"):
        for rect in group.iter(f"{SVG}rect"):
            x, w = int(rect.get("x", "0")), int(rect.get("width", "0"))
            draw.rectangle((x * scale, 20, (x + w) * scale - 1, 20 + height * scale - 1), fill=0)
    return image


def _decode(svg: str) -> list[tuple[str, str]]:
    results = zxingcpp.read_barcodes(_rasterise(svg), formats=zxingcpp.BarcodeFormat.Code128)  # type: ignore[arg-type]
    return [(r.format.name, r.text) for r in results]


@pytest.mark.parametrize(
    "text",
    ["10234567890123", "LR-410-C-2026-000123", "8000ABC1234567", "12345", "A", "x" * 40, "CCN 1234-5678 ~!"],
)
def test_the_svg_barcode_scans_back_to_the_same_text(text: str) -> None:
    assert _decode(code128_svg(text)) == [("Code128", text)]


def test_long_digit_runs_use_the_compact_code_set() -> None:
    digits = "10234567890123"
    # Start C + 7 digit pairs + checksum + stop, instead of one symbol per digit.
    assert len(code128_values(digits)) == 1 + 7 + 2
    assert code128_values(digits)[0] == 105
    mixed = code128_values("LR" + digits)
    assert mixed[0] == 104 and 99 in mixed


def test_module_widths_are_whole_pixels_and_edges_are_crisp() -> None:
    svg = code128_svg("LR-410", module_width=2.6, height=80.4)
    root = ET.fromstring(svg)  # noqa: S314
    assert root.get("shape-rendering") == "crispEdges"
    assert root.get("height") == "80"
    widths = {int(r.get("width", "0")) for r in root.iter(f"{SVG}rect") if r.get("fill") is None}
    assert widths <= {3, 6, 9, 12}


def test_the_text_is_available_to_screen_readers_and_escaped() -> None:
    svg = code128_svg('A<B>&"C')
    root = ET.fromstring(svg)  # noqa: S314
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == 'A<B>&"C'
    assert root.get("aria-label") == 'A<B>&"C' and root.get("role") == "img"


def test_the_svg_has_no_external_references() -> None:
    svg = code128_svg("10234567890123")
    assert "href" not in svg and "url(" not in svg and "<script" not in svg


@pytest.mark.parametrize("text", ["", "café", "tab\there"])
def test_text_outside_code_set_b_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        code128_svg(text)


def test_a_quiet_zone_under_ten_modules_is_refused() -> None:
    with pytest.raises(ValueError):
        code128_svg("123", quiet_zone_modules=4)
