"""Page geometry as the reader sees it: visible box, /Rotate, and placing a box from the top-left.

PDF content lives in unrotated "default user space" whose origin need not be (0, 0); viewers then
rotate the page clockwise by /Rotate.  Officers place the stamp on what they see, so positions
are given in the viewer's frame and mapped back here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["PageGeometry", "page_geometry", "page_geometry_pikepdf"]

Matrix = tuple[float, float, float, float, float, float]

# US Letter: what PDFium assumes when a page has no usable /MediaBox.
_DEFAULT_BOX: Final[tuple[float, float, float, float]] = (0.0, 0.0, 612.0, 792.0)
_MAX_PARENT_DEPTH: Final[int] = 64


@dataclass(frozen=True, slots=True)
class PageGeometry:
    """Visible box ``(llx, lly, urx, ury)`` in default user space, and /Rotate in {0, 90, 180, 270}."""

    box: tuple[float, float, float, float]
    rotate: int

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def visible_size(self) -> tuple[float, float]:
        """``(width, height)`` in points as displayed, i.e. swapped for 90/270 rotation."""
        if self.rotate in (90, 270):
            return (round(self.height, 3), round(self.width, 3))
        return (round(self.width, 3), round(self.height, 3))

    def place_box(self, position: tuple[float, float], size: tuple[float, float]) -> Matrix:
        """Transformation matrix (``cm`` operands) for a ``size`` box placed on the page.

        ``position`` gives the box's top-left corner as fractions of the visible page width and
        height, measured from the visible top-left corner.  The box is clamped inside the page
        (and shrinks nothing: on a page smaller than the box it is pinned to the top-left).
        The matrix maps box-local coordinates (origin bottom-left, y up, upright for the reader)
        to default user space.
        """
        vis_w, vis_h = self.visible_size
        box_w, box_h = size
        fx = min(max(float(position[0]), 0.0), 1.0)
        fy = min(max(float(position[1]), 0.0), 1.0)
        left = min(max(fx * vis_w, 0.0), max(vis_w - box_w, 0.0))
        top = min(max(fy * vis_h, 0.0), max(vis_h - box_h, 0.0))
        # (u0, v0): the box's lower-left corner in the viewer's frame, origin bottom-left, y up.
        u0 = left
        v0 = vis_h - top - box_h
        llx, lly = self.box[0], self.box[1]
        w, h = self.width, self.height
        if self.rotate == 90:
            return (0.0, 1.0, -1.0, 0.0, llx + w - v0, lly + u0)
        if self.rotate == 180:
            return (-1.0, 0.0, 0.0, -1.0, llx + w - u0, lly + h - v0)
        if self.rotate == 270:
            return (0.0, -1.0, 1.0, 0.0, llx + v0, lly + h - u0)
        return (1.0, 0.0, 0.0, 1.0, llx + u0, lly + v0)


def _normalise_rotate(value: Any) -> int:
    try:
        degrees = int(float(value))
    except (TypeError, ValueError):
        return 0
    return (round(degrees / 90) * 90) % 360


def _as_box(value: Any) -> tuple[float, float, float, float] | None:
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    if len(numbers) != 4:
        return None
    x0, y0, x1, y1 = numbers
    box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    if box[2] - box[0] < 1 or box[3] - box[1] < 1:
        return None
    return box


def _geometry(get: Callable[[Any, str], Any], page: Any) -> PageGeometry:
    def inherited(key: str) -> Any:
        node, depth = page, 0
        while node is not None and depth < _MAX_PARENT_DEPTH:
            value = get(node, key)
            if value is not None:
                return value
            node, depth = get(node, "/Parent"), depth + 1
        return None

    media = _as_box(inherited("/MediaBox")) or _DEFAULT_BOX
    crop = _as_box(inherited("/CropBox"))
    box = media
    if crop is not None:
        # PDFium, like Acrobat, clips the CropBox to the MediaBox.
        clipped = (
            max(crop[0], media[0]),
            max(crop[1], media[1]),
            min(crop[2], media[2]),
            min(crop[3], media[3]),
        )
        if clipped[2] - clipped[0] >= 1 and clipped[3] - clipped[1] >= 1:
            box = clipped
    return PageGeometry(box=box, rotate=_normalise_rotate(inherited("/Rotate") or 0))


def _pikepdf_get(node: Any, key: str) -> Any:
    try:
        return node.get(key)
    except Exception:
        return None


def _pyhanko_get(node: Any, key: str) -> Any:
    try:
        value = node.get(key)
        return value.get_object() if hasattr(value, "get_object") else value
    except Exception:
        return None


def page_geometry_pikepdf(page: Any) -> PageGeometry:
    """Geometry of a ``pikepdf.Page``."""
    return _geometry(_pikepdf_get, page.obj)


def page_geometry(page_obj: Any) -> PageGeometry:
    """Geometry of a pyHanko page dictionary."""
    return _geometry(_pyhanko_get, page_obj)
