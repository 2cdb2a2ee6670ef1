"""The media server process of `bench/sfu.py`, and the signaling all the bench's peers use.

One process runs one of:

- `passthrough`: MeetRoom's SFU (`meetroom.sfu.SFU`), as the server builds it but with
  host candidates on 127.0.0.1 only and no ICE servers;
- `relay`: the aiortc baseline: a peer connection receives the publisher's tracks
  (aiortc decodes them), and each subscriber's peer connection sends
  `MediaRelay().subscribe(track)` of each, so every subscriber's sender encodes its own
  VP8 and Opus (one decode per track, one encode per track and subscriber).

Signaling is plain JSON over HTTP on 127.0.0.1 (aiohttp), the same for both and for
the publisher in `direct` mode (`sfu_peers.DirectBackend`):

    POST /publish {peer, sdp}   -> {sdp}           the publisher's offer, the answer
    POST /subscribe {peer}      -> {sdp}           subscribe to every track: an offer
    POST /answer {peer, sdp}    -> {}              the subscriber's answer
    GET  /stats                 -> {packets_sent, frames_forwarded, counters, ...}
    POST /profile/start, /profile/stop {path}      cProfile of this process (--profile)
    GET  /healthz

The parent (`bench/sfu.py`) starts it with `run_server` (multiprocessing target) and
reads its CPU from /proc.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
from collections import defaultdict
from multiprocessing.connection import Connection
from typing import Any, Protocol

import uvloop
from aiohttp import web
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay

from meetroom.sfu import SFU, PublishedTrack, SfuSettings
from meetroom.sfu.aiortc_internals import host_addresses

LOOPBACK = ("127.0.0.1",)
ROOM = "bench"


class Backend(Protocol):
    async def publish(self, peer: str, sdp: str) -> str: ...

    async def subscribe(self, peer: str) -> str: ...

    async def answer(self, peer: str, sdp: str) -> None: ...

    async def stats(self) -> dict[str, Any]: ...

    async def close(self) -> None: ...


def new_pc() -> RTCPeerConnection:
    # No ICE servers: aiortc's default is a public STUN server.
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


async def outbound_packets(pcs: list[RTCPeerConnection]) -> int:
    """RTP packets the senders of `pcs` sent (aiortc's getStats, outbound-rtp)."""
    total = 0
    for pc in pcs:
        for sender in pc.getSenders():
            if sender.transport is None:
                continue
            for stats in (await sender.getStats()).values():
                if getattr(stats, "type", "") == "outbound-rtp":
                    total += stats.packetsSent
    return total


class _Events:
    """SfuEvents: each peer's offers on a queue the /subscribe handler reads."""

    def __init__(self) -> None:
        self.offers: dict[str, asyncio.Queue[str]] = defaultdict(asyncio.Queue)
        self.tracks: list[PublishedTrack] = []
        self.states: dict[str, str] = {}

    def offer(self, room: str, peer: str, sdp: str, tracks: dict[str, str]) -> None:
        self.offers[peer].put_nowait(sdp)

    def tracks_changed(self, room: str, publisher: str, tracks: list[PublishedTrack]) -> None:
        self.tracks = list(tracks)

    def connection_state(self, room: str, peer: str, which: str, state: str) -> None:
        self.states[f"{peer}/{which}"] = state


class PassthroughBackend:
    def __init__(self) -> None:
        self.events = _Events()
        self.sfu = SFU(SfuSettings(host_addresses=LOOPBACK), self.events)

    async def publish(self, peer: str, sdp: str) -> str:
        return await self.sfu.publish(ROOM, peer, sdp)

    async def subscribe(self, peer: str) -> str:
        await self.sfu.subscribe(ROOM, peer, {t.track_id for t in self.events.tracks})
        return await asyncio.wait_for(self.events.offers[peer].get(), 30)

    async def answer(self, peer: str, sdp: str) -> None:
        await self.sfu.answer(ROOM, peer, sdp)

    async def stats(self) -> dict[str, Any]:
        counters = self.sfu.counters()
        states = list(self.events.states.values())
        return {
            "packets_sent": counters["packets_forwarded"],
            "frames_forwarded": counters["frames_forwarded"],
            "counters": counters,
            "connected": states.count("connected"),
            "failed": states.count("failed"),
        }

    async def close(self) -> None:
        await self.sfu.close()


class RelayBackend:
    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.sources: list[MediaStreamTrack] = []
        self.publishers: list[RTCPeerConnection] = []
        self.subscribers: dict[str, RTCPeerConnection] = {}

    async def publish(self, peer: str, sdp: str) -> str:
        pc = new_pc()
        self.publishers.append(pc)
        pc.on("track", self.sources.append)
        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        with host_addresses(LOOPBACK):
            await pc.setLocalDescription(await pc.createAnswer())
        return str(pc.localDescription.sdp)

    async def subscribe(self, peer: str) -> str:
        pc = new_pc()
        self.subscribers[peer] = pc
        for track in sorted(self.sources, key=lambda t: t.kind != "video"):
            pc.addTransceiver(self.relay.subscribe(track), direction="sendonly")
        with host_addresses(LOOPBACK):
            await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)

    async def answer(self, peer: str, sdp: str) -> None:
        await self.subscribers[peer].setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def stats(self) -> dict[str, Any]:
        pcs = list(self.subscribers.values())
        return {
            "packets_sent": await outbound_packets(pcs),
            "connected": sum(pc.connectionState == "connected" for pc in pcs),
            "failed": sum(pc.connectionState == "failed" for pc in pcs),
        }

    async def close(self) -> None:
        for pc in [*self.subscribers.values(), *self.publishers]:
            await pc.close()


def make_app(backend: Backend, stopped: asyncio.Event) -> web.Application:
    profiler: list[cProfile.Profile] = []

    async def publish(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"sdp": await backend.publish(body["peer"], body["sdp"])})

    async def subscribe(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"sdp": await backend.subscribe(body["peer"])})

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        await backend.answer(body["peer"], body["sdp"])
        return web.json_response({})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(await backend.stats())

    async def profile_start(request: web.Request) -> web.Response:
        profiler.append(cProfile.Profile())
        profiler[-1].enable()
        return web.json_response({})

    async def profile_stop(request: web.Request) -> web.Response:
        body = await request.json()
        prof = profiler.pop()
        prof.disable()
        with open(body["path"], "w") as out:
            report = pstats.Stats(prof, stream=out)
            report.sort_stats("tottime").print_stats(35)
            report.sort_stats("cumulative").print_stats(45)
        return web.json_response({})

    async def stop(request: web.Request) -> web.Response:
        stopped.set()
        return web.json_response({})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"pid": os.getpid()})

    app = web.Application()
    app.router.add_post("/publish", publish)
    app.router.add_post("/subscribe", subscribe)
    app.router.add_post("/answer", answer)
    app.router.add_get("/stats", stats)
    app.router.add_post("/profile/start", profile_start)
    app.router.add_post("/profile/stop", profile_stop)
    app.router.add_post("/stop", stop)
    app.router.add_get("/healthz", healthz)
    return app


async def serve(backend: Backend, port: int, ready: Connection | None) -> None:
    stopped = asyncio.Event()
    runner = web.AppRunner(make_app(backend, stopped), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    if ready is not None:
        ready.send(("ready", os.getpid()))
    try:
        await stopped.wait()
    finally:
        await backend.close()
        await runner.cleanup()


async def _main(conn: Connection, mode: str, port: int) -> None:
    if mode == "relay":
        from sfu_peers import pin_vp8_bitrate

        pin_vp8_bitrate()
        backend: Backend = RelayBackend()
    else:
        backend = PassthroughBackend()
    await serve(backend, port, conn)


def run_server(conn: Connection, mode: str, port: int) -> None:
    """The process's entry point (multiprocessing target)."""
    try:
        uvloop.run(_main(conn, mode, port))
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        conn.close()
