"""The video room across real `meetroom serve` nodes: a room lives on one node and a
participant whose socket is on another still sends and receives media; when the
room's node is killed, the room is placed on a survivor and media comes back."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from typing import Any

import aiohttp

from tests.clients import VideoClient
from tests.cluster.harness import Cluster, readyz
from tests.sfu.peers import CounterVideoTrack
from tests.waiting import until

REHOME_LIMIT = 30.0  # node key expiry (6 s), the client's rejoin, ICE and a keyframe


class Participant:
    """A browser's video side on a chosen node, which joins again as video.js does:
    when told the room moved, or when its socket drops (to another node)."""

    def __init__(self, cluster: Cluster, browser: aiohttp.ClientSession, publish: bool) -> None:
        self.cluster = cluster
        self.browser = browser
        self.publish = publish
        self.client: VideoClient | None = None
        self.last_seq = 0

    async def join(self, node: str) -> VideoClient:
        tablet, welcome = await self.cluster.tablet(self.browser, node, self.last_seq)
        self.last_seq = welcome["seq"]
        client = VideoClient(tablet)
        deadline = time.monotonic() + REHOME_LIMIT
        while True:
            await tablet.send("video_join", audio=False, video=self.publish)
            reply = await self._joined_or_error(tablet)
            if reply["type"] == "video_joined":
                break
            # The room's node is gone and not yet known to be: the server says so
            # clearly (unavailable), and the page tries again, as video.js does.
            assert reply["code"] in ("video_unavailable", "bus_unavailable"), reply
            assert time.monotonic() < deadline, reply
            await asyncio.sleep(0.5)
        client.peer = reply["peer"]
        client._tasks.append(asyncio.create_task(client._answer_offers()))
        if self.publish:
            await client.publish(CounterVideoTrack())
        self.client = client
        return client

    async def _joined_or_error(self, tablet: Any) -> dict[str, Any]:
        def answer() -> dict[str, Any] | None:
            for index in range(tablet.read, len(tablet.messages)):
                message = tablet.messages[index]
                if message["type"] == "video_joined" or (
                    message["type"] == "error" and message.get("ref") == "video_join"
                ):
                    tablet.read = index + 1
                    return dict(message)
            return None

        return await until(
            answer, 15, lambda: f"no answer to video_join: {[m['type'] for m in tablet.messages]}"
        )

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()


async def frames_from(viewer: Participant, publisher: Participant, timeout: float) -> None:
    assert viewer.client is not None and publisher.client is not None
    got = viewer.client.counters
    peer = publisher.client.peer
    await until(lambda: len(got.get(peer, [])) >= 5, timeout, f"no media from {peer}")


async def both_again_on(node: str, speaker: Participant, viewer: Participant) -> None:
    """Both join the video again through `node` (as their pages do), and media flows."""
    for person in (speaker, viewer):
        await person.close()
        await person.join(node)
    await frames_from(viewer, speaker, REHOME_LIMIT)


async def test_media_across_nodes_and_back_after_the_rooms_node_dies(cluster: Cluster) -> None:
    cluster.start("a")
    cluster.start("b")
    await cluster.prepare_meeting("a")
    speaker = Participant(cluster, await cluster.person("Speaker", "delegate", "a"), True)
    viewer = Participant(cluster, await cluster.person("Viewer", "delegate", "b"), False)
    try:
        # Both nodes idle: the room goes to "a" (ties go by name); the viewer's socket
        # is on "b", whose gateway relays its signalling to "a".
        await speaker.join("a")
        await viewer.join("b")
        await frames_from(viewer, speaker, 20)
        status, body = await asyncio.to_thread(readyz, cluster.url("b"))
        assert body["bus"] == "ok"

        cluster.kill("a")
        killed = time.monotonic()
        await speaker.close()
        viewer_client = viewer.client
        assert viewer_client is not None
        # The viewer's node tells it the room moved; it joins again (on "b", now the
        # room's node), and so does the speaker, whose socket died with "a".
        moved = await viewer_client.tablet.next_where(
            "video_left", lambda m: m["reason"] == "moved", timeout=REHOME_LIMIT
        )
        assert moved["reason"] == "moved"
        await both_again_on("b", speaker, viewer)
        print(f"media back {time.monotonic() - killed:.1f} s after the kill")
    finally:
        await speaker.close()
        await viewer.close()


async def test_sigterm_hands_the_video_room_over_to_another_node(cluster: Cluster) -> None:
    cluster.start("a", MEETROOM_DRAIN_SECONDS="2")
    cluster.start("b")
    await cluster.prepare_meeting("b")
    speaker = Participant(cluster, await cluster.person("Speaker", "delegate", "a"), True)
    viewer = Participant(cluster, await cluster.person("Viewer", "delegate", "b"), False)
    try:
        await speaker.join("a")  # the room goes to "a"
        await viewer.join("b")
        await frames_from(viewer, speaker, 20)
        speaker_client, viewer_client = speaker.client, viewer.client
        assert speaker_client is not None and viewer_client is not None

        cluster.nodes["a"].proc.send_signal(signal.SIGTERM)
        # While it drains, media still flows through "a"...
        seen = len(viewer_client.counters[speaker_client.peer])
        await asyncio.sleep(1.0)
        assert len(viewer_client.counters[speaker_client.peer]) > seen
        # ...then the viewer on "b" is told the room moved, the speaker's socket is
        # closed with "going away", and "a" exits.
        await viewer_client.tablet.next_where("video_left", lambda m: m["reason"] == "moved")
        ws = speaker_client.tablet.ws
        await until(lambda: ws.closed, 15, "the socket stayed open")
        assert speaker_client.tablet.ws.close_code == 1001
        assert cluster.nodes["a"].proc.wait(15) == 0
        await both_again_on("b", speaker, viewer)
    finally:
        await speaker.close()
        await viewer.close()


async def test_a_video_join_leaves_no_ice_chatter_in_the_log(cluster: Cluster) -> None:
    """At the default log level (INFO) the ICE and WebRTC libraries log warnings only:
    a video join used to add some thirty INFO lines of aioice to the server's log."""
    cluster.start("a")
    await cluster.prepare_meeting("a")
    speaker = Participant(cluster, await cluster.person("Speaker", "delegate", "a"), True)
    viewer = Participant(cluster, await cluster.person("Viewer", "delegate", "a"), False)
    try:
        await speaker.join("a")
        await viewer.join("a")
        await frames_from(viewer, speaker, 20)
    finally:
        await speaker.close()
        await viewer.close()
    log = cluster.nodes["a"].stderr.splitlines()
    assert any(" INFO meetroom." in line for line in log)  # the server's own are there
    chatter = [line for line in log if re.search(r" (DEBUG|INFO) (aioice|aiortc)\b", line)]
    assert not chatter, f"{len(chatter)} lines, e.g. {chatter[:3]}"
