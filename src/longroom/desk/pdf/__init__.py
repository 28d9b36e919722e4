"""PDF toolchain for the desk: inspect, render, stamp + seal, verify.  Django-free.

Every function that parses client-supplied bytes runs in a sandboxed worker process
(see :mod:`longroom.desk.pdf.sandbox`).  See README.md in this package.
"""

from .barcode import code128_svg, code128_values, code128_widths
from .geometry import PageGeometry
from .inspection import InspectionProblem, PdfInspection, inspect_pdf, looks_like_pdf, repair_pdf
from .render import DecodedBarcode, PageRender, render_pages
from .sandbox import (
    PdfSandboxError,
    SandboxPool,
    configure_sandbox,
    run_sandboxed,
    shutdown_sandbox,
    warm_up,
)
from .seal import SealCredentials, generate_demo_seal
from .stamp import STAMP_SIZE_PT, StampError, StampSpec, draw_stamp_pdf, render_stamp_preview, stamp_and_sign
from .verify import StampVerification, VerificationProblem, verify_stamped

__all__ = [
    "STAMP_SIZE_PT",
    "DecodedBarcode",
    "InspectionProblem",
    "PageGeometry",
    "PageRender",
    "PdfInspection",
    "PdfSandboxError",
    "SandboxPool",
    "SealCredentials",
    "StampError",
    "StampSpec",
    "StampVerification",
    "VerificationProblem",
    "code128_svg",
    "code128_values",
    "code128_widths",
    "configure_sandbox",
    "draw_stamp_pdf",
    "generate_demo_seal",
    "inspect_pdf",
    "looks_like_pdf",
    "render_pages",
    "render_stamp_preview",
    "repair_pdf",
    "run_sandboxed",
    "shutdown_sandbox",
    "stamp_and_sign",
    "verify_stamped",
    "warm_up",
]
