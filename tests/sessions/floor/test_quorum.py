"""The quorum, pure: who counts as present (hand marks against live presence), the
required count of each rule, reached or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from meetroom.errors import Invalid
from meetroom.ids import MeetingId, ParticipantId
from meetroom.records.floor import AttendanceMark, HandMark, QuorumKind, QuorumRule
from meetroom.sessions.floor.quorum import check_rule, compute, presence, required

T0 = datetime.now(UTC)
MEETING = MeetingId("m" * 26)
MIN = timedelta(minutes=1)


def mark(who: str, state: AttendanceMark, at: datetime = T0) -> HandMark:
    return HandMark(MEETING, ParticipantId(who), state, "", "u:secretary", "Thư ký", at)


@pytest.mark.parametrize(
    ("members", "majority", "two_thirds"),
    [(0, 1, 0), (1, 1, 1), (2, 2, 2), (3, 2, 2), (4, 3, 3), (5, 3, 4), (9, 5, 6), (10, 6, 7)],
)
def test_required_counts(members: int, majority: int, two_thirds: int) -> None:
    assert required(QuorumRule(QuorumKind.MAJORITY), members) == majority
    assert required(QuorumRule(QuorumKind.TWO_THIRDS), members) == two_thirds
    assert required(QuorumRule(QuorumKind.NONE), members) == 0
    assert required(QuorumRule(QuorumKind.AT_LEAST, 4), members) == 4


def test_rule_checks() -> None:
    assert check_rule(QuorumRule(QuorumKind.MAJORITY, 7)) == QuorumRule(QuorumKind.MAJORITY)
    assert check_rule(QuorumRule(QuorumKind.AT_LEAST, 3)).value == 3
    for bad in (None, 0, -1, 10_001):
        with pytest.raises(Invalid):
            check_rule(QuorumRule(QuorumKind.AT_LEAST, bad))


def test_hand_mark_against_live_presence() -> None:
    # Nothing known: absent. Connected: present.
    assert not presence(None, None).present
    assert presence(None, T0).present and not presence(None, T0).by_hand
    # Marked present without a device: present, and stays so.
    here = presence(mark("a", AttendanceMark.PRESENT), None)
    assert here.present and here.by_hand
    # Marked absent while their tablet was connected (left it on the desk): not present.
    left = presence(mark("a", AttendanceMark.ABSENT, T0), T0 - MIN)
    assert (left.present, left.by_hand, left.state) == (False, True, AttendanceMark.ABSENT)
    # Marked absent, then connected again: present.
    back = presence(mark("a", AttendanceMark.ABSENT, T0), T0 + MIN)
    assert (back.present, back.by_hand, back.state) == (True, False, AttendanceMark.PRESENT)
    excused = presence(mark("a", AttendanceMark.EXCUSED), None)
    assert (excused.present, excused.state) == (False, AttendanceMark.EXCUSED)


def test_compute_counts_voting_members_only() -> None:
    members = [ParticipantId(x) for x in "abcde"]
    connected = {ParticipantId("a"): T0, ParticipantId("b"): T0, ParticipantId("guest"): T0}
    marks = {
        ParticipantId("c"): mark("c", AttendanceMark.PRESENT),
        ParticipantId("b"): mark("b", AttendanceMark.ABSENT, T0 + MIN),
        ParticipantId("d"): mark("d", AttendanceMark.EXCUSED),
    }
    state = compute(QuorumRule(), members, connected, marks)
    # a (connected) and c (marked present); b left; the guest does not vote.
    assert (state.members, state.present, state.required, state.reached) == (5, 2, 3, False)
    marks[ParticipantId("e")] = mark("e", AttendanceMark.PRESENT)
    assert compute(QuorumRule(), members, connected, marks).reached
    assert not compute(QuorumRule(QuorumKind.TWO_THIRDS), members, connected, marks).reached
    assert compute(QuorumRule(QuorumKind.NONE), [], {}, {}).reached
    assert not compute(QuorumRule(), [], {}, {}).reached  # nobody: no majority
