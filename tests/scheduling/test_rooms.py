"""Rooms and the booking rules, on the embedded store and on PostgreSQL: the domain's
checks, and the database's own refusal of overlapping bookings (without the domain)."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, time, timedelta

import pytest

from meetroom.app import open_services
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import Conflict, Forbidden, Invalid
from meetroom.ids import MeetingId, RoomId, new_id
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.meetings import Meeting
from meetroom.server.context import Services
from meetroom.store.database import Database
from meetroom.store.meetings import SqlMeetingStore
from meetroom.store.rooms import SqlRoomStore

# The services' clock is set a day before NINE (see the fixture below).
pytestmark = pytest.mark.dates

# 09:00 in Hanoi (the default zone) on Tuesday 1 December 2026.
NINE = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def services(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, backend: str
) -> AsyncIterator[Services]:
    clock.advance(NINE - timedelta(days=1) - clock.now())
    async with open_services(await make_settings(backend), clock=clock) as svc:
        yield svc


async def admin(services: Services) -> Principal:
    user, _ = await services.accounts.create_user("boss", "Boss", AccountRole.ADMIN, "password1")
    return Principal(user=user)


async def test_room_hours_edges(services: Services) -> None:
    actor = await admin(services)
    room = await services.rooms.create(
        actor, "Office", available_from=time(8), available_until=time(17)
    )
    create = services.meetings.create
    # Exactly from opening to closing is fine.
    await create(
        actor, title="Day", starts_at=NINE - HOUR, ends_at=NINE + 8 * HOUR, room_id=room.id
    )
    with pytest.raises(Invalid) as info:
        await create(actor, title="Early", starts_at=NINE - 2 * HOUR, ends_at=NINE, room_id=room.id)
    assert info.value.code == "outside_room_hours"
    with pytest.raises(Invalid) as info:  # over midnight
        await create(
            actor, title="Night", starts_at=NINE + 7 * HOUR, ends_at=NINE + 24 * HOUR,
            room_id=room.id,
        )  # fmt: skip
    assert info.value.code == "outside_room_hours"
    with pytest.raises(Invalid) as info:
        await services.rooms.update(actor, room.id, available_until=None)
    assert info.value.code == "hours_incomplete"


async def test_only_admins_manage_rooms(services: Services) -> None:
    actor = await admin(services)
    secretary, _ = await services.accounts.create_user(
        "sec", "Sec", AccountRole.SECRETARY, "password1"
    )
    room = await services.rooms.create(actor, "A")
    with pytest.raises(Forbidden):
        await services.rooms.create(Principal(user=secretary), "B")
    with pytest.raises(Forbidden):
        await services.rooms.update(Principal(user=secretary), room.id, name="C")
    assert [r.name for r in await services.rooms.list(Principal(user=secretary))] == ["A"]


def _meeting(room_id: RoomId, start: datetime, hours: float, title: str) -> Meeting:
    return Meeting(
        id=MeetingId(new_id()), title=title, description="", location="",
        starts_at=start, ends_at=start + hours * HOUR, created_by=None,
        created_at=NINE, updated_at=NINE, room_id=room_id,
    )  # fmt: skip


async def test_database_refuses_overlapping_bookings(services: Services) -> None:
    """The store alone, with no domain check in front: concurrent inserts and updates
    into one room's overlapping slots, on both backends."""
    db = services.database
    assert isinstance(db, Database)
    store = SqlMeetingStore(db)
    room = await services.rooms.create(await admin(services), "Hall")

    # A chain of 16 at once, each overlapping its neighbours: without a lock on the room
    # PostgreSQL's exclusion check turned such races into deadlock errors.
    for day in (1, 2, 3):
        start = NINE + timedelta(days=day)
        tries = [_meeting(room.id, start + i * 10 * MINUTE, 2, f"C{i}") for i in range(16)]
        results = await asyncio.gather(
            *(store.create_meeting(m) for m in tries), return_exceptions=True
        )
        won = [m for m, r in zip(tries, results, strict=True) if r is None]
        assert won and all(a.ends_at <= b.starts_at for a, b in itertools.pairwise(won))
        for m, r in zip(tries, results, strict=True):
            if r is not None:
                assert isinstance(r, Conflict) and r.code == "room_taken", r
                holder = next(w for w in won if w.id == r.details["meeting_id"])
                assert holder.starts_at < m.ends_at and m.starts_at < holder.ends_at

    # All in one slot: exactly one wins, the others are told which.
    tries = [_meeting(room.id, NINE + i * 10 * MINUTE, 2, f"T{i}") for i in range(8)]
    results = await asyncio.gather(
        *(store.create_meeting(m) for m in tries), return_exceptions=True
    )
    won = [m for m, r in zip(tries, results, strict=True) if r is None]
    assert len(won) == 1, results
    for r in results:
        if r is not None:
            assert isinstance(r, Conflict) and r.code == "room_taken", r
            assert r.details == {"meeting_id": won[0].id, "title": won[0].title}

    # Touching ends are no overlap; moving onto the slot is refused by the database too.
    after = _meeting(room.id, won[0].ends_at, 1, "After")
    await store.create_meeting(after)
    with pytest.raises(Conflict) as info:
        await store.save_meeting(dataclasses.replace(after, starts_at=won[0].ends_at - HOUR))
    assert info.value.details["meeting_id"] == won[0].id
    assert (await store.get_meeting(after.id)) == after

    # Virtual-only: no conflict; turning it physical with overlaps is refused.
    online = await services.rooms.create(await admin_again(services), "Online", virtual_only=True)
    await store.create_meeting(_meeting(online.id, NINE, 2, "O1"))
    await store.create_meeting(_meeting(online.id, NINE, 2, "O2"))
    rooms = SqlRoomStore(db)
    with pytest.raises(Conflict) as info:
        await rooms.save_room(dataclasses.replace(online, virtual_only=False))
    assert info.value.code == "room_bookings_overlap"
    assert (await rooms.get_room(online.id)) == online


async def admin_again(services: Services) -> Principal:
    user = await services.accounts.get_by_username("boss")
    assert user is not None
    return Principal(user=user)
