"""The notes and action items as the server's channels use them (the API and pages):
each change applied by `NotesService`, then told on the meeting socket to the
meeting's moderators only, on every node (`MODERATORS`: whoever has the `moderator`
grant when it arrives), so that the chair's Notes tab follows the secretary's typing.
The other participants are never told notes."""

from __future__ import annotations

import logging
from typing import Protocol

from meetroom.ids import AgendaItemId, MeetingId
from meetroom.minutes.action_drafts import ActionDraft
from meetroom.minutes.notes import NotesActor, NotesService
from meetroom.minutes.views import action_out, notes_saved
from meetroom.protocol.codec import encode_json
from meetroom.protocol.notes import ActionChanged
from meetroom.records.minutes import ActionItem, ActionItemId, ItemNotes
from meetroom.sessions.live.meeting import MODERATORS

logger = logging.getLogger(__name__)

TO_MODERATORS = frozenset({MODERATORS})


class Broadcast(Protocol):
    """The meeting's clients on every node (the live session)."""

    def tell(
        self, meeting_id: MeetingId, data: bytes, audience: frozenset[str] | None = None
    ) -> None: ...


class LiveNotes:
    def __init__(self, notes: NotesService, broadcast: Broadcast) -> None:
        self.notes = notes
        self.broadcast = broadcast

    def _tell_action(self, action: ActionItem, actor: NotesActor, deleted: bool = False) -> None:
        message = ActionChanged(action=action_out(action, True), deleted=deleted, by=actor.person)
        self.broadcast.tell(action.meeting_id, encode_json(message), TO_MODERATORS)

    async def save_notes(
        self,
        meeting_id: MeetingId,
        agenda_item_id: AgendaItemId | None,
        actor: NotesActor,
        *,
        notes: str | None,
        conclusion: str | None,
        revision: int,
    ) -> ItemNotes:
        saved = await self.notes.save_notes(
            meeting_id, agenda_item_id, actor, notes=notes, conclusion=conclusion,
            revision=revision,
        )  # fmt: skip
        self.broadcast.tell(meeting_id, encode_json(notes_saved(saved)), TO_MODERATORS)
        return saved

    async def add_action(
        self, meeting_id: MeetingId, actor: NotesActor, draft: ActionDraft
    ) -> ActionItem:
        action = await self.notes.add_action(meeting_id, actor, draft)
        self._tell_action(action, actor)
        return action

    async def update_action(
        self,
        action_id: ActionItemId,
        actor: NotesActor,
        draft: ActionDraft,
        *,
        meeting_id: MeetingId | None = None,
    ) -> ActionItem:
        action = await self.notes.update_action(action_id, actor, draft, meeting_id=meeting_id)
        self._tell_action(action, actor)
        return action

    async def delete_action(
        self, action_id: ActionItemId, actor: NotesActor, *, meeting_id: MeetingId | None = None
    ) -> ActionItem:
        action = await self.notes.delete_action(action_id, actor, meeting_id=meeting_id)
        self._tell_action(action, actor, deleted=True)
        return action

    async def set_done(
        self,
        action_id: ActionItemId,
        actor: NotesActor,
        done: bool,
        *,
        meeting_id: MeetingId | None = None,
    ) -> ActionItem:
        action = await self.notes.set_done(action_id, actor, done, meeting_id=meeting_id)
        self._tell_action(action, actor)
        return action
