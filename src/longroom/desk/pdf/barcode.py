"""Code 128 as a crisp, self-contained SVG (for transaction numbers shown on screen and printed).

Own encoder rather than reportlab's drawing: we need integer pixel modules (zxing-cpp fails on
fractional ~1.6 px modules) and an accessible SVG, not a PDF drawing.
"""

from __future__ import annotations

from typing import Final
from xml.sax.saxutils import escape

__all__ = ["code128_svg", "code128_values", "code128_widths"]

# Bar/space widths (in modules) for symbol values 0..106; 106 is the stop pattern (7 elements).
_PATTERNS: Final[tuple[str, ...]] = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)  # fmt: skip

_START_B: Final[int] = 104
_START_C: Final[int] = 105
_TO_C: Final[int] = 99  # "Code C" when in set B
_TO_B: Final[int] = 100  # "Code B" when in set C
_STOP: Final[int] = 106


def _digit_runs(text: str) -> list[tuple[bool, str]]:
    runs: list[tuple[bool, str]] = []
    for ch in text:
        is_digit = "0" <= ch <= "9"
        if runs and runs[-1][0] == is_digit:
            runs[-1] = (is_digit, runs[-1][1] + ch)
        else:
            runs.append((is_digit, ch))
    return runs


def code128_values(text: str) -> list[int]:
    """Symbol values (start, data, checksum, stop) using set B, switching to C for digit runs.

    Set C packs two digits per symbol; it pays off for runs of 4+ digits at either end (or an
    all-digit text) and 6+ digits in the middle.  Only printable ASCII is accepted.
    """
    if not text:
        raise ValueError("cannot encode an empty string")
    if any(not (32 <= ord(ch) <= 126) for ch in text):
        raise ValueError("Code 128 set B covers printable ASCII only")

    runs = _digit_runs(text)
    # Plan as (set, chunk) pieces, then emit with the switch codes in between.
    pieces: list[tuple[str, str]] = []
    for index, (is_digit, chunk) in enumerate(runs):
        at_start, at_end = index == 0, index == len(runs) - 1
        whole = at_start and at_end
        use_c = is_digit and (
            (whole and len(chunk) >= 2) or ((at_start or at_end) and len(chunk) >= 4) or len(chunk) >= 6
        )
        if not use_c:
            pieces.append(("B", chunk))
        elif len(chunk) % 2 == 0:
            pieces.append(("C", chunk))
        elif at_start:
            pieces += [("C", chunk[:-1]), ("B", chunk[-1])]
        else:
            pieces += [("B", chunk[0]), ("C", chunk[1:])]

    merged: list[tuple[str, str]] = []
    for code_set, chunk in pieces:
        if merged and merged[-1][0] == code_set:
            merged[-1] = (code_set, merged[-1][1] + chunk)
        else:
            merged.append((code_set, chunk))

    values = [_START_C if merged[0][0] == "C" else _START_B]
    current = merged[0][0]
    for code_set, chunk in merged:
        if code_set != current:
            values.append(_TO_C if code_set == "C" else _TO_B)
            current = code_set
        if code_set == "C":
            values += [int(chunk[i : i + 2]) for i in range(0, len(chunk), 2)]
        else:
            values += [ord(ch) - 32 for ch in chunk]
    checksum = (values[0] + sum(position * value for position, value in enumerate(values[1:], 1))) % 103
    return [*values, checksum, _STOP]


def code128_widths(text: str) -> list[int]:
    """Alternating bar/space widths in modules, starting and ending with a bar."""
    return [int(w) for value in code128_values(text) for w in _PATTERNS[value]]


def code128_svg(
    text: str, *, module_width: float = 3, height: float = 120, quiet_zone_modules: int = 10
) -> str:
    """An SVG (no external references) of ``text`` as Code 128.

    ``module_width`` and ``height`` are pixels and are rounded to whole pixels so that every bar
    edge falls on a pixel boundary; ``shape-rendering="crispEdges"`` stops anti-aliasing.
    The text is carried in ``<title>`` and ``aria-label`` for screen readers.
    """
    module = round(module_width)
    bar_height = round(height)
    if module < 1 or bar_height < 1:
        raise ValueError("module_width and height must be at least 1 pixel")
    if quiet_zone_modules < 10:
        # The symbology requires ten modules of quiet zone on each side for reliable scanning.
        raise ValueError("quiet_zone_modules must be at least 10")
    widths = code128_widths(text)
    total = (sum(widths) + 2 * quiet_zone_modules) * module
    x = quiet_zone_modules * module
    bars: list[str] = []
    for index, width in enumerate(widths):
        if index % 2 == 0:
            bars.append(f'<rect x="{x}" y="0" width="{width * module}" height="{bar_height}"/>')
        x += width * module
    label = escape(text, {'"': "&quot;"})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{bar_height}" '
        f'viewBox="0 0 {total} {bar_height}" shape-rendering="crispEdges" role="img" '
        f'aria-label="{label}">'
        f"<title>{escape(text)}</title>"
        f'<rect x="0" y="0" width="{total}" height="{bar_height}" fill="#fff"/>'
        f'<g fill="#000">{"".join(bars)}</g>'
        "</svg>"
    )
