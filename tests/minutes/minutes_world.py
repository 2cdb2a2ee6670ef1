"""The minutes' service on real stores, the real typesetter and signer, and the real
audit log, over a meeting held by `tests.minutes.held`; who acts on them; and what
pyHanko's own validator says of a signed PDF (a helper module, not a test module)."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import validation
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from meetroom.accounts.audit import AuditLog
from meetroom.admin_services import MinutesRecordView
from meetroom.auth.audit_files import AuditFiles
from meetroom.clock import SettableClock
from meetroom.minutes.compose import MinutesSettings
from meetroom.minutes.drafting import Drafter
from meetroom.minutes.kept import KeptCertificateFiles
from meetroom.minutes.notes import NotesService
from meetroom.minutes.rights import MinutesActor
from meetroom.minutes.service import MinutesService
from meetroom.minutes.signature import Signing
from meetroom.records.meetings import Grant, Participant
from meetroom.signing import PadesSigner
from meetroom.store.audit import SqlAuditStore
from meetroom.store.database import Database
from meetroom.store.minutes import SqlMinutesStore
from meetroom.typeset import MinutesTypesetter
from tests.minutes.held import SETTINGS
from tests.signing.ca import TestCA


async def audit_log(db: Database, clock: SettableClock, directory: Path) -> AuditLog:
    log = AuditLog(SqlAuditStore(db), clock, AuditFiles(directory))
    await log.open()
    return log


def minutes_service(
    db: Database,
    clock: SettableClock,
    notes: NotesService,
    audit: AuditLog,
    *,
    trust: bytes | None = None,
    kept: Path | None = None,
    settings: MinutesSettings = SETTINGS,
) -> MinutesService:
    """As `app.compose_minutes` makes it (the notes' service given the lock)."""
    drafter = Drafter(MinutesRecordView(db, notes), settings)
    store = SqlMinutesStore(db)
    signing = Signing(
        store, PadesSigner(trust), KeptCertificateFiles(kept or Path("/nonexistent")), audit,
        clock, settings,
    )  # fmt: skip
    service = MinutesService(store, drafter, notes, MinutesTypesetter(), signing, audit, clock)
    notes.lock = service
    return service


def acting(p: Participant, username: str = "") -> MinutesActor:
    return MinutesActor(
        person=f"p:{p.id}", name=p.name, participant_id=p.id, role=p.role,
        moderator=Grant.MODERATOR in p.grants, manager=False, user_id=p.user_id,
        username=username,
    )  # fmt: skip


async def pyhanko_statuses(pdf: bytes, ca: TestCA, at: datetime) -> list[PdfSignatureStatus]:
    """What pyHanko's validator says of each signature, the test CA trusted, at `at`."""
    root = asn1_x509.Certificate.load(ca.certificate.public_bytes(Encoding.DER))
    reader = PdfFileReader(BytesIO(pdf))
    return [
        await validation.async_validate_pdf_signature(
            embedded, ValidationContext(trust_roots=[root], allow_fetching=False, moment=at)
        )
        for embedded in reader.embedded_signatures
    ]
