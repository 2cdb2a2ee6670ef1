"""The floor service: who may do what with the speakers' queue, and each change
applied to the stored state (`queue`'s steps inside the store's locked transaction),
returning the new state and the event to tell every client.

The caller has already let the actor into the meeting (`MeetingService.open`, or the
meeting socket's join): this service checks only the floor's own rights. Changes to the
queue need the meeting in progress; the settings (default time, per-item limit) may be
prepared before it is opened. An ended or archived meeting refuses every change with
the lifecycle's errors (`meeting_ended`, `meeting_archived`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Forbidden, NotFound
from meetroom.ids import AgendaItemId, MeetingId, ParticipantId, new_id
from meetroom.meetings.status import READ_ONLY, read_only_error
from meetroom.records.floor import FloorState, Outcome, RequestStatus, Speech, SpeechKind
from meetroom.records.meetings import Meeting, MeetingRole, MeetingStatus
from meetroom.sessions.floor import queue
from meetroom.sessions.floor.ports import FloorMeetings, FloorStore
from meetroom.sessions.floor.queue import DEFAULT, Default

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FloorActor:
    """Who acts, as the server knows them (from the meeting access or the socket's
    viewer)."""

    person: str  # "p:<participant id>" or "u:<user id>"
    name: str
    participant_id: ParticipantId | None  # None: an account not in the meeting's list
    role: MeetingRole | None
    # The chair's powers over the floor: the `moderator` grant (the chair and the
    # secretary by default), or an account that manages meetings.
    moderator: bool


def require_moderator(actor: FloorActor) -> None:
    if not actor.moderator:
        raise Forbidden("not_moderator", N_("Only the chair can do this."))


def require_in_progress(meeting: Meeting | None) -> Meeting:
    """Refuse a change of the floor unless the meeting is in progress."""
    meeting = require_not_read_only(meeting)
    if meeting.status is not MeetingStatus.IN_PROGRESS:
        raise Conflict(
            "meeting_not_open",
            N_("The meeting has not been opened yet: the chair opens it first."),
        )
    return meeting


def _then(first: Outcome, second: Outcome) -> Outcome:
    """Two steps in one change: the second's state, the last event there was."""
    return second if second.changed or not first.changed else Outcome(second.state, first.event)


def require_not_read_only(meeting: Meeting | None) -> Meeting:
    if meeting is None:
        raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
    if meeting.status in READ_ONLY:
        raise read_only_error(meeting.status)
    return meeting


class FloorService:
    def __init__(self, store: FloorStore, meetings: FloorMeetings, clock: Clock) -> None:
        self.store = store
        self.meetings = meetings
        self.clock = clock

    async def state(self, meeting_id: MeetingId) -> FloorState:
        return await self.store.load(meeting_id)

    async def speeches(self, meeting_id: MeetingId) -> list[Speech]:
        return await self.store.speeches(meeting_id)

    async def _in_progress(self, meeting_id: MeetingId) -> None:
        require_in_progress(await self.meetings.get_meeting(meeting_id))

    async def _chair(
        self,
        actor: FloorActor,
        meeting_id: MeetingId,
        step: Callable[[FloorState, datetime], Outcome],
    ) -> Outcome:
        """One of the chair's changes of the queue, in a meeting in progress."""
        require_moderator(actor)
        await self._in_progress(meeting_id)
        now = self.clock.now()
        return await self.store.change(meeting_id, lambda state: step(state, now))

    async def ask(
        self,
        actor: FloorActor,
        meeting_id: MeetingId,
        *,
        client_id: str,
        kind: SpeechKind = SpeechKind.ORDINARY,
        subject: str = "",
        agenda_item_id: AgendaItemId | None = None,
        mic_consent: bool = False,
    ) -> Outcome:
        """A participant asks to speak; a repeated `client_id` gives back the request
        made with it (`changed` False)."""
        participant_id = actor.participant_id
        if participant_id is None or actor.role is MeetingRole.OBSERVER:
            raise Forbidden(
                "may_not_speak", N_("Only the meeting's participants can ask to speak.")
            )
        await self._in_progress(meeting_id)
        now = self.clock.now()
        request_id = new_id()
        outcome = await self.store.change(
            meeting_id,
            lambda state: queue.ask(
                state, request_id=request_id, client_id=client_id,
                participant_id=participant_id, name=actor.name, kind=kind, subject=subject,
                agenda_item_id=agenda_item_id, mic_consent=mic_consent, now=now,
            ),
        )  # fmt: skip
        if outcome.changed:
            logger.info("meeting %s: %s asks to speak (%s)", meeting_id, actor.person, kind)
        return outcome

    async def withdraw(self, actor: FloorActor, meeting_id: MeetingId, request_id: str) -> Outcome:
        """The person who asked takes the request back; the chair removes it instead."""
        await self._in_progress(meeting_id)
        now = self.clock.now()

        def step(state: FloorState) -> Outcome:
            request = state.get(request_id)
            if request is not None and request.participant_id != actor.participant_id:
                require_moderator(actor)
                return queue.remove(state, request_id, now)
            return queue.withdraw(state, request_id, now)

        return await self.store.change(meeting_id, step)

    async def remove(self, actor: FloorActor, meeting_id: MeetingId, request_id: str) -> Outcome:
        return await self._chair(actor, meeting_id, lambda s, now: queue.remove(s, request_id, now))

    async def reorder(
        self, actor: FloorActor, meeting_id: MeetingId, order: Sequence[str]
    ) -> Outcome:
        return await self._chair(actor, meeting_id, lambda s, now: queue.reorder(s, order, now))

    async def give(
        self,
        actor: FloorActor,
        meeting_id: MeetingId,
        request_id: str | None = None,
        limit: int | None | Default = DEFAULT,
    ) -> Outcome:
        """Give the floor to `request_id` (None: the next in the queue)."""
        return await self._chair(
            actor, meeting_id, lambda s, now: queue.give(s, request_id, now, limit)
        )

    async def end(self, actor: FloorActor, meeting_id: MeetingId) -> Outcome:
        return await self._chair(actor, meeting_id, lambda s, now: queue.end(s, now))

    async def set_speech_limit(
        self, actor: FloorActor, meeting_id: MeetingId, seconds: int | None
    ) -> Outcome:
        return await self._chair(
            actor, meeting_id, lambda s, now: queue.set_speech_limit(s, seconds, now)
        )

    async def set_list_closed(
        self, actor: FloorActor, meeting_id: MeetingId, closed: bool
    ) -> Outcome:
        return await self._chair(
            actor, meeting_id, lambda s, now: queue.set_list_closed(s, closed, now)
        )

    async def set_settings(
        self,
        actor: FloorActor,
        meeting_id: MeetingId,
        *,
        default_limit: int | None,
        per_person_limit: int | None,
    ) -> Outcome:
        """The default speaking time and the per-item limit: may be prepared before
        the meeting is opened."""
        require_moderator(actor)
        require_not_read_only(await self.meetings.get_meeting(meeting_id))
        now = self.clock.now()
        return await self.store.change(
            meeting_id, lambda s: queue.set_settings(s, default_limit, per_person_limit, now)
        )

    async def adjust(
        self,
        actor: FloorActor,
        meeting_id: MeetingId,
        *,
        default_limit: int | None | Default = DEFAULT,
        per_person_limit: int | None | Default = DEFAULT,
        list_closed: bool | None = None,
        speech_limit: int | None | Default = DEFAULT,
    ) -> Outcome:
        """Several of the chair's settings at once, all or nothing: the default time,
        the per-item limit, the list closed or open, the current speech's time (DEFAULT,
        or None for the list: unchanged). The list and the speech need the meeting
        in progress; the settings alone may be prepared before."""
        require_moderator(actor)
        meeting = require_not_read_only(await self.meetings.get_meeting(meeting_id))
        if list_closed is not None or not isinstance(speech_limit, Default):
            require_in_progress(meeting)
        now = self.clock.now()

        def step(state: FloorState) -> Outcome:
            outcome = Outcome(state, None)
            if not (isinstance(default_limit, Default) and isinstance(per_person_limit, Default)):
                default = (
                    state.default_limit if isinstance(default_limit, Default) else default_limit
                )
                per_person = (
                    state.per_person_limit
                    if isinstance(per_person_limit, Default)
                    else per_person_limit
                )
                outcome = queue.set_settings(state, default, per_person, now)
            if list_closed is not None:
                outcome = _then(outcome, queue.set_list_closed(outcome.state, list_closed, now))
            if not isinstance(speech_limit, Default):
                outcome = _then(outcome, queue.set_speech_limit(outcome.state, speech_limit, now))
            return outcome

        return await self.store.change(meeting_id, step)

    async def participant_removed(
        self, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Outcome | None:
        """Someone removed from the meeting leaves the queue at once (their speech
        under way ends, into the log)."""
        now = self.clock.now()

        def step(state: FloorState) -> Outcome:
            mine = [r for r in state.requests if r.is_open and r.participant_id == participant_id]
            if not mine:
                return Outcome(state, None)
            if mine[0].status is RequestStatus.SPEAKING:
                return queue.end(state, now)
            return queue.remove(state, mine[0].id, now)

        outcome = await self.store.change(meeting_id, step)
        return outcome if outcome.changed else None

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> Outcome | None:
        """A meeting that stops being in progress ends the speech under way (it goes
        into the log with the closing time); the waiting requests stay, for a reopening."""
        if before is not MeetingStatus.IN_PROGRESS or meeting.status is MeetingStatus.IN_PROGRESS:
            return None
        now = self.clock.now()
        outcome = await self.store.change(meeting.id, lambda s: queue.end(s, now))
        return outcome if outcome.changed else None
