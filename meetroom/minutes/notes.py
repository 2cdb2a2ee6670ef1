"""The secretary's notes and each agenda item's conclusion, the action items decided in
the meeting, and each person's tasks across meetings.

Rights, checked here on every call from the actor as the channel knows them now (the
meeting socket's viewer, or the API's, let into the meeting by the caller): the notes
and conclusions are read and written by the meeting's moderators (the `moderator`
grant: the chair and the secretary by default, and accounts that manage the meeting,
as for preparing votes); so are action items made, changed and deleted. An action item
is marked done, or open again, by its owner (their participant, or their account) or
a moderator. Every participant reads the action items (and the decisions list).

Notes are saved with an optimistic revision: a save names the revision it edited; if
another save came first it is refused with 409 `notes_conflict`, carrying the current
text, so that the two editors choose, and nothing is overwritten unknowingly. Once the
minutes are frozen (`MinutesLock`), notes, conclusions and action items no longer
change (409 `minutes_frozen`); marking a task done still does: that is its follow-up,
not the record of the meeting."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import NamedTuple

from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Forbidden, Invalid, NotFound
from meetroom.ids import AgendaItemId, MeetingId, ParticipantId, UserId, new_id
from meetroom.meetings.status import read_only_error

# ActionDraft is part of this module's interface (the minutes' service uses it).
from meetroom.minutes.action_drafts import ActionDraft as ActionDraft
from meetroom.minutes.action_drafts import check_draft, too_long
from meetroom.minutes.decisions import ItemDecisions, decisions_of
from meetroom.minutes.ports import (
    DecidedVotes,
    MinutesLock,
    NeverFrozen,
    NotesAgenda,
    NotesMeetings,
    NotesStore,
)
from meetroom.records.accounts import Connected, Principal, participant_of
from meetroom.records.meetings import Grant, Meeting, MeetingStatus
from meetroom.records.minutes import ActionItem, ActionItemId, ActionStatus, ItemNotes

logger = logging.getLogger(__name__)

NOTES_MAX = 100_000  # characters of one item's notes
CONCLUSION_MAX = 20_000


@dataclass(frozen=True, slots=True)
class NotesActor:
    """Who acts, as the server knows them (the meeting socket's viewer, or the API's)."""

    person: str  # "p:<participant id>" or "u:<user id>"
    name: str
    participant_id: ParticipantId | None  # None: an account not in the meeting's list
    user_id: UserId | None  # their account, if any
    moderator: bool  # the chair's powers (the `moderator` grant, or managing meetings)
    principal: Principal | None = None


def notes_actor(viewer: Connected) -> NotesActor:
    user = viewer.principal.user
    return NotesActor(
        person=viewer.key, name=viewer.name,
        participant_id=participant_of(viewer.key),
        user_id=user.id if user is not None else None,
        moderator=Grant.MODERATOR in viewer.grants, principal=viewer.principal,
    )  # fmt: skip


class MyAction(NamedTuple):
    """One of someone's tasks, with where it came from."""

    action: ActionItem
    meeting_title: str
    item_title: str  # "" for the general part


def require_moderator(actor: NotesActor) -> None:
    if not actor.moderator:
        raise Forbidden("not_moderator", N_("Only the meeting's chair or secretary can do this."))


def _action_not_found() -> NotFound:
    return NotFound("action_not_found", N_("No such action item."))


def _check_text(value: str | None, code: str, field: str, limit: int) -> str | None:
    if value is not None and len(value) > limit:
        raise too_long(code, field, limit)
    return value


class NotesService:
    def __init__(
        self,
        store: NotesStore,
        meetings: NotesMeetings,
        agenda: NotesAgenda,
        votes: DecidedVotes,
        clock: Clock,
        lock: MinutesLock | None = None,
    ) -> None:
        self.store = store
        self.meetings = meetings
        self.agenda = agenda
        self.votes = votes
        self.clock = clock
        # The minutes' service puts its own here (the latest version frozen or not).
        self.lock: MinutesLock = lock or NeverFrozen()

    # -- checks -----------------------------------------------------------------------

    async def _writable(self, meeting_id: MeetingId) -> Meeting:
        """The meeting, if its record may still change: not archived, minutes not
        frozen. Notes go on after the meeting ended (the minutes are drafted then)."""
        meeting = await self.meetings.get_meeting(meeting_id)
        if meeting is None:
            raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
        if meeting.status is MeetingStatus.ARCHIVED:
            raise read_only_error(meeting.status)
        if await self.lock.frozen(meeting_id):
            raise Conflict(
                "minutes_frozen",
                N_("The minutes of this meeting are approved: their text can no longer "
                   "change (unless a new version is made)."),
            )  # fmt: skip
        return meeting

    async def _check_item(self, meeting_id: MeetingId, item_id: AgendaItemId | None) -> str:
        """The agenda item's title ("" for the general part), if it is the meeting's."""
        if item_id is None:
            return ""
        item = await self.agenda.get_item(item_id)
        if item is None or item.meeting_id != meeting_id:
            raise NotFound("bad_agenda_item", N_("This meeting has no such agenda item."))
        return item.title

    # -- notes and conclusions --------------------------------------------------------

    async def notes(
        self, meeting_id: MeetingId, actor: NotesActor | None = None
    ) -> list[ItemNotes]:
        """Every item's notes and conclusion that were written (`actor` None: the
        system, composing the minutes)."""
        if actor is not None:
            require_moderator(actor)
        return await self.store.notes(meeting_id)

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
        """Save the item's notes and/or conclusion (None: left as they are) over
        `revision` (0: nothing saved yet). The same text again over an older revision
        (a save whose answer was lost, sent again) answers the stored one."""
        require_moderator(actor)
        _check_text(notes, "notes_too_long", "notes", NOTES_MAX)
        _check_text(conclusion, "conclusion_too_long", "conclusion", CONCLUSION_MAX)
        await self._writable(meeting_id)
        await self._check_item(meeting_id, agenda_item_id)
        current = await self.store.item_notes(meeting_id, agenda_item_id)
        if (current.revision if current else 0) == revision:
            saved = ItemNotes(
                meeting_id=meeting_id, agenda_item_id=agenda_item_id,
                notes=notes if notes is not None else (current.notes if current else ""),
                conclusion=conclusion if conclusion is not None
                else (current.conclusion if current else ""),
                revision=revision + 1, updated_at=self.clock.now(), updated_by=actor.person,
                updated_by_name=actor.name,
            )  # fmt: skip
            if await self.store.save_notes(saved):
                return saved
            current = await self.store.item_notes(meeting_id, agenda_item_id)
        if (
            current is not None
            and (notes is None or notes == current.notes)
            and (conclusion is None or conclusion == current.conclusion)
        ):
            return current  # what was sent is what is stored
        raise Conflict(
            "notes_conflict",
            N_("Someone else saved this item's notes meanwhile: compare the two texts, "
               "then save the one to keep."),
            details={
                "revision": current.revision if current else 0,
                "notes": current.notes if current else "",
                "conclusion": current.conclusion if current else "",
                "updated_by_name": current.updated_by_name if current else "",
            },
        )  # fmt: skip

    # -- action items -----------------------------------------------------------------

    async def actions(
        self, meeting_id: MeetingId, actor: NotesActor | None = None
    ) -> list[ActionItem]:
        """The meeting's action items, as made (every participant reads them)."""
        return await self.store.actions(meeting_id)

    async def action(self, action_id: ActionItemId) -> ActionItem:
        found = await self.store.action(action_id)
        if found is None:
            raise _action_not_found()
        return found

    async def _of_meeting(
        self, action_id: ActionItemId, meeting_id: MeetingId | None
    ) -> ActionItem:
        found = await self.action(action_id)
        if meeting_id is not None and found.meeting_id != meeting_id:
            raise _action_not_found()
        return found

    async def _checked(self, meeting_id: MeetingId, draft: ActionDraft) -> ActionDraft:
        """The draft as stored: title stripped, the owner's name from the meeting."""
        checked = check_draft(draft)
        await self._check_item(meeting_id, draft.agenda_item_id)
        return checked

    async def _owner(
        self, meeting_id: MeetingId, draft: ActionDraft
    ) -> tuple[ParticipantId | None, UserId | None, str]:
        if draft.owner_participant_id is None:
            return None, None, draft.owner_name
        people = {p.id: p for p in await self.meetings.list_participants(meeting_id)}
        owner = people.get(draft.owner_participant_id)
        if owner is None:
            raise Invalid(
                "unknown_owner", N_("The owner is not a participant of this meeting."),
                details={"field": "owner_participant_id"},
            )  # fmt: skip
        return owner.id, owner.user_id, owner.name

    async def add_action(
        self, meeting_id: MeetingId, actor: NotesActor, draft: ActionDraft
    ) -> ActionItem:
        require_moderator(actor)
        await self._writable(meeting_id)
        checked = await self._checked(meeting_id, draft)
        participant, user, name = await self._owner(meeting_id, checked)
        now = self.clock.now()
        action = ActionItem(
            id=ActionItemId(new_id()), meeting_id=meeting_id,
            agenda_item_id=checked.agenda_item_id, title=checked.title,
            owner_participant_id=participant, owner_user_id=user, owner_name=name,
            due=checked.due, status=ActionStatus.OPEN, created_by=actor.person,
            created_at=now, updated_at=now,
        )  # fmt: skip
        await self.store.add_action(action)
        logger.info("meeting %s: action item %s added by %s", meeting_id, action.id, actor.person)
        return action

    async def update_action(
        self,
        action_id: ActionItemId,
        actor: NotesActor,
        draft: ActionDraft,
        *,
        meeting_id: MeetingId | None = None,
    ) -> ActionItem:
        """Change an action item's title, item, owner and due date (all of them)."""
        require_moderator(actor)
        found = await self._of_meeting(action_id, meeting_id)
        await self._writable(found.meeting_id)
        checked = await self._checked(found.meeting_id, draft)
        participant, user, name = await self._owner(found.meeting_id, checked)
        changed = replace(
            found, agenda_item_id=checked.agenda_item_id, title=checked.title,
            owner_participant_id=participant, owner_user_id=user, owner_name=name,
            due=checked.due, updated_at=self.clock.now(),
        )  # fmt: skip
        if not await self.store.save_action(changed):
            raise _action_not_found()
        return changed

    async def delete_action(
        self, action_id: ActionItemId, actor: NotesActor, *, meeting_id: MeetingId | None = None
    ) -> ActionItem:
        require_moderator(actor)
        found = await self._of_meeting(action_id, meeting_id)
        await self._writable(found.meeting_id)
        if not await self.store.delete_action(action_id):
            raise _action_not_found()
        logger.info("meeting %s: action item %s deleted", found.meeting_id, action_id)
        return found

    def may_mark(self, actor: NotesActor, action: ActionItem) -> bool:
        """Whether `actor` may mark the action item done or open: its owner (their
        participant, or their account) or a moderator."""
        return (
            actor.moderator
            or (actor.participant_id is not None
                and actor.participant_id == action.owner_participant_id)
            or (actor.user_id is not None and actor.user_id == action.owner_user_id)
        )  # fmt: skip

    async def set_done(
        self,
        action_id: ActionItemId,
        actor: NotesActor,
        done: bool,
        *,
        meeting_id: MeetingId | None = None,
    ) -> ActionItem:
        """Mark the action item done (or open again). Marking it as it is changes
        nothing."""
        found = await self._of_meeting(action_id, meeting_id)
        if not self.may_mark(actor, found):
            raise Forbidden(
                "not_action_owner",
                N_("Only the owner of this task, the chair or the secretary can mark it."),
            )  # fmt: skip
        status = ActionStatus.DONE if done else ActionStatus.OPEN
        if found.status is status:
            return found
        now = self.clock.now()
        changed = replace(
            found, status=status, updated_at=now, done_at=now if done else None,
            done_by=actor.person if done else None, done_by_name=actor.name if done else "",
        )  # fmt: skip
        if not await self.store.save_action(changed):
            raise _action_not_found()
        return changed

    async def my_actions(
        self, user_id: UserId, status: ActionStatus | None = None
    ) -> list[MyAction]:
        """The account's tasks across meetings (those owned by their participant in
        meetings they are still part of), due first."""
        mine = {p.meeting_id for p in await self.meetings.participations(user_id)}
        found = [a for a in await self.store.actions_of_user(user_id, status)
                 if a.meeting_id in mine]  # fmt: skip
        titles: dict[MeetingId, str] = {}
        items: dict[AgendaItemId, str] = {}
        result = []
        for action in found:
            if action.meeting_id not in titles:
                meeting = await self.meetings.get_meeting(action.meeting_id)
                titles[action.meeting_id] = meeting.title if meeting else ""
            item_id = action.agenda_item_id
            if item_id is not None and item_id not in items:
                item = await self.agenda.get_item(item_id)
                items[item_id] = item.title if item else ""
            result.append(
                MyAction(action, titles[action.meeting_id], items.get(item_id, "") if item_id
                         else "")
            )  # fmt: skip
        return result

    # -- the decisions ----------------------------------------------------------------

    async def decisions(self, meeting_id: MeetingId) -> list[ItemDecisions]:
        """Per agenda item (the general part first, when it holds anything): its
        conclusion, the results of its closed votes and its action items."""
        return decisions_of(
            await self.agenda.list_items(meeting_id),
            await self.store.notes(meeting_id),
            [(v, await self.votes.result(v)) for v in await self.votes.of_meeting(meeting_id)],
            await self.store.actions(meeting_id),
        )
