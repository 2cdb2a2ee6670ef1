"""What the minutes' service takes and gives: an edit of the draft (its paragraphs,
the items' notes and conclusions, the action items), and a version as one reader sees
it; and where the notes and action items it edits go (`NotesEditing`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from meetroom.errors import N_, Invalid
from meetroom.ids import AgendaItemId, MeetingId
from meetroom.minutes.notes import ActionDraft, NotesActor
from meetroom.minutes.rights import MinutesActor
from meetroom.records.minutes import (
    ActionItem,
    ActionItemId,
    Approval,
    ItemNotes,
    MinutesDocument,
    MinutesTemplate,
    MinutesVersion,
    SignatureStatus,
)


@dataclass(frozen=True, slots=True)
class ItemEdit:
    """An item's notes and conclusion (None: left as they are), over the notes'
    `revision` (0: none saved yet)."""

    agenda_item_id: AgendaItemId | None
    revision: int
    notes: str | None = None
    conclusion: str | None = None


@dataclass(frozen=True, slots=True)
class ActionEdit:
    """An action item added (`id` None), changed, or deleted (`draft` None)."""

    id: ActionItemId | None
    draft: ActionDraft | None


@dataclass(frozen=True, slots=True)
class MinutesEdit:
    revision: int  # the version's revision edited
    opening: str | None = None
    closing: str | None = None
    template: MinutesTemplate | None = None
    items: tuple[ItemEdit, ...] = ()
    actions: tuple[ActionEdit, ...] = ()


@dataclass(frozen=True, slots=True)
class MinutesView:
    """One version as its reader sees it."""

    version: MinutesVersion
    document: MinutesDocument  # frozen, or the draft composed now
    versions: tuple[MinutesVersion, ...]  # those the reader may see, oldest first
    approvals: tuple[Approval, ...]  # those that hold
    notes: tuple[ItemNotes, ...]  # each item's, with its revision (for editing)
    actions: tuple[ActionItem, ...]
    approve_as: tuple[str, ...]  # the roles the reader may approve in now
    may_edit: bool
    may_sign: bool
    may_new_version: bool
    may_comment: bool
    signature: SignatureStatus | None


class NotesEditing(Protocol):
    """Where the minutes' edits of notes and action items go: the notes' service as
    the channels use it (`LiveNotes`: the moderators' open pages are told)."""

    async def save_notes(
        self,
        meeting_id: MeetingId,
        agenda_item_id: AgendaItemId | None,
        actor: NotesActor,
        *,
        notes: str | None,
        conclusion: str | None,
        revision: int,
    ) -> ItemNotes: ...
    async def add_action(
        self, meeting_id: MeetingId, actor: NotesActor, draft: ActionDraft
    ) -> ActionItem: ...
    async def update_action(
        self,
        action_id: ActionItemId,
        actor: NotesActor,
        draft: ActionDraft,
        *,
        meeting_id: MeetingId | None = None,
    ) -> ActionItem: ...
    async def delete_action(
        self, action_id: ActionItemId, actor: NotesActor, *, meeting_id: MeetingId | None = None
    ) -> ActionItem: ...


def notes_actor(actor: MinutesActor) -> NotesActor:
    return NotesActor(
        person=actor.person, name=actor.name, participant_id=actor.participant_id,
        user_id=actor.user_id, moderator=actor.moderator, principal=actor.principal,
    )  # fmt: skip


def checked_text(value: str | None, code: str, field: str, limit: int) -> str | None:
    if value is not None and len(value) > limit:
        raise Invalid(
            code, N_("{field} is too long (at most {limit} characters)."),
            details={"field": field}, field=field, limit=limit,
        )  # fmt: skip
    return value
