"""Signing the frozen minutes' PDF (PAdES, by the `PdfSigner` port) and what a
validator says of the signature.

The signer (the role of the `minutes_signer` setting, see `rights`) signs with a
PKCS#12 file uploaded for the signing, or with the one kept for their account
(`KeptCertificates`); neither the file nor its password is stored. The signed PDF is
stored beside the unsigned one, and its SHA-256 goes to the audit log. A version is
signed once."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from dataclasses import replace

from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Invalid
from meetroom.ids import MeetingId
from meetroom.minutes import refusals
from meetroom.minutes.compose import MinutesSettings
from meetroom.minutes.ports import KeptCertificates, MinutesStore, PdfSigner
from meetroom.minutes.rights import MinutesActor, require_signer
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.meetings import Participant
from meetroom.records.minutes import (
    FileKind,
    MinutesFile,
    MinutesStatus,
    MinutesTemplate,
    MinutesVersion,
    SignatureStatus,
)

logger = logging.getLogger(__name__)

MAX_PKCS12 = 64 * 1024  # bytes: a PKCS#12 file is a few kilobytes
STATUSES_KEPT = 256  # validations remembered, by the signed file's hash

REASONS = {
    MinutesTemplate.VIETNAMESE: "Ký biên bản cuộc họp",
    MinutesTemplate.ENGLISH: "Minutes of the meeting, signed",
}


def no_kept_certificate() -> Invalid:
    return Invalid(
        "no_kept_certificate",
        N_("No certificate is kept on the server for your account: upload your PKCS#12 "
           "file (.p12) to sign."),
    )  # fmt: skip


class Signing:
    def __init__(
        self,
        store: MinutesStore,
        signer: PdfSigner,
        kept: KeptCertificates,
        audit: AuditTrail,
        clock: Clock,
        settings: MinutesSettings,
    ) -> None:
        self.store = store
        self.signer = signer
        self.kept = kept
        self.audit = audit
        self.clock = clock
        self.settings = settings
        self._statuses: OrderedDict[str, SignatureStatus | None] = OrderedDict()

    async def sign(
        self,
        actor: MinutesActor,
        version: MinutesVersion,
        people: list[Participant],
        *,
        pkcs12: bytes | None,
        password: str,
        use_kept: bool = False,
    ) -> MinutesVersion:
        """Sign the frozen `version` with the uploaded `pkcs12` file, or (`use_kept`)
        the one kept for the actor's account (`password`, when given, opens it instead
        of the kept password). The signer's errors (`certificate_password`,
        `certificate_expired`...) pass on as they are."""
        meeting_id = version.meeting_id
        if version.status is not MinutesStatus.FROZEN:
            raise refusals.not_frozen()
        require_signer(actor, self.settings.signer, people)
        if version.signed_at is not None:
            raise _signed()
        if use_kept:
            kept = self.kept.get(actor.username) if actor.username else None
            if kept is None:
                raise no_kept_certificate()
            pkcs12, password = kept[0], password or kept[1]
        if not pkcs12:
            raise Invalid("certificate_required", N_("Choose your certificate file (.p12)."))
        if len(pkcs12) > MAX_PKCS12:
            raise Invalid("certificate_unreadable", N_("This is not a certificate file (.p12)."))
        pdf = await self.store.file(meeting_id, version.version, FileKind.PDF)
        if pdf is None:
            raise refusals.not_frozen()
        now = self.clock.now()
        reason = REASONS.get(version.template, REASONS[MinutesTemplate.ENGLISH])
        signed = await asyncio.to_thread(
            self.signer.sign, pdf, pkcs12, password, reason=reason,
            location=self.settings.locality, at=now,
        )  # fmt: skip
        record = MinutesFile(
            FileKind.SIGNED_PDF, hashlib.sha256(signed).hexdigest(), len(signed), now
        )

        def step(v: MinutesVersion) -> MinutesVersion:
            if v.signed_at is not None:
                raise _signed()
            return replace(
                v, signed_by=actor.person, signed_by_name=actor.name, signed_at=now,
                updated_at=now,
            )  # fmt: skip

        done = await self.store.change(meeting_id, version.version, step, [(record, signed)])
        status = await self.status(done)
        await self.audit.record(
            actor.principal, AuditAction.MINUTES_SIGNED, target_type="meeting",
            target_id=meeting_id,
            details={
                "version": version.version, "number": version.number,
                "signed_pdf_sha256": record.sha256, "signed_pdf_size": record.size,
                "certificate": status.signer if status else "",
            },
        )  # fmt: skip
        logger.info("meeting %s: minutes %d signed by %s", meeting_id, version.version,
                    actor.person)  # fmt: skip
        return done

    async def status(self, version: MinutesVersion) -> SignatureStatus | None:
        """What the validator says of the version's signed PDF (None: not signed)."""
        signed = next((f for f in version.files if f.kind is FileKind.SIGNED_PDF), None)
        if signed is None:
            return None
        now = self.clock.now()
        key = f"{signed.sha256}:{now.date().isoformat()}"  # certificates expire by the day
        if key in self._statuses:
            self._statuses.move_to_end(key)
            return self._statuses[key]
        content = await self.store.file(version.meeting_id, version.version, FileKind.SIGNED_PDF)
        if content is None:
            return None
        status = await asyncio.to_thread(self.signer.status, content, now)
        self._statuses[key] = status
        if len(self._statuses) > STATUSES_KEPT:
            self._statuses.popitem(last=False)
        return status

    async def signed_pdf(self, meeting_id: MeetingId, version: int) -> bytes | None:
        return await self.store.file(meeting_id, version, FileKind.SIGNED_PDF)


def _signed() -> Conflict:
    return Conflict("minutes_signed", N_("These minutes are signed already."))
