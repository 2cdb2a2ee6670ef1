"""Two nodes in one process (a `LocalHub` stands for Redis), each with its own video
service and real SFU, its directory, bus and gateway: a meeting's video room is held by
one of them, sockets on the other are relayed to it, and media flows between the real
aiortc peers and the owner's SFU, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from meetroom.bus import Envelope
from meetroom.bus.local import LocalBus, LocalDirectory, LocalHub
from meetroom.errors import Forbidden, Invalid, Unavailable
from meetroom.ids import new_id
from meetroom.protocol import live as p
from meetroom.protocol import video as v
from meetroom.protocol.codec import decode_json, encode_json
from meetroom.protocol.socket import AllClientMessages
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Grant, MeetingStatus
from meetroom.sessions.live.meeting import Viewer
from meetroom.sessions.video.relay import VideoGateway
from meetroom.sessions.video.service import VideoService
from meetroom.sfu import SFU
from tests.clients import VideoClient
from tests.sfu.peers import (
    CounterVideoTrack,
    ToneAudioTrack,
    increasing,
    loopback_settings,
)
from tests.waiting import until

MEETING = "m1"
CHAIR = frozenset({Grant.MODERATOR, Grant.CAN_PUBLISH})
DELEGATE = frozenset({Grant.CAN_PUBLISH})


class DeafBus(LocalBus):
    """A bus whose node can be made to hear nothing (a node hung, not dead)."""

    deaf = False

    def subscribe(self, topic: str, subscriber: Callable[[Envelope], None]) -> Callable[[], None]:
        def maybe(envelope: Envelope) -> None:
            if not self.deaf:
                subscriber(envelope)

        return super().subscribe(topic, maybe)


@dataclass
class Node:
    name: str
    bus: DeafBus
    directory: LocalDirectory
    video: VideoService
    gateway: VideoGateway


def make_node(hub: LocalHub, name: str) -> Node:
    bus = DeafBus(hub, name)
    directory = LocalDirectory(hub, name, f"http://{name}.test")
    video = VideoService(lambda events: SFU(loopback_settings(), events), lambda key: [])
    gateway = VideoGateway(video, directory, bus, timeout=1.0, check_every=0.1)
    return Node(name, bus, directory, video, gateway)


class Socket:
    """A meeting page's socket on a node, as live_socket drives the gateway."""

    def __init__(self, node: Node, name: str, grants: frozenset[Grant] = DELEGATE) -> None:
        self.node = node
        self.connection = new_id()
        role = "chair" if Grant.MODERATOR in grants else "delegate"
        self.viewer = Viewer(f"p:{name}", name, role, grants, Principal())
        self.messages: list[dict[str, Any]] = []
        self.read: dict[str, int] = {}  # per type: messages before this index were seen
        self._arrived = asyncio.Event()

    def send(self, data: bytes) -> None:
        self.messages.append(json.loads(data))
        self._arrived.set()

    def open(self) -> Socket:
        self.node.gateway.watch(MEETING, self.connection, self.viewer, self.send)
        return self

    async def say(self, message: p.ClientMessage) -> None:
        gateway = self.node.gateway
        reply = await gateway.handle(MEETING, self.connection, self.viewer, self.send, message)
        if reply is not None:
            self.send(encode_json(reply))

    async def next(self, type: str, timeout: float = 5.0) -> dict[str, Any]:  # noqa: A002
        deadline = time.monotonic() + timeout
        while True:
            for index in range(self.read.get(type, 0), len(self.messages)):
                if self.messages[index]["type"] == type:
                    self.read[type] = index + 1
                    return self.messages[index]
            self.read[type] = len(self.messages)
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {type} within {timeout} s"
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._arrived.wait()

    async def next_where(
        self,
        type: str,  # noqa: A002
        check: Callable[[dict[str, Any]], bool],
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = await self.next(type, max(0.01, deadline - time.monotonic()))
            if check(found):
                return found

    def messages_of(self, type: str) -> list[dict[str, Any]]:  # noqa: A002
        return [m for m in self.messages if m["type"] == type]

    async def close(self) -> None:
        self.node.gateway.unwatch(MEETING, self.connection)
        await self.node.gateway.leave(MEETING, self.connection)


CLIENT = AllClientMessages


class Media(VideoClient):
    """One join's publish and subscribe connections (a page makes new ones on rejoin),
    signalling through a `Socket` on a node instead of a real WebSocket."""

    def __init__(self, socket: Socket) -> None:
        super().__init__(socket)
        self.socket = socket

    async def say(self, type: str, **fields: Any) -> None:  # noqa: A002 - the protocol's name
        await self.socket.say(decode_json(encode_json({"type": type, **fields}), CLIENT))

    async def hear(self, type: str, timeout: float = 5.0) -> dict[str, Any]:  # noqa: A002
        return await self.socket.next(type, timeout)

    async def publish(self) -> None:  # type: ignore[override]
        await super().publish(CounterVideoTrack(), ToneAudioTrack())

    async def receives(self, publisher: Socket, frames: int = 8) -> None:
        """Decoded video from `publisher`, in order."""
        await until(lambda: len(self.counters.get(publisher.connection, [])) >= frames, timeout=10)
        assert increasing(self.counters[publisher.connection])


def names(room: dict[str, Any]) -> set[str]:
    return {person["name"] for person in room["people"]}


@dataclass
class Cluster:
    hub: LocalHub
    a: Node
    b: Node
    media: list[Media]

    def connect(self, media: Media) -> Media:
        self.media.append(media)
        return media


@pytest.fixture
async def nodes() -> AsyncIterator[Cluster]:
    hub = LocalHub()
    cluster = Cluster(hub, make_node(hub, "a"), make_node(hub, "b"), [])
    yield cluster
    for media in cluster.media:
        await media.close()
    for node in (cluster.a, cluster.b):
        await node.gateway.close()


async def test_a_peer_on_another_node_sends_to_and_receives_from_the_owner(
    nodes: Cluster,
) -> None:
    hoa = Socket(nodes.a, "Hoa").open()
    binh = Socket(nodes.b, "Bình").open()
    on_a = nodes.connect(Media(hoa))
    await on_a.join()  # equal loads: the room goes to "a"
    assert nodes.hub.rooms[MEETING] == "a"
    on_b = nodes.connect(Media(binh))
    joined = await on_b.join()
    assert joined["peer"] == binh.connection and not joined.get("waiting")
    # Bình's peer is in a's room; b holds no room of its own.
    assert nodes.a.video.has_peer(MEETING, binh.connection)
    assert not nodes.b.video.holds(MEETING)
    await on_a.publish()
    await on_b.publish()  # offer and answer relayed; media goes to a's SFU
    await on_b.receives(hoa)
    await on_a.receives(binh)
    room = await binh.next_where("video_room", lambda m: len(m["people"]) == 2)
    assert names(room) == {"Hoa", "Bình"}
    assert nodes.hub.nodes["a"].load == 2 and nodes.hub.nodes["a"].rooms == 1

    # Bình's page closes on b: Bình leaves a's room.
    await binh.close()
    await until(lambda: not nodes.a.video.has_peer(MEETING, binh.connection), timeout=10)
    assert names(hoa.messages_of("video_room")[-1]) == {"Hoa"}


async def test_errors_on_the_owner_reach_the_client_typed(nodes: Cluster) -> None:
    await Media(Socket(nodes.a, "Chair", CHAIR).open()).join(audio=False, video=False)
    binh = Socket(nodes.b, "Bình").open()
    await nodes.connect(Media(binh)).join(audio=False, video=False)
    with pytest.raises(Invalid) as bad:
        await binh.say(v.RtcOffer(sdp="this is not SDP"))
    assert bad.value.code == "bad_sdp" and bad.value.message == "The media offer could not be used."
    with pytest.raises(Forbidden) as refused:
        await binh.say(v.LockRoom(locked=True))
    assert refused.value.code == "not_moderator"
    # The owner hears nothing any more: the request fails, clearly, in a bounded time.
    nodes.a.bus.deaf = True
    started = time.monotonic()
    with pytest.raises(Unavailable) as unavailable:
        await binh.say(v.RaiseHand(raised=True))
    assert unavailable.value.code == "video_unavailable"
    assert time.monotonic() - started < 3


async def test_the_meeting_page_on_another_node_shows_the_room_and_the_chair_acts_there(
    nodes: Cluster,
) -> None:
    chair = Socket(nodes.b, "Chair", CHAIR).open()
    hoa = Socket(nodes.b, "Hoa").open()
    guest = Socket(nodes.a, "Khách")
    guest.viewer = Viewer("p:guest", "Khách", "guest", frozenset(), Principal())
    guest.open()
    assert (await Media(guest).join(audio=False, video=False))["waiting"]
    # The chair, on b and not in the video, is told who waits; Hoa is not.
    knock = await chair.next_where("video_room", lambda m: bool(m.get("lobby")))
    assert [e["name"] for e in knock["lobby"]] == ["Khách"]
    assert not (await hoa.next("video_room")).get("lobby")
    await chair.say(v.Admit(peer=guest.connection, admit=True))
    assert (await guest.next("lobby"))["admitted"]
    await hoa.next_where("video_room", lambda m: names(m) == {"Khách"})
    # A page opened later on b is told the room at once.
    late = Socket(nodes.b, "Muộn").open()
    assert names(await late.next("video_room")) == {"Khách"}
    await chair.say(v.LockRoom(locked=True))
    await hoa.next_where("video_room", lambda m: bool(m.get("locked")))
    # The chair closes the meeting on b: the room on a closes.
    meeting = SimpleNamespace(id=MEETING, status=MeetingStatus.ENDED)
    await nodes.b.gateway.status_changed(meeting, MeetingStatus.IN_PROGRESS)  # type: ignore[arg-type]
    assert (await guest.next("video_left"))["reason"] == "closed"
    await hoa.next_where("video_room", lambda m: not m["people"])
    await until(lambda: MEETING not in nodes.hub.rooms, timeout=10)  # a released it


async def test_the_room_moves_when_its_node_dies_and_media_comes_back(nodes: Cluster) -> None:
    chair = Socket(nodes.b, "Chair", CHAIR).open()
    hoa = Socket(nodes.b, "Hoa").open()
    watcher = Socket(nodes.b, "Bình").open()
    first = [nodes.connect(Media(chair)), nodes.connect(Media(hoa))]
    for media in first:
        await media.join()
    assert nodes.hub.rooms[MEETING] == "a"
    await first[0].publish()
    await first[1].receives(chair)

    nodes.hub.kill("a")
    # Told at once to join again, as video.js does; the room is placed on b now.
    for socket in (chair, hoa):
        assert (await socket.next("video_left"))["reason"] == "moved"
    for media in first:  # the page drops its connections, and joins again
        await media.close()
    await watcher.next_where("video_room", lambda m: not m["people"])
    again = [nodes.connect(Media(chair)), nodes.connect(Media(hoa))]
    for media in again:
        await media.join()
    assert nodes.hub.rooms[MEETING] == "b" and nodes.b.video.holds(MEETING)
    await again[0].publish()
    await again[1].receives(chair)
    assert nodes.b.video.media.counters()["frames_forwarded"] > 0  # type: ignore[attr-defined]
    await watcher.next_where("video_room", lambda m: names(m) == {"Chair", "Hoa"})


async def test_hand_over_sends_every_peer_to_another_node(nodes: Cluster) -> None:
    chair = Socket(nodes.a, "Chair", CHAIR).open()
    hoa = Socket(nodes.b, "Hoa").open()
    first = [nodes.connect(Media(chair)), nodes.connect(Media(hoa))]
    for media in first:
        await media.join()
    assert nodes.hub.rooms[MEETING] == "a"

    await nodes.a.gateway.hand_over()
    assert nodes.hub.nodes["a"].draining and not nodes.a.video.holds(MEETING)
    for socket in (chair, hoa):  # the local one and the relayed one
        assert (await socket.next("video_left"))["reason"] == "moved"
    for media in first:
        await media.close()
    publisher, listener = nodes.connect(Media(chair)), nodes.connect(Media(hoa))
    await publisher.join()
    await listener.join()
    assert nodes.hub.rooms[MEETING] == "b"
    assert nodes.b.video.has_peer(MEETING, chair.connection)
    await publisher.publish()  # relayed from a, which serves its sockets till they go
    await listener.receives(chair)


async def test_new_rooms_go_to_the_least_loaded_node_and_are_released(nodes: Cluster) -> None:
    for name in ("Hoa", "Bình"):
        await Media(Socket(nodes.a, name).open()).join(audio=False, video=False)
    assert nodes.hub.nodes["a"].load == 2
    other = Socket(nodes.a, "Lan")
    other.viewer = Viewer("p:lan", "Lan", "delegate", DELEGATE, Principal())

    async def join_elsewhere() -> None:
        reply = await nodes.a.gateway.handle(
            "m2", other.connection, other.viewer, other.send, v.VideoJoin()
        )
        assert reply is None

    await join_elsewhere()
    await other.next("video_joined")
    assert nodes.hub.rooms["m2"] == "b" and nodes.b.video.has_peer("m2", other.connection)
    assert (nodes.hub.nodes["b"].load, nodes.hub.nodes["b"].rooms) == (1, 1)
    await nodes.a.gateway.leave("m2", other.connection)
    await until(lambda: "m2" not in nodes.hub.rooms, timeout=10)
    assert (nodes.hub.nodes["b"].load, nodes.hub.nodes["b"].rooms) == (0, 0)


async def test_the_owner_drops_the_peers_of_a_node_that_died(nodes: Cluster) -> None:
    hoa = Socket(nodes.a, "Hoa").open()
    await Media(hoa).join(audio=False, video=False)
    binh = Socket(nodes.b, "Bình").open()
    await Media(binh).join(audio=False, video=False)
    assert nodes.a.video.has_peer(MEETING, binh.connection)
    nodes.hub.kill("b")
    await until(lambda: not nodes.a.video.has_peer(MEETING, binh.connection), timeout=10)
    assert names(hoa.messages_of("video_room")[-1]) == {"Hoa"}
