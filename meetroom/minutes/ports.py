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
        it), `certificate_expired` or `certificate_not_yet_valid` (at `at`)."""
        ...

    def status(self, pdf: bytes) -> SignatureStatus | None:
        """What a validator says of the PDF's last signature; None: it has none."""
        ...
