"""The roll in the attendance report: each participant's attendance state (present,
excused with its reason, absent), whether the secretary or chair marked it by hand,
and whether they vote. While the meeting is in progress the state is the live one, as
the quorum counts it; once it ended (or before it opened) anyone who attended is
present, and the others are as marked, else absent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meetroom.ids import ParticipantId
from meetroom.records.floor import AttendanceMark, HandMark
from meetroom.records.meetings import Attendance, Grant, Meeting, MeetingStatus, Participant
from meetroom.server.context import Services
from meetroom.sessions.floor import quorum
from meetroom.sessions.floor.quorum import Presence


@dataclass(frozen=True, slots=True)
class RollMark:
    state: AttendanceMark
    by_hand: bool
    reason: str
    voting: bool

    def fields(self) -> dict[str, Any]:
        return {"state": self.state.value, "by_hand": self.by_hand, "reason": self.reason,
                "voting": self.voting}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Roll:
    in_progress: bool
    participants: list[Participant]
    presences: dict[ParticipantId, Presence]
    marks: dict[ParticipantId, HandMark]

    @property
    def voting(self) -> frozenset[ParticipantId]:
        return frozenset(p.id for p in self.participants if Grant.CAN_VOTE in p.grants)

    def of(self, participant_id: ParticipantId, attended: bool = False) -> RollMark:
        mark = self.marks.get(participant_id)
        voting = participant_id in self.voting
        reason = mark.reason if mark is not None else ""
        if self.in_progress:
            now = self.presences.get(participant_id) or quorum.presence(mark, None)
            return RollMark(now.state, now.by_hand, reason if now.by_hand else "", voting)
        if mark is not None and mark.state is AttendanceMark.PRESENT:
            return RollMark(AttendanceMark.PRESENT, True, reason, voting)
        if attended:
            return RollMark(AttendanceMark.PRESENT, False, "", voting)
        if mark is not None:
            return RollMark(mark.state, True, reason, voting)
        return RollMark(AttendanceMark.ABSENT, False, "", voting)

    def of_attendee(self, entry: Attendance) -> RollMark:
        if entry.participant_id is None:  # an organiser's account: present while connected
            here = entry.present_since is not None or not self.in_progress
            state = AttendanceMark.PRESENT if here else AttendanceMark.ABSENT
            return RollMark(state, False, "", False)
        return self.of(entry.participant_id, attended=True)

    def listed(self, participant_id: ParticipantId) -> bool:
        """Whether someone who never connected is in the report: the voting members,
        and those marked by hand."""
        return participant_id in self.voting or participant_id in self.marks


async def roll_of(svc: Services, meeting: Meeting) -> Roll:
    return Roll(
        in_progress=meeting.status is MeetingStatus.IN_PROGRESS,
        participants=await svc.meetings.store.list_participants(meeting.id),
        presences=await svc.floor.roll.presences(meeting.id),
        marks=await svc.floor.roll.marks(meeting.id),
    )
