"""Encoded frames as the SFU forwards them, keyframe detection, and frame assembly.

A frame is the list of RTP payloads the publisher sent for one picture (or one audio
packet), kept as they came: subscribers' senders send the same payloads with their own
RTP headers, so nothing is depayloaded, re-packetised or copied per subscriber.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

SEQ_MOD = 1 << 16
# A gap in the sequence numbers is waited for (NACK/RTX can fill it) this long...
MAX_GAP_WAIT = 0.25
# ...or until this many packets are held behind it; then the broken frame is skipped.
MAX_HELD_PACKETS = 600
# A jump this large is a new stream (or a restart), not a gap.
MAX_SEQ_JUMP = 3000


@dataclass(slots=True, frozen=True)
class EncodedFrame:
    """One publisher frame; one object is shared by every subscriber."""

    payloads: list[bytes]
    timestamp: int  # the publisher's RTP timestamp
    keyframe: bool
    audio_level: int | None  # RFC 6464: 0..127, -dBov (0 is loudest); None if not sent
    arrival: float  # time.monotonic() when completed


@dataclass(slots=True)
class OutgoingFrame:
    """What a subscriber's sender sends: the shared payloads with its own timestamp."""

    payloads: list[bytes]
    timestamp: int
    audio_level: int | None


def is_vp8_keyframe(payload: bytes) -> bool:
    """RFC 7741: the first packet of a frame (S=1, PID=0) whose VP8 header has P=0."""
    if not payload:
        return False
    first = payload[0]
    if not first & 0x10 or first & 0x0F:
        return False
    pos = 1
    if first & 0x80:
        if len(payload) < 2:
            return False
        ext = payload[1]
        pos = 2
        if ext & 0x80:  # picture id, 7 or 15 bits
            if len(payload) <= pos:
                return False
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:  # TL0PICIDX
            pos += 1
        if ext & 0x30:  # TID/KEYIDX
            pos += 1
    return len(payload) > pos and not payload[pos] & 0x01


_H264_KEY_NALS = (5, 7)  # IDR slice, sequence parameter set


def is_h264_keyframe(payload: bytes) -> bool:
    """RFC 6184: a single NAL, STAP-A or FU-A start carrying an IDR slice or an SPS."""
    if not payload:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type == 24:  # STAP-A: 16-bit size, NAL, ...
        pos = 1
        while pos + 2 < len(payload):
            size = (payload[pos] << 8) | payload[pos + 1]
            if payload[pos + 2] & 0x1F in _H264_KEY_NALS:
                return True
            pos += 2 + size
        return False
    if nal_type == 28:  # FU-A
        return len(payload) > 1 and bool(payload[1] & 0x80) and payload[1] & 0x1F in _H264_KEY_NALS
    return nal_type in _H264_KEY_NALS


def keyframe_detector(codec_name: str) -> Callable[[list[bytes]], bool]:
    name = codec_name.upper()
    if name == "VP8":
        return lambda payloads: is_vp8_keyframe(payloads[0])
    if name == "H264":
        return lambda payloads: any(is_h264_keyframe(p) for p in payloads)
    # An audio frame stands alone; an unknown video codec is trusted on every frame.
    return lambda payloads: True


class VideoAssembler:
    """Collects a video frame's packets and releases it the moment it is complete.

    aiortc's JitterBuffer releases a frame when the *next* frame's first packet arrives
    (one frame interval of latency per hop). Here a frame is complete when every
    sequence number from the end of the previous frame up to a packet with the RTP
    marker bit has arrived. A gap that NACK/RTX does not fill in time is skipped and
    reported through `on_gap`, since what follows cannot be decoded without a keyframe.
    """

    def __init__(
        self,
        codec_name: str,
        on_frame: Callable[[EncodedFrame], None],
        on_gap: Callable[[], None],
    ) -> None:
        self._is_keyframe = keyframe_detector(codec_name)
        self._on_frame = on_frame
        self._on_gap = on_gap
        self._held: dict[int, tuple[int, bool, bytes]] = {}  # seq -> (timestamp, marker, payload)
        self._next: int | None = None  # first sequence number of the next frame
        self._stalled_since: float | None = None
        self._now = 0.0

    def add(self, seq: int, timestamp: int, marker: bool, payload: bytes, now: float) -> None:
        self._now = now
        if self._next is None:
            # Join at a frame boundary: the packet after a marker starts a frame.
            if marker:
                self._next = (seq + 1) % SEQ_MOD
            return
        ahead = (seq - self._next) % SEQ_MOD
        if ahead >= SEQ_MOD // 2:
            return  # late or duplicate: its frame was released or skipped
        if ahead > MAX_SEQ_JUMP:
            logger.debug("sequence jump of %d packets: resynchronising", ahead)
            self._resync(skip_to=None)
            self.add(seq, timestamp, marker, payload, now)
            return
        self._held[seq] = (timestamp, marker, payload)
        while self._release_one():
            self._stalled_since = None
        if self._held:
            if self._stalled_since is None:
                self._stalled_since = now
            elif now - self._stalled_since > MAX_GAP_WAIT or len(self._held) > MAX_HELD_PACKETS:
                self._skip_gap()

    def _release_one(self) -> bool:
        assert self._next is not None
        held = self._held
        seq = self._next
        frame_ts: int | None = None
        payloads: list[bytes] = []
        while True:
            entry = held.get(seq)
            if entry is None:
                return False
            timestamp, marker, payload = entry
            if not payload and frame_ts is None:
                # Padding between frames (bandwidth probing): consume it.
                del held[seq]
                seq = self._next = (seq + 1) % SEQ_MOD
                continue
            if frame_ts is None:
                frame_ts = timestamp
            elif timestamp != frame_ts:
                # The next frame has begun: this one ended without a marker bit.
                self._emit(seq, frame_ts, payloads)
                return True
            if payload:
                payloads.append(payload)
            seq = (seq + 1) % SEQ_MOD
            if marker:
                self._emit(seq, frame_ts, payloads)
                return True

    def _emit(self, end: int, timestamp: int, payloads: list[bytes]) -> None:
        assert self._next is not None
        seq = self._next
        while seq != end:
            del self._held[seq]
            seq = (seq + 1) % SEQ_MOD
        self._next = end
        if payloads:
            keyframe = self._is_keyframe(payloads)
            self._on_frame(EncodedFrame(payloads, timestamp, keyframe, None, self._now))

    def _skip_gap(self) -> None:
        """Drop everything up to the first held marker; the frame after it is next."""
        assert self._next is not None
        base = self._next
        markers = [s for s, (_, marker, _) in self._held.items() if marker]
        end = min(markers, key=lambda s: (s - base) % SEQ_MOD) if markers else None
        logger.debug("gap at sequence %d not filled: skipping to %s", base, end)
        self._resync(skip_to=end)
        self._on_gap()
        if self._next is not None:
            while self._release_one():
                pass

    def _resync(self, skip_to: int | None) -> None:
        if skip_to is None:
            self._held.clear()
            self._next = None
        else:
            base = self._next
            assert base is not None
            limit = (skip_to - base) % SEQ_MOD
            for s in [s for s in self._held if (s - base) % SEQ_MOD <= limit]:
                del self._held[s]
            self._next = (skip_to + 1) % SEQ_MOD
        self._stalled_since = None
