"""Test documents, generated on the fly (reportlab, pikepdf, or hand-written PDF syntax)."""

from __future__ import annotations

import functools
import io
import zlib

import pikepdf
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

TRANSACTION_NUMBER = "10234567890123"


def reportlab_pdf(
    pages: int = 1,
    *,
    pagesize: tuple[float, float] = LETTER,
    transaction_number: str | None = None,
    encrypt: StandardEncryption | None = None,
) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=pagesize, invariant=True, encrypt=encrypt)
    _width, height = pagesize
    for number in range(1, pages + 1):
        c.setFont("Helvetica", 14)
        c.drawString(72, height - 72, f"Commercial invoice - page {number} of {pages}")
        c.drawString(72, height - 96, "Shipper: Example Freight Ltd.  Consignee: Example Imports Inc.")
        if transaction_number and number == 1:
            # 1.5 pt bars: the smallest that survives a 150 dpi render (see domain notes).
            barcode = code128.Code128(transaction_number, barWidth=1.5, barHeight=36, quiet=True)
            barcode.drawOn(c, 72, height - 200)
            c.drawString(72, height - 220, f"Transaction {transaction_number}")
        c.showPage()
    c.save()
    return out.getvalue()


def with_rotation(data: bytes, degrees: int) -> bytes:
    """The same document with /Rotate set on every page (content untouched)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.obj.Rotate = degrees
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def a4_pdf(pages: int = 1, **kwargs: object) -> bytes:
    return reportlab_pdf(pages, pagesize=A4, **kwargs)  # type: ignore[arg-type]


def owner_password_only_rc4() -> bytes:
    return reportlab_pdf(encrypt=StandardEncryption("", ownerPassword="owner-secret", canModify=0))


def owner_password_only_aes256() -> bytes:
    with pikepdf.open(io.BytesIO(reportlab_pdf())) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user="", R=6))
        return out.getvalue()


def user_password_pdf() -> bytes:
    with pikepdf.open(io.BytesIO(reportlab_pdf())) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user="open-sesame", R=6))
        return out.getvalue()


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from object bodies (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def single_page(page_entries: bytes, *extra_objects: bytes) -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R " + page_entries + b" >>",
            *extra_objects,
        ]
    )


def offset_mediabox_pdf(rotate: int = 0) -> bytes:
    """A page whose MediaBox does not start at the origin, with a thin frame just inside it."""
    content = b"0 0 1 RG 4 w 110 210 592 572 re S"
    return single_page(
        b"/MediaBox [100 200 712 792] /Rotate %d /Contents 4 0 R" % rotate,
        stream(content),
    )


@functools.cache
def flate_bomb() -> bytes:
    """~1.2 MB that inflates to 1.2 GB of page content (whitespace).

    Built from one compressed 16 MiB block repeated: after a full flush a deflate stream has no
    history, so identical input compresses to identical bytes (seconds faster than compressing
    1.2 GB).
    """
    chunk, copies = b" " * (16 << 20), 72
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.flush(zlib.Z_FINISH)
    checksum = 1
    for _ in range(copies):
        checksum = zlib.adler32(chunk, checksum)
    data = b"\x78\xda" + block * copies + tail + checksum.to_bytes(4, "big")
    return single_page(b"/MediaBox [0 0 612 792] /Contents 4 0 R", stream(data, b"/Filter /FlateDecode"))


def self_referencing_xobject() -> bytes:
    """A form XObject that draws itself twice: exponential work for a naive renderer."""
    return single_page(
        b"/MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /X 5 0 R >> >>",
        stream(b"/X Do"),
        stream(
            b"/X Do /X Do",
            b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X 5 0 R >> >>",
        ),
    )


def deeply_nested() -> bytes:
    depth = 100_000
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Deep " + b"[" * depth + b"]" * depth + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ]
    )


def page_tree_cycle() -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    )


def huge_page() -> bytes:
    """A 200,000 pt (~70 m) square page: a naive 150 dpi render would need ~170 GB."""
    return single_page(b"/MediaBox [0 0 200000 200000] /Contents 4 0 R", stream(b"0 0 m 100000 100000 l S"))


def broken_startxref(data: bytes) -> bytes:
    """The same document with its startxref pointer sent past the end of the file."""
    cut = data.rindex(b"startxref")
    return data[:cut] + b"startxref\n999999\n%%EOF\n"
