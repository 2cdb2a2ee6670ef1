"""RedisBus: two buses on one Redis are two nodes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from meetroom.bus import Envelope
from meetroom.bus.redis import RedisBus
from meetroom.errors import Unavailable
from tests.processes import free_port
from tests.redis_server import RedisServer
from tests.waiting import until


@asynccontextmanager
async def buses(
    url: str, prefix: str, *names: str, **kwargs: float
) -> AsyncIterator[list[RedisBus]]:
    started: list[RedisBus] = []
    try:
        for name in names:
            bus = RedisBus(url, prefix, name, **kwargs)
            await bus.start()
            started.append(bus)
        yield started
    finally:
        for bus in started:
            await bus.close()


async def test_delivers_to_the_other_node_only(redis_url: str, prefix: str) -> None:
    async with buses(redis_url, prefix, "a", "b") as (a, b):
        got_a: list[Envelope] = []
        got_b: list[Envelope] = []
        a.subscribe("m1", got_a.append)
        b.subscribe("m1", got_b.append)
        b.subscribe("other", got_b.append)
        await a.ready()
        await b.ready()
        a.publish("m1", Envelope(b"from a"))
        b.publish("m1", Envelope(b"from b"))
        await until(lambda: len(got_a) == 1 and len(got_b) == 1, timeout=10)
        await asyncio.sleep(0.1)  # nothing else comes: not its own, not another topic
        assert [e.data for e in got_a] == [b"from b"]
        assert [e.data for e in got_b] == [b"from a"]
        assert got_a[0].node == "b" and got_b[0].node == "a"


async def test_every_field_round_trips(redis_url: str, prefix: str) -> None:
    async with buses(redis_url, prefix, "a", "b") as (a, b):
        got: list[Envelope] = []
        b.subscribe("m", got.append)
        await b.ready()
        sent = [
            Envelope(
                b"\x00binary\nwith newline\xff",
                seq=42,
                audience=frozenset({"viewer:1", "viewer:2"}),
                origin="conn-7",
                detail={"op": {"kind": "stroke", "points": [[1, 2], [3.5, 4]]}, "ok": True},
                document_id="doc-3",
                unseen=b'{"type":"presented"}\n\xff',
            ),
            Envelope(b"", audience=frozenset()),
            Envelope(b"plain"),
        ]
        for envelope in sent:
            a.publish("m", envelope)
        await until(lambda: len(got) == 3, timeout=10)
        assert got[0] == Envelope(
            b"\x00binary\nwith newline\xff",
            seq=42,
            audience=frozenset({"viewer:1", "viewer:2"}),
            origin="conn-7",
            detail={"op": {"kind": "stroke", "points": [[1, 2], [3.5, 4]]}, "ok": True},
            node="a",
            document_id="doc-3",
            unseen=b'{"type":"presented"}\n\xff',
        )
        assert got[1] == Envelope(b"", audience=frozenset(), node="a")  # nobody, not everyone
        assert got[2] == Envelope(b"plain", node="a")


async def test_two_thousand_envelopes_arrive_in_order(redis_url: str, prefix: str) -> None:
    async with buses(redis_url, prefix, "a", "b") as (a, b):
        got: list[int] = []
        b.subscribe("m", lambda e: got.append(e.seq))
        await b.ready()
        for seq in range(1, 2001):
            a.publish("m", Envelope(b"page", seq=seq))
        await until(lambda: len(got) == 2000, timeout=10)
        assert got == list(range(1, 2001))
        assert a.dropped == 0


async def test_unsubscribe_stops_delivery(redis_url: str, prefix: str) -> None:
    async with buses(redis_url, prefix, "a", "b") as (a, b):
        first: list[bytes] = []
        second: list[bytes] = []
        stop_first = b.subscribe("m", lambda e: first.append(e.data))
        stop_second = b.subscribe("m", lambda e: second.append(e.data))
        await b.ready()
        a.publish("m", Envelope(b"1"))
        await until(lambda: first == [b"1"] and second == [b"1"], timeout=10)

        stop_first()
        stop_first()  # twice is harmless
        await b.ready()
        a.publish("m", Envelope(b"2"))
        await until(lambda: second == [b"1", b"2"], timeout=10)
        assert first == [b"1"]

        stop_second()  # the last one: the channel is unsubscribed
        await b.ready()
        a.publish("m", Envelope(b"3"))
        b.subscribe("probe", lambda e: second.append(e.data))
        await b.ready()
        a.publish("probe", Envelope(b"probe"))  # after "3" on a's one connection
        await until(lambda: second[-1:] == [b"probe"], timeout=10)
        assert first == [b"1"] and second == [b"1", b"2", b"probe"]


async def test_a_failing_subscriber_does_not_stop_the_others(
    redis_url: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with buses(redis_url, prefix, "a", "b") as (a, b):
        got: list[bytes] = []

        def broken(envelope: Envelope) -> None:
            raise RuntimeError("subscriber bug")

        b.subscribe("m", broken)
        b.subscribe("m", lambda e: got.append(e.data))
        await b.ready()
        with caplog.at_level(logging.ERROR, logger="meetroom.bus.redis"):
            a.publish("m", Envelope(b"1"))
            a.publish("m", Envelope(b"2"))
            await until(lambda: got == [b"1", b"2"], timeout=10)
        assert "a subscriber of m failed" in caplog.text


async def test_start_without_redis_is_a_clear_error(prefix: str) -> None:
    bus = RedisBus(f"redis://127.0.0.1:{free_port()}/0", prefix, "a")
    with pytest.raises(Unavailable) as raised:
        await bus.start()
    assert raised.value.code == "redis_unreachable"
    assert "127.0.0.1" in str(raised.value)
    await bus.close()


async def test_survives_a_redis_restart(redis_server: RedisServer, prefix: str) -> None:
    async with buses(redis_server.url, prefix, "a", "b", max_backoff=0.5) as (a, b):
        got: list[bytes] = []
        resynced: list[str] = []
        b.subscribe("m", lambda e: got.append(e.data))
        a.on_resync(lambda: resynced.append("a"))
        b.on_resync(lambda: resynced.append("b"))
        await b.ready()
        a.publish("m", Envelope(b"before"))
        await until(lambda: got == [b"before"], timeout=10)

        redis_server.stop()
        await until(lambda: not a.connected and not b.connected, timeout=10)
        a.publish("m", Envelope(b"lost"))  # dropped, and nothing raises
        a.publish("m", Envelope(b"lost too"))
        assert a.dropped >= 2
        await asyncio.sleep(0.3)  # a few failed reconnections

        redis_server.start()
        await until(lambda: sorted(resynced) == ["a", "b"], timeout=10)
        assert a.connected and b.connected
        # The resync ran once the channels were subscribed again: delivery works.
        a.publish("m", Envelope(b"after"))
        await until(lambda: got == [b"before", b"after"], timeout=10)
