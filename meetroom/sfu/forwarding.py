"""Fan-out of one published track to its subscribers, without decoding.

A `Forwarder` gets the publisher's RTP packets (from the receiver tap), completes
frames, and hands each frame object to every attached `Slot`. A `Slot` is the track a
subscriber's sender reads: a short queue that starts at a keyframe and, when its
subscriber falls behind, is cut back to the next keyframe instead of growing.
Keyframe requests from subscribers become rate-limited PLIs to the publisher.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass

from aiortc import MediaStreamTrack, RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from meetroom.sfu.api import PublishedTrack
from meetroom.sfu.frames import SEQ_MOD, EncodedFrame, OutgoingFrame, VideoAssembler

logger = logging.getLogger(__name__)

# A subscriber this far behind (queued frames, or age of the oldest) is cut back.
MAX_VIDEO_LAG = 0.3
MAX_VIDEO_FRAMES = 30
MAX_AUDIO_LAG = 0.2
MAX_AUDIO_FRAMES = 10
# A subscriber still waiting for a keyframe asks again this often (a PLI can be lost).
KEYFRAME_RETRY = 0.5
# Timestamp step used to join two sources on one recycled sender (30 fps, 20 ms Opus).
REBASE_STEP = {"video": 3000, "audio": 960}
# Audio level: smoothing per packet, and when a silent publisher counts as 0.
LEVEL_SMOOTHING = 0.25
LEVEL_STALE_AFTER = 1.0


@dataclass(slots=True)
class Counters:
    """What the SFU did, for tests and benchmarks (monotonic counts)."""

    packets_received: int = 0
    frames_received: int = 0
    keyframes_received: int = 0
    frames_forwarded: int = 0  # frames handed to subscribers' senders
    packets_forwarded: int = 0  # RTP packets those senders sent
    frames_dropped: int = 0  # frames a lagging subscriber skipped
    gaps: int = 0  # publisher frames lost to a gap NACK did not fill
    keyframe_requests: int = 0  # PLI/FIR received from subscribers
    plis_sent: int = 0  # PLIs sent to publishers
    frames_decoded: int = 0  # frames an aiortc decoder produced in the SFU (must stay 0)
    frames_encoded: int = 0  # frames an aiortc encoder got in the SFU (must stay 0)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Forwarder:
    """One published track: frames in, the same frame objects out to every slot."""

    def __init__(
        self,
        track: PublishedTrack,
        codec: RTCRtpCodecParameters,
        counters: Counters,
        pli_min_interval: float,
        send_pli: Callable[[int], None],
    ) -> None:
        self.track = track
        self.codec = codec
        self.codec_name = codec.name
        self.slots: set[Slot] = set()
        self._counters = counters
        self._pli_min_interval = pli_min_interval
        self._send_pli = send_pli
        self._ssrc: int | None = None
        self._last_pli = -math.inf
        self._pending_pli: asyncio.TimerHandle | None = None
        self._pli_on_first_packet = False
        self._need_keyframe = False  # after a gap: forward nothing until a keyframe
        self._assembler = (
            VideoAssembler(codec.name, self._on_frame, self._on_gap)
            if track.kind == "video"
            else None
        )
        self._last_audio_seq: int | None = None
        self._level = 0.0
        self._level_at = -math.inf
        self.closed = False

    # -- in --------------------------------------------------------------------------

    def on_packet(self, packet: RtpPacket) -> None:
        self._counters.packets_received += 1
        now = time.monotonic()
        if packet.ssrc != self._ssrc:
            if self._ssrc is not None and self._assembler is not None:
                self._assembler = VideoAssembler(self.codec_name, self._on_frame, self._on_gap)
            self._ssrc = packet.ssrc
            if self._pli_on_first_packet:
                self._pli_on_first_packet = False
                self._pli_now()
        if self._assembler is not None:
            self._assembler.add(
                packet.sequence_number, packet.timestamp, bool(packet.marker), packet.payload, now
            )
            return
        # Audio: each packet is a frame; a late one is dropped, not reordered.
        seq = packet.sequence_number
        if self._last_audio_seq is not None and (seq - self._last_audio_seq) % SEQ_MOD >= (
            SEQ_MOD // 2
        ):
            return
        self._last_audio_seq = seq
        level_ext = packet.extensions.audio_level
        level = level_ext[1] if level_ext is not None else None
        self._note_level(level, len(packet.payload), now)
        self._on_frame(EncodedFrame([packet.payload], packet.timestamp, True, level, now))

    def _on_frame(self, frame: EncodedFrame) -> None:
        self._counters.frames_received += 1
        if self._assembler is not None:
            if frame.keyframe:
                self._counters.keyframes_received += 1
                self._need_keyframe = False
            elif self._need_keyframe:
                return
        for slot in self.slots:
            slot.push(frame)

    def _on_gap(self) -> None:
        self._counters.gaps += 1
        self._need_keyframe = True
        self.request_keyframe()

    # -- keyframes -------------------------------------------------------------------

    def request_keyframe(self) -> None:
        """Ask the publisher for a keyframe: at most one PLI per `pli_min_interval`,
        and a request inside the interval is sent when it ends (never lost)."""
        if self.track.kind != "video" or self.closed or self._pending_pli is not None:
            return
        wait = self._last_pli + self._pli_min_interval - time.monotonic()
        if wait <= 0:
            self._pli_now()
        else:
            self._pending_pli = asyncio.get_running_loop().call_later(wait, self._pli_now)

    def _pli_now(self) -> None:
        self._pending_pli = None
        if self.closed:
            return
        if self._ssrc is None:  # nothing received yet: ask as soon as something comes
            self._pli_on_first_packet = True
            return
        self._last_pli = time.monotonic()
        self._counters.plis_sent += 1
        self._send_pli(self._ssrc)

    # -- audio level -----------------------------------------------------------------

    def _note_level(self, level: int | None, size: int, now: float) -> None:
        if level is not None:
            amplitude = 10.0 ** (-level / 20.0)  # RFC 6464 -dBov -> linear, as audioLevel
        else:
            # No ssrc-audio-level extension: Opus packets grow with what they carry
            # (DTX/silence is a few bytes). A rough proxy, only used as a fallback.
            amplitude = min(1.0, max(0.0, (size - 10) / 150.0))
        self._level += (amplitude - self._level) * LEVEL_SMOOTHING
        self._level_at = now

    def audio_level(self, now: float) -> float:
        """Recent level, 0..1 (1 = loudest); 0 when nothing came for a while."""
        return self._level if now - self._level_at < LEVEL_STALE_AFTER else 0.0

    def close(self) -> None:
        self.closed = True
        if self._pending_pli is not None:
            self._pending_pli.cancel()
            self._pending_pli = None
        for slot in list(self.slots):
            slot.detach()


class Slot(MediaStreamTrack):
    """The track one subscriber's sender reads; it can carry different sources in turn
    (a recycled m-line), keeping its RTP timestamps continuous."""

    def __init__(self, kind: str, counters: Counters) -> None:
        super().__init__()
        self.kind = kind
        self.source: Forwarder | None = None
        self._counters = counters
        self._frames: deque[EncodedFrame] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._enabled = False  # negotiated with the subscriber as sending
        self._started = False  # the sender is reading
        self._need_keyframe = kind == "video"
        self._requested_at = -math.inf
        self._offset = 0
        self._last_out: int | None = None
        self._rebase = False
        if kind == "video":
            self._max_lag, self._max_frames = MAX_VIDEO_LAG, MAX_VIDEO_FRAMES
        else:
            self._max_lag, self._max_frames = MAX_AUDIO_LAG, MAX_AUDIO_FRAMES

    def attach(self, source: Forwarder) -> None:
        self.detach()
        self.source = source
        source.slots.add(self)
        self._rebase = self._last_out is not None
        self._request_keyframe_if_ready()

    def detach(self) -> None:
        if self.source is not None:
            self.source.slots.discard(self)
            self.source = None
        self._frames.clear()
        self._need_keyframe = self.kind == "video"

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        if enabled:
            self._request_keyframe_if_ready()
        else:
            self._frames.clear()
            self._need_keyframe = self.kind == "video"

    def _request_keyframe_if_ready(self) -> None:
        if self._need_keyframe and self._enabled and self._started and self.source is not None:
            self._requested_at = time.monotonic()
            self.source.request_keyframe()

    def push(self, frame: EncodedFrame) -> None:
        if not (self._enabled and self._started):
            return
        frames = self._frames
        if self.kind == "video":
            if frames and (
                len(frames) >= self._max_frames or frame.arrival - frames[0].arrival > self._max_lag
            ):
                # Fallen behind: what is queued is stale; restart at a keyframe.
                self._counters.frames_dropped += len(frames)
                frames.clear()
                if not self._need_keyframe:
                    self._need_keyframe = True
                    self._request_keyframe_if_ready()
            if self._need_keyframe:
                if not frame.keyframe:
                    self._counters.frames_dropped += 1
                    if frame.arrival - self._requested_at >= KEYFRAME_RETRY:
                        self._request_keyframe_if_ready()
                    return
                self._need_keyframe = False
        else:
            while frames and (
                len(frames) >= self._max_frames or frame.arrival - frames[0].arrival > self._max_lag
            ):
                frames.popleft()
                self._counters.frames_dropped += 1
        frames.append(frame)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def recv(self) -> OutgoingFrame:  # type: ignore[override]
        if not self._started:
            self._started = True
            self._request_keyframe_if_ready()
        while not self._frames:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        frame = self._frames.popleft()
        if self._rebase:
            assert self._last_out is not None
            self._offset = (self._last_out + REBASE_STEP[self.kind] - frame.timestamp) % (1 << 32)
            self._rebase = False
        out = (frame.timestamp + self._offset) % (1 << 32)
        self._last_out = out
        self._counters.frames_forwarded += 1
        self._counters.packets_forwarded += len(frame.payloads)
        return OutgoingFrame(frame.payloads, out, frame.audio_level)
