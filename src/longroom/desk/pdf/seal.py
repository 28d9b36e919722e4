"""The office's electronic seal: key + certificate used to sign stamped PDFs."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

__all__ = ["SealCredentials", "generate_demo_seal"]


@dataclass(frozen=True, slots=True)
class SealCredentials:
    """A signing key and its certificate (plus optional chain), in DER.

    Plain bytes so that the credentials can be handed to a sandbox worker by pickling; the key
    never leaves the machine.  Build with :meth:`from_pkcs12`.
    """

    key_der: bytes = field(repr=False)  # PKCS#8, unencrypted
    certificate_der: bytes
    chain_der: tuple[bytes, ...] = ()

    @classmethod
    def from_pkcs12(cls, data: bytes, passphrase: bytes | None) -> SealCredentials:
        """Load a PKCS#12 bundle.  Raises ``ValueError`` on a wrong passphrase or no key/cert."""
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase)
        if key is None or cert is None:
            raise ValueError("the PKCS#12 bundle must contain a private key and its certificate")
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError("only RSA and EC seal keys are supported")
        key_der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        chain = tuple(c.public_bytes(serialization.Encoding.DER) for c in (extra or []))
        return cls(
            key_der=key_der, certificate_der=cert.public_bytes(serialization.Encoding.DER), chain_der=chain
        )

    @property
    def fingerprint_sha256(self) -> str:
        """Lower-case hex SHA-256 of the certificate DER."""
        return hashlib.sha256(self.certificate_der).hexdigest()

    @property
    def subject(self) -> str:
        """The certificate subject as an RFC 4514 string."""
        return x509.load_der_x509_certificate(self.certificate_der).subject.rfc4514_string()

    @property
    def common_name(self) -> str:
        cert = x509.load_der_x509_certificate(self.certificate_der)
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.subject

    def pyhanko_signer(self) -> Any:
        """A pyHanko ``SimpleSigner`` for these credentials (imported lazily: worker-side only)."""
        from asn1crypto import keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        cert = asn1_x509.Certificate.load(self.certificate_der)
        chain = [asn1_x509.Certificate.load(c) for c in self.chain_der]
        return signers.SimpleSigner(
            signing_cert=cert,
            signing_key=keys.PrivateKeyInfo.load(self.key_der),
            # pyHanko embeds the signing certificate itself; listing it again would embed it twice.
            cert_registry=SimpleCertificateStore.from_certs(chain),
        )


def generate_demo_seal(
    *, common_name: str, organization: str, valid_days: int = 3650, key_type: str = "rsa"
) -> tuple[bytes, bytes]:
    """Create a self-signed seal certificate for demos and tests; returns (pkcs12, passphrase).

    RSA-2048 (default) or EC P-256 (``key_type="ec"``).  Key usage is digitalSignature +
    nonRepudiation (contentCommitment), which is what PAdES validators expect of a signer.
    Production offices load a CA-issued seal with :meth:`SealCredentials.from_pkcs12` instead.
    """
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if key_type == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    elif key_type == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        raise ValueError("key_type must be 'rsa' or 'ec'")
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    passphrase = secrets.token_urlsafe(24).encode("ascii")
    bundle = pkcs12.serialize_key_and_certificates(
        common_name.encode("utf-8"), key, cert, None, serialization.BestAvailableEncryption(passphrase)
    )
    return bundle, passphrase
