"""The floor as the server's channels use it (the meeting socket, the API, the meeting's
lifecycle and attendance): each change applied by the services, then told to every
client of the meeting on every node, with the whole floor (`FloorView`) or quorum
(`QuorumView`) encoded once for all of them.

The speaker's devices are also told what to do with their microphone: opened when
they get the floor if they consented when asking, else asked to unmute; closed when
their speech ends."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from meetroom.clock import Clock
from meetroom.ids import AgendaItemId, MeetingId, ParticipantId, new_id
from meetroom.protocol import floor as f
from meetroom.protocol.codec import encode_json
from meetroom.records.accounts import Principal, participant_of
from meetroom.records.floor import (
    AttendanceMark,
    FloorAction,
    HandMark,
    Outcome,
    QuorumRule,
    SpeakerRequest,
    SpeechKind,
)
from meetroom.records.meetings import Grant, Meeting, MeetingRole, MeetingStatus, Participant
from meetroom.sessions.floor.queue import DEFAULT, Default
from meetroom.sessions.floor.roll import RollService
from meetroom.sessions.floor.service import FloorActor, FloorService
from meetroom.sessions.floor.telling import Broadcast, Teller
from meetroom.sessions.floor.views import floor_view

logger = logging.getLogger(__name__)


class Connected(Protocol):
    """Someone connected to the meeting's socket (the live session's `Viewer`)."""

    @property
    def key(self) -> str: ...  # "p:<participant id>" or "u:<user id>"
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def grants(self) -> frozenset[Grant]: ...


def actor_of(viewer: Connected) -> FloorActor:
    """The floor's view of someone connected to the meeting."""
    participant = participant_of(viewer.key)
    role = None
    if participant is not None and viewer.role in MeetingRole._value2member_map_:
        role = MeetingRole(viewer.role)
    return FloorActor(
        person=viewer.key, name=viewer.name, participant_id=participant, role=role,
        moderator=Grant.MODERATOR in viewer.grants,
    )  # fmt: skip


class LiveFloor:
    def __init__(
        self, floor: FloorService, roll: RollService, broadcast: Broadcast, clock: Clock
    ) -> None:
        self.floor = floor
        self.roll = roll
        self.broadcast = broadcast
        self.clock = clock
        self.teller = Teller(floor, roll, broadcast, clock)

    # -- what a client is told -------------------------------------------------------

    def welcome(self, meeting_id: MeetingId, send: Callable[[bytes], None]) -> None:
        """The floor and the quorum as they are, to a client that just joined."""
        self.teller.welcome(meeting_id, send)

    def resync(self, meeting_ids: Iterable[MeetingId]) -> None:
        self.teller.resync(meeting_ids)

    async def close(self) -> None:
        await self.teller.close()

    def _told(self, meeting_id: MeetingId, outcome: Outcome) -> Outcome:
        event = outcome.event
        if event is None:
            return outcome
        state = outcome.state
        view = floor_view(state, self.clock.now(), event.action.value)
        self.broadcast.tell(meeting_id, encode_json(view))
        if event.speech is not None:  # a speech ended (by "end", or the next one given)
            ended = state.get(event.speech.request_id)
            if ended is not None and ended.mic_consent:
                self._mic(meeting_id, ended, "close")
        if event.action is FloorAction.GIVEN and state.current is not None:
            speaker = state.current
            self._mic(meeting_id, speaker, "open" if speaker.mic_consent else "ask")
        return outcome

    def _mic(self, meeting_id: MeetingId, request: SpeakerRequest, action: str) -> None:
        data = encode_json(f.FloorMic(action=action))  # type: ignore[arg-type]
        self.broadcast.tell(meeting_id, data, frozenset({f"p:{request.participant_id}"}))

    async def quorum_changed(self, meeting_id: MeetingId) -> None:
        """Someone joined or left (attendance's listener), or who votes changed: the
        quorum is told soon."""
        self.teller.quorum_changed(meeting_id)

    # -- changes ----------------------------------------------------------------------

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
        return self._told(meeting_id, await self.floor.ask(
            actor, meeting_id, client_id=client_id, kind=kind, subject=subject,
            agenda_item_id=agenda_item_id, mic_consent=mic_consent,
        ))  # fmt: skip

    async def withdraw(self, actor: FloorActor, meeting_id: MeetingId, request_id: str) -> Outcome:
        return self._told(meeting_id, await self.floor.withdraw(actor, meeting_id, request_id))

    async def withdraw_own(self, actor: FloorActor, meeting_id: MeetingId) -> Outcome | None:
        """Take back the actor's open request, if any (a hand lowered in the video)."""
        state = await self.floor.state(meeting_id)
        mine = [r for r in state.queue if r.participant_id == actor.participant_id]
        if not mine or actor.participant_id is None:
            return None
        return await self.withdraw(actor, meeting_id, mine[0].id)

    async def raise_hand(self, viewer: Connected, meeting_id: MeetingId, raised: bool) -> None:
        """The video's `raise_hand`, from pages that predate the floor: the same queue.
        Raised: an ordinary request without consent to open the microphone, unless the
        person has an open one (waiting or speaking) already; lowered: their waiting
        request withdrawn. The floor's refusals (the meeting not open, an observer)
        reach the sender as errors."""
        actor = actor_of(viewer)
        if not raised:
            await self.withdraw_own(actor, meeting_id)
            return
        state = await self.floor.state(meeting_id)
        if any(r.is_open and r.participant_id == actor.participant_id for r in state.requests):
            return
        await self.ask(actor, meeting_id, client_id=new_id())

    async def remove(self, actor: FloorActor, meeting_id: MeetingId, request_id: str) -> Outcome:
        return self._told(meeting_id, await self.floor.remove(actor, meeting_id, request_id))

    async def reorder(self, actor: FloorActor, meeting_id: MeetingId, order: list[str]) -> Outcome:
        return self._told(meeting_id, await self.floor.reorder(actor, meeting_id, order))

    async def give(
        self,
        actor: FloorActor,
        meeting_id: MeetingId,
        request_id: str | None = None,
        limit: int | None | Default = DEFAULT,
    ) -> Outcome:
        return self._told(meeting_id, await self.floor.give(actor, meeting_id, request_id, limit))

    async def end(self, actor: FloorActor, meeting_id: MeetingId) -> Outcome:
        return self._told(meeting_id, await self.floor.end(actor, meeting_id))

    async def set_speech_limit(
        self, actor: FloorActor, meeting_id: MeetingId, seconds: int | None
    ) -> Outcome:
        return self._told(meeting_id, await self.floor.set_speech_limit(actor, meeting_id, seconds))

    async def set_list_closed(
        self, actor: FloorActor, meeting_id: MeetingId, closed: bool
    ) -> Outcome:
        return self._told(meeting_id, await self.floor.set_list_closed(actor, meeting_id, closed))

    async def set_settings(
        self,
        actor: FloorActor,
        meeting_id: MeetingId,
        *,
        default_limit: int | None,
        per_person_limit: int | None,
    ) -> Outcome:
        return self._told(meeting_id, await self.floor.set_settings(
            actor, meeting_id, default_limit=default_limit, per_person_limit=per_person_limit,
        ))  # fmt: skip

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
        return self._told(meeting_id, await self.floor.adjust(
            actor, meeting_id, default_limit=default_limit, per_person_limit=per_person_limit,
            list_closed=list_closed, speech_limit=speech_limit,
        ))  # fmt: skip

    async def set_rule(self, actor: FloorActor, meeting_id: MeetingId, rule: QuorumRule) -> None:
        await self.roll.set_rule(actor, meeting_id, rule)
        self.teller.quorum_changed(meeting_id)

    async def mark(
        self,
        actor: FloorActor,
        meeting_id: MeetingId,
        participant_id: ParticipantId,
        state: AttendanceMark,
        reason: str = "",
    ) -> HandMark:
        mark, _ = await self.roll.mark(actor, meeting_id, participant_id, state, reason)
        self.teller.quorum_changed(meeting_id)
        return mark

    # -- the socket's messages --------------------------------------------------------

    async def handle(
        self, viewer: Connected, meeting_id: MeetingId, message: object
    ) -> f.FloorAsked | None:
        actor = actor_of(viewer)
        match message:
            case f.FloorAsk():
                outcome = await self.ask(
                    actor, meeting_id, client_id=message.client_id,
                    kind=SpeechKind(message.kind), subject=message.subject,
                    agenda_item_id=AgendaItemId(message.agenda_item_id)
                    if message.agenda_item_id else None,
                    mic_consent=message.mic_consent,
                )  # fmt: skip
                asked = outcome.request
                assert asked is not None
                return f.FloorAsked(
                    client_id=message.client_id, request_id=asked.id, position=asked.position
                )
            case f.FloorWithdraw(request_id=request_id):
                await self.withdraw(actor, meeting_id, request_id)
            case f.FloorGive(request_id=request_id, limit=limit):
                await self.give(
                    actor, meeting_id, request_id, DEFAULT if limit is f.UNSET else limit
                )
            case f.FloorEnd():
                await self.end(actor, meeting_id)
            case f.FloorRemove(request_id=request_id):
                await self.remove(actor, meeting_id, request_id)
            case f.FloorReorder(order=order):
                await self.reorder(actor, meeting_id, order)
            case f.FloorListClosed(closed=closed):
                await self.set_list_closed(actor, meeting_id, closed)
            case f.FloorTime(seconds=seconds):
                await self.set_speech_limit(actor, meeting_id, seconds)
            case f.FloorSettings(default_limit=default, per_person_limit=per_person):
                await self.set_settings(
                    actor, meeting_id, default_limit=default, per_person_limit=per_person
                )
        return None

    # -- who the members are (the meetings' watcher and rights listener) ------------

    async def participant_added(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        if Grant.CAN_VOTE in participant.grants:
            await self.quorum_changed(meeting.id)

    async def participant_removed(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        pass  # told as a change of rights, below

    async def meeting_changed(self, actor: Principal, before: Meeting, after: Meeting) -> None:
        pass

    async def meeting_deleted(
        self, actor: Principal, meeting: Meeting, participants: list[Participant]
    ) -> None:
        pass

    async def participant_rights_changed(
        self, meeting_id: MeetingId, before: Participant, after: Participant | None
    ) -> None:
        if after is None:
            outcome = await self.floor.participant_removed(meeting_id, before.id)
            if outcome is not None:
                self._told(meeting_id, outcome)
        voted = Grant.CAN_VOTE in before.grants
        if (
            after is None
            and voted
            or after is not None
            and voted != (Grant.CAN_VOTE in after.grants)
        ):
            await self.quorum_changed(meeting_id)

    async def meeting_access_changed(self, meeting_id: MeetingId) -> None:
        pass

    # -- the meeting's lifecycle ------------------------------------------------------

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> None:
        """Closing ends the speech under way; opening and closing change who counts."""
        outcome = await self.floor.status_changed(meeting, before)
        if outcome is not None:
            self._told(meeting.id, outcome)
        await self.quorum_changed(meeting.id)
