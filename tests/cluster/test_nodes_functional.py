"""Several `meetroom serve` processes on one PostgreSQL and one Redis act as one
server: page turns, strokes and chat cross nodes in one order; presence lists everyone;
a client resumes on another node; a node killed or drained loses nothing
acknowledged; a database outage fails writes clearly and recovers."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.clients import Tablet
from tests.cluster.harness import Cluster, readyz
from tests.processes import REPO, ServerProcess, clean_env
from tests.waiting import until


def seen(tablet: Tablet) -> list[tuple[int, str]]:
    """(seq, op id) of the stored operations a client knows of: by an event (others')
    or by an ack (its own), in the order they arrived."""
    known = []
    for m in tablet.messages:
        if m["type"] == "ack":
            known.append((m["seq"], m["op_id"]))
        elif m["type"] == "added":
            known.append((m["seq"], m["annotation"]["op_id"]))
        elif m["type"] == "chat":
            known.append((m["seq"], m["op_id"]))
    return known


def stored_seqs(tablet: Tablet) -> list[int]:
    return [m["seq"] for m in tablet.messages if m["type"] in ("added", "chat", "removed")]


async def test_page_turns_strokes_chat_and_presence_cross_nodes(cluster: Cluster) -> None:
    cluster.start_together("a", "b")
    await cluster.prepare_meeting("a")
    chair, _ = await cluster.tablet(await cluster.person("Chair", "chair", "a"), "a")
    delegate, _ = await cluster.tablet(await cluster.person("Delegate", "delegate", "b"), "b")

    # The chair sees the delegate of the other node in the presence list.
    presence = await chair.next_where(
        "presence", lambda m: any(p["name"] == "Delegate" for p in m["people"])
    )
    assert {p["name"] for p in presence["people"]} == {"Chair", "Delegate"}

    # A page turn on node a moves the tablet on node b.
    where = {"document_id": cluster.document_id, "page": 2}
    await chair.send("present", where=where)
    moved = await delegate.next_where("presented", lambda m: m["state"]["where"]["page"] == 2)
    assert moved["state"]["where"]["document_id"] == cluster.document_id

    # Strokes from a and chat from b, at the same time: every client sees every stored
    # event once, in one order, with no gap.
    async def strokes() -> None:
        for _ in range(25):
            await chair.send("stroke_end", **cluster.stroke(page=2))

    async def chat() -> None:
        for i in range(25):
            await delegate.send("chat", op_id=f"c{i:03d}", text=f"message {i}")

    await asyncio.gather(strokes(), chat())
    # A sender gets an ack for its own operation, everyone else the event.
    await until(lambda: len(seen(chair)) >= 50 and len(seen(delegate)) >= 50,
                message="50 stored operations on both nodes", timeout=10)  # fmt: skip
    await asyncio.sleep(0.3)  # nothing more may come
    for tablet in (chair, delegate):
        # Each once, none missing; the others' events in increasing order.
        assert sorted(seq for seq, _ in seen(tablet)) == list(range(1, 51))
        events = stored_seqs(tablet)
        assert events == sorted(events) and len(events) == 25
    # The same operation under the same number on both nodes.
    assert sorted(seen(chair)) == sorted(seen(delegate))
    # A third person joining on either node gets all of it in the snapshot.
    late, welcome = await cluster.tablet(await cluster.person("Late", "delegate", "b"), "b")
    assert welcome["seq"] == 50 and len(welcome["annotations"]) == 25
    assert len(welcome["chat"]) == 25


async def test_resume_on_another_node_without_gap_or_duplicate(cluster: Cluster) -> None:
    cluster.start("a")
    cluster.start("b")
    await cluster.prepare_meeting("a")
    chair, _ = await cluster.tablet(await cluster.person("Chair", "chair", "a"), "a")
    delegate_browser = await cluster.person("Delegate", "delegate", "a")
    delegate, _ = await cluster.tablet(delegate_browser, "a")
    for _ in range(5):
        await chair.send("stroke_end", **cluster.stroke())
    await until(lambda: len(stored_seqs(delegate)) == 5, message="five strokes", timeout=10)
    last = stored_seqs(delegate)[-1]
    await delegate.close()
    for _ in range(4):
        await chair.send("stroke_end", **cluster.stroke())
    await until(lambda: len([m for m in chair.messages if m["type"] == "ack"]) == 9, timeout=10)

    # Back on the other node, from the last number seen: the four missed, then live.
    again, welcome = await cluster.tablet(delegate_browser, "b", last_seq=last)
    assert welcome["resumed"] is True and welcome["seq"] == 9, welcome
    await chair.send("stroke_end", **cluster.stroke())
    await until(
        lambda: len(stored_seqs(again)) == 5, message="four missed and one live", timeout=10
    )
    await asyncio.sleep(0.3)
    assert stored_seqs(again) == [6, 7, 8, 9, 10]


async def test_node_killed_clients_move_to_a_survivor_and_nothing_acked_is_lost(
    cluster: Cluster,
) -> None:
    cluster.start("a")
    cluster.start("b")
    await cluster.prepare_meeting("b")
    chair_browser = await cluster.person("Chair", "chair", "b")
    chair, _ = await cluster.tablet(chair_browser, "a")
    delegate, _ = await cluster.tablet(await cluster.person("Delegate", "delegate", "b"), "b")

    # The chair draws on node a until it dies mid-stream.
    acked: list[dict[str, Any]] = []
    for i in range(40):
        await chair.send("stroke_end", **cluster.stroke())
        if i == 20:
            cluster.kill("a")
            break
    await chair.close()
    acked = [m for m in chair.messages if m["type"] == "ack"]
    last = max((m["seq"] for m in acked), default=0)

    # The chair reconnects to the survivor within the 10 s the issue allows.
    started = time.monotonic()
    again, welcome = await cluster.tablet(chair_browser, "b", last_seq=last)
    assert time.monotonic() - started < 10
    # Everything acknowledged is there, on the survivor's clients too.
    await until(
        lambda: {m["seq"] for m in acked} <= {m["seq"] for m in delegate.messages
                                             if m["type"] == "added"},
        message="every acknowledged stroke reached the delegate on node b", timeout=10)  # fmt: skip
    assert welcome["seq"] >= last
    await again.send("stroke_end", **cluster.stroke())
    ack = await again.next("ack")
    assert ack["seq"] == welcome["seq"] + 1
    await delegate.next_where("added", lambda m: m["seq"] == ack["seq"])


async def test_database_outage_fails_writes_clearly_and_recovers(
    tmp_path: Path, pg_schemas: Callable[[], Awaitable[str]], redis_url: str
) -> None:
    from tests.cluster.tcp_proxy import TcpProxy

    with TcpProxy("127.0.0.1", 5432) as proxy:
        cluster = Cluster(
            tmp_path, await pg_schemas(), redis_url,
            database_url=f"postgresql://postgres@127.0.0.1:{proxy.port}/test",
        )  # fmt: skip
        try:
            cluster.start("a")
            await cluster.prepare_meeting("a")
            chair, _ = await cluster.tablet(await cluster.person("Chair", "chair", "a"), "a")
            await chair.send("stroke_end", **cluster.stroke())
            assert (await chair.next("ack"))["seq"] == 1

            proxy.cut()
            stroke = cluster.stroke()
            await chair.send("stroke_end", **stroke)
            error = await chair.next("error", timeout=20)
            assert error["code"] == "database_unavailable" and error["ref"] == stroke["op_id"]
            assert "database" in error["message"]
            assert not [m for m in chair.messages if m["type"] == "ack"][1:]
            status, _ = await asyncio.to_thread(readyz, cluster.url("a"))
            assert status == 503
            # A form or API write says the same, over HTTP.
            resp = await cluster.admin.post(
                f"{cluster.url('a')}/api/meetings/{cluster.meeting_id}/agenda",
                json={"title": "Any other business"}, headers={"X-CSRF-Token": cluster.csrf},
            )  # fmt: skip
            assert resp.status == 503
            assert (await resp.json())["error"]["code"] == "database_unavailable"

            proxy.restore()
            await chair.send("stroke_end", **stroke)  # the same stroke, sent again
            ack = await chair.next("ack", timeout=20)
            assert ack["op_id"] == stroke["op_id"] and ack["seq"] == 2
            assert (await asyncio.to_thread(readyz, cluster.url("a")))[0] == 200
            resp = await cluster.admin.post(
                f"{cluster.url('a')}/api/meetings/{cluster.meeting_id}/agenda",
                json={"title": "Any other business"}, headers={"X-CSRF-Token": cluster.csrf},
            )  # fmt: skip
            assert resp.status == 201, await resp.text()
        finally:
            await cluster.close()


async def test_sigterm_drains_the_node_and_hands_clients_over(cluster: Cluster) -> None:
    cluster.start("a", MEETROOM_DRAIN_SECONDS="3")
    cluster.start("b")
    await cluster.prepare_meeting("b")
    delegate_browser = await cluster.person("Delegate", "delegate", "a")
    delegate, _ = await cluster.tablet(delegate_browser, "a")

    node = cluster.nodes["a"]
    node.proc.send_signal(signal.SIGTERM)
    # Draining: not ready, no new sockets (a proxy sends newcomers elsewhere)...
    await until(lambda: readyz(cluster.url("a"))[0] == 503, message="readyz 503", timeout=10)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await cluster.tablet(delegate_browser, "a")
    assert refused.value.status == 503
    # ...while the clients it has are still served,
    await delegate.send("ping")
    await delegate.next("pong")
    # until the drain time is up: then they are told to go (1001) and the node exits.
    await until(lambda: delegate.ws.closed, timeout=10, message="socket closed")
    assert delegate.ws.close_code == 1001
    assert node.proc.wait(15) == 0, node.describe()
    again, welcome = await cluster.tablet(delegate_browser, "b", last_seq=0)
    assert welcome["name"] == "Delegate"


def test_workers_need_redis(tmp_path: Path) -> None:
    # Without Redis, the command says what is missing and starts nothing.
    refused = subprocess.run(
        [sys.executable, "-m", "meetroom", "--data-dir", str(tmp_path / "x"), "serve",
         "--workers", "2"],
        env=clean_env(), cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "workers" in refused.stderr and "redis_url" in refused.stderr, refused.stderr


async def test_workers_serve_as_several_nodes_on_one_port(
    tmp_path: Path, pg_schemas: Callable[[], Awaitable[str]], redis_url: str
) -> None:
    cluster = Cluster(tmp_path, await pg_schemas(), redis_url)
    env = dict(cluster.env, MEETROOM_NODE_NAME="box")
    server = ServerProcess(cluster.data, serve_args=["--workers", "2"], env=env)
    try:
        server.wait_ready()
        names: set[str] = set()
        deadline = time.monotonic() + 20
        while len(names) < 2 and time.monotonic() < deadline:
            _, body = await asyncio.to_thread(readyz, server.base_url)
            names.add(body["node"])
        assert names == {"box-w1", "box-w2"}, names
        assert "2 worker processes" in server.stdout
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(30) == 0, server.describe()
    finally:
        server.kill()


async def test_redis_restart_nodes_keep_serving_and_clients_resync(
    tmp_path: Path, pg_schemas: Callable[[], Awaitable[str]]
) -> None:
    from tests.redis_server import RedisServer, redis_server_binary

    if redis_server_binary() is None:
        pytest.skip("redis-server is not installed")
    with RedisServer() as redis:
        cluster = Cluster(tmp_path, await pg_schemas(), redis.url)
        try:
            cluster.start("a")
            cluster.start("b")
            await cluster.prepare_meeting("a")
            chair, _ = await cluster.tablet(await cluster.person("Chair", "chair", "a"), "a")
            near, _ = await cluster.tablet(await cluster.person("Near", "delegate", "a"), "a")
            far, _ = await cluster.tablet(await cluster.person("Far", "delegate", "b"), "b")
            await chair.send("stroke_end", **cluster.stroke())
            await far.next_where("added", lambda m: m["seq"] == 1)

            redis.stop()
            # Node a keeps serving its own clients: stored, acknowledged, delivered.
            for _ in range(3):
                await chair.send("stroke_end", **cluster.stroke())
            await until(
                lambda: stored_seqs(near) == [1, 2, 3, 4], message="near gets 2-4", timeout=10
            )
            # (The chair's acks come on its own socket: not necessarily before near's copy.)
            await until(
                lambda: [m["seq"] for m in chair.messages if m["type"] == "ack"] == [1, 2, 3, 4],
                message="the chair's acks 1-4", timeout=10,
            )  # fmt: skip
            status, body = await asyncio.to_thread(readyz, cluster.url("a"))
            assert status == 200 and body["bus"] == "down", body

            redis.start()
            # The nodes reconnect by themselves; the far client gets what it missed, from
            # the database, in order, once.
            await until(lambda: stored_seqs(far) == [1, 2, 3, 4], timeout=15,
                           message="far resynced")  # fmt: skip
            # Node a's own link may still be backing off (up to 5 s): what it publishes
            # meanwhile is lost, and b catches up at a's next heartbeat (5 s) at worst.
            await chair.send("stroke_end", **cluster.stroke())
            await far.next_where("added", lambda m: m["seq"] == 5, timeout=15)
            await asyncio.sleep(0.3)
            assert stored_seqs(far) == [1, 2, 3, 4, 5]
            status, body = await asyncio.to_thread(readyz, cluster.url("b"))
            assert body["bus"] == "ok", body
        finally:
            await cluster.close()


async def test_a_node_that_cannot_reach_redis_says_so_and_does_not_start(
    tmp_path: Path, pg_schemas: Callable[[], Awaitable[str]]
) -> None:
    cluster = Cluster(tmp_path, await pg_schemas(), "redis://127.0.0.1:1/0")
    command = [sys.executable, "-m", "meetroom", "serve", "--port", "1"]
    done = await asyncio.to_thread(
        subprocess.run, command, env=cluster.env, cwd=REPO, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Cannot reach Redis at 127.0.0.1:1" in done.stderr
    assert "serving on" not in done.stdout
