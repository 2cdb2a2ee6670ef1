"""The publisher and subscriber processes of `bench/sfu.py` (real aiortc peers, 127.0.0.1).

Publisher (`run_publisher`): one peer connection sending a 640x480, 30 fps VP8 video
track and a 48 kHz Opus tone. Frame k carries k as 16 black/white blocks in its top
32 rows (as in tests/sfu/peers.py, scaled to 640 px), the rest is fresh low-amplitude
noise each frame so that the encoder really spends its bitrate. aiortc's VP8 encoder is
pinned at 1 Mbps (`pin_vp8_bitrate`: its REMB-driven target is ignored). The frame's
pts is k * 3000 (90 kHz), so its RTP timestamp is origin + 3000 k on every hop (each
aiortc sender adds its own random origin; the encoder's rounding can make it 1 less).
`captured[k]` is the CLOCK_MONOTONIC time the track handed frame k to the sender
(before encoding): "glass" on the sending side.
In `direct` mode the publisher serves the subscribe signaling itself (`DirectBackend`).

Subscribers (`run_subscribers`, one or more processes): each one a peer connection
that answers the server's offer. Their receivers are tapped with
`meetroom.sfu.aiortc_internals.tap_receiver`, as the SFU's own are: aiortc never
decodes, the tap gets each RTP packet after SRTP, RTX unwrapping, NACK generation and
VP8 depayloading. `VideoReceiver` holds a frame's packets and calls it complete when
every sequence number from the packet with VP8 S=1/PID=0 up to the one with the marker
bit has arrived: "glass" on the receiving side is that moment (a decoder could start
then; no jitter-buffer delay is included, on any path, `direct` too).

Which frame it is: the first complete frame (a keyframe) is decoded and its counter
read, which fixes this subscriber's timestamp origin; every later frame's counter is
(timestamp - origin) / 3000. In the first `decode` subscribers of the run a thread
decodes every frame (PyAV's libvpx) and checks the counter drawn in it against the one
the timestamp gave (`checked`, `mismatched`), so the mapping is verified end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import os
import queue
import random
import threading
import time
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import av
import uvloop
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket
from av import VideoFrame
from sfu_server import LOOPBACK, new_pc, outbound_packets, serve

from meetroom.sfu.aiortc_internals import host_addresses, tap_receiver
from tests.sfu.peers import BAND, BITS, ToneAudioTrack, read_counter

WIDTH, HEIGHT, FPS = 640, 480, 30
TS_STEP = 90000 // FPS  # RTP timestamp step per frame
BITRATE = 1_000_000
BLOCK = WIDTH // BITS  # the counter's layout (BITS, BAND) is the tests' own
NOISE_FRAMES = 31
TS_MOD = 1 << 32
# PyAV rescales a frame's pts to the encoder's time base (1/30 s) and aiortc back to
# 1/90000: a timestamp can be 1 below origin + 3000 k.
TS_SLACK = 2
SEQ_MOD = 1 << 16
JOIN_CONCURRENCY = 8
FIRST_FRAME_TIMEOUT = 30.0


def pin_vp8_bitrate(bitrate: int = BITRATE) -> None:
    """aiortc's VP8 encoder at a fixed bitrate in this process (REMB is ignored)."""
    Vp8Encoder.target_bitrate = property(  # type: ignore[assignment,method-assign]
        lambda self: bitrate, lambda self, value: None
    )


# -- media -------------------------------------------------------------------------------


class CounterVideoTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.captured = array("d")  # captured[k]: when frame k went to the sender
        self._t0: float | None = None
        self._index = 0
        rng = random.Random(7)
        line = WIDTH  # yuv420p at 640 px: no padding (checked below)
        table = bytes(112 + i % 32 for i in range(256))
        self._noise = [rng.randbytes(line * (HEIGHT - BAND)).translate(table)]
        for _ in range(NOISE_FRAMES - 1):
            self._noise.append(rng.randbytes(line * (HEIGHT - BAND)).translate(table))
        self._chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._t0 is None:
            self._t0 = time.monotonic()
        else:
            self._index += 1
            await asyncio.sleep(max(0.0, self._t0 + self._index / FPS - time.monotonic()))
        k = self._index
        frame = VideoFrame(width=WIDTH, height=HEIGHT, format="yuv420p")
        luma = frame.planes[0]
        assert luma.line_size == WIDTH
        row = bytearray(WIDTH)
        for bit in range(BITS):
            row[bit * BLOCK : (bit + 1) * BLOCK] = bytes([235 if (k >> bit) & 1 else 16]) * BLOCK
        luma.update(bytes(row) * BAND + self._noise[k % NOISE_FRAMES])
        for plane in frame.planes[1:]:
            plane.update(self._chroma[: plane.buffer_size])
        frame.pts = k * TS_STEP
        frame.time_base = fractions.Fraction(1, 90000)
        self.captured.append(time.monotonic())
        return frame


# -- signaling ---------------------------------------------------------------------------


async def post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with session.post(url, json=body) as resp:
        if resp.status != 200:
            raise RuntimeError(f"{url}: {resp.status} {await resp.text()}")
        return await resp.json()


# -- the publisher -----------------------------------------------------------------------


class DirectBackend:
    """`direct` mode: the publisher itself answers /subscribe (one subscriber)."""

    def __init__(self, video: CounterVideoTrack, audio: ToneAudioTrack) -> None:
        self.video, self.audio = video, audio
        self.pcs: dict[str, RTCPeerConnection] = {}

    async def publish(self, peer: str, sdp: str) -> str:
        raise RuntimeError("nothing is published to a direct publisher")

    async def subscribe(self, peer: str) -> str:
        if self.pcs:
            raise RuntimeError("a direct publisher sends to one subscriber")
        pc = self.pcs[peer] = new_pc()
        pc.addTransceiver(self.video, direction="sendonly")
        pc.addTransceiver(self.audio, direction="sendonly")
        with host_addresses(LOOPBACK):
            await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)

    async def answer(self, peer: str, sdp: str) -> None:
        await self.pcs[peer].setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def stats(self) -> dict[str, Any]:
        pcs = list(self.pcs.values())
        return {
            "packets_sent": await outbound_packets(pcs),
            "connected": sum(pc.connectionState == "connected" for pc in pcs),
            "failed": sum(pc.connectionState == "failed" for pc in pcs),
        }

    async def close(self) -> None:
        for pc in self.pcs.values():
            await pc.close()


async def _publisher(conn: Connection, mode: str, url: str, port: int) -> None:
    pin_vp8_bitrate()
    video, audio = CounterVideoTrack(), ToneAudioTrack(amplitude=0.37)
    pc: RTCPeerConnection | None = None
    direct: DirectBackend | None = None
    server: asyncio.Task[None] | None = None
    if mode == "direct":
        direct = DirectBackend(video, audio)
        ready: Any = _Ready()
        server = asyncio.ensure_future(serve(direct, port, ready))
        while not ready.sent:
            await asyncio.sleep(0.01)
    else:
        pc = new_pc()
        pc.addTransceiver(video, direction="sendonly")
        pc.addTransceiver(audio, direction="sendonly")
        with host_addresses(LOOPBACK):
            await pc.setLocalDescription(await pc.createOffer())
        async with aiohttp.ClientSession() as session:
            answer = await post(session, url + "/publish", {"peer": "publisher", "sdp":
                                pc.localDescription.sdp})  # fmt: skip
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    conn.send(("ready", os.getpid()))
    message = await asyncio.to_thread(conn.recv)
    assert message[0] == "stop", message
    pcs = [pc] if pc is not None else list(direct.pcs.values()) if direct else []
    octets = packets = 0
    for p in pcs:
        for sender in p.getSenders():
            if sender.kind != "video":
                continue
            for stats in (await sender.getStats()).values():
                if getattr(stats, "type", "") == "outbound-rtp":
                    octets += stats.bytesSent
                    packets += stats.packetsSent
    result = {
        "captured": video.captured.tobytes(),
        "video_bytes": octets,
        "video_packets": packets,
        "frames": len(video.captured),
    }
    if pc is not None:
        await pc.close()
    if server is not None:
        async with aiohttp.ClientSession() as session:
            await post(session, f"http://127.0.0.1:{port}/stop", {})
        await server
    conn.send(("result", result))


@dataclass
class _Ready:
    sent: bool = False

    def send(self, message: object) -> None:
        self.sent = True


def run_publisher(conn: Connection, mode: str, url: str, port: int) -> None:
    """The publisher process's entry point (multiprocessing target)."""
    try:
        uvloop.run(_publisher(conn, mode, url, port))
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        conn.close()


# -- subscribers -------------------------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    start: int | None = None
    end: int | None = None
    data: dict[int, bytes] = field(default_factory=dict)


class VideoReceiver:
    """One subscriber's video: frames complete by sequence number, named by counter."""

    def __init__(self, check: bool) -> None:
        self.pending: dict[int, _Pending] = {}
        self.done: dict[int, None] = {}  # recently completed timestamps, in order
        self.origin: int | None = None
        self.first_frame_at: float | None = None
        self.times = array("d")  # completion time of each frame...
        self.counters = array("q")  # ...and its counter
        self.packets = 0
        self.incomplete = 0
        self.unaligned = 0  # timestamps not origin + 3000 k: the mapping would be wrong
        self.checked = 0
        self.mismatched = 0
        self._check: queue.SimpleQueue[tuple[int, bool, bytes] | None] | None = None
        self._thread: threading.Thread | None = None
        if check:
            self._check = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._decode_all, daemon=True)
            self._thread.start()

    def on_packet(self, packet: RtpPacket) -> None:
        self.packets += 1
        ts = packet.timestamp
        if ts in self.done:
            return  # a late retransmission of a frame already complete
        p = self.pending.get(ts)
        if p is None:
            p = self.pending[ts] = _Pending()
            if len(self.pending) > 30:
                del self.pending[next(iter(self.pending))]
                self.incomplete += 1
        seq = packet.sequence_number
        payload = packet.payload
        p.data[seq] = packet._data  # type: ignore[attr-defined]
        if payload and payload[0] & 0x1F == 0x10:  # S=1, PID=0: the frame's first packet
            p.start = seq
        if packet.marker:
            p.end = seq
        if p.start is None or p.end is None or len(p.data) != (p.end - p.start) % SEQ_MOD + 1:
            return
        now = time.monotonic()
        del self.pending[ts]
        self.done[ts] = None
        if len(self.done) > 60:
            del self.done[next(iter(self.done))]
        seqs = [(p.start + i) % SEQ_MOD for i in range(len(p.data))]
        data = b"".join(p.data[s] for s in seqs)
        keyframe = bool(data) and not data[0] & 0x01
        if self.origin is None:
            if not keyframe:
                self.incomplete += 1
                return
            frames = av.CodecContext.create("libvpx", "r").decode(av.Packet(data))
            if not frames:
                return
            k = read_counter(frames[0])  # type: ignore[arg-type]
            self.origin = (ts - k * TS_STEP) % TS_MOD
            self.first_frame_at = now
        delta = (ts - self.origin + TS_SLACK) % TS_MOD
        if delta % TS_STEP > 2 * TS_SLACK:
            self.unaligned += 1
            return
        k = delta // TS_STEP
        self.times.append(now)
        self.counters.append(k)
        if self._check is not None:
            self._check.put((k, keyframe, data))

    def _decode_all(self) -> None:
        assert self._check is not None
        decoder = av.CodecContext.create("libvpx", "r")
        last: int | None = None
        while True:
            item = self._check.get()
            if item is None:
                return
            k, keyframe, data = item
            if not keyframe and (last is None or k != last + 1):
                last = None  # a frame is missing: wait for a keyframe
                continue
            last = k
            try:
                frames = decoder.decode(av.Packet(data))
            except av.FFmpegError:
                self.mismatched += 1
                continue
            for frame in frames:
                self.checked += 1
                if read_counter(frame) != k:  # type: ignore[arg-type]
                    self.mismatched += 1

    def stop(self) -> None:
        if self._check is not None and self._thread is not None:
            self._check.put(None)
            self._thread.join(10)


class Subscriber:
    def __init__(self, name: str, check: bool) -> None:
        self.name = name
        self.pc = new_pc()
        self.video = VideoReceiver(check)
        self.audio_packets = 0
        self.join_at = 0.0

    def _on_audio(self, packet: RtpPacket) -> None:
        self.audio_packets += 1

    async def join(self, session: aiohttp.ClientSession, url: str) -> None:
        self.join_at = time.monotonic()
        offer = await post(session, url + "/subscribe", {"peer": self.name})
        await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        for transceiver in self.pc.getTransceivers():
            on_packet = self.video.on_packet if transceiver.kind == "video" else self._on_audio
            tap_receiver(transceiver.receiver, on_packet, lambda: None)
        with host_addresses(LOOPBACK):
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        await post(session, url + "/answer", {"peer": self.name, "sdp":
                   self.pc.localDescription.sdp})  # fmt: skip

    def result(self, t_start: float, t_end: float) -> dict[str, Any]:
        v = self.video
        window = [i for i, t in enumerate(v.times) if t_start <= t < t_end]
        return {
            "name": self.name,
            "join_ms": None
            if v.first_frame_at is None
            else (v.first_frame_at - self.join_at) * 1000,
            "times": array("d", (v.times[i] for i in window)).tobytes(),
            "counters": array("q", (v.counters[i] for i in window)).tobytes(),
            "packets": v.packets,
            "audio_packets": self.audio_packets,
            "incomplete": v.incomplete,
            "unaligned": v.unaligned,
            "checked": v.checked,
            "mismatched": v.mismatched,
            "state": self.pc.connectionState,
        }


async def _subscribers(conn: Connection, url: str, names: list[str], checks: int) -> None:
    subs = [Subscriber(name, i < checks) for i, name in enumerate(names)]
    message = await asyncio.to_thread(conn.recv)
    assert message[0] == "join", message
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)
    errors: list[str] = []

    async def join(sub: Subscriber, session: aiohttp.ClientSession) -> None:
        async with gate:
            try:
                await sub.join(session, url)
            except Exception as exc:  # reported, the others go on
                errors.append(f"{sub.name}: {type(exc).__name__}: {exc}")

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(join(s, session) for s in subs))
    deadline = time.monotonic() + FIRST_FRAME_TIMEOUT
    while time.monotonic() < deadline and any(s.video.first_frame_at is None for s in subs):
        await asyncio.sleep(0.05)
    waiting = sum(s.video.first_frame_at is None for s in subs)
    conn.send(("joined", len(subs) - waiting, waiting, errors[:5]))
    marks: list[int] = []  # packets (video and audio) received, at each ("mark",)
    while True:
        message = await asyncio.to_thread(conn.recv)
        if message[0] != "mark":
            break
        marks.append(sum(s.video.packets + s.audio_packets for s in subs))
    assert message[0] == "stop", message
    _, t_start, t_end = message
    for s in subs:
        s.video.stop()
    results = [s.result(t_start, t_end) for s in subs]
    for s in subs:
        with contextlib.suppress(Exception):
            await s.pc.close()
    conn.send(("result", results, marks))


def run_subscribers(conn: Connection, url: str, names: list[str], checks: int) -> None:
    """A subscriber process's entry point (multiprocessing target)."""
    try:
        uvloop.run(_subscribers(conn, url, names, checks))
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        conn.close()
