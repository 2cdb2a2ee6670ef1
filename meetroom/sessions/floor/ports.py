"""What the floor needs from outside, as small Protocols: the composition root hands
in the store's classes (`meetroom.store.floor`, `meetroom.store.attendance`) and the
meeting store, so this package imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from meetroom.ids import MeetingId, ParticipantId
from meetroom.records.floor import (
    FloorState,
    HandMark,
    Outcome,
    QuorumChange,
    QuorumRule,
    QuorumState,
    Speech,
)
from meetroom.records.meetings import Meeting


class FloorMeetings(Protocol):
    """The meeting, for its status (the meeting store has it)."""

    async def get_meeting(self, meeting_id: MeetingId) -> Meeting | None: ...


class VotingMembers(Protocol):
    """Who the meeting's members are (the participants' store knows)."""

    async def voting_members(self, meeting_id: MeetingId) -> frozenset[ParticipantId]:
        """The meeting's participants with the `can_vote` grant."""
        ...

    async def is_participant(
        self, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> bool: ...


class LivePresence(Protocol):
    async def connected_since(self, meeting_id: MeetingId) -> dict[ParticipantId, datetime]:
        """Participants connected now (on any node), since when (their open attendance
        interval's start)."""
        ...


class FloorStore(Protocol):
    async def load(self, meeting_id: MeetingId) -> FloorState: ...

    async def change(self, meeting_id: MeetingId, step: Callable[[FloorState], Outcome]) -> Outcome:
        """Apply `step` to the meeting's stored state, one change at a time per meeting
        on every node sharing the database (the meeting's floor row is locked for the
        transaction): the state is read, `step` runs, and what it changed is stored
        with its speech log entry, atomically; an error raised by `step` stores
        nothing. The database's order of the locks is the order of the changes."""
        ...

    async def meeting_of(self, request_id: str) -> MeetingId | None:
        """The meeting of a request to speak (the API names a request by its id alone)."""
        ...

    async def speeches(self, meeting_id: MeetingId) -> list[Speech]:
        """The speech log, oldest first."""
        ...


class QuorumStore(Protocol):
    async def rule(self, meeting_id: MeetingId) -> QuorumRule: ...

    async def set_rule(self, meeting_id: MeetingId, rule: QuorumRule, now: datetime) -> None: ...

    async def marks(self, meeting_id: MeetingId) -> dict[ParticipantId, HandMark]: ...

    async def set_mark(self, mark: HandMark) -> None:
        """Store a hand mark, replacing the participant's earlier one."""
        ...

    async def log(
        self, meeting_id: MeetingId, state: QuorumState, at: datetime
    ) -> QuorumChange | None:
        """Append `state` to the quorum's log unless it is the last entry's state
        (decided under the meeting's lock: two nodes noticing the same change log it
        once); returns the new entry, or None."""
        ...

    async def changes(self, meeting_id: MeetingId) -> list[QuorumChange]:
        """The quorum's log, oldest first."""
        ...
