"""What clients are told of the floor, at a cost a room of a thousand tablets bears (on
a real store): joins that come together share one read, a join never gets what
was read before it joined, and a burst of attendance changes is one quorum told now and
one, the latest, at the end of the interval."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from meetroom.clock import SettableClock
from meetroom.ids import MeetingId
from meetroom.records.floor import FloorState
from meetroom.records.meetings import MeetingRole
from meetroom.sessions.floor.roll import RollService
from meetroom.sessions.floor.service import FloorActor, FloorService
from meetroom.sessions.floor.telling import Teller
from meetroom.store.attendance import SqlAttendanceStore
from meetroom.store.database import Database
from meetroom.store.floor import SqlFloorStore
from meetroom.store.meetings import SqlMeetingStore
from meetroom.store.quorum import SqlQuorumStore, SqlVotingMembers
from tests.sessions.floor.world import add_meeting, add_participant
from tests.waiting import until


class CountedFloorStore(SqlFloorStore):
    """The real store, counting the reads of a meeting's floor."""

    loads = 0

    async def load(self, meeting_id: MeetingId) -> FloorState:
        self.loads += 1
        return await super().load(meeting_id)


class Told:
    def __init__(self) -> None:
        self.quorums: list[dict[str, Any]] = []

    def tell(
        self, meeting_id: MeetingId, data: bytes, audience: frozenset[str] | None = None
    ) -> None:
        message = json.loads(data)
        if message["type"] == "quorum":
            self.quorums.append(message)


def _teller(db: Database, clock: SettableClock, told: Told, interval: float = 0.25) -> Teller:
    meetings = SqlMeetingStore(db)
    store = CountedFloorStore(db)
    roll = RollService(
        SqlQuorumStore(db), SqlVotingMembers(db), SqlAttendanceStore(db), meetings, clock
    )
    return Teller(FloorService(store, meetings, clock), roll, told, clock, interval)


async def test_joins_together_share_a_read_started_after_they_joined(
    db: Database, clock: SettableClock
) -> None:
    teller = _teller(db, clock, Told())
    store = teller.floor.store
    assert isinstance(store, CountedFloorStore)
    meeting = await add_meeting(db, clock.now())
    an = await add_participant(db, meeting, "An")
    sent: list[list[dict[str, Any]]] = [[] for _ in range(50)]
    for inbox in sent[:25]:
        teller.welcome(meeting.id, lambda data, inbox=inbox: inbox.append(json.loads(data)))
    await asyncio.sleep(0)  # the first read has begun
    # A request made now: those joining from here on must see it.
    actor = FloorActor(f"p:{an.id}", an.name, an.id, MeetingRole.DELEGATE, False)
    await teller.floor.ask(actor, meeting.id, client_id="a")
    for inbox in sent[25:]:
        teller.welcome(meeting.id, lambda data, inbox=inbox: inbox.append(json.loads(data)))
    await teller.settled()
    assert all([m["type"] for m in inbox] == ["floor", "quorum"] for inbox in sent)
    assert all(inbox[0]["version"] == 1 for inbox in sent[25:])
    assert store.loads <= 3  # 50 joins: one read for the first 25, one for the rest


async def test_a_burst_of_changes_is_told_now_and_once_more_at_the_end(
    db: Database, clock: SettableClock
) -> None:
    told = Told()
    teller = _teller(db, clock, told, interval=1.0)  # the adds below fit in it
    meeting = await add_meeting(db, clock.now())
    await add_participant(db, meeting, "Delegate 0", MeetingRole.DELEGATE)
    teller.quorum_changed(meeting.id)
    await until(lambda: len(told.quorums) == 1, message="the first, at once")
    clock.advance(timedelta(seconds=1))
    for i in (1, 2):  # within the interval: waits for its end
        await add_participant(db, meeting, f"Delegate {i}", MeetingRole.DELEGATE)
        teller.quorum_changed(meeting.id)
    assert len(told.quorums) == 1
    await teller.settled()
    assert [q["members"] for q in told.quorums] == [1, 3]  # the latest, once
    assert told.quorums[0]["at"] < told.quorums[1]["at"]
    await teller.close()
