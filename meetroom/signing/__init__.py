"""PAdES signatures on the frozen minutes' PDF, with pyHanko: `PadesSigner` implements
`meetroom.minutes.ports.PdfSigner`. Closed networks: a PAdES B-B signature (no
timestamp server), validated without fetching (no OCSP, no CRL) against the configured
trust roots. This package alone imports pyhanko, pyhanko_certvalidator, asn1crypto and
cryptography."""

from __future__ import annotations

from meetroom.signing.certificates import CertificateSummary, certificate_summary
from meetroom.signing.pades import PadesSigner

__all__ = ["CertificateSummary", "PadesSigner", "certificate_summary"]
