"""Imported once by the forkserver so that forked PDF workers start with the heavy stack loaded."""

# ruff: noqa: F401
import pikepdf
import PIL.Image
import pypdfium2
import reportlab.pdfgen.canvas
import segno
import zxingcpp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature

import longroom.desk.pdf.inspection
import longroom.desk.pdf.render
import longroom.desk.pdf.stamp
import longroom.desk.pdf.verify
