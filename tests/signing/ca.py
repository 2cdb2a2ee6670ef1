"""A certification authority made in the test, with `cryptography`: a root CA and the
signers' certificates it issues, as PKCS#12 files with a password. Every validity
window is computed from a time the test gives (no dependence on today's date).

Shared by the tests of signatures (tests/signing/, and the minutes' tests):

    ca = TestCA.make(at)                       # valid from a year before `at` for 10 years
    p12 = ca.pkcs12("Nguyễn Văn An", "secret", at)   # valid from a day before to a year after
    PadesSigner(ca.pem).sign(pdf, p12, "secret", reason=..., location=..., at=at)

and `sample_pdf()`: a small one-page PDF (fpdf2, uncompressed) to sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fpdf import FPDF

SAMPLE_TEXT = "Minutes of the meeting: the budget is approved."


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MeetRoom tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass(frozen=True)
class TestCA:
    """A root CA: its key, its self-signed certificate."""

    __test__ = False  # not a test class, whatever its name

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def make(
        cls,
        at: datetime,
        name: str = "MeetRoom Test Root CA",
        *,
        before: timedelta = timedelta(days=365),
        after: timedelta = timedelta(days=3650),
    ) -> TestCA:
        """A root valid from `at - before` to `at + after`."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = _name(name)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(at - before)
            .not_valid_after(at + after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate)

    @property
    def pem(self) -> bytes:
        """The root's certificate in PEM: what `PadesSigner(trust_roots_pem)` takes."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(
        self,
        common_name: str,
        at: datetime,
        *,
        before: timedelta = timedelta(days=1),
        after: timedelta = timedelta(days=365),
    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        """A signer's key (RSA 2048) and certificate, valid from `at - before` to
        `at + after` (a negative `after`: expired at `at`), with the key usages of a
        document signer: digitalSignature and nonRepudiation."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(at - before)
            .not_valid_after(at + after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,  # nonRepudiation
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
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        return key, certificate

    def pkcs12(
        self,
        common_name: str,
        password: str,
        at: datetime,
        *,
        before: timedelta = timedelta(days=1),
        after: timedelta = timedelta(days=365),
        with_ca: bool = True,
    ) -> bytes:
        """A PKCS#12 file (password-protected) holding a new signer's key and
        certificate, and the root's certificate unless `with_ca` is False."""
        key, certificate = self.issue(common_name, at, before=before, after=after)
        return pkcs12.serialize_key_and_certificates(
            common_name.encode("utf-8"),
            key,
            certificate,
            [self.certificate] if with_ca else None,
            serialization.BestAvailableEncryption(password.encode("utf-8")),
        )


def sample_pdf(text: str = SAMPLE_TEXT) -> bytes:
    """A one-page PDF with `text` (Latin-1) in its uncompressed content stream, so
    that a test can find and change its bytes."""
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())
