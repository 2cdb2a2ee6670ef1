"""The roll: attendance marked by hand, the quorum rule, the live quorum and its log.

The secretary or chair (the `moderator` grant, or an account that manages meetings)
chooses the rule and marks people present, excused or absent; how a mark and a live
connection combine is in `quorum`. The log keeps each change of the quorum's state
while the meeting is in progress, for the minutes: the live session calls `refresh`
when someone joins or leaves, and this service after a mark or a new rule."""

from __future__ import annotations

import logging

from meetroom.clock import Clock
from meetroom.errors import N_, Invalid, NotFound
from meetroom.ids import MeetingId, ParticipantId
from meetroom.records.floor import AttendanceMark, HandMark, QuorumChange, QuorumRule, QuorumState
from meetroom.records.meetings import MeetingStatus
from meetroom.sessions.floor import quorum
from meetroom.sessions.floor.ports import FloorMeetings, LivePresence, QuorumStore, VotingMembers
from meetroom.sessions.floor.quorum import Presence
from meetroom.sessions.floor.service import FloorActor, require_moderator, require_not_read_only

logger = logging.getLogger(__name__)

REASON_MAX = 500


class RollService:
    def __init__(
        self,
        store: QuorumStore,
        members: VotingMembers,
        presence: LivePresence,
        meetings: FloorMeetings,
        clock: Clock,
    ) -> None:
        self.store = store
        self.members = members
        self.presence = presence
        self.meetings = meetings
        self.clock = clock

    async def rule(self, meeting_id: MeetingId) -> QuorumRule:
        return await self.store.rule(meeting_id)

    async def quorum(self, meeting_id: MeetingId) -> QuorumState:
        """The quorum now."""
        rule = await self.store.rule(meeting_id)
        members = await self.members.voting_members(meeting_id)
        connected = await self.presence.connected_since(meeting_id)
        marks = await self.store.marks(meeting_id)
        return quorum.compute(rule, members, connected, marks)

    async def presences(self, meeting_id: MeetingId) -> dict[ParticipantId, Presence]:
        """Each voting member's, marked or connected participant's attendance, for the
        attendance report and the chair's list."""
        members = await self.members.voting_members(meeting_id)
        connected = await self.presence.connected_since(meeting_id)
        marks = await self.store.marks(meeting_id)
        people = set(members) | set(connected) | set(marks)
        return {p: quorum.presence(marks.get(p), connected.get(p)) for p in sorted(people)}

    async def refresh(self, meeting_id: MeetingId) -> QuorumChange | None:
        """Log the quorum's state if it changed (only while the meeting is in progress:
        before, nobody's presence counts; after, nothing changes). Returns the new
        entry, for the clients to be told."""
        return (await self.now_logged(meeting_id))[1]

    async def now_logged(self, meeting_id: MeetingId) -> tuple[QuorumState, QuorumChange | None]:
        """The quorum now, logged as `refresh` does (one computation for both)."""
        meeting = await self.meetings.get_meeting(meeting_id)  # first, as before
        state = await self.quorum(meeting_id)
        if meeting is None or meeting.status is not MeetingStatus.IN_PROGRESS:
            return state, None
        change = await self.store.log(meeting_id, state, self.clock.now())
        if change is not None:
            logger.info(
                "meeting %s: quorum %d/%d, %d required, %s", meeting_id, state.present,
                state.members, state.required, "reached" if state.reached else "not reached",
            )  # fmt: skip
        return state, change

    async def marks(self, meeting_id: MeetingId) -> dict[ParticipantId, HandMark]:
        """The hand marks, with their reasons (the attendance report shows them)."""
        return await self.store.marks(meeting_id)

    async def changes(self, meeting_id: MeetingId) -> list[QuorumChange]:
        return await self.store.changes(meeting_id)

    async def set_rule(
        self, actor: FloorActor, meeting_id: MeetingId, rule: QuorumRule
    ) -> QuorumChange | None:
        require_moderator(actor)
        require_not_read_only(await self.meetings.get_meeting(meeting_id))
        await self.store.set_rule(meeting_id, quorum.check_rule(rule), self.clock.now())
        return await self.refresh(meeting_id)

    async def mark(
        self,
        actor: FloorActor,
        meeting_id: MeetingId,
        participant_id: ParticipantId,
        state: AttendanceMark,
        reason: str = "",
    ) -> tuple[HandMark, QuorumChange | None]:
        """Mark a participant by hand; allowed before the meeting is opened too (an
        excuse usually comes before)."""
        require_moderator(actor)
        require_not_read_only(await self.meetings.get_meeting(meeting_id))
        reason = reason.strip()
        if len(reason) > REASON_MAX:
            raise Invalid(
                "reason_too_long",
                N_("The reason may have at most {most} characters."),
                most=REASON_MAX,
            )
        if not await self.members.is_participant(meeting_id, participant_id):
            raise NotFound("participant_not_found", N_("No such participant in this meeting."))
        mark = HandMark(
            meeting_id=meeting_id, participant_id=participant_id, state=state, reason=reason,
            set_by=actor.person, set_by_name=actor.name, set_at=self.clock.now(),
        )  # fmt: skip
        await self.store.set_mark(mark)
        return mark, await self.refresh(meeting_id)
