"""Fixtures for the signature tests: a fixed time of signing, a test CA made for it, a
signer's PKCS#12 file, a PDF to sign, and the signer under test."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meetroom.signing import PadesSigner
from tests.signing.ca import TestCA, sample_pdf

# The time of signing: every certificate's validity is computed from it, and the
# validator is given it, so that nothing depends on today's date.
AT = datetime(2031, 3, 14, 9, 30, tzinfo=UTC)
PASSWORD = "mật khẩu 123"  # not ASCII: the password is encoded as UTF-8


@pytest.fixture
def at() -> datetime:
    return AT


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA.make(AT)


@pytest.fixture(scope="module")
def pkcs12(ca: TestCA) -> bytes:
    """The secretary's certificate, valid at AT, with the root in the file."""
    return ca.pkcs12("Nguyễn Thị Thư Ký", PASSWORD, AT)


@pytest.fixture
def pdf() -> bytes:
    return sample_pdf()


@pytest.fixture
def signer(ca: TestCA) -> PadesSigner:
    """The signer trusting the test CA."""
    return PadesSigner(ca.pem)
