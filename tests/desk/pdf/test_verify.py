"""Verification: a stamped file is genuine only as issued, by our seal, byte for byte."""

from __future__ import annotations

import hashlib
import io

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from longroom.desk.pdf import SealCredentials, StampVerification, stamp_and_sign, verify_stamped

from . import pdfs
from .conftest import REFERENCE, make_spec


def _verify(data: bytes, seal: SealCredentials) -> StampVerification:
    return verify_stamped(data, trusted_certificates_der=[seal.certificate_der])


def _flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] = changed[position] ^ 0x01 if changed[position] not in b"0" else ord("1")
    return bytes(changed)


def test_a_freshly_stamped_file_is_genuine_and_says_what_it_is(
    one_page_pdf: bytes, stamped_one_page: bytes, seal: SealCredentials
) -> None:
    result = _verify(stamped_one_page, seal)
    assert result.genuine, result
    assert result.problem is None
    assert result.reference == REFERENCE
    assert result.signer_fingerprint_sha256 == seal.fingerprint_sha256
    assert result.signer_subject and "Longroom 410 seal" in result.signer_subject
    assert result.signed_at is not None
    assert result.original_length == len(one_page_pdf)
    assert result.original_sha256 == hashlib.sha256(one_page_pdf).hexdigest()
    assert result.signed_revision_sha256 == hashlib.sha256(stamped_one_page).hexdigest()


def test_pyhanko_own_validator_agrees(stamped_one_page: bytes, seal: SealCredentials) -> None:
    [signature] = PdfFileReader(io.BytesIO(stamped_one_page)).embedded_signatures
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(seal.certificate_der)], allow_fetching=False
    )
    status = validate_pdf_signature(signature, signer_validation_context=context)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line


def _positions(stamped: bytes, original_length: int) -> dict[str, int]:
    contents_at = stamped.index(b"/Contents <", original_length) + len(b"/Contents <")
    contents_end = stamped.index(b">", contents_at)
    byte_range_at = stamped.index(b"/ByteRange [", original_length) + len(b"/ByteRange [") + 2
    return {
        "first byte": 0,
        "inside the original page content": original_length // 2,
        "last byte of the original": original_length - 1,
        "inside the stamp update": original_length + 40,
        "signature byte range": byte_range_at,
        "inside the signature value": contents_at + 200,
        "signature zero padding": contents_end - 10,
        "last byte of the file": len(stamped) - 1,
    }


@pytest.mark.parametrize(
    "where",
    [
        "first byte",
        "inside the original page content",
        "last byte of the original",
        "inside the stamp update",
        "signature byte range",
        "inside the signature value",
        "signature zero padding",
        "last byte of the file",
    ],
)
def test_changing_any_single_byte_makes_the_file_not_genuine(
    one_page_pdf: bytes, stamped_one_page: bytes, seal: SealCredentials, where: str
) -> None:
    position = _positions(stamped_one_page, len(one_page_pdf))[where]
    tampered = _flip(stamped_one_page, position)
    assert tampered != stamped_one_page
    result = _verify(tampered, seal)
    assert not result.genuine
    assert result.problem in {"altered", "unreadable", "modified_after_signing", "no_signature", "not_pdf"}


def test_changing_the_letter_case_of_the_signature_hex_is_caught(
    one_page_pdf: bytes, stamped_one_page: bytes, seal: SealCredentials
) -> None:
    start = stamped_one_page.index(b"/Contents <", len(one_page_pdf)) + len(b"/Contents <")
    letter = next(i for i in range(start, start + 400) if stamped_one_page[i : i + 1] in b"abcdefABCDEF")
    tampered = bytearray(stamped_one_page)
    tampered[letter : letter + 1] = bytes([stamped_one_page[letter]]).swapcase()
    assert _verify(bytes(tampered), seal).problem == "altered"


def test_a_later_incremental_change_is_reported(stamped_one_page: bytes, seal: SealCredentials) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(stamped_one_page))
    writer.root["/PageMode"] = generic.NameObject("/UseNone")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = _verify(out.getvalue(), seal)
    assert (result.genuine, result.problem) == (False, "modified_after_signing")
    assert result.reference == REFERENCE


def test_appended_garbage_is_reported(stamped_one_page: bytes, seal: SealCredentials) -> None:
    assert not _verify(stamped_one_page + b"\n% trailing bytes\n", seal).genuine


def test_a_stamp_by_another_seal_is_untrusted(
    one_page_pdf: bytes, seal: SealCredentials, stranger_seal: SealCredentials
) -> None:
    forged = stamp_and_sign(one_page_pdf, make_spec(), stranger_seal)
    result = _verify(forged, seal)
    assert (result.genuine, result.problem) == (False, "untrusted_signer")
    assert result.signer_fingerprint_sha256 == stranger_seal.fingerprint_sha256


def test_an_unsigned_pdf_has_no_signature(seal: SealCredentials) -> None:
    assert _verify(pdfs.reportlab_pdf(), seal).problem == "no_signature"


def test_a_non_pdf_is_reported_as_such(seal: SealCredentials) -> None:
    assert _verify(b"hello", seal).problem == "not_pdf"


def test_garbage_with_a_pdf_header_is_unreadable(seal: SealCredentials) -> None:
    assert _verify(b"%PDF-1.7\n" + b"\x00" * 100, seal).problem == "unreadable"


def test_an_ec_seal_works_as_well(one_page_pdf: bytes, stranger_seal: SealCredentials) -> None:
    stamped = stamp_and_sign(one_page_pdf, make_spec(), stranger_seal)
    assert verify_stamped(stamped, trusted_certificates_der=[stranger_seal.certificate_der]).genuine


def test_changing_the_case_of_the_signer_name_in_the_signature_is_caught(
    one_page_pdf: bytes, stamped_one_page: bytes, seal: SealCredentials
) -> None:
    # X.500 names compare case-insensitively, so only a byte-exact check notices this edit of
    # the (unsigned) signer identifier that follows the embedded certificate.
    name_hex = b"Longroom 410 seal".hex().upper().encode()
    at = stamped_one_page.rindex(name_hex)
    assert at > len(one_page_pdf)
    tampered = bytearray(stamped_one_page)
    tampered[at : at + 2] = b"6C"  # "L" -> "l"
    assert _verify(bytes(tampered), seal).problem == "altered"


def test_stretching_the_signature_length_over_its_zero_padding_is_caught(
    one_page_pdf: bytes, stamped_one_page: bytes, seal: SealCredentials
) -> None:
    start = stamped_one_page.index(b"/Contents <", len(one_page_pdf)) + len(b"/Contents <")
    assert stamped_one_page[start : start + 4] == b"3082"  # SEQUENCE with a two-byte length
    length = int(stamped_one_page[start + 4 : start + 8], 16)
    tampered = bytearray(stamped_one_page)
    tampered[start + 4 : start + 8] = f"{length + 2:04X}".encode()
    assert _verify(bytes(tampered), seal).problem == "altered"
