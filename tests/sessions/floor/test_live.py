"""`LiveFloor` on a real store: what every client and the speaker's devices are told
after each change, a participant removed from the meeting leaving the queue, and the
floor told again after the bus was down."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from meetroom.clock import SettableClock
from meetroom.ids import MeetingId
from meetroom.records.meetings import MeetingRole, Participant
from meetroom.sessions.floor.live import LiveFloor
from meetroom.sessions.floor.roll import RollService
from meetroom.sessions.floor.service import FloorActor, FloorService
from meetroom.store.attendance import SqlAttendanceStore
from meetroom.store.database import Database
from meetroom.store.floor import SqlFloorStore
from meetroom.store.meetings import SqlMeetingStore
from meetroom.store.quorum import SqlQuorumStore, SqlVotingMembers
from tests.sessions.floor.world import add_meeting, add_participant
from tests.waiting import until


@dataclass
class Told:
    """The clients' side of the `Broadcast` port: what each audience was told."""

    messages: list[tuple[MeetingId, dict[str, Any], frozenset[str] | None]] = field(
        default_factory=list
    )

    def tell(
        self, meeting_id: MeetingId, data: bytes, audience: frozenset[str] | None = None
    ) -> None:
        self.messages.append((meeting_id, json.loads(data), audience))

    def of(self, kind: str) -> list[tuple[dict[str, Any], frozenset[str] | None]]:
        return [(m, audience) for _, m, audience in self.messages if m["type"] == kind]


def _live(db: Database, clock: SettableClock, told: Told) -> LiveFloor:
    meetings = SqlMeetingStore(db)
    roll = RollService(
        SqlQuorumStore(db), SqlVotingMembers(db), SqlAttendanceStore(db), meetings, clock
    )
    return LiveFloor(FloorService(SqlFloorStore(db), meetings, clock), roll, told, clock)


def actor(p: Participant) -> FloorActor:
    return FloorActor(f"p:{p.id}", p.name, p.id, p.role, p.role is MeetingRole.CHAIR)


async def test_the_speakers_devices_are_told_about_their_microphone(
    db: Database, clock: SettableClock
) -> None:
    told = Told()
    floor = _live(db, clock, told)
    meeting = await add_meeting(db, clock.now())
    chair = actor(await add_participant(db, meeting, "Chair", MeetingRole.CHAIR))
    an = await add_participant(db, meeting, "An")
    binh = await add_participant(db, meeting, "Bình")
    await floor.ask(actor(an), meeting.id, client_id="a", mic_consent=True)
    await floor.ask(actor(binh), meeting.id, client_id="b")
    views = told.of("floor")
    assert [v["action"] for v, _ in views] == ["asked", "asked"]
    assert all(audience is None for _, audience in views)  # everyone

    await floor.give(chair, meeting.id)
    await floor.give(chair, meeting.id)  # An's speech ends, Bình's begins
    await floor.end(chair, meeting.id)
    assert [(m["action"], audience) for m, audience in told.of("floor_mic")] == [
        ("open", frozenset({f"p:{an.id}"})),
        ("close", frozenset({f"p:{an.id}"})),
        ("ask", frozenset({f"p:{binh.id}"})),  # he did not consent: nothing to close
    ]
    assert told.of("floor")[-1][0]["version"] == 5


async def test_a_removed_participant_leaves_the_queue(db: Database, clock: SettableClock) -> None:
    told = Told()
    floor = _live(db, clock, told)
    meeting = await add_meeting(db, clock.now())
    chair = actor(await add_participant(db, meeting, "Chair", MeetingRole.CHAIR))
    an = await add_participant(db, meeting, "An")
    binh = await add_participant(db, meeting, "Bình")
    for person in (an, binh):
        await floor.ask(actor(person), meeting.id, client_id=person.name)
    await floor.give(chair, meeting.id)  # An speaks, Bình waits
    store = SqlMeetingStore(db)
    await store.delete_participant(binh.id)  # as the meeting service does, then tells
    await floor.participant_rights_changed(meeting.id, binh, None)
    assert [r.name for r in (await floor.floor.state(meeting.id)).queue] == []
    await store.delete_participant(an.id)
    await floor.participant_rights_changed(meeting.id, an, None)
    await floor.teller.settled()
    state = await floor.floor.state(meeting.id)
    assert state.current is None
    assert [s.name for s in await floor.floor.speeches(meeting.id)] == ["An"]
    assert [m["action"] for m, _ in told.of("floor")][-2:] == ["removed", "ended"]
    # Both voted: the quorum is told (at most once an interval, the latest: one member).
    assert [m["members"] for m, _ in told.of("quorum")][-1] == 1


async def test_the_floor_is_told_again_after_the_bus_was_down(
    db: Database, clock: SettableClock
) -> None:
    told = Told()
    floor = _live(db, clock, told)
    meetings = [await add_meeting(db, clock.now()) for _ in range(2)]
    an = await add_participant(db, meetings[0], "An")
    await floor.ask(actor(an), meetings[0].id, client_id="a")
    told.messages.clear()
    floor.resync([m.id for m in meetings])
    await until(lambda: len(told.messages) == 4, message="floor and quorum of both meetings")
    await asyncio.sleep(0)
    by_meeting = {(mid, m["type"]): m for mid, m, _ in told.messages}
    assert by_meeting[(meetings[0].id, "floor")]["version"] == 1
    assert by_meeting[(meetings[1].id, "floor")]["version"] == 0
    assert by_meeting[(meetings[0].id, "quorum")]["members"] == 1
