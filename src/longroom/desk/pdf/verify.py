"""Is this PDF a genuine, unmodified Longroom stamp?  (sandboxed; pyHanko validation)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any, Final, Literal

from .inspection import looks_like_pdf
from .sandbox import PdfSandboxError, call_limits, run_sandboxed

__all__ = ["StampVerification", "VerificationProblem", "verify_stamped"]

log = logging.getLogger(__name__)

VerificationProblem = Literal[
    "not_pdf",
    "unreadable",
    "no_signature",
    "untrusted_signer",
    "altered",
    "modified_after_signing",
    "timeout",
    "memory",
    "crashed",
]

_HEX: Final[frozenset[int]] = frozenset(b"0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class StampVerification:
    """Outcome of :func:`verify_stamped`.

    ``genuine`` is true only when the last signature made with a trusted seal is intact, valid and
    covers the whole file.  ``original_length`` is the length of the prefix that existed before
    the stamp's update (the document as received); ``original_sha256`` its hash, to compare with
    the hash stored at intake.  ``signed_revision_sha256`` hashes the whole signed revision.
    """

    genuine: bool
    problem: VerificationProblem | None = None
    reference: str | None = None
    signer_subject: str | None = None
    signer_fingerprint_sha256: str | None = None
    signed_at: dt.datetime | None = None
    signed_revision_sha256: str | None = None
    original_length: int | None = None
    original_sha256: str | None = None
    signature_count: int = 0
    detail: str | None = None


def verify_stamped(
    data: bytes,
    *,
    trusted_certificates_der: list[bytes],
    timeout: float | None = None,
    memory_bytes: int | None = None,
) -> StampVerification:
    """Check a stamped PDF against the office seal certificate(s); never raises for bad input."""
    if not looks_like_pdf(data):
        return StampVerification(genuine=False, problem="not_pdf")
    try:
        return run_sandboxed(
            _verify_in_worker, data, list(trusted_certificates_der), **call_limits(timeout, memory_bytes)
        )
    except PdfSandboxError as exc:
        log.warning("PDF verification failed in sandbox: %s", exc)
        return StampVerification(genuine=False, problem=exc.kind, detail=exc.detail)


# --------------------------------------------------------------------------- worker side


def _contents_are_canonical(data: bytes, byte_range: list[int], cms_der_length: int) -> bool:
    """The only bytes a signature does not cover are its own hex /Contents: pin them down.

    Hex digits are case-insensitive and the reserved space is zero-padded, so without this
    check a flipped letter case or padding digit would leave a "valid" file that differs from
    the one we issued.
    """
    start, gap_end = byte_range[1], byte_range[2]
    gap = data[start:gap_end]
    if len(gap) < 2 or gap[:1] != b"<" or gap[-1:] != b">":
        return False
    digits = gap[1:-1]
    if not digits or any(b not in _HEX for b in digits):
        return False
    if digits != digits.lower() and digits != digits.upper():
        return False
    tail = digits[2 * cms_der_length :]
    return not tail.strip(b"0")


def _der_lengths_are_minimal(blob: bytes) -> bool:
    """Walk every TLV: one value, one length encoding (DER), and nothing left over.

    Re-encoding with asn1crypto would say the same but costs ~100 ms on a CMS blob; the field
    checks in :func:`_cms_problem` cover the values, this covers the framing.
    """
    stack = [(0, len(blob))]
    while stack:
        position, end = stack.pop()
        while position < end:
            if end - position < 2:
                return False
            tag, first = blob[position], blob[position + 1]
            if tag == 0 or tag & 0x1F == 0x1F:
                # Tag 0 is BER's end-of-contents (or zero padding pulled in by a longer outer
                # length); high tag numbers do not occur in CMS.
                return False
            header = 2
            if first < 0x80:
                length = first
            else:
                count = first & 0x7F
                if count == 0 or count > 4 or end - position < 2 + count:
                    return False  # indefinite or absurd length
                length = int.from_bytes(blob[position + 2 : position + 2 + count], "big")
                if length < 0x80 or blob[position + 2] == 0:
                    return False  # long form where short (or shorter) form was required
                header += count
            content_start = position + header
            content_end = content_start + length
            if content_end > end:
                return False
            if tag & 0x20:
                stack.append((content_start, content_end))
            position = content_end
    return True


def _cms_problem(der: bytes, signer_der: bytes, allowed_certs: set[bytes]) -> str | None:
    """Pin down the parts of the CMS blob that its signature does not cover.

    The signature covers the signed attributes; the certificate bag, versions, algorithm lists
    and unsigned attributes could otherwise be edited without invalidating it.  We accept only
    the shape our own signer produces, in canonical DER.
    """
    from asn1crypto import cms
    from asn1crypto import x509 as asn1_x509

    if not _der_lengths_are_minimal(der):
        return "CMS is not DER (non-minimal or indefinite lengths)"
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        return "not CMS SignedData"
    signed = info["content"]
    signer_infos = signed["signer_infos"]
    if len(signer_infos) != 1:
        return "more than one SignerInfo"
    signer = signer_infos[0]
    digest = signer["digest_algorithm"]["algorithm"].native
    if [d.dump() for d in signed["digest_algorithms"]] != [signer["digest_algorithm"].dump()]:
        return "digest algorithm list does not match the signer's"
    encap = signed["encap_content_info"]
    if encap["content_type"].native != "data" or encap["content"].native is not None:
        return "unexpected encapsulated content"
    if signed["crls"].native or signer["unsigned_attrs"].native:
        return "unexpected CRLs or unsigned attributes"
    issuer_serial = signer["sid"].name == "issuer_and_serial_number"
    signer_cert = asn1_x509.Certificate.load(signer_der)
    # Name matching is case-insensitive, so "CN=x" in the SID still finds "CN=X": compare bytes.
    if issuer_serial:
        sid = signer["sid"].chosen
        if (
            sid["issuer"].dump() != signer_cert.issuer.dump()
            or sid["serial_number"].native != signer_cert.serial_number
        ):
            return "signer identifier is not the signing certificate's exact issuer and serial"
    elif signer["sid"].chosen.native != signer_cert.key_identifier:
        return "signer identifier is not the signing certificate's key identifier"
    if signer["version"].native != ("v1" if issuer_serial else "v3"):
        return "unexpected SignerInfo version"
    if signed["version"].native != ("v1" if issuer_serial else "v3"):
        return "unexpected SignedData version"
    algorithm = signer["signature_algorithm"]["algorithm"].native
    if algorithm not in {f"{digest}_rsa", f"{digest}_ecdsa"}:
        return f"unexpected signature algorithm {algorithm}"
    certificates = [choice.chosen.dump() for choice in signed["certificates"]]
    if signer_der not in certificates or not set(certificates) <= allowed_certs | {signer_der}:
        return "certificate bag holds certificates outside the validated chain"
    if len(certificates) != len(set(certificates)):
        return "duplicate certificates"
    return None


def _der_length(blob: bytes) -> int:
    """Length of the first DER TLV in ``blob`` (the CMS ContentInfo)."""
    if len(blob) < 2:
        raise ValueError("truncated DER")
    first = blob[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(blob) < 2 + count:
        raise ValueError("unsupported DER length")
    return 2 + count + int.from_bytes(blob[2 : 2 + count], "big")


def _path_certificates(path: Any) -> list[Any]:
    try:
        return [entry for entry in path if hasattr(entry, "dump")]
    except TypeError:
        return []


def _revision_start(reader: Any, revision: int) -> int:
    """Offset where ``revision``'s incremental update begins: the received document's length."""
    xref_data = reader.xrefs.get_xref_data(revision)
    meta = reader.xrefs.get_xref_container_info(revision)
    offsets = [pos for (_gen, pos) in xref_data.standard_xrefs.values()]
    offsets.append(meta.start_location)
    return min(offsets)


def _verify_in_worker(data: bytes, trusted: list[bytes]) -> StampVerification:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            reader.decrypt("")
        signatures = list(reader.embedded_signatures)
    except Exception as exc:
        return StampVerification(genuine=False, problem="unreadable", detail=f"{type(exc).__name__}: {exc}")
    if not signatures:
        return StampVerification(genuine=False, problem="no_signature")

    trusted_fps = {hashlib.sha256(der).hexdigest() for der in trusted}
    ours = None
    last_subject: str | None = None
    last_fp: str | None = None
    for sig in signatures:
        try:
            cert = sig.signer_cert
        except Exception as exc:
            # A damaged CMS blob in a signature we would otherwise examine: the file was altered.
            return StampVerification(
                genuine=False, problem="altered", signature_count=len(signatures), detail=f"CMS: {exc}"
            )
        fingerprint = hashlib.sha256(cert.dump()).hexdigest()
        last_subject, last_fp = cert.subject.human_friendly, fingerprint
        if fingerprint in trusted_fps:
            ours = (sig, cert, fingerprint)
    if ours is None:
        return StampVerification(
            genuine=False,
            problem="untrusted_signer",
            signer_subject=last_subject,
            signer_fingerprint_sha256=last_fp,
            signature_count=len(signatures),
        )
    sig, cert, fingerprint = ours

    reason = str(sig.sig_object.get("/Reason", "") or "")
    reference = reason.split(" | ", 1)[0].strip() or None
    common: dict[str, Any] = {
        "reference": reference,
        "signer_subject": cert.subject.human_friendly,
        "signer_fingerprint_sha256": fingerprint,
        "signature_count": len(signatures),
    }
    try:
        start = _revision_start(reader, sig.signed_revision)
        common["original_length"] = start
        common["original_sha256"] = hashlib.sha256(data[:start]).hexdigest()
    except Exception as exc:  # informative only; genuineness does not depend on it
        log.debug("could not locate the signed revision's start: %s", exc)

    try:
        roots = [asn1_x509.Certificate.load(der) for der in trusted]
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        status = validate_pdf_signature(sig, signer_validation_context=context, skip_diff=True)
    except Exception as exc:
        return StampVerification(
            genuine=False, problem="altered", detail=f"{type(exc).__name__}: {exc}", **common
        )
    signed_at = status.signer_reported_dt
    byte_range = [int(v) for v in sig.sig_object["/ByteRange"]]
    covered_end = byte_range[2] + byte_range[3]
    common["signed_at"] = signed_at
    common["signed_revision_sha256"] = hashlib.sha256(data[:covered_end]).hexdigest()

    if not (status.intact and status.valid):
        return StampVerification(genuine=False, problem="altered", detail=status.summary(), **common)
    shape: str | None
    try:
        raw_contents = sig.pkcs7_content
        der_length = _der_length(raw_contents)
        if not _contents_are_canonical(data, byte_range, der_length):
            shape = "signature /Contents not canonical"
        else:
            allowed = set(trusted)
            path = getattr(status, "validation_path", None)
            if path is not None:
                allowed |= {c.dump() for c in _path_certificates(path)}
            shape = _cms_problem(raw_contents[:der_length], cert.dump(), allowed)
    except Exception as exc:
        shape = f"signature contents check failed: {type(exc).__name__}: {exc}"
    if shape is not None:
        return StampVerification(genuine=False, problem="altered", detail=shape, **common)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return StampVerification(
            genuine=False,
            problem="modified_after_signing",
            detail=f"coverage {status.coverage}",
            **common,
        )
    if not status.trusted:
        return StampVerification(genuine=False, problem="untrusted_signer", detail=status.summary(), **common)
    return StampVerification(genuine=True, **common)
