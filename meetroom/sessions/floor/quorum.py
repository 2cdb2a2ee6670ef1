"""Who is present for the quorum, and whether it is reached. Pure: the service reads
the voting members, live presence and hand marks through its ports and hands them in.

Who counts: the meeting's voting members, its participants with the `can_vote` grant.
One of them is present when

- marked present by hand (by the secretary or chair): present, with or without a
  device, until marked otherwise — someone in the room without a tablet stays present;
- else connected (tablet, browser or video, on any node: an open attendance interval)
  — unless marked excused or absent *after* that connection began: a mark made while
  connected wins (someone who left the room with their tablet still connected on the
  desk is marked absent and no longer counts), but connecting again after the mark
  wins over it (someone marked absent who then arrives is present);
- else not present.

Required, of M voting members: none 0; more than half floor(M/2)+1; two thirds
ceil(2M/3); at least N: N. Reached: present >= required (so always, under none)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from meetroom.errors import N_, Invalid
from meetroom.ids import ParticipantId
from meetroom.records.floor import AttendanceMark, HandMark, QuorumKind, QuorumRule, QuorumState

# The largest N of "at least N members" (a parliament is smaller).
MAX_AT_LEAST = 10_000


def check_rule(rule: QuorumRule) -> QuorumRule:
    """The rule as stored: N only for "at least N", and then 1..MAX_AT_LEAST."""
    if rule.kind is QuorumKind.AT_LEAST:
        if rule.value is None or not 1 <= rule.value <= MAX_AT_LEAST:
            raise Invalid(
                "bad_quorum",
                N_("“At least N members” needs N between 1 and {most}."),
                most=MAX_AT_LEAST,
            )
        return rule
    return QuorumRule(rule.kind, None)


def required(rule: QuorumRule, members: int) -> int:
    match rule.kind:
        case QuorumKind.NONE:
            return 0
        case QuorumKind.MAJORITY:
            return members // 2 + 1
        case QuorumKind.TWO_THIRDS:
            return -(-2 * members // 3)  # ceil(2M/3) in integers
        case QuorumKind.AT_LEAST:
            return rule.value or 0


@dataclass(frozen=True, slots=True)
class Presence:
    """One participant's attendance as the quorum sees it."""

    present: bool
    by_hand: bool  # decided by a hand mark (else by their connection, or its absence)
    state: AttendanceMark  # what to show: present, excused or absent


def presence(mark: HandMark | None, connected_since: datetime | None) -> Presence:
    """Hand mark against live presence (see the module's docstring)."""
    if mark is not None and mark.state is AttendanceMark.PRESENT:
        return Presence(True, True, AttendanceMark.PRESENT)
    if connected_since is not None and (mark is None or connected_since > mark.set_at):
        return Presence(True, False, AttendanceMark.PRESENT)
    if mark is not None:
        return Presence(False, True, mark.state)
    return Presence(False, False, AttendanceMark.ABSENT)


def compute(
    rule: QuorumRule,
    members: Collection[ParticipantId],
    connected: Mapping[ParticipantId, datetime],
    marks: Mapping[ParticipantId, HandMark],
) -> QuorumState:
    """The quorum of `members` (voting members), `connected` (who is connected, since
    when) and the hand `marks`; only voting members count."""
    present = sum(1 for m in set(members) if presence(marks.get(m), connected.get(m)).present)
    need = required(rule, len(set(members)))
    return QuorumState(
        rule=rule, members=len(set(members)), present=present, required=need,
        reached=present >= need,
    )  # fmt: skip
