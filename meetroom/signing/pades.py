"""PAdES B-B signatures with pyHanko, and what its validator says of them.

A signature is added as an incremental update in a new invisible signature field
(Signature1, then Signature2...), so that a second signer (the secretary, then the
chair) keeps the first signature valid. Nothing is fetched: no timestamp server, no
OCSP or CRL (MeetRoom runs on closed networks); trust is the configured roots alone.

pyHanko's synchronous calls run an event loop of their own (`asyncio.run`): they work
in a worker thread (as the minutes service calls them) whatever loop runs elsewhere;
called from a thread that runs a loop, they are handed to a thread of their own.
"""

from __future__ import annotations

import asyncio
import binascii
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, validation
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError

from meetroom.errors import N_, Invalid
from meetroom.records.minutes import SignatureStatus
from meetroom.signing import certificates
from meetroom.signing.certificates import CertificateSummary

_T = TypeVar("_T")

FIELD_PREFIX = "Signature"
# A signer's certificate must allow one of these (pyHanko's default: non-repudiation
# alone; certificates for documents usually carry both).
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
# What may follow a signature in the file and leave it intact: signature maintenance
# (validation data) after the last one; later signatures too after an earlier one.
AFTER_LAST = {ModificationLevel.NONE, ModificationLevel.LTA_UPDATES}
AFTER_EARLIER = AFTER_LAST | {ModificationLevel.FORM_FILLING}
_STATES = ("invalid", "untrusted", "valid")  # worst first


def unreadable_pdf() -> Invalid:
    return Invalid("pdf_unreadable", N_("This PDF file cannot be read."))


def _off_loop(call: Callable[[], _T]) -> _T:
    """`call()`, in another thread if this one runs an event loop (pyHanko's
    `asyncio.run` refuses to run inside one)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pades") as pool:
        return pool.submit(call).result()


class _SignerAt(signers.PdfSigner):
    """pyHanko's PdfSigner, with the signing time (/M) given instead of the clock's."""

    def __init__(self, at: datetime, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._at
        return session


@dataclass(frozen=True, slots=True)
class _Verdict:
    field: str
    state: str
    intact: bool
    trusted: bool
    signer: str
    signed_at: datetime | None
    words: str  # the validator's own summary


def _next_field(reader: PdfFileReader) -> str:
    taken = {name for name, _value, _ref in fields.enumerate_sig_fields(reader)}
    number = 1
    while f"{FIELD_PREFIX}{number}" in taken:
        number += 1
    return f"{FIELD_PREFIX}{number}"


def _covers(result: PdfSignatureStatus, last: bool) -> bool:
    """Whether the signature covers the document: the whole file, or its revision
    followed only by updates that leave what was signed as it was."""
    if result.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    if result.coverage != SignatureCoverageLevel.ENTIRE_REVISION or not result.docmdp_ok:
        return False
    return result.modification_level in (AFTER_LAST if last else AFTER_EARLIER)


def _describe(verdict: _Verdict) -> str:
    """One signature's part of the summary: "Signature1 by An at 2031-03-14 09:30 UTC:
    INTACT:TRUSTED,UNTOUCHED"."""
    who = f" by {verdict.signer}" if verdict.signer else ""
    moment = verdict.signed_at
    when = f" at {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else ""
    return f"{verdict.field}{who}{when}: {verdict.words}"


def _first_line(error: Exception) -> str:
    return f"{type(error).__name__}: {(str(error).splitlines() or [''])[0]}"


class PadesSigner:
    """`meetroom.minutes.ports.PdfSigner` with pyHanko. `trust_roots_pem`: the CA
    certificates (PEM or DER, one or several) a signer's certificate must chain to for
    a signature to be "valid"; None or empty: intact signatures are "untrusted"."""

    def __init__(self, trust_roots_pem: bytes | None = None) -> None:
        try:
            roots = list(load_certs_from_pemder_data(trust_roots_pem)) if trust_roots_pem else []
        except (ValueError, binascii.Error) as error:
            raise ValueError(f"trust roots: not certificates in PEM or DER ({error})") from error
        self._roots: tuple[asn1_x509.Certificate, ...] = tuple(roots)

    # -- signing ----------------------------------------------------------------

    def sign(
        self,
        pdf: bytes,
        pkcs12: bytes,
        password: str,
        *,
        reason: str,
        location: str,
        at: datetime,
    ) -> bytes:
        credentials = certificates.load(pkcs12, password)
        certificates.require_valid_at(credentials.certificate, at)
        moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        signer = signers.SimpleSigner.load_pkcs12_data(
            pkcs12, other_certs=[], passphrase=credentials.passphrase
        )
        try:
            writer = IncrementalPdfFileWriter(BytesIO(pdf))
            field = _next_field(writer.prev)
        except (PdfError, ValueError, KeyError, TypeError) as error:
            raise unreadable_pdf() from error
        metadata = signers.PdfSignatureMetadata(
            field_name=field,
            reason=reason or None,
            location=location or None,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        )
        pdf_signer = _SignerAt(moment, metadata, signer=signer)
        output = _off_loop(lambda: pdf_signer.sign_pdf(writer))
        signed: bytes = output.getvalue()
        return signed

    @staticmethod
    def certificate_summary(pkcs12: bytes, password: str) -> CertificateSummary:
        """Whom the certificate in the PKCS#12 file names, and when it is valid."""
        return certificates.certificate_summary(pkcs12, password)

    # -- validating -------------------------------------------------------------

    def status(self, pdf: bytes, at: datetime | None = None) -> SignatureStatus | None:
        """The verdict on the PDF's signatures, validated at `at` (None: the present):
        the state is the worst of its signatures' ("invalid" when one is not intact),
        the signer and time the last signature's. None: the PDF has no signature."""
        try:
            reader = PdfFileReader(BytesIO(pdf))
            filled = list(fields.enumerate_sig_fields(reader, filled_status=True))
        except (PdfError, ValueError, KeyError, TypeError) as error:
            raise unreadable_pdf() from error
        embedded: list[EmbeddedPdfSignature] = []
        broken: list[_Verdict] = []  # a signature field whose signature cannot be read
        for name, _value, field in filled:
            try:
                signature = EmbeddedPdfSignature(reader, field, name)
            except (PdfError, ValueError, KeyError, TypeError) as error:
                words = f"INVALID (unreadable signature: {_first_line(error)})"
                broken.append(_Verdict(str(name), "invalid", False, False, "", None, words))
                continue
            if signature.sig_object_type == "/Sig":  # not a document timestamp
                embedded.append(signature)
        if not embedded and not broken:
            return None
        embedded.sort(key=lambda signature: int(signature.signed_revision))
        moment = None if at is None else (at if at.tzinfo else at.replace(tzinfo=UTC))
        verdicts = broken + [
            self._verdict(signature, last=index == len(embedded) - 1, moment=moment)
            for index, signature in enumerate(embedded)
        ]
        last = verdicts[-1]
        return SignatureStatus(
            state=min((v.state for v in verdicts), key=_STATES.index),
            signer=last.signer,
            signed_at=last.signed_at,
            intact=all(v.intact for v in verdicts),
            trusted=all(v.trusted for v in verdicts),
            summary="; ".join(map(_describe, verdicts)),
        )

    def _verdict(
        self, signature: EmbeddedPdfSignature, *, last: bool, moment: datetime | None
    ) -> _Verdict:
        field = str(signature.field_name)
        try:
            signer = certificates.common_name_of_der(signature.signer_cert.dump())
        except (ValueError, KeyError, TypeError, AttributeError):
            signer = ""
        context = ValidationContext(
            trust_roots=list(self._roots), allow_fetching=False, moment=moment
        )
        try:
            result = _off_loop(
                lambda: validation.validate_pdf_signature(
                    signature, context, key_usage_settings=KEY_USAGE
                )
            )
        except (PdfError, ValueError, KeyError, TypeError, PathError) as error:
            words = f"INVALID ({_first_line(error)})"
            try:
                claimed: datetime | None = signature.self_reported_timestamp
            except (PdfError, ValueError, KeyError, TypeError):
                claimed = None
            return _Verdict(field, "invalid", False, False, signer, claimed, words)
        intact = bool(result.intact and result.valid and _covers(result, last))
        trusted = bool(result.trusted)
        state = "valid" if intact and trusted else "untrusted" if intact else "invalid"
        words = result.summary()
        if not (result.intact and result.valid):
            words += " (the signed bytes do not match the signature)"
        elif not intact:
            words += " (the file was changed after this signature)"
        return _Verdict(field, state, intact, trusted, signer, result.signer_reported_dt, words)
