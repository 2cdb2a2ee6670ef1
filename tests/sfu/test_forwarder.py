"""Fan-out, lagging subscribers, PLI rate limiting and audio levels, without a network."""

from __future__ import annotations

import asyncio

from aiortc import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from meetroom.sfu import PublishedTrack
from meetroom.sfu.forwarding import MAX_VIDEO_FRAMES, Counters, Forwarder, Slot

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)
OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=96)
KEY = b"\x10\x50\x02\x00"  # VP8 descriptor S=1 + keyframe header
DELTA = b"\x10\x51\x02\x00"


class Publisher:
    """Feeds a forwarder one-packet frames, as the receiver tap would."""

    def __init__(self, kind: str = "video", interval: float = 0.5) -> None:
        self.counters = Counters()
        self.plis: list[int] = []
        track = PublishedTrack("room", "alice", "T1", kind, "stream")
        codec = VP8 if kind == "video" else OPUS
        self.forwarder = Forwarder(track, codec, self.counters, interval, self.plis.append)
        self.seq = 1000
        self.ts = 0

    def send(self, payload: bytes, level: int | None = None) -> None:
        packet = RtpPacket(
            payload_type=97, marker=1, sequence_number=self.seq, timestamp=self.ts, ssrc=1234
        )
        packet.payload = payload
        if level is not None:
            packet.extensions.audio_level = (True, level)
        self.forwarder.on_packet(packet)
        self.seq += 1
        self.ts += 3000


async def started_slot(publisher: Publisher) -> Slot:
    slot = Slot(publisher.forwarder.track.kind, publisher.counters)
    slot.attach(publisher.forwarder)
    slot.set_enabled(True)
    reader = asyncio.ensure_future(slot.recv())  # the sender starts reading
    await asyncio.sleep(0)
    reader.cancel()
    return slot


async def test_every_slot_gets_the_same_frame_object_starting_at_a_keyframe() -> None:
    pub = Publisher()
    pub.send(DELTA)  # the first packet only finds the frame boundary
    slots = [await started_slot(pub) for _ in range(3)]
    pub.send(DELTA)  # nobody can decode this yet
    pub.send(KEY)
    pub.send(DELTA)
    outs = [[await slot.recv(), await slot.recv()] for slot in slots]
    for out in outs:
        assert out[0].payloads == [KEY] and out[1].payloads == [DELTA]
        assert out[0].payloads is outs[0][0].payloads  # shared, not copied
    assert pub.counters.frames_forwarded == 6
    assert pub.counters.packets_forwarded == 6


async def test_a_lagging_subscriber_is_cut_back_to_the_next_keyframe() -> None:
    pub = Publisher(interval=0.0)
    pub.send(DELTA)
    slot = await started_slot(pub)
    pub.send(KEY)
    plis = len(pub.plis)
    for _ in range(MAX_VIDEO_FRAMES + 10):  # the subscriber reads nothing meanwhile
        pub.send(DELTA)
    assert len(slot._frames) <= MAX_VIDEO_FRAMES
    assert pub.counters.frames_dropped >= MAX_VIDEO_FRAMES
    await asyncio.sleep(0.01)
    assert len(pub.plis) > plis  # it asked the publisher for a keyframe
    pub.send(KEY)
    pub.send(DELTA)
    first = await slot.recv()
    assert first.payloads == [KEY]
    assert (await slot.recv()).payloads == [DELTA]


async def test_plis_to_the_publisher_are_rate_limited_but_not_lost() -> None:
    pub = Publisher(interval=0.2)
    pub.send(KEY)
    for _ in range(20):
        pub.forwarder.request_keyframe()
    assert pub.plis == [1234]
    await asyncio.sleep(0.1)
    assert len(pub.plis) == 1
    await asyncio.sleep(0.15)
    assert len(pub.plis) == 2  # one more at the end of the interval, for all of them
    await asyncio.sleep(0.25)
    assert len(pub.plis) == 2
    assert pub.counters.plis_sent == 2


async def test_a_recycled_slot_keeps_its_timestamps_continuous() -> None:
    first, second = Publisher(), Publisher()
    second.ts = 123_456_789
    first.send(DELTA)
    second.send(DELTA)
    slot = await started_slot(first)
    first.send(KEY)
    a = await slot.recv()
    slot.attach(second.forwarder)
    second.send(KEY)
    b = await slot.recv()
    assert b.timestamp - a.timestamp == 3000


async def test_audio_levels_come_from_the_rfc6464_extension() -> None:
    pub = Publisher(kind="audio")
    for _ in range(30):
        pub.send(b"\x00" * 80, level=20)  # -20 dBov
    loud = pub.forwarder.audio_level(pub.forwarder._level_at)
    assert abs(loud - 0.1) < 0.01
    for _ in range(30):
        pub.send(b"\x00" * 80, level=127)  # silence
    assert pub.forwarder.audio_level(pub.forwarder._level_at) < 0.01
    # Long after the last packet, nobody is speaking.
    assert pub.forwarder.audio_level(pub.forwarder._level_at + 5) == 0.0


async def test_audio_levels_fall_back_to_opus_packet_sizes() -> None:
    quiet, loud = Publisher(kind="audio"), Publisher(kind="audio")
    for _ in range(30):
        quiet.send(b"\x00" * 3)
        loud.send(b"\x00" * 120)
    assert quiet.forwarder.audio_level(quiet.forwarder._level_at) < 0.01
    assert loud.forwarder.audio_level(loud.forwarder._level_at) > 0.5
