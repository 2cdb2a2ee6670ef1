"""RedisDirectory: several directories on one Redis are several nodes placing rooms."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from meetroom.bus import NodeInfo
from meetroom.bus.directory import RedisDirectory
from meetroom.errors import Unavailable
from tests.redis_server import RedisServer
from tests.waiting import until


@asynccontextmanager
async def directories(
    url: str, prefix: str, *names: str, heartbeat: float = 0.2, ttl: float = 1.0
) -> AsyncIterator[list[RedisDirectory]]:
    started: list[RedisDirectory] = []
    try:
        for name in names:
            directory = RedisDirectory(url, prefix, name, f"http://{name}", heartbeat, ttl)
            await directory.start()
            started.append(directory)
        yield started
    finally:
        for directory in started:
            await directory.close()


async def test_a_new_room_goes_to_the_least_loaded_node(redis_url: str, prefix: str) -> None:
    async with directories(redis_url, prefix, "a", "b", "c") as (a, b, c):
        a.set_load(10, 2)
        b.set_load(3, 1)
        c.set_load(3, 0)  # as loaded as b, with fewer rooms
        for d in (a, b, c):
            await d.flush()
        assert await a.owner("room-1") == "c"
        c.set_load(20, 1)
        await c.flush()
        assert await a.owner("room-2") == "b"
        # A placed room stays where it is while its node lives, whatever the load.
        assert await b.owner("room-1") == "c"


async def test_ties_go_to_the_smallest_id(redis_url: str, prefix: str) -> None:
    async with directories(redis_url, prefix, "b", "a") as (b, a):
        assert await b.owner("room") == "a"


async def test_nodes_racing_agree_on_the_owner(redis_url: str, prefix: str) -> None:
    async with directories(redis_url, prefix, "a", "b", "c") as nodes:
        rooms = [f"room-{i}" for i in range(20)]
        for room in rooms:
            answers = await asyncio.gather(*(d.owner(room) for d in nodes for _ in range(3)))
            assert len(set(answers)) == 1, answers


async def test_the_rooms_of_a_dead_node_go_to_a_live_one(redis_url: str, prefix: str) -> None:
    async with directories(redis_url, prefix, "a", heartbeat=0.1, ttl=0.5) as (a,):
        # "z" registers, then is silent (its next heartbeat is a minute away): as far
        # as Redis can tell, it died.
        dead = RedisDirectory(redis_url, prefix, "z", "http://z", heartbeat=60, ttl=0.3)
        await dead.start()
        try:
            a.set_load(50, 5)
            await a.flush()
            assert await a.owner("room") == "z"
            assert await a.alive("z")

            async def gone() -> bool:
                return not await a.alive("z")

            await until(gone, timeout=5)
            assert await a.owner("room") == "a"
            assert [n.id for n in await a.nodes()] == ["a"]  # and it left the set
        finally:
            await dead.close()


async def test_a_draining_node_gets_no_new_rooms(redis_url: str, prefix: str) -> None:
    async with directories(redis_url, prefix, "a", "b") as (a, b):
        b.set_load(100, 9)
        await b.flush()
        assert await b.owner("held") == "a"
        a.set_draining()
        await a.flush()
        assert await b.owner("new") == "b"
        # A room held by a draining node goes to a node that takes rooms when asked.
        assert await b.owner("held") == "b"
        b.set_draining()
        await b.flush()
        # When every node drains, rooms still find a node.
        assert await a.owner("last") == "a"


async def test_only_the_owner_releases(redis_url: str, prefix: str) -> None:
    async with directories(redis_url, prefix, "a", "b") as (a, b):
        a.set_load(100, 9)
        await a.flush()
        assert await a.owner("room") == "b"
        a.set_load(0, 0)
        b.set_load(100, 9)
        await a.flush()
        await b.flush()
        await a.release("room")  # not a's: it stays b's
        assert await a.owner("room") == "b"
        await b.release("room")
        assert await b.owner("room") == "a"  # placed afresh, on the least loaded


async def test_nodes_lists_load(redis_url: str, prefix: str) -> None:
    async with directories(redis_url, prefix, "a", "b") as (a, b):
        a.set_load(7, 2)
        b.set_draining()
        await a.flush()
        await b.flush()
        assert await a.nodes() == [
            NodeInfo("a", "http://a", load=7, rooms=2, draining=False),
            NodeInfo("b", "http://b", load=0, rooms=0, draining=True),
        ]
        assert await a.alive("b")
        await b.close()
        assert not await a.alive("b")  # a clean stop leaves at once
        assert [n.id for n in await a.nodes()] == ["a"]


async def test_without_redis_owner_is_unavailable_and_heartbeat_recovers(
    redis_server: RedisServer, prefix: str
) -> None:
    async with directories(redis_server.url, prefix, "a", heartbeat=0.1, ttl=1.0) as (a,):
        assert await a.owner("room") == "a"
        redis_server.stop()
        with pytest.raises(Unavailable) as raised:
            await a.owner("room")
        assert raised.value.code == "bus_unavailable"
        await asyncio.sleep(0.3)  # the heartbeat fails a few times meanwhile

        redis_server.start()  # empty: every key is gone

        async def registered_again() -> bool:
            try:
                return await a.alive("a")
            except Unavailable:
                return False

        await until(registered_again, timeout=5)
        # The room it held was claimed again when it registered again.
        async with directories(redis_server.url, prefix, "b") as (b,):
            assert await b.owner("room") == "a"
