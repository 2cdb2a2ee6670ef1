"""PAdES signatures made by `PadesSigner` and checked with pyHanko's own validator and
the signer's `status`: valid with the test CA as trust root, untrusted without it,
invalid once the signed bytes change; the certificate refused with a clear code."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
)
from cryptography.hazmat.primitives.serialization import (
    pkcs12 as pkcs12_format,
)
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import validation
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from meetroom.errors import Invalid
from meetroom.signing import PadesSigner
from tests.signing.ca import SAMPLE_TEXT, TestCA

REASON = "Biên bản đã được thông qua"
LOCATION = "Hà Nội"


def sign(signer: PadesSigner, pdf: bytes, pkcs12: bytes, password: str, at: datetime) -> bytes:
    return signer.sign(pdf, pkcs12, password, reason=REASON, location=LOCATION, at=at)


def pyhanko_statuses(pdf: bytes, ca: TestCA, at: datetime) -> list[PdfSignatureStatus]:
    """What pyHanko's validator says of each signature, the test CA trusted, at `at`."""
    root = asn1_x509.Certificate.load(ca.certificate.public_bytes(Encoding.DER))
    reader = PdfFileReader(BytesIO(pdf))
    return [
        validation.validate_pdf_signature(
            embedded,
            ValidationContext(trust_roots=[root], allow_fetching=False, moment=at),
        )
        for embedded in reader.embedded_signatures
    ]


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(Invalid) as caught:
        call()
    return caught.value.code


def test_the_signature_is_pades_and_pyhankos_validator_trusts_it(
    signer: PadesSigner, ca: TestCA, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    signed = sign(signer, pdf, pkcs12, password, at)

    assert signed.startswith(pdf)  # an incremental update: the original bytes kept
    [status] = pyhanko_statuses(signed, ca, at)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level == ModificationLevel.NONE
    assert status.signer_reported_dt == at
    assert status.signing_cert.subject.native["common_name"] == "Nguyễn Thị Thư Ký"
    embedded = PdfFileReader(BytesIO(signed)).embedded_signatures[0]
    assert embedded.field_name == "Signature1"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.sig_object["/Reason"] == REASON
    assert embedded.sig_object["/Location"] == LOCATION
    assert SAMPLE_TEXT in PdfReader(BytesIO(signed)).pages[0].extract_text()


def test_status_is_valid_with_the_ca_and_untrusted_without_it(
    signer: PadesSigner, ca: TestCA, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    signed = sign(signer, pdf, pkcs12, password, at)

    status = signer.status(signed, at)
    assert status is not None
    assert (status.state, status.intact, status.trusted) == ("valid", True, True)
    assert status.signer == "Nguyễn Thị Thư Ký"
    assert status.signed_at == at
    assert "Signature1" in status.summary and "INTACT:TRUSTED,UNTOUCHED" in status.summary

    for stranger in (PadesSigner(), PadesSigner(None), PadesSigner(TestCA.make(at).pem)):
        status = stranger.status(signed, at)
        assert status is not None
        assert (status.state, status.intact, status.trusted) == ("untrusted", True, False)
        assert status.signer == "Nguyễn Thị Thư Ký"


def test_status_is_at_the_time_given(
    signer: PadesSigner, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    """No timestamp (PAdES B-B): once the certificate has expired, the signature is
    still intact, but its certificate no longer validates."""
    signed = sign(signer, pdf, pkcs12, password, at)

    later = signer.status(signed, at + timedelta(days=366))
    assert later is not None
    assert (later.state, later.intact, later.trusted) == ("untrusted", True, False)


def test_a_pdf_without_a_signature_has_no_status(signer: PadesSigner, pdf: bytes) -> None:
    assert signer.status(pdf) is None
    assert code_of(lambda: signer.status(b"not a PDF")) == "pdf_unreadable"


def test_a_byte_changed_inside_the_signed_range_makes_it_invalid(
    signer: PadesSigner, ca: TestCA, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    signed = sign(signer, pdf, pkcs12, password, at)
    where = signed.index(b"budget is approved")
    tampered = signed[:where] + b"B" + signed[where + 1 :]  # "Budget": same length

    [pyhanko] = pyhanko_statuses(tampered, ca, at)
    assert not pyhanko.intact and not pyhanko.bottom_line
    status = signer.status(tampered, at)
    assert status is not None
    assert (status.state, status.intact) == ("invalid", False)
    assert status.summary.startswith("Signature1 by Nguyễn Thị Thư Ký")
    assert "INVALID" in status.summary


def test_a_damaged_signature_is_invalid(
    signer: PadesSigner, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    """The CMS object itself (outside the signed range) broken: the PDF reads, its
    signature does not."""
    signed = sign(signer, pdf, pkcs12, password, at)
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    assert signed[start : start + 2] == b"30"  # the SEQUENCE of the ContentInfo
    damaged = signed[:start] + b"00" + signed[start + 2 :]

    status = signer.status(damaged, at)
    assert status is not None
    assert (status.state, status.intact, status.trusted) == ("invalid", False, False)
    assert status.summary.startswith("Signature1: INVALID (unreadable signature")


def test_an_update_appended_after_signing_that_changes_the_page_is_not_valid(
    signer: PadesSigner, ca: TestCA, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    signed = sign(signer, pdf, pkcs12, password, at)
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0]
    added = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 72 Td (Not approved) Tj ET")
    )
    page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), added])
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    changed = out.getvalue()

    # pyHanko: the signed revision is intact, but the update after it is not one that
    # a signature allows.
    [pyhanko] = pyhanko_statuses(changed, ca, at)
    assert pyhanko.intact and pyhanko.valid
    assert pyhanko.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert pyhanko.modification_level == ModificationLevel.OTHER
    assert not pyhanko.docmdp_ok and not pyhanko.bottom_line
    status = signer.status(changed, at)
    assert status is not None
    assert (status.state, status.intact, status.trusted) == ("invalid", False, True)
    assert "EXTENDED_WITH_OTHER" in status.summary


def test_bytes_after_the_end_of_file_change_nothing_pyhanko_says(
    signer: PadesSigner, ca: TestCA, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    """Junk after %%EOF is no revision: pyHanko reports the signature intact with
    nothing modified (the file's SHA-256, kept in the audit log, tells it apart)."""
    signed = sign(signer, pdf, pkcs12, password, at) + b"\njunk appended\n"

    [pyhanko] = pyhanko_statuses(signed, ca, at)
    assert pyhanko.modification_level == ModificationLevel.NONE and pyhanko.bottom_line
    status = signer.status(signed, at)
    assert status is not None and status.state == "valid"
    assert "EXTENDED_WITH_NONE" in status.summary


def test_two_signatures_in_a_row_are_both_valid(
    signer: PadesSigner, ca: TestCA, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    chair = ca.pkcs12("Trần Văn Chủ Tọa", "chair", at)
    once = sign(signer, pdf, pkcs12, password, at)
    twice = sign(signer, once, chair, "chair", at + timedelta(hours=2))

    assert twice.startswith(once)
    reader = PdfFileReader(BytesIO(twice))
    assert [s.field_name for s in reader.embedded_signatures] == ["Signature1", "Signature2"]
    first, second = pyhanko_statuses(twice, ca, at + timedelta(hours=3))
    assert first.bottom_line and second.bottom_line
    assert first.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert first.modification_level == ModificationLevel.FORM_FILLING and first.docmdp_ok
    assert second.coverage == SignatureCoverageLevel.ENTIRE_FILE
    status = signer.status(twice, at + timedelta(hours=3))
    assert status is not None
    assert (status.state, status.intact, status.trusted) == ("valid", True, True)
    assert status.signer == "Trần Văn Chủ Tọa"
    assert status.signed_at == at + timedelta(hours=2)
    assert "Nguyễn Thị Thư Ký" in status.summary and "Signature2" in status.summary


def test_a_later_signature_does_not_hide_a_change_to_an_earlier_one(
    signer: PadesSigner, pkcs12: bytes, password: str, pdf: bytes, at: datetime, ca: TestCA
) -> None:
    once = sign(signer, pdf, pkcs12, password, at)
    where = once.index(b"budget is approved")
    tampered = once[:where] + b"B" + once[where + 1 :]
    twice = sign(signer, tampered, ca.pkcs12("Chair", "chair", at), "chair", at)

    status = signer.status(twice, at)
    assert status is not None
    assert (status.state, status.signer) == ("invalid", "Chair")


def test_the_certificate_is_refused_with_a_clear_code(
    signer: PadesSigner, ca: TestCA, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    def attempt(data: bytes, secret: str, when: datetime = at) -> str:
        return code_of(lambda: sign(signer, pdf, data, secret, when))

    assert attempt(pkcs12, "wrong password") == "certificate_password"
    assert attempt(pkcs12, "") == "certificate_password"
    assert attempt(b"garbage, not a PKCS#12 file", password) == "certificate_unreadable"
    assert attempt(pdf, password) == "certificate_unreadable"
    assert attempt(pkcs12[: len(pkcs12) // 2], password) == "certificate_unreadable"

    expired = ca.pkcs12("Expired", "pw", at, before=timedelta(days=400), after=-timedelta(days=1))
    assert attempt(expired, "pw") == "certificate_expired"
    early = ca.pkcs12("Early", "pw", at, before=-timedelta(hours=1))
    assert attempt(early, "pw") == "certificate_not_yet_valid"
    # the bounds themselves are inside
    assert sign(signer, pdf, early, "pw", at + timedelta(hours=1))
    assert sign(signer, pdf, pkcs12, password, at + timedelta(days=365))
    assert attempt(pkcs12, password, at + timedelta(days=365, seconds=1)) == "certificate_expired"


def test_a_pkcs12_file_without_a_key_or_password(
    signer: PadesSigner, ca: TestCA, pdf: bytes, at: datetime
) -> None:
    key, certificate = ca.issue("No key", at)
    only_certificates = pkcs12_format.serialize_key_and_certificates(
        b"x", None, None, [certificate], BestAvailableEncryption(b"pw")
    )
    assert code_of(lambda: sign(signer, pdf, only_certificates, "pw", at)) == (
        "certificate_unreadable"
    )
    open_file = pkcs12_format.serialize_key_and_certificates(
        b"x", key, certificate, None, NoEncryption()
    )
    assert signer.status(sign(signer, pdf, open_file, "", at), at) is not None


def test_an_unreadable_pdf_is_refused(
    signer: PadesSigner, pkcs12: bytes, password: str, at: datetime
) -> None:
    assert code_of(lambda: sign(signer, b"%PDF-1.7 broken", pkcs12, password, at)) == (
        "pdf_unreadable"
    )


def test_certificate_summary(
    signer: PadesSigner, pkcs12: bytes, password: str, at: datetime
) -> None:
    name, not_before, not_after = signer.certificate_summary(pkcs12, password)
    assert name == "Nguyễn Thị Thư Ký"
    assert (not_before, not_after) == (at - timedelta(days=1), at + timedelta(days=365))
    assert code_of(lambda: signer.certificate_summary(pkcs12, "no")) == "certificate_password"


async def test_it_works_in_a_thread_and_on_a_running_loop(
    signer: PadesSigner, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    """As the minutes service calls it (asyncio.to_thread, while this loop runs), and,
    blocking but working, from the loop's own thread."""
    signed = await asyncio.to_thread(sign, signer, pdf, pkcs12, password, at)
    status = await asyncio.to_thread(signer.status, signed, at)
    assert status is not None and status.state == "valid"

    twice = sign(signer, signed, pkcs12, password, at)
    status = signer.status(twice, at)
    assert status is not None and status.state == "valid"


def test_trust_roots_in_pem_or_der_one_or_several(
    signer: PadesSigner, ca: TestCA, pkcs12: bytes, password: str, pdf: bytes, at: datetime
) -> None:
    signed = sign(signer, pdf, pkcs12, password, at)
    other = TestCA.make(at, "Another root")
    for roots in (other.pem + ca.pem, ca.certificate.public_bytes(Encoding.DER)):
        status = PadesSigner(roots).status(signed, at)
        assert status is not None and status.state == "valid"
    with pytest.raises(ValueError, match="PEM or DER"):
        PadesSigner(b"-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n")
