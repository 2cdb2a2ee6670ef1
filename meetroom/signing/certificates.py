"""A signer's PKCS#12 file: its key and certificate, or a clear refusal (not a PKCS#12
file, a wrong password, a certificate not valid at the time of signing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from meetroom.errors import N_, Invalid


@dataclass(frozen=True, slots=True)
class Credentials:
    """A PKCS#12 file that holds a key: its certificate, and the passphrase that
    opened it."""

    certificate: x509.Certificate
    passphrase: bytes | None


class CertificateSummary(NamedTuple):
    """Whom a certificate names, and when it is valid (UTC)."""

    common_name: str
    not_before: datetime
    not_after: datetime


def unreadable() -> Invalid:
    return Invalid(
        "certificate_unreadable",
        N_("This is not a certificate file with a key (PKCS#12, .p12 or .pfx)."),
    )


def is_pkcs12(data: bytes) -> bool:
    """Whether `data` is shaped as a PKCS#12 file (PFX), whatever its password."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data)
        return bool(pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native)
    except (ValueError, TypeError, KeyError):
        return False


def load(data: bytes, password: str) -> Credentials:
    """The key and certificate in the PKCS#12 file `data`. An empty password opens a
    file made without one too."""
    if not is_pkcs12(data):
        raise unreadable()
    passwords = [password.encode("utf-8")] if password else [None, b""]
    for candidate in passwords:
        try:
            key, certificate, _others = pkcs12.load_key_and_certificates(data, candidate)
        except ValueError:
            continue
        if key is None or certificate is None:
            raise unreadable()
        return Credentials(certificate, candidate)
    raise Invalid("certificate_password", N_("The password does not open this certificate file."))


def common_name(certificate: x509.Certificate) -> str:
    """The subject's common name (its whole name when it has none)."""
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if names:
        value = names[0].value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return certificate.subject.rfc4514_string()


def summary(certificate: x509.Certificate) -> CertificateSummary:
    return CertificateSummary(
        common_name(certificate),
        certificate.not_valid_before_utc,
        certificate.not_valid_after_utc,
    )


def require_valid_at(certificate: x509.Certificate, at: datetime) -> None:
    """Refuses a certificate that is not valid at `at` (naive: UTC)."""
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    if moment > certificate.not_valid_after_utc:
        raise Invalid(
            "certificate_expired",
            N_("This certificate expired on {date}."),
            date=f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC",
        )
    if moment < certificate.not_valid_before_utc:
        raise Invalid(
            "certificate_not_yet_valid",
            N_("This certificate is valid only from {date}."),
            date=f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
        )


def certificate_summary(pkcs12_file: bytes, password: str) -> CertificateSummary:
    """Whom the certificate in a PKCS#12 file names, and when it is valid: for the page
    to show whose a kept certificate is. Raises as `load` does."""
    return summary(load(pkcs12_file, password).certificate)


def common_name_of_der(data: bytes) -> str:
    """The subject's common name of a certificate in DER."""
    return common_name(x509.load_der_x509_certificate(data))
