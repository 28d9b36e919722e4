"""Draw the bilingual customs stamp and apply it, signed, as one incremental update.

The stamp is drawn with reportlab into a small one-page PDF, imported as a form XObject and
painted onto each requested page; the page changes and a PAdES signature field are written in a
single pyHanko incremental update, so the received bytes stay an exact prefix of the result
(the evidence of what arrived) and the one signature covers the stamp itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from .sandbox import call_limits, run_sandboxed
from .seal import SealCredentials

__all__ = [
    "STAMP_SIZE_PT",
    "StampError",
    "StampSpec",
    "draw_stamp_pdf",
    "render_stamp_preview",
    "stamp_and_sign",
]

# ~2.9 x 1.5 inches: room for two languages and a QR code that phones still read at 300 dpi.
STAMP_SIZE_PT: Final[tuple[float, float]] = (2.9 * 72, 1.5 * 72)

_REFERENCE_RE: Final[re.Pattern[str]] = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,79}$")
# The reference opens /Reason and ends at this separator; verify.py parses it back.
REASON_SEPARATOR: Final[str] = " | "
_FIELD_NAME: Final[str] = "LongroomSeal"

_INK: Final[tuple[float, float, float]] = (0.04, 0.16, 0.47)
_QR_INK: Final[tuple[float, float, float]] = (0.0, 0.05, 0.2)


class StampError(ValueError):
    """The document cannot be stamped as given.

    ``code``: ``"needs_repair"`` (pyHanko cannot update the original: stamp
    ``inspect_pdf(...).repaired_pdf`` instead), ``"encrypted"`` (a user password is required),
    ``"bad_page"`` (a requested page does not exist).
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        return (StampError, (self.code, self.detail))


@dataclass(frozen=True, kw_only=True)
class StampSpec:
    """What the stamp says and where it goes.

    ``date_text`` is already formatted by the caller in the office time zone.  ``pages`` are
    0-based.  ``position`` is the stamp's top-left corner as fractions (0..1) of the page width
    and height as the reader sees the page (after /Rotate), measured from its top-left corner;
    the box is clamped inside the page.
    """

    text_en: str
    text_fr: str
    office_en: str
    office_fr: str
    date_text: str
    officer_identifier: str
    reference: str
    verify_url: str
    agency_en: str = "Canada Border Services Agency"
    agency_fr: str = "Agence des services frontaliers du Canada"
    pages: list[int] = field(default_factory=lambda: [0])
    position: tuple[float, float] = (0.6, 0.04)
    size_pt: tuple[float, float] = STAMP_SIZE_PT

    def __post_init__(self) -> None:
        if not _REFERENCE_RE.match(self.reference):
            raise ValueError("reference must be 1-80 characters of A-Z, a-z, 0-9, '.', '_', '/', '-'")
        if not self.pages or any(not isinstance(p, int) or p < 0 for p in self.pages):
            raise ValueError("pages must be a non-empty list of 0-based page indices")
        if not all(0.0 <= float(v) <= 1.0 for v in self.position):
            raise ValueError("position fractions must be within 0..1")
        if self.size_pt[0] < 100 or self.size_pt[1] < 60:
            raise ValueError("the stamp box is too small to be legible")

    @property
    def reason(self) -> str:
        """The signature's /Reason: reference first so verification can read it back."""
        return f"{self.reference}{REASON_SEPARATOR}{self.text_en} / {self.text_fr}"

    @property
    def location(self) -> str:
        return f"{self.office_en} / {self.office_fr}"


def stamp_and_sign(
    original: bytes,
    spec: StampSpec,
    seal: SealCredentials,
    *,
    timeout: float | None = None,
    memory_bytes: int | None = None,
) -> bytes:
    """Stamp ``spec.pages`` and sign with ``seal`` (PAdES B-B) in one incremental update.

    Runs in the sandbox.  The result always starts with ``original`` byte for byte.
    Raises :class:`StampError` for documents that cannot be stamped as given and
    :class:`~longroom.desk.pdf.sandbox.PdfSandboxError` on timeout/memory/crash.
    """
    signed = run_sandboxed(
        _stamp_and_sign_in_worker, original, spec, seal, **call_limits(timeout, memory_bytes)
    )
    if not signed.startswith(original):  # cheap, and the property the whole design rests on
        raise RuntimeError("stamped output does not start with the original bytes")
    return signed


def render_stamp_preview(
    original: bytes,
    spec: StampSpec,
    page: int,
    width_px: int = 1200,
    *,
    timeout: float | None = None,
    memory_bytes: int | None = None,
) -> bytes:
    """PNG of ``page`` with the stamp drawn where it will go (unsigned), for the officer to confirm.

    Uses exactly the drawing and placement code of :func:`stamp_and_sign`.
    """
    return run_sandboxed(
        _preview_in_worker, original, spec, page, width_px, **call_limits(timeout, memory_bytes)
    )


# --------------------------------------------------------------------------- drawing


def _fit(text: str, font: str, size: float, width: float, minimum: float = 4.5) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    measured = stringWidth(text, font, size)
    if measured <= width:
        return size
    return max(minimum, size * width / measured)


def draw_stamp_pdf(spec: StampSpec) -> bytes:
    """The stamp alone, as a one-page PDF exactly the size of the box."""
    import segno
    from reportlab.pdfgen import canvas

    w, h = spec.size_pt
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(w, h), invariant=True, pageCompression=1)
    c.setTitle(f"Longroom stamp {spec.reference}")

    # Translucent white ground: legible over page content without hiding what is under it.
    c.saveState()
    c.setFillColorRGB(1, 1, 1)
    c.setFillAlpha(0.88)
    c.rect(0, 0, w, h, stroke=0, fill=1)
    c.restoreState()

    c.setStrokeColorRGB(*_INK)
    c.setFillColorRGB(*_INK)
    c.setLineWidth(1.6)
    c.rect(1.2, 1.2, w - 2.4, h - 2.4)
    c.setLineWidth(0.5)
    c.rect(3.6, 3.6, w - 7.2, h - 7.2)

    pad = 7.0
    qr_size = min(62.0, h - 2 * pad - 18)
    qr_x, qr_top = w - pad - qr_size, h - pad
    column = qr_x - pad - 4
    x = pad

    def line(text: str, font: str, size: float, y: float, max_width: float = column) -> None:
        c.setFont(font, _fit(text, font, size, max_width))
        c.drawString(x, y, text)

    y = h - pad - 6.2
    line(spec.agency_en, "Helvetica-Bold", 6.2, y)
    y -= 7.0
    line(spec.agency_fr, "Helvetica", 6.2, y)
    y -= 3.6
    c.setLineWidth(0.4)
    c.line(x, y, x + column, y)
    y -= 9.8
    line(spec.text_en, "Helvetica-Bold", 9.0, y)
    y -= 9.6
    line(spec.text_fr, "Helvetica-Bold", 9.0, y)
    y -= 9.0
    line(f"{spec.office_en} \u00b7 {spec.office_fr}", "Helvetica", 6.2, y)
    y -= 8.0
    line(spec.date_text, "Helvetica", 6.6, y)
    y -= 7.6
    line(f"Officer / Agent : {spec.officer_identifier}", "Helvetica", 6.2, y)

    # Reference in a monospace face on its own line: it is what people read out on the phone.
    c.setLineWidth(0.4)
    c.line(pad, pad + 11.5, w - pad, pad + 11.5)
    ref_text = f"R\u00e9f. / Ref. {spec.reference}"
    c.setFont("Courier-Bold", _fit(ref_text, "Courier-Bold", 8.0, w - 2 * pad))
    c.drawCentredString(w / 2, pad + 2.6, ref_text)

    # QR: opaque white quiet zone, then dark modules merged into horizontal runs (fewer ops).
    qr = segno.make(spec.verify_url, error="m", micro=False)
    matrix = qr.matrix
    quiet = 2
    count = len(matrix) + 2 * quiet
    module = qr_size / count
    c.saveState()
    c.setFillColorRGB(1, 1, 1)
    c.rect(qr_x, qr_top - qr_size, qr_size, qr_size, stroke=0, fill=1)
    c.setFillColorRGB(*_QR_INK)
    path = c.beginPath()
    for row_index, row in enumerate(matrix):
        top = qr_top - (row_index + quiet) * module
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                path.rect(qr_x + (start + quiet) * module, top - module, (col - start) * module, module)
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()
    c.setFont("Helvetica", 4.6)
    c.setFillColorRGB(*_INK)
    c.drawCentredString(qr_x + qr_size / 2, qr_top - qr_size - 5.2, "V\u00e9rifier / Verify")

    c.showPage()
    c.save()
    return out.getvalue()


# --------------------------------------------------------------------------- worker side


def _open_writer(data: bytes) -> Any:
    from pyhanko.pdf_utils.crypt import AuthStatus
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    try:
        # strict=False: hybrid-reference files (common from Word) are refused otherwise.
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except Exception as exc:
        raise StampError("needs_repair", f"{type(exc).__name__}: {exc}") from None
    if writer.prev.encrypted:
        # Owner-password-only files open with an empty user password; the update must then be
        # encrypted the same way, which encrypt() arranges.
        try:
            status = writer.encrypt("").status
        except Exception as exc:
            raise StampError("needs_repair", f"encrypted file: {type(exc).__name__}: {exc}") from None
        if status == AuthStatus.FAILED:
            raise StampError("encrypted", "a user password is required")
    return writer


def _content_items(writer: Any, page: Any) -> list[Any]:
    from pyhanko.pdf_utils import generic

    try:
        raw = page.raw_get("/Contents")
    except KeyError:
        return []
    target = raw.get_object() if isinstance(raw, generic.IndirectObject) else raw
    if isinstance(target, generic.ArrayObject):
        return list(target)
    if isinstance(target, generic.StreamObject):
        return [raw] if isinstance(raw, generic.IndirectObject) else [writer.add_object(target)]
    return []


def _unique_name(resources: Any, base: str) -> str:
    try:
        existing = set(resources["/XObject"].keys())
    except Exception:
        existing = set()
    name, suffix = base, 0
    while name in existing:
        suffix += 1
        name = f"{base}{suffix}"
    return name


def _add_xobject_resource(writer: Any, page_ref: Any, resources_ref: Any, name: str, xobj_ref: Any) -> None:
    from pyhanko.pdf_utils import generic

    page = page_ref.get_object()
    if isinstance(resources_ref, generic.IndirectObject):
        resources = resources_ref.get_object()
        update_target = resources_ref
    else:
        # Direct (possibly inherited) dictionary: copy it onto this page so that the parent
        # node, and the pages sharing it, stay untouched.
        resources = generic.DictionaryObject(resources_ref or {})
        page[generic.pdf_name("/Resources")] = writer.add_object(resources)
        update_target = None
    xobjects_raw = resources.raw_get("/XObject") if "/XObject" in resources else None
    if isinstance(xobjects_raw, generic.IndirectObject):
        xobjects_raw.get_object()[generic.pdf_name(name)] = xobj_ref
        writer.mark_update(xobjects_raw)
        return
    xobjects = generic.DictionaryObject(xobjects_raw or {})
    xobjects[generic.pdf_name(name)] = xobj_ref
    resources[generic.pdf_name("/XObject")] = xobjects
    if update_target is not None:
        writer.mark_update(update_target)


def apply_stamp(writer: Any, spec: StampSpec, pages: Sequence[int]) -> None:
    """Paint the stamp on ``pages`` of an open pyHanko writer (no write, no signature)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader

    from .geometry import page_geometry

    page_count = int(writer.root["/Pages"]["/Count"])
    for index in pages:
        if not 0 <= index < page_count:
            raise StampError("bad_page", f"page {index} does not exist (document has {page_count})")
    stamp_reader = PdfFileReader(io.BytesIO(draw_stamp_pdf(spec)))
    xobj_ref = writer.import_page_as_xobject(stamp_reader, 0)
    # Wrap existing content in q ... Q: pages that leave a scaled CTM would otherwise skew us.
    open_ref = writer.add_object(generic.StreamObject(stream_data=b"q\n"))
    for index in sorted(set(pages)):
        page_ref, resources_ref = writer.find_page_for_modification(index)
        page = page_ref.get_object()
        resources = (
            resources_ref.get_object() if isinstance(resources_ref, generic.IndirectObject) else resources_ref
        )
        name = _unique_name(resources or {}, "/LongroomStamp")
        matrix = page_geometry(page).place_box(spec.position, spec.size_pt)
        operands = " ".join(f"{v:.4f}" for v in matrix)
        stamp_ops = f"\nQ\nq {operands} cm {name} Do Q\n".encode("ascii")
        stamp_ref = writer.add_object(generic.StreamObject(stream_data=stamp_ops))
        items = _content_items(writer, page)
        page[generic.pdf_name("/Contents")] = writer.add_object(
            generic.ArrayObject([open_ref, *items, stamp_ref])
        )
        _add_xobject_resource(writer, page_ref, resources_ref, name, xobj_ref)
        writer.mark_update(page_ref)


def _field_name(writer: Any) -> str:
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        taken = {name for name, _value, _ref in enumerate_sig_fields(writer.prev)}
    except Exception:
        taken = set()
    name, suffix = _FIELD_NAME, 1
    while name in taken:
        suffix += 1
        name = f"{_FIELD_NAME}{suffix}"
    return name


def _stamp_and_sign_in_worker(original: bytes, spec: StampSpec, seal: SealCredentials) -> bytes:
    from pyhanko.sign import fields, signers

    writer = _open_writer(original)
    try:
        apply_stamp(writer, spec, spec.pages)
    except StampError:
        raise
    except Exception as exc:
        raise StampError("needs_repair", f"{type(exc).__name__}: {exc}") from None
    meta = signers.PdfSignatureMetadata(
        field_name=_field_name(writer),
        reason=spec.reason,
        location=spec.location,
        contact_info=spec.verify_url,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    certs = len(seal.certificate_der) + sum(len(c) for c in seal.chain_der)
    out = io.BytesIO()
    # An explicit reservation skips pyHanko's dry-run signature used to estimate the size.
    signers.PdfSigner(meta, signer=seal.pyhanko_signer()).sign_pdf(
        writer, output=out, bytes_reserved=4096 + 2 * certs
    )
    return out.getvalue()


def _preview_in_worker(original: bytes, spec: StampSpec, page: int, width_px: int) -> bytes:
    import pypdfium2 as pdfium

    from .render import _png, _scaled, render_page_image

    writer = _open_writer(original)
    apply_stamp(writer, spec, [page])
    buffer = io.BytesIO()
    writer.write(buffer)
    doc = pdfium.PdfDocument(buffer.getvalue())
    try:
        doc.init_forms()
        pdf_page = doc[page]
        try:
            width_pt, _ = pdf_page.get_size()
            image = render_page_image(pdf_page, width_px / width_pt)
        finally:
            pdf_page.close()
    finally:
        doc.close()
    return _png(_scaled(image, width_px))
