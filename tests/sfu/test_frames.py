"""Keyframe detection and marker-bit frame assembly, on hand-made RTP payloads."""

from __future__ import annotations

import pytest

from meetroom.sfu.frames import (
    MAX_GAP_WAIT,
    EncodedFrame,
    VideoAssembler,
    is_h264_keyframe,
    is_vp8_keyframe,
)

# VP8 payload descriptors (RFC 7741): S=1 PID=0, without and with a 15-bit picture id.
VP8_START = b"\x10"
VP8_START_PICID = b"\x90\x80\x81\x23"
VP8_CONT = b"\x00"


def test_vp8_keyframes_are_told_from_delta_frames() -> None:
    assert is_vp8_keyframe(VP8_START + b"\x50\x02\x00\x9d\x01\x2a")
    assert not is_vp8_keyframe(VP8_START + b"\x51\x02\x00")
    assert is_vp8_keyframe(VP8_START_PICID + b"\x50")
    assert not is_vp8_keyframe(VP8_START_PICID + b"\x31")
    # 7-bit picture id, TL0PICIDX and TID present: the VP8 header comes after them.
    assert is_vp8_keyframe(b"\x90\xe0\x05\x07\x40" + b"\x10")
    assert not is_vp8_keyframe(b"\x90\xe0\x05\x07\x40" + b"\x11")
    # Not the start of partition 0: says nothing about the frame.
    assert not is_vp8_keyframe(VP8_CONT + b"\x50")
    assert not is_vp8_keyframe(b"\x11" + b"\x50")
    assert not is_vp8_keyframe(b"")


def test_h264_keyframes_are_found_in_single_stap_a_and_fu_a_packets() -> None:
    assert is_h264_keyframe(b"\x65\x88")  # IDR slice
    assert is_h264_keyframe(b"\x67\x42")  # SPS
    assert not is_h264_keyframe(b"\x41\x9a")  # non-IDR slice
    stap_a = b"\x18" + b"\x00\x02\x67\x42" + b"\x00\x02\x68\xce" + b"\x00\x02\x65\x88"
    assert is_h264_keyframe(stap_a)
    assert not is_h264_keyframe(b"\x18" + b"\x00\x02\x06\x05" + b"\x00\x02\x41\x9a")
    assert is_h264_keyframe(b"\x7c\x85\x88")  # FU-A start of an IDR
    assert not is_h264_keyframe(b"\x7c\x05\x88")  # FU-A continuation
    assert not is_h264_keyframe(b"\x7c\x81\x9a")  # FU-A start of a non-IDR slice


class Collector:
    def __init__(self) -> None:
        self.frames: list[EncodedFrame] = []
        self.gaps = 0

    def frame(self, frame: EncodedFrame) -> None:
        self.frames.append(frame)

    def gap(self) -> None:
        self.gaps += 1


@pytest.fixture
def out() -> Collector:
    return Collector()


def synced(out: Collector) -> VideoAssembler:
    """An assembler that has seen the end of a frame at sequence 99."""
    assembler = VideoAssembler("VP8", out.frame, out.gap)
    assembler.add(98, 0, False, VP8_START + b"\x51", 0.0)  # joined mid-frame: dropped
    assembler.add(99, 0, True, VP8_CONT + b"x", 0.0)
    assert out.frames == []
    return assembler


def test_a_frame_is_released_when_its_marker_packet_arrives(out: Collector) -> None:
    assembler = synced(out)
    assembler.add(100, 3000, False, VP8_START + b"\x50a", 1.0)
    assembler.add(101, 3000, False, VP8_CONT + b"b", 1.0)
    assert out.frames == []
    assembler.add(102, 3000, True, VP8_CONT + b"c", 1.0)
    # Released now, not when the next frame's first packet comes (aiortc's JitterBuffer).
    assert len(out.frames) == 1
    frame = out.frames[0]
    assert frame.payloads == [VP8_START + b"\x50a", VP8_CONT + b"b", VP8_CONT + b"c"]
    assert (frame.timestamp, frame.keyframe) == (3000, True)


def test_packets_out_of_order_and_padding_still_make_whole_frames(out: Collector) -> None:
    assembler = synced(out)
    assembler.add(101, 3000, True, VP8_CONT + b"b", 1.0)
    assembler.add(100, 3000, False, VP8_START + b"\x51a", 1.0)
    assembler.add(102, 3000, False, b"", 1.0)  # padding-only packet between frames
    assembler.add(104, 6000, True, VP8_CONT + b"d", 1.0)
    assembler.add(103, 6000, False, VP8_START + b"\x51c", 1.0)
    assert [f.payloads for f in out.frames] == [
        [VP8_START + b"\x51a", VP8_CONT + b"b"],
        [VP8_START + b"\x51c", VP8_CONT + b"d"],
    ]
    assert [f.keyframe for f in out.frames] == [False, False]
    # A late duplicate of a released packet changes nothing.
    assembler.add(101, 3000, True, VP8_CONT + b"b", 1.0)
    assert len(out.frames) == 2


def test_a_gap_filled_by_a_retransmission_releases_the_frames_in_order(out: Collector) -> None:
    assembler = synced(out)
    assembler.add(100, 3000, False, VP8_START + b"\x51a", 1.0)
    assembler.add(102, 6000, False, VP8_START + b"\x51c", 1.0)  # 101 (marker) lost
    assembler.add(103, 6000, True, VP8_CONT + b"d", 1.01)
    assert out.frames == []
    assembler.add(101, 3000, True, VP8_CONT + b"b", 1.05)  # RTX
    assert [f.timestamp for f in out.frames] == [3000, 6000]
    assert out.gaps == 0


def test_a_gap_never_filled_is_skipped_and_reported(out: Collector) -> None:
    assembler = synced(out)
    assembler.add(101, 3000, True, VP8_CONT + b"b", 1.0)  # 100 lost for good
    assembler.add(102, 6000, True, VP8_START + b"\x51c", 1.0 + MAX_GAP_WAIT / 2)
    assert out.frames == [] and out.gaps == 0
    assembler.add(103, 9000, False, VP8_START + b"\x50e", 1.0 + MAX_GAP_WAIT + 0.01)
    assert out.gaps == 1
    # The broken frame (100-101) is dropped; what follows its marker goes on.
    assert [f.timestamp for f in out.frames] == [6000]
    assembler.add(104, 9000, True, VP8_CONT + b"f", 1.3)
    assert [f.timestamp for f in out.frames] == [6000, 9000]
    assert out.frames[-1].keyframe


def test_sequence_numbers_wrap_around(out: Collector) -> None:
    assembler = VideoAssembler("VP8", out.frame, out.gap)
    assembler.add(65534, 0, True, VP8_CONT + b"x", 0.0)
    assembler.add(65535, 3000, False, VP8_START + b"\x50a", 0.0)
    assembler.add(0, 3000, True, VP8_CONT + b"b", 0.0)
    assembler.add(1, 6000, True, VP8_START + b"\x51c", 0.0)
    assert [f.timestamp for f in out.frames] == [3000, 6000]
