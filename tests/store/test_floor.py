"""The floor in SQL, on SQLite and on PostgreSQL: the state round trip, atomic changes,
the database's own constraints, and concurrent asks from two "nodes" (two engines on
one database) ending in one defined order with no duplicate."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.errors import Conflict
from meetroom.ids import MeetingId, ParticipantId, new_id
from meetroom.records.floor import FloorState, Outcome, RequestStatus, SpeechKind
from meetroom.records.meetings import Meeting
from meetroom.sessions.floor import queue
from meetroom.store.database import Database
from meetroom.store.floor import SqlFloorStore
from meetroom.store.schema import speaker_requests
from tests.sessions.floor.world import add_meeting

T0 = datetime.now(UTC).replace(microsecond=0)
S = timedelta(seconds=1)


def asking(who: str, client_id: str, at: datetime = T0) -> Callable[[FloorState], Outcome]:
    request_id = new_id()
    return lambda state: queue.ask(
        state, request_id=request_id, client_id=client_id, participant_id=ParticipantId(who),
        name=who, kind=SpeechKind.ORDINARY, mic_consent=True, now=at,
    )  # fmt: skip


async def test_round_trip_and_speech_log(db: Database) -> None:
    store = SqlFloorStore(db)
    meeting = await add_meeting(db, T0)
    empty = await store.load(meeting.id)
    assert (empty.version, empty.requests, empty.default_limit) == (0, (), 180)
    await store.change(meeting.id, asking("an", "c1"))
    out = await store.change(meeting.id, asking("binh", "c2"))
    assert out.request is not None
    await store.change(meeting.id, lambda s: queue.give(s, None, T0 + S))
    ended = await store.change(meeting.id, lambda s: queue.end(s, T0 + 200 * S))
    loaded = await store.load(meeting.id)
    assert loaded == ended.state
    assert loaded.version == 4 and [r.participant_id for r in loaded.queue] == ["binh"]
    [speech] = await store.speeches(meeting.id)
    assert speech == ended.speech
    assert (speech.seconds, speech.limit, speech.overrun) == (199, 180, 19)
    assert await store.meeting_of(out.request.id) == meeting.id
    assert await store.meeting_of("nothing") is None


async def test_a_refused_or_empty_step_stores_nothing(db: Database) -> None:
    store = SqlFloorStore(db)
    meeting = await add_meeting(db, T0)
    await store.change(meeting.id, asking("an", "c1"))
    with pytest.raises(Conflict):
        await store.change(meeting.id, asking("an", "c2"))  # one open request each
    again = await store.change(meeting.id, asking("an", "c1"))  # the same client id
    assert not again.changed
    state = await store.load(meeting.id)
    assert state.version == 1 and len(state.requests) == 1


async def test_the_database_refuses_what_the_domain_refuses(db: Database) -> None:
    """Even a write that skipped the lock and the domain cannot make a second open
    request of one person, nor reuse a client id in a meeting."""
    meeting = await add_meeting(db, T0)
    other = await add_meeting(db, T0)

    def row(m: Meeting, who: str, client_id: str, status: RequestStatus) -> dict[str, object]:
        return {
            "id": new_id(), "meeting_id": m.id, "client_id": client_id,
            "participant_id": who, "name": who, "kind": "ordinary", "subject": "",
            "agenda_item_id": None, "asked_at": T0, "mic_consent": False, "position": 1,
            "status": status.value, "closed_at": None,
        }  # fmt: skip

    async with db.begin() as conn:
        await conn.execute(
            speaker_requests.insert().values(row(meeting, "an", "a", RequestStatus.WAITING))
        )
        # Closed ones may be many; another meeting may use the same client id.
        await conn.execute(
            speaker_requests.insert().values(row(meeting, "an", "b", RequestStatus.DONE))
        )
        await conn.execute(
            speaker_requests.insert().values(row(meeting, "an", "c", RequestStatus.WITHDRAWN))
        )
        await conn.execute(
            speaker_requests.insert().values(row(other, "an", "a", RequestStatus.WAITING))
        )
    for bad in (
        row(meeting, "an", "d", RequestStatus.SPEAKING),  # a second open request
        row(meeting, "binh", "a", RequestStatus.WAITING),  # a client id again
    ):
        with pytest.raises(IntegrityError):
            async with db.begin() as conn:
                await conn.execute(speaker_requests.insert().values(bad))
    async with db.connect() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(speaker_requests)
            .where(speaker_requests.c.meeting_id == meeting.id)
        )
    assert count == 3


async def test_concurrent_asks_from_two_nodes(db: Database) -> None:
    """Two nodes' stores on one database: 12 people ask at the same instant, each
    twice with one client id (a double tap) and once more with another. One request
    each, positions 1..12 in the order the database took the changes."""
    meeting = await add_meeting(db, T0)
    # The second node: its own engine on the same database.
    second = Database.open(db.engine.url.render_as_string(hide_password=False), db.schema)
    try:
        nodes = [SqlFloorStore(db), SqlFloorStore(second)]
        people = [f"p{n:02d}" for n in range(12)]
        tasks = []
        for n, who in enumerate(people):
            tasks.append(nodes[n % 2].change(meeting.id, asking(who, f"{who}-tap")))
            tasks.append(nodes[(n + 1) % 2].change(meeting.id, asking(who, f"{who}-tap")))
            tasks.append(nodes[n % 2].change(meeting.id, asking(who, f"{who}-other")))
        results = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await second.close()
    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, Conflict) and r.code == "already_asked" for r in refused), refused
    made = [r for r in results if isinstance(r, Outcome) and r.changed]
    assert len(made) == 12
    for n in range(len(people)):
        tap, tap_again, other = results[3 * n : 3 * n + 3]
        if isinstance(other, Outcome) and other.changed:  # asked with the other id first
            assert isinstance(tap, Conflict) and isinstance(tap_again, Conflict)
        else:  # one tap made it, the other gave it back
            assert isinstance(other, Conflict)
            assert isinstance(tap, Outcome) and isinstance(tap_again, Outcome)
            assert tap.request == tap_again.request and tap.changed != tap_again.changed
    state = await SqlFloorStore(db).load(meeting.id)
    assert state.version == 12
    assert sorted(r.participant_id for r in state.queue) == people
    # The queue's order is the order of the changes (versions 1..12).
    by_version = sorted(made, key=lambda r: r.state.version)
    assert [r.state.version for r in by_version] == list(range(1, 13))
    assert [r.request.id for r in by_version] == [r.id for r in state.queue]  # type: ignore[union-attr]
    assert [r.position for r in state.queue] == list(range(1, 13))


async def test_meeting_row_is_made_once_by_racing_first_changes(db: Database) -> None:
    store = SqlFloorStore(db)
    meetings = [await add_meeting(db, T0) for _ in range(3)]
    await asyncio.gather(
        *(
            store.change(m.id, asking(f"{m.id[-4:]}-{n}", f"c{n}"))
            for m in meetings
            for n in range(4)
        )
    )
    for m in meetings:
        state = await store.load(MeetingId(m.id))
        assert state.version == 4 and len(state.queue) == 4
