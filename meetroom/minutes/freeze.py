"""Approving the draft, and freezing it once the chair and the secretary both have.

An approval names the draft it approved by its fingerprint (`drafting`). When both
roles have approved the draft as it stands, it is frozen: its number is given (once
per minutes, the year's next: `MinutesStore.reserve_number`), the draft composed again
and checked to be still the one approved, the PDF and DOCX made in a thread, and the
version stored as frozen with its document and files in one transaction, on the
condition that it is still the draft both approved (an edit racing the freeze wins,
and the approvals are then undone). The audit log gets each approval and the freeze
with the files' SHA-256, in its hash chain."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Forbidden
from meetroom.ids import MeetingId
from meetroom.minutes import refusals
from meetroom.minutes.compose import meeting_zone
from meetroom.minutes.drafting import Drafter, fingerprint, holding
from meetroom.minutes.ports import MinutesRenderer, MinutesStore
from meetroom.minutes.rights import APPROVERS, MinutesActor, approver_roles
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.minutes import (
    Approval,
    FileKind,
    MinutesDocument,
    MinutesFile,
    MinutesStatus,
    MinutesVersion,
)

logger = logging.getLogger(__name__)


def approved_by_all(approvals: tuple[Approval, ...], content: str) -> bool:
    given = {a.role for a in holding(approvals, content)}
    return all(role.value in given for role in APPROVERS)


def _file(kind: FileKind, content: bytes, at: datetime) -> tuple[MinutesFile, bytes]:
    digest = hashlib.sha256(content).hexdigest()
    return MinutesFile(kind, digest, len(content), at), content


class Approvals:
    def __init__(
        self,
        store: MinutesStore,
        drafter: Drafter,
        renderer: MinutesRenderer,
        audit: AuditTrail,
        clock: Clock,
    ) -> None:
        self.store = store
        self.drafter = drafter
        self.renderer = renderer
        self.audit = audit
        self.clock = clock

    async def approve(
        self, actor: MinutesActor, meeting_id: MeetingId, revision: int | None = None
    ) -> MinutesVersion:
        """Approve the latest draft as it stands (at `revision`, if named), in each role
        the actor holds; freeze it once both roles have. Returns the version as it now
        is (frozen, or the draft with its approvals)."""
        version = await self.store.latest(meeting_id)
        if version is None:
            raise refusals.not_drafted()
        refusals.require_draft(version, revision)
        record = await self.drafter.record(meeting_id)
        roles = approver_roles(actor, record.participants)
        if not roles:
            raise Forbidden(
                "not_approver", N_("Only the meeting's chair and secretary approve its minutes.")
            )
        content = fingerprint(self.drafter.draft(record, version))
        now = self.clock.now()
        mine = [Approval(role.value, actor.person, actor.name, now, content) for role in roles]

        def step(v: MinutesVersion) -> MinutesVersion:
            refusals.require_draft(v, revision)
            kept = [
                a for a in holding(v.approvals, content) if a.role not in {m.role for m in mine}
            ]
            return replace(v, approvals=(*kept, *mine))

        approved = await self.store.change(meeting_id, version.version, step)
        for approval in mine:
            await self.audit.record(
                actor.principal, AuditAction.MINUTES_APPROVED, target_type="meeting",
                target_id=meeting_id,
                details={"version": version.version, "role": approval.role, "content": content,
                         "title": record.meeting.title},
            )  # fmt: skip
        logger.info("meeting %s: minutes %d approved by %s", meeting_id, version.version,
                    actor.person)  # fmt: skip
        if approved_by_all(approved.approvals, content):
            return await self.freeze(actor, meeting_id, approved.version, content)
        return approved

    async def freeze(
        self, actor: MinutesActor | None, meeting_id: MeetingId, number: int, content: str
    ) -> MinutesVersion:
        """Freeze version `number`, approved by all as the draft whose fingerprint is
        `content`. Returns the version as it then is (still a draft if it changed)."""
        version = await self.store.get(meeting_id, number)
        if version is None:
            raise refusals.not_drafted()
        record = await self.drafter.record(meeting_id)
        zone = ZoneInfo(meeting_zone(record.meeting, self.drafter.settings))
        year = self.clock.now().astimezone(zone).year
        settings = self.drafter.settings
        draft = self.drafter.draft(record, version)
        if fingerprint(draft) != content:
            logger.info("meeting %s: minutes %d changed before freezing", meeting_id, number)
            return version
        given = await self.store.reserve_number(
            meeting_id, number, year, lambda seq: settings.number(seq, year)
        )
        final = self.drafter.final(draft, record, given, holding(version.approvals, content))
        pdf, docx = await asyncio.to_thread(self._render, final)
        now = self.clock.now()
        files = [_file(FileKind.PDF, pdf, now), _file(FileKind.DOCX, docx, now)]

        def step(v: MinutesVersion) -> MinutesVersion:
            if v.status is MinutesStatus.FROZEN or not approved_by_all(v.approvals, content):
                raise Conflict("minutes_changed", N_("The minutes changed while freezing."))
            return replace(
                v, status=MinutesStatus.FROZEN, number=given, frozen_at=now, document=final,
                updated_at=now,
            )  # fmt: skip

        try:
            frozen = await self.store.change(meeting_id, number, step, files)
        except Conflict:
            logger.info("meeting %s: minutes %d frozen or changed meanwhile", meeting_id, number)
            return await self.store.get(meeting_id, number) or version
        await self.audit.record(
            actor.principal if actor else None, AuditAction.MINUTES_FROZEN,
            target_type="meeting", target_id=meeting_id,
            details={
                "version": number, "number": given, "title": record.meeting.title,
                "pdf_sha256": files[0][0].sha256, "docx_sha256": files[1][0].sha256,
                "pdf_size": files[0][0].size, "docx_size": files[1][0].size,
                "approved_by": [[a.role, a.by_name] for a in frozen.approvals],
            },
        )  # fmt: skip
        logger.info("meeting %s: minutes %d frozen as %s", meeting_id, number, given)
        return frozen

    def _render(self, document: MinutesDocument) -> tuple[bytes, bytes]:
        return self.renderer.pdf(document), self.renderer.docx(document)
