"""Real aiortc peers for the SFU tests, all on 127.0.0.1.

A publisher sends a synthetic video track whose frames carry a counter drawn as 16
black/white blocks (they survive VP8/H.264 compression) and a 400 Hz tone. A subscriber
answers the SFU's offers, decodes what it receives and reads the counters back.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import fractions
import math
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame

from meetroom.sfu import SFU, PublishedTrack, SfuSettings
from meetroom.sfu.aiortc_internals import host_addresses

LOOPBACK = ("127.0.0.1",)
WIDTH, HEIGHT = 320, 240
BITS = 16
BLOCK = WIDTH // BITS
BAND = 32  # rows carrying the counter


def loopback_settings(**kwargs: object) -> SfuSettings:
    return SfuSettings(host_addresses=LOOPBACK, **kwargs)  # type: ignore[arg-type]


def candidates_are_loopback(sdp: str) -> bool:
    lines = [line for line in sdp.splitlines() if line.startswith("a=candidate:")]
    return bool(lines) and all(line.split()[4] == "127.0.0.1" for line in lines)


class CounterVideoTrack(MediaStreamTrack):
    """Frames numbered from `start`; `sent_at[n]` is when frame n was produced."""

    kind = "video"

    def __init__(self, start: int = 0, fps: int = 30) -> None:
        super().__init__()
        self.next = start
        self.fps = fps
        self.sent_at: dict[int, float] = {}
        self._t0: float | None = None
        self._index = 0

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._t0 is None:
            self._t0 = time.monotonic()
        else:
            self._index += 1
            await asyncio.sleep(max(0.0, self._t0 + self._index / self.fps - time.monotonic()))
        n = self.next
        self.next += 1
        frame = VideoFrame(width=WIDTH, height=HEIGHT, format="yuv420p")
        luma = frame.planes[0]
        row = bytearray(luma.line_size)
        for bit in range(BITS):
            value = 235 if (n >> bit) & 1 else 16
            row[bit * BLOCK : (bit + 1) * BLOCK] = bytes([value]) * BLOCK
        gray = bytes([128]) * luma.line_size
        luma.update(bytes(row) * BAND + gray * (HEIGHT - BAND))
        for plane in frame.planes[1:]:
            plane.update(bytes([128]) * plane.buffer_size)
        frame.pts = self._index * (90000 // self.fps)
        frame.time_base = fractions.Fraction(1, 90000)
        self.sent_at[n] = time.monotonic()
        return frame


def read_counter(frame: VideoFrame) -> int:
    """The counter drawn by `CounterVideoTrack` (or bench/sfu_peers.py) at any width:
    BITS blocks across the top BAND rows."""
    luma = frame.planes[0]
    data = bytes(luma)
    block = frame.width // BITS
    row = (BAND // 2) * luma.line_size
    n = 0
    for bit in range(BITS):
        if data[row + bit * block + block // 2] > 128:
            n |= 1 << bit
    return n


class ToneAudioTrack(MediaStreamTrack):
    """A 400 Hz tone (48 kHz mono, 20 ms frames) at `amplitude` (0..1, mutable)."""

    kind = "audio"

    def __init__(self, amplitude: float = 0.5) -> None:
        super().__init__()
        self.amplitude = amplitude
        self._t0: float | None = None
        self._index = 0
        self._cache: dict[float, bytes] = {}

    def _samples(self) -> bytes:
        if self.amplitude not in self._cache:
            peak = 32767 * self.amplitude
            wave = array.array(
                "h", (int(peak * math.sin(2 * math.pi * 400 * i / 48000)) for i in range(960))
            )
            self._cache[self.amplitude] = wave.tobytes()
        return self._cache[self.amplitude]

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._t0 is None:
            self._t0 = time.monotonic()
        else:
            self._index += 1
            await asyncio.sleep(max(0.0, self._t0 + self._index * 0.02 - time.monotonic()))
        frame = AudioFrame(format="s16", layout="mono", samples=960)
        frame.planes[0].update(self._samples())
        frame.pts = self._index * 960
        frame.sample_rate = 48000
        frame.time_base = fractions.Fraction(1, 48000)
        return frame


@dataclass
class Offer:
    sdp: str
    tracks: dict[str, str]


@dataclass
class Events:
    """SfuEvents for tests: records everything; offers go to each peer's queue."""

    offers: dict[str, asyncio.Queue[Offer]] = field(
        default_factory=lambda: defaultdict(asyncio.Queue)
    )
    offer_count: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    published: dict[str, list[list[PublishedTrack]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    states: list[tuple[str, str, str]] = field(default_factory=list)

    def offer(self, room: str, peer: str, sdp: str, tracks: dict[str, str]) -> None:
        self.offer_count[peer] += 1
        self.offers[peer].put_nowait(Offer(sdp, tracks))

    def tracks_changed(self, room: str, publisher: str, tracks: list[PublishedTrack]) -> None:
        self.published[publisher].append(list(tracks))

    def connection_state(self, room: str, peer: str, which: str, state: str) -> None:
        self.states.append((peer, which, state))


class Peer:
    """One participant: a publish connection it offers, a subscribe connection it answers."""

    def __init__(self, sfu: SFU, events: Events, name: str, room: str = "room") -> None:
        self.sfu, self.events, self.name, self.room = sfu, events, name, room
        self.pub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.sub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.mids: dict[str, str] = {}  # mid -> track id, from the latest offer
        self.video: dict[str, list[tuple[float, int]]] = defaultdict(list)  # track -> (t, n)
        self.audio_frames: dict[str, int] = defaultdict(int)
        self.answer_offers = True
        self.last_offer: Offer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._changed = asyncio.Event()
        self.sub.on("track", self._on_track)
        self._tasks.append(asyncio.ensure_future(self._answer_loop()))

    async def publish(self, *tracks: MediaStreamTrack, codec: str | None = None) -> None:
        for track in tracks:
            transceiver = self.pub.addTransceiver(track, direction="sendonly")
            if codec and track.kind == "video":
                caps = RTCRtpSender.getCapabilities("video").codecs
                transceiver.setCodecPreferences(
                    [c for c in caps if c.mimeType.lower() in (codec.lower(), "video/rtx")]
                )
        await self.renegotiate_publish()

    async def renegotiate_publish(self) -> None:
        offer = await self.pub.createOffer()
        with host_addresses(LOOPBACK):
            await self.pub.setLocalDescription(offer)
        assert candidates_are_loopback(self.pub.localDescription.sdp)
        answer = await self.sfu.publish(self.room, self.name, self.pub.localDescription.sdp)
        assert candidates_are_loopback(answer), answer
        await self.pub.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def subscribe(self, track_ids: set[str]) -> None:
        await self.sfu.subscribe(self.room, self.name, track_ids)

    async def _answer_loop(self) -> None:
        queue = self.events.offers[self.name]
        while True:
            offer = await queue.get()
            self.last_offer = offer
            while not self.answer_offers:
                await asyncio.sleep(0.01)
            assert candidates_are_loopback(offer.sdp), offer.sdp
            await self.sub.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
            self.mids = dict(offer.tracks)
            answer = await self.sub.createAnswer()
            with host_addresses(LOOPBACK):
                await self.sub.setLocalDescription(answer)
            await self.sfu.answer(self.room, self.name, self.sub.localDescription.sdp)

    def _on_track(self, track: MediaStreamTrack) -> None:
        mid = next(t.mid for t in self.sub.getTransceivers() if t.receiver.track is track)
        assert mid is not None
        self._tasks.append(asyncio.ensure_future(self._read(track, mid)))

    async def _read(self, track: MediaStreamTrack, mid: str) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                track_id = self.mids.get(mid)
                if track_id is None:
                    continue
                if isinstance(frame, VideoFrame):
                    self.video[track_id].append((time.monotonic(), read_counter(frame)))
                else:
                    self.audio_frames[track_id] += 1
                self._changed.set()

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async def poll() -> None:
            while not condition():
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.05)

        await asyncio.wait_for(poll(), timeout)

    def counters(self, track_id: str) -> list[int]:
        return [n for _, n in self.video[track_id]]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.pub.close()
        await self.sub.close()


@contextlib.asynccontextmanager
async def sfu_and_events(**settings: object) -> AsyncIterator[tuple[SFU, Events]]:
    events = Events()
    sfu = SFU(loopback_settings(**settings), events)
    try:
        yield sfu, events
    finally:
        await sfu.close()


def tracks_of(events: Events, publisher: str) -> list[PublishedTrack]:
    return events.published[publisher][-1] if events.published[publisher] else []


def increasing(values: list[int]) -> bool:
    return all(b > a for a, b in zip(values, values[1:], strict=False))
