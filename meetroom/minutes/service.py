"""A meeting's minutes: the draft made when the meeting ends, read and edited, sent
to the participants for comments, approved and frozen (`freeze`), signed
(`signature`), and later versions that say what changed.

The draft is composed from the record each time it is read (`drafting`), so that the
record, the notes, conclusions and action items (kept by `NotesService`, edited here
or on the notes page) and the minutes always agree; what the draft keeps of its own
is its template, opening and closing paragraphs, a revision, and its approvals. Once
frozen, the version keeps the document it froze, and its files. The notes' service
asks `frozen` (the `MinutesLock`): while the latest version is frozen, the record's
editable parts do not change; a new version (a draft again) opens them.

Rights are in `rights`; the caller has let the actor into the meeting."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime

from meetroom.bounds import in_range
from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Invalid
from meetroom.ids import MeetingId, new_id
from meetroom.meetings.status import read_only_error
from meetroom.minutes import refusals
from meetroom.minutes.compose import MinutesSettings
from meetroom.minutes.drafting import Drafter, fingerprint, holding
from meetroom.minutes.edits import (
    MinutesEdit,
    MinutesView,
    NotesEditing,
    checked_text,
    notes_actor,
)
from meetroom.minutes.freeze import Approvals
from meetroom.minutes.ports import MinutesRenderer, MinutesStore
from meetroom.minutes.rights import (
    MinutesActor,
    approver_roles,
    holds,
    may_read,
    not_found,
    require_moderator,
)
from meetroom.minutes.signature import Signing
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.meetings import Meeting, MeetingRole, MeetingStatus
from meetroom.records.minutes import FileKind, MinutesComment, MinutesStatus, MinutesVersion

logger = logging.getLogger(__name__)

PARAGRAPH_MAX = 20_000  # characters of the opening or closing paragraphs
CHANGE_NOTE_MAX = 2_000
COMMENT_MAX = 4_000
ENDED = (MeetingStatus.ENDED, MeetingStatus.ARCHIVED)


class MinutesService:
    def __init__(
        self,
        store: MinutesStore,
        drafter: Drafter,
        notes: NotesEditing,
        renderer: MinutesRenderer,
        signing: Signing,
        audit: AuditTrail,
        clock: Clock,
    ) -> None:
        self.store = store
        self.drafter = drafter
        self.notes = notes
        self.renderer = renderer
        self.signing = signing
        self.audit = audit
        self.clock = clock
        self.approvals = Approvals(store, drafter, renderer, audit, clock)

    @property
    def settings(self) -> MinutesSettings:
        return self.drafter.settings

    # -- the lock and the lifecycle ---------------------------------------------------

    async def frozen(self, meeting_id: MeetingId) -> bool:
        """The `MinutesLock` of the notes: the latest version is frozen."""
        latest = await self.store.latest(meeting_id)
        return latest is not None and latest.status is MinutesStatus.FROZEN

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> None:
        """The lifecycle's listener: a meeting that ends gets its draft."""
        if meeting.status is MeetingStatus.ENDED:
            await self.ensure_draft(meeting)

    async def ensure_draft(self, meeting: Meeting) -> MinutesVersion | None:
        """The latest version; the first draft made if there is none and the meeting
        has ended (None while it has not)."""
        latest = await self.store.latest(meeting.id)
        if latest is not None or meeting.status not in ENDED:
            return latest
        now = self.clock.now()
        draft = MinutesVersion(
            meeting_id=meeting.id, version=1, status=MinutesStatus.DRAFT,
            template=self.settings.template, opening="", closing="", change_note="",
            revision=1, created_at=now, updated_at=now,
        )  # fmt: skip
        if await self.store.create(draft):
            logger.info("meeting %s: minutes drafted", meeting.id)
        return await self.store.latest(meeting.id)

    # -- reading ----------------------------------------------------------------------

    async def view(
        self, actor: MinutesActor, meeting: Meeting, version: int | None = None
    ) -> MinutesView:
        """The version named (else the latest the actor may read), as they see it.
        NotFound `minutes_not_found` for one they may not read; Conflict
        `minutes_not_drafted` before the meeting ended."""
        latest = await self.ensure_draft(meeting)
        if latest is None:
            if actor.moderator:
                raise refusals.not_drafted()
            raise not_found()
        versions = [v for v in await self.store.versions(meeting.id) if may_read(actor, v)]
        chosen = next((v for v in reversed(versions) if version in (None, v.version)), None)
        if chosen is None:
            raise not_found()
        full = await self.store.get(meeting.id, chosen.version)
        assert full is not None
        return await self._view(actor, full, tuple(versions), latest)

    async def _view(
        self,
        actor: MinutesActor,
        version: MinutesVersion,
        versions: tuple[MinutesVersion, ...],
        latest: MinutesVersion,
    ) -> MinutesView:
        record = await self.drafter.record(version.meeting_id)
        document = self.drafter.document(record, version)
        draft = version.status is MinutesStatus.DRAFT
        approvals = (
            holding(version.approvals, fingerprint(document)) if draft else (version.approvals)
        )
        people = record.participants
        is_latest = version.version == latest.version
        writable = is_latest and draft and record.meeting.status is not MeetingStatus.ARCHIVED
        return MinutesView(
            version=version, document=document, versions=versions, approvals=approvals,
            notes=record.notes if draft and actor.moderator else (),
            actions=record.actions if draft and actor.moderator else (),
            approve_as=tuple(r.value for r in approver_roles(actor, people))
            if is_latest and draft else (),
            may_edit=writable and actor.moderator,
            may_sign=not draft and version.signed_at is None
            and holds(actor, MeetingRole(self.settings.signer), people),
            may_new_version=is_latest and not draft and actor.moderator
            and record.meeting.status is not MeetingStatus.ARCHIVED,
            may_comment=writable and self._comments_open(version) and (
                actor.participant_id is not None or actor.moderator),
            signature=await self.signing.status(version),
        )  # fmt: skip

    def _comments_open(self, version: MinutesVersion) -> bool:
        until = version.comments_until
        return until is not None and self.clock.now() <= until

    # -- editing ----------------------------------------------------------------------

    async def _latest_draft(
        self, actor: MinutesActor, meeting: Meeting, revision: int | None = None
    ) -> MinutesVersion:
        require_moderator(actor)
        if meeting.status is MeetingStatus.ARCHIVED:
            raise read_only_error(meeting.status)
        latest = await self.ensure_draft(meeting)
        if latest is None:
            raise refusals.not_drafted()
        refusals.require_draft(latest, revision)
        return latest

    async def edit(self, actor: MinutesActor, meeting: Meeting, edit: MinutesEdit) -> MinutesView:
        """Edit the latest draft at `edit.revision`: its paragraphs and template here,
        the items' notes and conclusions and the action items through the notes'
        service. Every edit undoes the approvals given before."""
        checked_text(edit.opening, "opening_too_long", "opening", PARAGRAPH_MAX)
        checked_text(edit.closing, "closing_too_long", "closing", PARAGRAPH_MAX)
        latest = await self._latest_draft(actor, meeting, edit.revision)
        now = self.clock.now()

        def step(v: MinutesVersion) -> MinutesVersion:
            refusals.require_draft(v, edit.revision)
            edited = replace(
                v, opening=edit.opening if edit.opening is not None else v.opening,
                closing=edit.closing if edit.closing is not None else v.closing,
                template=edit.template or v.template,
            )  # fmt: skip
            if edited == v and not edit.items and not edit.actions:
                return v  # nothing changes: a save of the form as it was
            return replace(edited, revision=v.revision + 1, approvals=(), updated_at=now)

        await self.store.change(meeting.id, latest.version, step)
        who = notes_actor(actor)
        for item in edit.items:
            await self.notes.save_notes(
                meeting.id, item.agenda_item_id, who, notes=item.notes,
                conclusion=item.conclusion, revision=item.revision,
            )  # fmt: skip
        for change in edit.actions:
            if change.id is None and change.draft is not None:
                await self.notes.add_action(meeting.id, who, change.draft)
            elif change.id is not None and change.draft is not None:
                await self.notes.update_action(change.id, who, change.draft, meeting_id=meeting.id)
            elif change.id is not None:
                await self.notes.delete_action(change.id, who, meeting_id=meeting.id)
        return await self.view(actor, meeting)

    async def approve(
        self, actor: MinutesActor, meeting: Meeting, revision: int | None = None
    ) -> MinutesView:
        await self.ensure_draft(meeting)
        await self.approvals.approve(actor, meeting.id, revision)
        return await self.view(actor, meeting)

    async def new_version(
        self, actor: MinutesActor, meeting: Meeting, change_note: str
    ) -> MinutesView:
        """A new draft after the frozen latest version, saying what changes."""
        require_moderator(actor)
        if meeting.status is MeetingStatus.ARCHIVED:
            raise read_only_error(meeting.status)
        checked_text(change_note, "change_note_too_long", "change_note", CHANGE_NOTE_MAX)
        note = change_note.strip()
        if not note:
            raise Invalid(
                "change_note_required",
                N_("Say what changes in the new version."),
                details={"field": "change_note"},
            )  # fmt: skip
        latest = await self.ensure_draft(meeting)
        if latest is None:
            raise refusals.not_drafted()
        if latest.status is not MinutesStatus.FROZEN:
            raise refusals.not_frozen()
        now = self.clock.now()
        draft = MinutesVersion(
            meeting_id=meeting.id, version=latest.version + 1, status=MinutesStatus.DRAFT,
            template=latest.template, opening=latest.opening, closing=latest.closing,
            change_note=note, revision=1, created_at=now, updated_at=now,
            number=latest.number,
        )  # fmt: skip
        if not await self.store.create(draft):
            raise refusals.stale(latest)
        await self.audit.record(
            actor.principal, AuditAction.MINUTES_VERSION_STARTED, target_type="meeting",
            target_id=meeting.id,
            details={"version": draft.version, "number": draft.number,
                     "change_note": draft.change_note},
        )  # fmt: skip
        return await self.view(actor, meeting)

    # -- comments ---------------------------------------------------------------------

    async def send(self, actor: MinutesActor, meeting: Meeting, until: datetime) -> MinutesView:
        """Let the participants read the draft and comment on it until `until`."""
        latest = await self._latest_draft(actor, meeting)
        in_range(until, "until")
        if until <= self.clock.now():
            raise Invalid(
                "deadline_past", N_("Choose a deadline in the future."), details={"field": "until"}
            )
        await self.store.change(
            meeting.id, latest.version, lambda v: replace(v, comments_until=until)
        )
        return await self.view(actor, meeting)

    async def comment(self, actor: MinutesActor, meeting: Meeting, text: str) -> MinutesComment:
        latest = await self.ensure_draft(meeting)
        if latest is None or latest.status is not MinutesStatus.DRAFT:
            raise refusals.frozen() if latest is not None else refusals.not_drafted()
        if not may_read(actor, latest) or actor.participant_id is None and not actor.moderator:
            raise not_found()
        if not self._comments_open(latest):
            raise Conflict("comments_closed", N_("The time for comments on this draft is over."))
        body = (checked_text(text, "comment_too_long", "text", COMMENT_MAX) or "").strip()
        if not body:
            raise Invalid("comment_required", N_("Write your comment."), details={"field": "text"})
        comment = MinutesComment(
            id=new_id(), meeting_id=meeting.id, version=latest.version, author=actor.person,
            author_name=actor.name, text=body, created_at=self.clock.now(),
        )  # fmt: skip
        await self.store.add_comment(comment)
        return comment

    async def comments(self, actor: MinutesActor, meeting: Meeting) -> list[MinutesComment]:
        """The comments on the latest version (the moderators')."""
        require_moderator(actor)
        latest = await self.ensure_draft(meeting)
        return await self.store.comments(meeting.id, latest.version) if latest else []

    # -- files and the signature ------------------------------------------------------

    async def file(
        self, actor: MinutesActor, meeting: Meeting, kind: FileKind, version: int | None = None
    ) -> tuple[bytes, MinutesVersion]:
        """A version's file: its PDF (signed if it is, unless `kind` asks for the
        plain one), or its DOCX; a draft's PDF only for the moderators, made now and
        marked as a draft."""
        shown = await self.view(actor, meeting, version)
        v = shown.version
        if v.status is MinutesStatus.DRAFT:
            if kind is FileKind.DOCX or not actor.moderator:
                raise refusals.not_frozen()
            return await asyncio.to_thread(self.renderer.pdf, shown.document), v
        content = None
        if kind is FileKind.SIGNED_PDF:
            content = await self.store.file(meeting.id, v.version, FileKind.SIGNED_PDF)
            kind = FileKind.PDF
        content = content or await self.store.file(meeting.id, v.version, kind)
        if content is None:
            raise not_found()
        return content, v

    async def sign(
        self,
        actor: MinutesActor,
        meeting: Meeting,
        *,
        pkcs12: bytes | None,
        password: str,
        use_kept: bool = False,
        version: int | None = None,
    ) -> MinutesView:
        latest = await self.ensure_draft(meeting)
        if latest is None:
            raise refusals.not_drafted()
        number = version if version is not None else latest.version
        target = await self.store.get(meeting.id, number)
        if target is None:
            raise not_found()
        people = await self.drafter.source.list_participants(meeting.id)
        await self.signing.sign(
            actor, target, people, pkcs12=pkcs12, password=password, use_kept=use_kept
        )
        return await self.view(actor, meeting, number)
