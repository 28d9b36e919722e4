"""Public verification of a stamped PDF: is it a genuine, unaltered stamp of one of our offices?

Two checks must both pass: the PAdES signature is intact, covers the whole file and was made
with one of our offices' seals (desk.pdf), and the file's SHA-256 is the one we recorded when
we stamped it. Either alone could be fooled (a re-signed file; a lookalike without our key).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import pdf as pdftools
from .models import SealCertificate, Stamping
from .selectors import stamping_for_file_hash
from .storage import sha256_hex


@dataclass(frozen=True)
class VerificationOutcome:
    genuine: bool
    problem: str  # "" when genuine
    sha256: str
    stamping: Stamping | None
    signer_subject: str = ""


def verify_document(data: bytes) -> VerificationOutcome:
    digest = sha256_hex(data)
    trusted = [bytes(der) for der in SealCertificate.objects.values_list("certificate_der", flat=True)]
    result = pdftools.verify_stamped(data, trusted_certificates_der=trusted)
    stamping = stamping_for_file_hash(digest)
    if not result.genuine:
        return VerificationOutcome(
            False, result.problem or "altered", digest, stamping, result.signer_subject or ""
        )
    if stamping is None:
        return VerificationOutcome(False, "unknown_document", digest, None, result.signer_subject or "")
    if stamping.seal_fingerprint != result.signer_fingerprint_sha256:
        return VerificationOutcome(False, "untrusted_signer", digest, stamping, result.signer_subject or "")
    return VerificationOutcome(True, "", digest, stamping, result.signer_subject or "")
