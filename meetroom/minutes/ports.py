"""What the minutes need from outside, as small Protocols: the composition root hands
in the typesetter (`meetroom.typeset`) and the signer (`meetroom.signing`), so this
package imports neither (nor their libraries)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from meetroom.records.minutes import MinutesDocument, SignatureStatus


class MinutesRenderer(Protocol):
    """Lays out a `MinutesDocument` in its template. Both calls are CPU-bound and
    synchronous: callers run them in a thread."""

    def pdf(self, document: MinutesDocument) -> bytes:
        """A PDF (PDF/A-2b where the library allows), fonts embedded."""
        ...

    def docx(self, document: MinutesDocument) -> bytes: ...


class PdfSigner(Protocol):
    """PAdES signatures. Synchronous and CPU-bound, like the renderer."""

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
        """`pdf` signed with the key and certificate in the PKCS#12 file. Raises
        `meetroom.errors.Invalid` with the code `certificate_unreadable` (not a PKCS#12
        file, or no key in it), `certificate_password` (the password does not open
        it), `certificate_expired` or `certificate_not_yet_valid` (at `at`), and
        `pdf_unreadable` when the PDF cannot be read. The signature is PAdES B-B, added as
        an incremental update in the next free field (Signature1, Signature2...), so
        that a second signer keeps the first signature valid; its time is `at`."""
        ...

    def status(self, pdf: bytes, at: datetime | None = None) -> SignatureStatus | None:
        """What a validator says of the PDF's signatures at `at` (None: the present;
        pass the clock's time): the state is the worst of them (one not intact makes
        it "invalid"), the signer and time the last signature's. None: it has none.
        Raises `Invalid` `pdf_unreadable` when the PDF cannot be read."""
        ...

    def certificate_summary(self, pkcs12: bytes, password: str) -> tuple[str, datetime, datetime]:
        """Whom the certificate in a PKCS#12 file names (its subject's common name),
        and when it is valid (not before, not after; UTC): for the page to show whose a
        kept certificate is. Raises as `sign` does, but for the dates."""
        ...
