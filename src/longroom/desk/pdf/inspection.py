"""First look at an incoming PDF: is it one, can we open it, how many pages, does it need repair."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from .sandbox import PdfSandboxError, call_limits, run_sandboxed

__all__ = ["InspectionProblem", "PdfInspection", "inspect_pdf", "looks_like_pdf", "repair_pdf"]

log = logging.getLogger(__name__)

InspectionProblem = Literal[
    "not_pdf", "encrypted", "unreadable", "too_many_pages", "timeout", "memory", "crashed"
]

# The spec allows junk before the header; Acrobat accepts it within the first 1024 bytes.
_HEADER_WINDOW: Final[int] = 1024

_PROBLEM_TEXT: Final[dict[str, str]] = {
    "not_pdf": "The file is not a PDF (no %PDF- header in its first 1024 bytes).",
    "encrypted": "The PDF needs a password to be opened.",
    "unreadable": "The PDF is damaged and could not be opened, even after an attempt to repair it.",
    "too_many_pages": "The PDF has more pages than the office accepts.",
    "timeout": "Reading the PDF took too long and was abandoned.",
    "memory": "Reading the PDF needed too much memory and was abandoned.",
    "crashed": "The PDF reader crashed on this file.",
}


def looks_like_pdf(data: bytes) -> bool:
    """True when ``%PDF-`` appears within the first 1024 bytes."""
    return b"%PDF-" in data[: _HEADER_WINDOW + 5]


@dataclass(frozen=True, slots=True)
class PdfInspection:
    """Outcome of :func:`inspect_pdf`.

    ``problem`` is a stable code (see :data:`InspectionProblem`) when ``ok`` is false.
    ``page_sizes`` are ``(width_pt, height_pt)`` as the reader sees the page (after /Rotate, from
    the CropBox).  When ``repaired`` is true the original could only be used after a pikepdf
    re-save; ``repaired_pdf`` then holds that copy, to be used for rendering and stamping while
    the original is kept as evidence.
    """

    ok: bool
    problem: InspectionProblem | None = None
    page_count: int = 0
    page_sizes: list[tuple[float, float]] = field(default_factory=list)
    repaired: bool = False
    owner_password_only: bool = False
    repaired_pdf: bytes | None = field(default=None, repr=False)
    detail: str | None = None

    @property
    def message(self) -> str:
        """A human-readable sentence for the problem (English), empty when ok."""
        return _PROBLEM_TEXT.get(self.problem or "", "")

    def usable_pdf(self, original: bytes) -> bytes:
        """The bytes to render and stamp: the repaired copy when there is one, else ``original``."""
        return self.repaired_pdf if self.repaired_pdf is not None else original


def inspect_pdf(
    data: bytes,
    *,
    max_pages: int = 500,
    timeout: float | None = None,
    memory_bytes: int | None = None,
) -> PdfInspection:
    """Inspect untrusted bytes in the sandbox; never raises for bad input.

    ``timeout`` / ``memory_bytes`` override the sandbox defaults for this call.
    """
    if not looks_like_pdf(data):
        return PdfInspection(ok=False, problem="not_pdf")
    try:
        return run_sandboxed(_inspect_in_worker, data, max_pages, **call_limits(timeout, memory_bytes))
    except PdfSandboxError as exc:
        log.warning("PDF inspection failed in sandbox: %s", exc)
        return PdfInspection(ok=False, problem=exc.kind, detail=exc.detail)


def repair_pdf(data: bytes) -> bytes:
    """A pikepdf (qpdf) re-save of ``data``, in the sandbox.  Drops any encryption.

    Raises :class:`PdfSandboxError` on timeout/memory/crash and ``ValueError`` if unopenable.
    """
    return run_sandboxed(_repair_in_worker, data)


# --------------------------------------------------------------------------- worker side


def _repair_in_worker(data: bytes) -> bytes:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return _resave(pdf)
    except pikepdf.PdfError as exc:
        raise ValueError(f"cannot repair: {exc}") from None


def _resave(pdf: Any) -> bytes:
    out = io.BytesIO()
    # Object streams keep big scans compact; no linearisation: the copy is for our own use.
    pdf.save(out, object_stream_mode=_object_stream_mode_generate(), compress_streams=True)
    return out.getvalue()


def _object_stream_mode_generate() -> Any:
    import pikepdf

    return pikepdf.ObjectStreamMode.generate


def _pyhanko_can_use(data: bytes, page_count: int) -> str | None:
    """None when pyHanko can open the file for an incremental update, else the reason."""
    from pyhanko.pdf_utils.crypt import AuthStatus
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted and reader.decrypt("").status == AuthStatus.FAILED:
            return "pyHanko could not open the encrypted file with an empty user password"
        count = int(reader.root["/Pages"]["/Count"])
        if count != page_count:
            return f"page count disagrees (pyHanko {count}, qpdf {page_count})"
        reader.find_page_for_modification(0)
        reader.find_page_for_modification(page_count - 1)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _pdfium_can_open(data: bytes) -> str | None:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
        try:
            if len(doc) < 1:
                return "PDFium sees no pages"
            doc[0].close()
        finally:
            doc.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _inspect_in_worker(data: bytes, max_pages: int) -> PdfInspection:
    import pikepdf

    from .geometry import page_geometry_pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return PdfInspection(ok=False, problem="encrypted")
    except Exception as exc:
        return PdfInspection(ok=False, problem="unreadable", detail=f"{type(exc).__name__}: {exc}")
    with pdf:
        owner_only = bool(pdf.is_encrypted)
        try:
            page_count = len(pdf.pages)
        except Exception as exc:
            return PdfInspection(ok=False, problem="unreadable", detail=f"page tree: {exc}")
        if page_count < 1:
            return PdfInspection(ok=False, problem="unreadable", detail="no pages")
        if page_count > max_pages:
            return PdfInspection(
                ok=False, problem="too_many_pages", page_count=page_count, owner_password_only=owner_only
            )
        try:
            sizes = [page_geometry_pikepdf(page).visible_size for page in pdf.pages]
        except Exception as exc:
            return PdfInspection(ok=False, problem="unreadable", detail=f"page boxes: {exc}")

        trouble = _pyhanko_can_use(data, page_count) or _pdfium_can_open(data)
        if trouble is None:
            return PdfInspection(
                ok=True, page_count=page_count, page_sizes=sizes, owner_password_only=owner_only
            )
        try:
            repaired = _resave(pdf)
        except Exception as exc:
            return PdfInspection(ok=False, problem="unreadable", detail=f"{trouble}; re-save failed: {exc}")
    still = _pyhanko_can_use(repaired, page_count) or _pdfium_can_open(repaired)
    if still is not None:
        return PdfInspection(ok=False, problem="unreadable", detail=f"{trouble}; after repair: {still}")
    return PdfInspection(
        ok=True,
        page_count=page_count,
        page_sizes=sizes,
        repaired=True,
        owner_password_only=owner_only,
        repaired_pdf=repaired,
        detail=trouble,
    )
