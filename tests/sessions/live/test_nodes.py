"""The live session served by several nodes at once (each its own LiveService, one
database, one bus): page follow, the order of stored operations, private layers,
resuming on another node, presence, status changes, resync after lost envelopes, and
a database that cannot be reached. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from meetroom.app import open_services
from meetroom.bus.local import LocalHub
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import Conflict, Unavailable
from meetroom.meetings.lifecycle import LifecycleService, Transition
from meetroom.protocol import live as p
from meetroom.records.live import LiveOp
from meetroom.records.meetings import Attendance
from meetroom.server.context import Services
from meetroom.sessions.live.service import LiveService
from meetroom.store.database import Database
from meetroom.store.live import SqlLiveStore
from tests.sessions.live.nodes import DOC, START, Client, new_meeting, node, stroke
from tests.waiting import until

# The nodes' clock is set a day before START (see the fixture below).
pytestmark = pytest.mark.dates


@dataclass
class Cluster:
    services: Services
    hub: LocalHub
    nodes: list[LiveService]
    clock: SettableClock


@pytest.fixture
async def cluster(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, backend: str
) -> AsyncIterator[Cluster]:
    clock.advance(START - timedelta(days=1) - clock.now())
    async with open_services(await make_settings(backend, pdf_workers=1), clock=clock) as svc:
        hub = LocalHub()
        nodes = [node(svc, hub, name, clock) for name in ("a", "b", "c")]
        yield Cluster(svc, hub, nodes, clock)
        for live in nodes:
            await live.close()
            if live.attendance is not None:
                await live.attendance.settled()


def page_of(client: Client) -> int:
    presented = client.of("presented")
    return int(presented[-1]["state"]["where"]["page"]) if presented else 0


async def chair_on_a_tablet_on_b(cluster: Cluster) -> tuple[Client, Client]:
    """A new meeting's chair joined on node a, a delegate's tablet on node b."""
    a, b, _ = cluster.nodes
    m = await new_meeting(cluster.services)
    chair, tablet = Client(a, m.id, m.chair), Client(b, m.id, m.delegates[0])
    await chair.join()
    await tablet.join()
    return chair, tablet


def lifecycle_on(cluster: Cluster, where: LiveService) -> LifecycleService:
    """Opening and closing meetings on the node `where` (the chair acts there)."""
    svc = cluster.services
    return LifecycleService(
        svc.meetings, svc.meetings.store, cluster.clock, svc.audit, listeners=(where,)
    )


async def test_page_follow_across_nodes(cluster: Cluster) -> None:
    a, b, c = cluster.nodes
    m = await new_meeting(cluster.services)
    chair = Client(a, m.id, m.chair)
    d1, d2 = Client(b, m.id, m.delegates[0]), Client(c, m.id, m.delegates[1])
    for client in (chair, d1, d2):
        await client.join()
    await chair.do(p.Present(where=p.Where(document_id=DOC, page=3)))
    await until(lambda: page_of(d1) == 3 and page_of(d2) == 3, message="page 3 on b and c")
    # The chair hands over to a delegate on b, who turns pages for everyone.
    await chair.do(p.HandOver(participant_id=m.delegates[0].participant.id))  # type: ignore[union-attr]
    d1_key = d1.messages[0]["you"]
    await until(lambda: d1.of("presented")[-1]["state"].get("presenter") == d1_key)
    for page in (4, 5, 6):
        await d1.do(p.Present(where=p.Where(document_id=DOC, page=page)))
    await until(lambda: page_of(chair) == 6 and page_of(d2) == 6, message="page 6 everywhere")
    # Every client saw the same page turns in the same order, none twice.
    assert [page_of_m(x) for x in chair.of("presented")] == [3, 3, 4, 5, 6]
    assert [page_of_m(x) for x in d2.of("presented")] == [3, 3, 4, 5, 6]
    # A page turn from an older version (a slow node) does not take the page back.
    assert all(live._live[m.id].state_version == 5 for live in (a, b, c))
    late = Client(c, m.id, m.delegates[1])
    assert (await late.join())["state"]["where"]["page"] == 6


def page_of_m(message: dict[str, object]) -> int:
    return int(message["state"]["where"]["page"])  # type: ignore[index]


async def test_operations_from_two_nodes_in_one_order(cluster: Cluster) -> None:
    a, b, c = cluster.nodes
    m = await new_meeting(cluster.services)
    writer_a, writer_b = Client(a, m.id, m.chair), Client(b, m.id, m.delegates[0])
    readers = [Client(live, m.id, m.delegates[1]) for live in (a, b, c)]
    for client in (writer_a, writer_b, *readers):
        await client.join()
    await writer_a.do(p.OpenShared(open=True))  # the delegate on b may draw on it too
    await until(lambda: bool(writer_b.of("presented")))

    async def write(client: Client, name: str) -> list[int]:
        acks = []
        for i in range(100):
            message = stroke(f"{name}{i}") if i % 2 else p.ChatSend(op_id=f"{name}{i}", text="hi")
            acks.append((await client.do(message)).seq)
        return acks

    acks_a, acks_b = await asyncio.gather(write(writer_a, "a"), write(writer_b, "b"))
    assert sorted(acks_a + acks_b) == list(range(1, 201))
    await until(lambda: all(len(r.seqs()) >= 200 for r in readers), message="200 events each")
    await asyncio.sleep(0.05)  # nothing more (no duplicate) arrives later
    for reader in readers:
        assert reader.seqs() == list(range(1, 201))
    events = [[op_of(m) for m in r.messages[1:] if "seq" in m] for r in readers]
    assert events[0] == events[1] == events[2]
    # A writer gets the other node's operations, and not its own back (it has its acks).
    own = {op_of(m) for m in writer_a.messages[1:] if "seq" in m}
    assert own == {f"b{i}" for i in range(100)}


async def test_private_annotations_stay_private(cluster: Cluster) -> None:
    a, b, c = cluster.nodes
    m = await new_meeting(cluster.services)
    author_a = Client(a, m.id, m.delegates[0])
    author_c = Client(c, m.id, m.delegates[0])  # the same person's other device
    other_b = Client(b, m.id, m.delegates[1])
    chair = Client(a, m.id, m.chair)
    for client in (author_a, author_c, other_b, chair):
        await client.join()
    await author_a.do(p.StrokeStart(op_id="mine", document_id=DOC, page=1, layer="private"))
    await author_a.do(stroke("mine", layer="private"))
    await author_a.do(p.Erase(op_id="gone", target="mine"))
    await chair.do(stroke("shared1"))
    await until(lambda: len(other_b.seqs()) == 1 and len(author_c.seqs()) == 3)
    assert [m["type"] for m in author_c.messages[1:]] == ["drawing", "added", "removed", "added"]
    assert [m["type"] for m in other_b.messages[1:]] == ["added"]
    assert other_b.messages[1]["annotation"]["op_id"] == "shared1"
    fresh = Client(b, m.id, m.delegates[1])
    assert [x["op_id"] for x in (await fresh.join())["annotations"]] == ["shared1"]


async def test_resume_on_another_node(cluster: Cluster) -> None:
    a, b, c = cluster.nodes
    m = await new_meeting(cluster.services)
    writer = Client(a, m.id, m.chair)
    await writer.join()
    tablet = Client(b, m.id, m.delegates[0])
    await tablet.join()
    watcher = Client(c, m.id, m.delegates[1])  # keeps the meeting loaded on c
    await watcher.join()
    for i in range(5):
        await writer.do(stroke(f"s{i}"))
    await until(lambda: len(tablet.seqs()) == 5 and len(watcher.seqs()) == 5)
    await tablet.leave()  # its node went away; it comes back through c
    for i in range(5, 8):
        await writer.do(stroke(f"s{i}"))
    again = Client(c, m.id, m.delegates[0])
    welcome = await again.join(last_seq=5)
    assert welcome["resumed"] and welcome["seq"] >= 5
    await writer.do(stroke("s8"))
    await until(lambda: again.seqs()[-1:] == [9], message="the live one after the replay")
    assert again.seqs() == [6, 7, 8, 9]

    # c heard nothing of the last ones (lost), but the client saw them through a.
    cluster.hub.down = True
    for i in range(9, 12):
        await writer.do(stroke(f"s{i}"))
    cluster.hub.down = False
    seen_on_a = Client(a, m.id, m.delegates[1])
    assert (await seen_on_a.join())["seq"] == 12
    moved = Client(c, m.id, m.delegates[1])
    welcome = await moved.join(last_seq=10)
    assert welcome["resumed"] and welcome["seq"] == 12
    assert moved.seqs() == [11, 12]
    assert watcher.seqs() == list(range(1, 13))  # c delivered the missing ones once


def op_of(message: dict[str, Any]) -> str:
    return str(message["op_id"] if "op_id" in message else message["annotation"]["op_id"])


def people(client: Client) -> dict[str, tuple[int, bool]]:
    latest = client.of("presence")[-1]["people"] if client.of("presence") else []
    return {e["name"]: (e["connections"], e["following"]) for e in latest}


async def test_presence_across_nodes(cluster: Cluster) -> None:
    a, b, c = cluster.nodes
    m = await new_meeting(cluster.services)
    chair = Client(a, m.id, m.chair)
    await chair.join()
    d1_b, d1_c = Client(b, m.id, m.delegates[0]), Client(c, m.id, m.delegates[0])
    d2_c = Client(c, m.id, m.delegates[1])
    for client in (d1_b, d1_c, d2_c):
        await client.join()
    await d2_c.do(p.Browse(following=False))
    expected = {"Chair": (1, True), "Delegate 1": (2, True), "Delegate 2": (1, False)}
    await until(lambda: people(chair) == expected, message=f"merged presence: {people(chair)}")
    # A chair on another node sees the same.
    chair_b = Client(b, m.id, m.chair)
    await chair_b.join()
    expected["Chair"] = (2, True)
    await until(lambda: people(chair_b) == expected, message=f"on b: {people(chair_b)}")
    # c dies: its part expires.
    cluster.hub.kill("c")
    expected = {"Chair": (2, True), "Delegate 1": (1, True)}
    await until(lambda: people(chair) == expected, message=f"after the kill: {people(chair)}")
    # Someone leaving b is gone from a's list at once (no waiting for the expiry).
    await d1_b.leave()
    await until(lambda: people(chair) == {"Chair": (2, True)}, message=f"{people(chair)}")


async def test_status_change_reaches_every_node(cluster: Cluster) -> None:
    a, b, _ = cluster.nodes
    svc = cluster.services
    lifecycle = lifecycle_on(cluster, a)
    m = await new_meeting(svc)
    chair_b, delegate_b = Client(b, m.id, m.chair), Client(b, m.id, m.delegates[0])
    await chair_b.join()
    await delegate_b.join()
    await lifecycle.change(m.admin, m.id, Transition.OPEN)
    await until(lambda: bool(delegate_b.of("meeting_status")))
    opened = delegate_b.of("meeting_status")[-1]
    assert opened["status"] == "in_progress" and not opened.get("read_only")
    await lifecycle.change(m.admin, m.id, Transition.CLOSE)
    await until(lambda: len(delegate_b.of("meeting_status")) == 2)
    assert delegate_b.of("meeting_status")[-1]["read_only"] is True
    assert chair_b.of("meeting_status")[-1]["status"] == "ended"
    with pytest.raises(Conflict):  # b knows the meeting ended
        await delegate_b.do(p.ChatSend(op_id="late", text="too late"))


async def test_resync_after_lost_envelopes(cluster: Cluster) -> None:
    chair, tablet = await chair_on_a_tablet_on_b(cluster)
    await chair.do(stroke("before"))
    await until(lambda: tablet.seqs() == [1])
    cluster.hub.down = True  # Redis away: everything published now is lost
    await chair.do(p.Present(where=p.Where(document_id=DOC, page=7)))
    for i in range(3):
        await chair.do(p.ChatSend(op_id=f"c{i}", text=f"message {i}"))
    await asyncio.sleep(0.05)
    assert tablet.seqs() == [1] and page_of(tablet) == 0
    cluster.hub.down = False
    cluster.hub.restart_bus()
    await until(lambda: tablet.seqs() == [1, 2, 3, 4] and page_of(tablet) == 7, message="resync")
    await chair.do(stroke("after"))  # and on it goes live
    await until(lambda: tablet.seqs() == [1, 2, 3, 4, 5])


async def test_a_node_behind_catches_up_at_the_next_heartbeat(cluster: Cluster) -> None:
    """Envelopes lost with no outage anyone is told of (one node's link to Redis down
    while the others' is up): the next presence heartbeat says how far the publishing
    node is, and the one behind reads the rest from the store."""
    chair, tablet = await chair_on_a_tablet_on_b(cluster)
    cluster.hub.down = True
    await chair.do(stroke("lost"))
    await chair.do(p.Present(where=p.Where(document_id=DOC, page=3)))
    cluster.hub.down = False  # no resync: nobody noticed
    await until(lambda: tablet.seqs() == [1] and page_of(tablet) == 3, message="caught up")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_database_unreachable(cluster: Cluster, backend: str) -> None:
    a, b, _ = cluster.nodes
    m = await new_meeting(cluster.services)
    chair, tablet = Client(a, m.id, m.chair), Client(b, m.id, m.delegates[0])
    await chair.join()
    await tablet.join()
    store = a.store
    assert isinstance(store, SqlLiveStore)
    working = store.db
    if backend == "postgresql":
        url = f"postgresql://postgres@127.0.0.1:{closed_port()}/test"
    else:
        url = f"sqlite:////nonexistent-{closed_port()}/dir/db.sqlite3"
    broken = Database.open(url)
    store.db = broken
    try:
        for message in (
            stroke("lost"),
            p.ChatSend(op_id="lost-chat", text="hello"),
            p.Present(where=p.Where(document_id=DOC, page=2)),
        ):
            with pytest.raises(Unavailable) as info:
                await chair.do(message)
            assert info.value.code == "database_unavailable"
    finally:
        store.db = working
        await broken.close()
    await asyncio.sleep(0.05)
    assert tablet.messages[1:] == [] and chair.of("presented") == []
    assert (await chair.do(stroke("kept"))).seq == 1  # back: on it goes
    await until(lambda: tablet.seqs() == [1])


async def test_attendance_across_nodes(cluster: Cluster) -> None:
    a, b, c = cluster.nodes
    svc = cluster.services
    lifecycle = lifecycle_on(cluster, a)
    m = await new_meeting(svc)
    chair = Client(a, m.id, m.chair)
    await chair.join()
    early = Client(c, m.id, m.delegates[1])  # connected on c before the opening
    await early.join()
    await lifecycle.change(m.admin, m.id, Transition.OPEN)
    on_a, on_b = Client(a, m.id, m.delegates[0]), Client(b, m.id, m.delegates[0])
    await on_a.join()
    await on_b.join()

    async def rows() -> dict[str, bool]:
        for live in cluster.nodes:
            assert live.attendance is not None
            await live.attendance.settled()
        listed = await svc.attendance.store.list_attendance(m.id)
        return {r.name: r.present_since is not None for r in listed}

    await until(lambda: people(chair).get("Delegate 1", (0,))[0] == 2)
    assert await rows() == {"Chair": True, "Delegate 2": True, "Delegate 1": True}
    await on_a.leave()  # still connected through b: not gone
    await asyncio.sleep(0.1)
    assert (await rows())["Delegate 1"] is True
    await on_b.leave()
    await until(lambda: "Delegate 1" not in people(chair))
    await asyncio.sleep(0.1)
    assert (await rows())["Delegate 1"] is False


async def test_attendance_of_a_node_that_died_unheard(cluster: Cluster) -> None:
    """A node that dies before its presence said who joined it leaves their intervals
    open: the nodes still holding the meeting close them (once older than the presence
    bound), and open again their own people's if such a closing was wrong."""
    a, _, _ = cluster.nodes
    svc = cluster.services
    lifecycle = lifecycle_on(cluster, a)
    m = await new_meeting(svc)
    chair = Client(a, m.id, m.chair)
    await chair.join()
    await lifecycle.change(m.admin, m.id, Transition.OPEN)
    assert a.attendance is not None
    await a.attendance.settled()
    # Delegate 1 joined a node that died at once: its arrival is stored, nothing else.
    lost = m.delegates[0].participant
    assert lost is not None
    store = svc.attendance.store
    await store.arrive(Attendance(
        meeting_id=m.id, person=f"p:{lost.id}", participant_id=lost.id, user_id=None,
        name=lost.name, role="delegate", first_joined_at=cluster.clock.now(),
        last_left_at=None, seconds=0, joins=1, how=frozenset({"tablet"}),
        present_since=cluster.clock.now(),
    ), cluster.clock.now())  # fmt: skip

    async def open_now() -> set[str]:
        await a.attendance.settled()  # type: ignore[union-attr]
        return {r.name for r in await store.list_attendance(m.id) if r.present_since is not None}

    async def open_are(names: set[str]) -> bool:
        return await open_now() == names

    await asyncio.sleep(0.3)  # heartbeats: too fresh to be taken for gone
    assert await open_now() == {"Chair", "Delegate 1"}
    cluster.clock.advance(timedelta(seconds=2))  # older than the presence bound (1 s)
    await until(lambda: open_are({"Chair"}), 5, "Delegate 1 closed by node a")
    # The chair's interval closed by mistake (as another node may do): opened again.
    assert chair.principal.participant is not None
    await store.depart(m.id, f"p:{chair.principal.participant.id}", cluster.clock.now())
    assert await open_now() == set()
    await until(lambda: open_are({"Chair"}), 5, "the chair's interval opened again")


async def test_store_numbers_atomically(cluster: Cluster) -> None:
    """Two stores (two nodes) appending at once to a meeting with no row yet."""
    m = await new_meeting(cluster.services)
    db = cluster.services.database
    assert isinstance(db, Database)
    stores = [SqlLiveStore(db) for _ in range(2)]
    now = cluster.clock.now()

    async def append(store: SqlLiveStore, name: str) -> list[int]:
        seqs = []
        for i in range(20):
            op = LiveOp(0, f"{name}{i}", "p:x", "chat", None, None, None, None, {"text": "x"})
            seqs.append((await store.append(m.id, op, now))[0].seq)
        return seqs

    first, second = await asyncio.gather(append(stores[0], "x"), append(stores[1], "y"))
    assert sorted(first + second) == list(range(1, 41))
    versions = await asyncio.gather(
        *(stores[i % 2].save_presenter(m.id, {"presenter": None}, now) for i in range(10))
    )
    assert sorted(versions) == list(range(1, 11))
    assert (await stores[0].state(m.id))[2] == 10
