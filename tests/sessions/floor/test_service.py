"""The floor's services on a real store (SQLite and PostgreSQL): who may do what,
the refusals of meetings not in progress, the quorum's log and hand marks."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from meetroom.clock import SettableClock
from meetroom.errors import Conflict, Forbidden, NotFound
from meetroom.ids import ParticipantId
from meetroom.records.floor import AttendanceMark, QuorumKind, QuorumRule, RequestStatus
from meetroom.records.meetings import Attendance, MeetingRole, MeetingStatus, Participant
from meetroom.sessions.floor.roll import RollService
from meetroom.sessions.floor.service import FloorActor, FloorService
from meetroom.store.attendance import SqlAttendanceStore
from meetroom.store.database import Database
from meetroom.store.floor import SqlFloorStore
from meetroom.store.meetings import SqlMeetingStore
from meetroom.store.quorum import SqlQuorumStore, SqlVotingMembers
from tests.sessions.floor.world import add_meeting, add_participant

S = timedelta(seconds=1)


def actor(p: Participant) -> FloorActor:
    moderator = p.role in (MeetingRole.CHAIR, MeetingRole.SECRETARY)
    return FloorActor(f"p:{p.id}", p.name, p.id, p.role, moderator)


async def test_asks_and_chair_actions(db: Database, clock: SettableClock) -> None:
    floor = FloorService(SqlFloorStore(db), SqlMeetingStore(db), clock)
    meeting = await add_meeting(db, clock.now())
    chair = actor(await add_participant(db, meeting, "Chủ tọa", MeetingRole.CHAIR))
    an = actor(await add_participant(db, meeting, "An"))
    binh = actor(await add_participant(db, meeting, "Bình"))
    watcher = actor(await add_participant(db, meeting, "Quan sát", MeetingRole.OBSERVER))

    first = await floor.ask(an, meeting.id, client_id="t1", mic_consent=True)
    assert first.changed and first.request is not None and first.request.mic_consent
    again = await floor.ask(an, meeting.id, client_id="t1")
    assert not again.changed and again.request == first.request
    await floor.ask(binh, meeting.id, client_id="t2")
    with pytest.raises(Forbidden):
        await floor.ask(watcher, meeting.id, client_id="t3")
    for chair_only in (
        floor.give(an, meeting.id),
        floor.end(an, meeting.id),
        floor.remove(an, meeting.id, first.request.id),
        floor.set_list_closed(an, meeting.id, True),
    ):
        with pytest.raises(Forbidden):
            await chair_only
    # Someone else's request: only the chair takes it off (as removed).
    with pytest.raises(Forbidden):
        await floor.withdraw(binh, meeting.id, first.request.id)
    given = await floor.give(chair, meeting.id, limit=60)
    assert given.state.current == given.request and given.state.speech_limit == 60
    clock.advance(70 * S)
    ended = await floor.end(chair, meeting.id)
    assert ended.speech is not None and (ended.speech.seconds, ended.speech.overrun) == (70, 10)
    binh_request = ended.state.queue[0]
    removed = await floor.withdraw(chair, meeting.id, binh_request.id)
    assert removed.request is not None and removed.request.status is RequestStatus.REMOVED
    assert [s.participant_id for s in await floor.speeches(meeting.id)] == [an.participant_id]
    assert (await floor.state(meeting.id)).version == removed.state.version == 5


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (MeetingStatus.DRAFT, "meeting_not_open"),
        (MeetingStatus.SCHEDULED, "meeting_not_open"),
        (MeetingStatus.ENDED, "meeting_ended"),
        (MeetingStatus.ARCHIVED, "meeting_archived"),
    ],
)
async def test_refusals_of_meetings_not_in_progress(
    db: Database, clock: SettableClock, status: MeetingStatus, code: str
) -> None:
    floor = FloorService(SqlFloorStore(db), SqlMeetingStore(db), clock)
    meeting = await add_meeting(db, clock.now(), status)
    chair = actor(await add_participant(db, meeting, "Chủ tọa", MeetingRole.CHAIR))
    an = actor(await add_participant(db, meeting, "An"))
    with pytest.raises(Conflict) as info:
        await floor.ask(an, meeting.id, client_id="t1")
    assert info.value.code == code
    with pytest.raises(Conflict):
        await floor.give(chair, meeting.id)
    settings = floor.set_settings(chair, meeting.id, default_limit=120, per_person_limit=2)
    if status in (MeetingStatus.DRAFT, MeetingStatus.SCHEDULED):  # may be prepared
        assert (await settings).state.default_limit == 120
    else:
        with pytest.raises(Conflict):
            await settings
    assert (await floor.state(meeting.id)).requests == ()


async def test_closing_the_meeting_ends_the_speech(db: Database, clock: SettableClock) -> None:
    meetings = SqlMeetingStore(db)
    floor = FloorService(SqlFloorStore(db), meetings, clock)
    meeting = await add_meeting(db, clock.now())
    chair = actor(await add_participant(db, meeting, "Chủ tọa", MeetingRole.CHAIR))
    an = actor(await add_participant(db, meeting, "An"))
    await floor.ask(an, meeting.id, client_id="t1")
    await floor.give(chair, meeting.id)
    clock.advance(30 * S)
    ended = dataclasses.replace(meeting, status=MeetingStatus.ENDED)
    outcome = await floor.status_changed(ended, MeetingStatus.IN_PROGRESS)
    assert outcome is not None and outcome.speech is not None and outcome.speech.seconds == 30
    assert await floor.status_changed(ended, MeetingStatus.IN_PROGRESS) is None


async def test_roll_marks_quorum_and_log(db: Database, clock: SettableClock) -> None:
    attendance = SqlAttendanceStore(db)
    roll = RollService(
        SqlQuorumStore(db), SqlVotingMembers(db), attendance, SqlMeetingStore(db), clock
    )
    meeting = await add_meeting(db, clock.now())
    secretary = actor(await add_participant(db, meeting, "Thư ký", MeetingRole.SECRETARY))
    people = [await add_participant(db, meeting, f"Đại biểu {n}") for n in range(4)]
    guest = await add_participant(db, meeting, "Khách", MeetingRole.GUEST)
    # Voting: the four delegates (the secretary's and the guest's grants have no vote).
    assert await SqlVotingMembers(db).voting_members(meeting.id) == {p.id for p in people}

    async def connect(p: Participant) -> None:
        entry = Attendance(
            meeting_id=meeting.id, person=f"p:{p.id}", participant_id=p.id, user_id=None,
            name=p.name, role=p.role.value, first_joined_at=clock.now(), last_left_at=None,
            seconds=0, joins=1, how=frozenset({"tablet"}), present_since=clock.now(),
        )  # fmt: skip
        await attendance.arrive(entry, clock.now())

    await connect(people[0])
    await connect(guest)
    first = await roll.refresh(meeting.id)
    assert first is not None and (first.present, first.members, first.required) == (1, 4, 3)
    assert await roll.refresh(meeting.id) is None  # no change: no entry
    clock.advance(S)
    _, change = await roll.mark(secretary, meeting.id, people[1].id, AttendanceMark.PRESENT)
    assert change is not None and change.present == 2 and not change.reached
    clock.advance(S)
    _, change = await roll.mark(secretary, meeting.id, people[2].id, AttendanceMark.PRESENT)
    assert change is not None and change.reached
    # People[0] left the room, tablet still connected: marked absent, no longer counts.
    clock.advance(S)
    _, change = await roll.mark(
        secretary, meeting.id, people[0].id, AttendanceMark.ABSENT, " gone out "
    )
    assert change is not None and (change.present, change.reached) == (2, False)
    marks = await SqlQuorumStore(db).marks(meeting.id)
    assert marks[people[0].id].reason == "gone out" and len(marks) == 3
    presences = await roll.presences(meeting.id)
    assert presences[people[0].id].state is AttendanceMark.ABSENT
    assert presences[guest.id].present
    change = await roll.set_rule(secretary, meeting.id, QuorumRule(QuorumKind.AT_LEAST, 2))
    assert change is not None and change.reached and change.rule.value == 2
    log = await roll.changes(meeting.id)
    assert [c.seq for c in log] == [1, 2, 3, 4, 5]
    assert [c.reached for c in log] == [False, False, True, False, True]
    assert log[0].at < log[-1].at

    with pytest.raises(Forbidden):
        await roll.mark(actor(people[3]), meeting.id, people[3].id, AttendanceMark.PRESENT)
    with pytest.raises(NotFound):
        await roll.mark(secretary, meeting.id, ParticipantId("x" * 26), AttendanceMark.ABSENT)
