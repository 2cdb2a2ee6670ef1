"""Everything the SFU touches of aiortc's (and aioice's) private internals, in one place.

aiortc's public API decodes what it receives and encodes what it sends. An SFU needs
the encoded media instead, so this module:

- taps a receiver's packets where its jitter buffer would assemble them for the
  decoder (`RTCRtpReceiver._RTCRtpReceiver__jitter_buffer`), so no frame ever reaches
  the decoder thread; and counts any frame a decoder would still produce, through the
  remote track's queue;
- feeds a sender already-packetised payloads by replacing
  `RTCRtpSender._next_encoded_frame` on the instance (the sender then only builds RTP
  headers, encrypts and sends), and turns its keyframe requests (`_send_keyframe`,
  called on a PLI/FIR) into a callback;
- sends a PLI upstream with `RTCRtpReceiver._send_rtcp_pli`;
- sets the msid of a sender (`_stream_id`, `_track_id`) and narrows a transceiver's
  negotiated codecs (`_codecs`), reads the remote's offered direction (`_offerDirection`);
- makes aioice gather on chosen host addresses (it leaves 127.0.0.1 out otherwise).

aiortc is pinned (pyproject.toml); `check()` fails loudly, naming the internal, if an
upgrade moves any of this, and tests/sfu/test_internals.py runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import logging
import sys
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aioice.ice
from aiortc import RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver
from aiortc.codecs import get_encoder, is_rtx
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpsender import RTCEncodedFrame
from aiortc.rtp import RtpPacket

from meetroom.sfu.frames import OutgoingFrame

logger = logging.getLogger(__name__)

AIORTC_VERSION = "1.16.0"

_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
_RECEIVER_STARTED = "_RTCRtpReceiver__started"
_SENDER_ENCODER = "_RTCRtpSender__encoder"


class AiortcInternalsChanged(RuntimeError):
    """aiortc no longer has an internal the SFU relies on (it is pinned for this)."""


def _module_source(cls: type) -> str:
    # The module's file as text: `inspect.getsource(cls)` parses it with `ast`, and in
    # CPython 3.11 that fails at random when another thread parses at the same time
    # ("AST constructor recursion depth mismatch"). The needles are unique in it.
    path = inspect.getsourcefile(sys.modules[cls.__module__])
    if path is None:
        raise OSError(f"no source for {cls.__module__}")
    return Path(path).read_text(encoding="utf-8")


@functools.cache
def _sources() -> tuple[str, str, str, str] | None:
    try:
        return (
            _module_source(RTCRtpReceiver),
            _module_source(RTCRtpSender),
            _module_source(RTCRtpTransceiver),
            inspect.getsource(aioice.ice.Connection.gather_candidates),  # a function: no ast
        )
    except (OSError, TypeError):  # installed without .py files
        return None


def check() -> None:
    """Raise `AiortcInternalsChanged`, naming what moved, if aiortc is not as expected."""
    problems: list[str] = []
    installed = version("aiortc")
    if installed != AIORTC_VERSION:
        problems.append(
            f"aiortc {installed} is installed, the SFU was written for {AIORTC_VERSION}"
        )
    sources = _sources()
    if sources is None:
        logger.warning("aiortc's source is not installed: only its attributes are checked")
    else:
        receiver_src, sender_src, transceiver_src, gather_src = sources
        for needle, what in (
            ("self.__jitter_buffer = JitterBuffer(", "RTCRtpReceiver.__jitter_buffer"),
            ("self.__jitter_buffer.add(packet)", "RTCRtpReceiver._handle_rtp_packet -> add"),
            ("self.__started = True", "RTCRtpReceiver.__started"),
            ("self._track._queue", "RemoteStreamTrack._queue fed by the decoder thread"),
        ):
            if needle not in receiver_src:
                problems.append(f"{what} ({needle!r} not in RTCRtpReceiver)")
        for needle, what in (
            ("await self._next_encoded_frame(codec)", "RTCRtpSender._run_rtp -> next frame"),
            ("self._send_keyframe()", "RTCRtpSender._handle_rtcp_packet -> _send_keyframe"),
            ("packet.extensions.audio_level = (False, -enc_frame.audio_level)", "audio level"),
            ("self.__encoder: Optional[Encoder] = None", "RTCRtpSender.__encoder"),
        ):
            if needle not in sender_src:
                problems.append(f"{what} ({needle!r} not in RTCRtpSender)")
        for needle in ("self._offerDirection", "self._codecs", "self._preferred_codecs"):
            if needle not in transceiver_src:
                problems.append(f"RTCRtpTransceiver.{needle.removeprefix('self.')} is gone")
        if "get_host_addresses(" not in gather_src:
            problems.append("aioice's gather_candidates no longer calls get_host_addresses")
    for cls, names in (
        (RTCRtpReceiver, ("_send_rtcp_pli", "_handle_rtp_packet")),
        (RTCRtpSender, ("_next_encoded_frame", "_send_keyframe", "_run_rtp")),
        (JitterBuffer, ("add",)),
    ):
        for name in names:
            if not callable(getattr(cls, name, None)):
                problems.append(f"{cls.__name__}.{name} is gone")
    if list(inspect.signature(RTCEncodedFrame).parameters) != [
        "payloads",
        "timestamp",
        "audio_level",
    ]:
        problems.append("RTCEncodedFrame(payloads, timestamp, audio_level) changed")
    if list(inspect.signature(_original_get_host_addresses).parameters) != [
        "use_ipv4",
        "use_ipv6",
    ]:
        problems.append("aioice.ice.get_host_addresses(use_ipv4, use_ipv6) changed")
    if problems:
        raise AiortcInternalsChanged(
            "aiortc internals used by meetroom/sfu/aiortc_internals.py changed: "
            + "; ".join(problems)
        )


# --- ICE host addresses --------------------------------------------------------------
# aioice gathers host candidates on every interface address except 127.0.0.1, so a test
# on loopback could not connect, and a server cannot choose what it announces. The
# module function is wrapped once; it answers differently only inside
# `host_addresses(...)`, which the SFU (and the tests' peers) put around the calls that
# gather (setLocalDescription). Tasks created inside inherit the context variable.

_HOST_ADDRESSES: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "meetroom_sfu_host_addresses", default=None
)
_original_get_host_addresses = aioice.ice.get_host_addresses


def _get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    chosen = _HOST_ADDRESSES.get()
    if chosen is None:
        return _original_get_host_addresses(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
    return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]


aioice.ice.get_host_addresses = _get_host_addresses


@contextlib.contextmanager
def host_addresses(addresses: tuple[str, ...]) -> Iterator[None]:
    """ICE gathering inside this block uses exactly `addresses` (all interfaces if empty)."""
    token = _HOST_ADDRESSES.set(addresses or None)
    try:
        yield
    finally:
        _HOST_ADDRESSES.reset(token)


# --- receivers -----------------------------------------------------------------------


class _PacketTap:
    """Stands in for the receiver's JitterBuffer: hands each depayloadable packet to the
    SFU and never returns a frame, so the receiver's decoder thread gets nothing."""

    def __init__(self, on_packet: Callable[[RtpPacket], None]) -> None:
        self.on_packet = on_packet

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        self.on_packet(packet)
        return False, None


class _CountingQueue(asyncio.Queue[Any]):
    """The remote track's queue: whatever arrives here came out of a decoder."""

    def __init__(self, on_decoded: Callable[[], None]) -> None:
        super().__init__()
        self._on_decoded = on_decoded

    async def put(self, item: Any) -> None:
        if item is not None:
            self._on_decoded()
        await super().put(item)


def tap_receiver(
    receiver: RTCRtpReceiver,
    on_packet: Callable[[RtpPacket], None],
    on_decoded: Callable[[], None],
) -> None:
    """Route `receiver`'s packets to `on_packet`; must run before the receiver starts."""
    if getattr(receiver, _RECEIVER_STARTED):
        raise AiortcInternalsChanged(f"{_RECEIVER_STARTED}: receiver started before the tap")
    if not isinstance(getattr(receiver, _JITTER_BUFFER, None), JitterBuffer):
        raise AiortcInternalsChanged(f"{_JITTER_BUFFER} is not a JitterBuffer")
    setattr(receiver, _JITTER_BUFFER, _PacketTap(on_packet))
    track = receiver.track
    if track is not None:
        track._queue = _CountingQueue(on_decoded)  # type: ignore[attr-defined]


def retarget_receiver(receiver: RTCRtpReceiver, on_packet: Callable[[RtpPacket], None]) -> None:
    """A recycled m-line now carries another track: its packets go elsewhere."""
    tap = getattr(receiver, _JITTER_BUFFER)
    assert isinstance(tap, _PacketTap)
    tap.on_packet = on_packet


def is_tapped(receiver: RTCRtpReceiver) -> bool:
    return isinstance(getattr(receiver, _JITTER_BUFFER, None), _PacketTap)


async def send_pli(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Ask the publisher behind `receiver` for a keyframe (RTCP PLI)."""
    await receiver._send_rtcp_pli(media_ssrc)


# --- senders -------------------------------------------------------------------------


def feed_sender(
    sender: RTCRtpSender,
    on_keyframe_request: Callable[[], None],
    on_encode: Callable[[], None],
) -> None:
    """Make `sender` send the `OutgoingFrame`s its track returns as they are.

    Its RTP loop calls `_next_encoded_frame`; this one returns the forwarded payloads
    (shared by every subscriber) with this subscriber's timestamp. Anything else a
    track might return would be encoded, and is counted by `on_encode`.
    """
    loop = asyncio.get_running_loop()

    async def next_encoded_frame(codec: RTCRtpCodecParameters) -> RTCEncodedFrame | None:
        data = await sender.track.recv()
        if not sender._enabled:
            return None
        if isinstance(data, OutgoingFrame):
            level = None if data.audio_level is None else -data.audio_level
            return RTCEncodedFrame(data.payloads, data.timestamp, level)  # type: ignore[arg-type]
        on_encode()
        encoder = getattr(sender, _SENDER_ENCODER)
        if encoder is None:
            encoder = get_encoder(codec)
            setattr(sender, _SENDER_ENCODER, encoder)
        payloads, timestamp = await loop.run_in_executor(None, encoder.encode, data, False)
        return RTCEncodedFrame(payloads, timestamp, None)  # type: ignore[arg-type]

    # Instance attributes shadow the methods that _run_rtp/_handle_rtcp_packet call.
    setattr(sender, "_next_encoded_frame", next_encoded_frame)  # noqa: B010
    setattr(sender, "_send_keyframe", on_keyframe_request)  # noqa: B010


def set_msid(sender: RTCRtpSender, stream_id: str, track_id: str) -> None:
    """What the subscriber's SDP says this sender carries (a=msid)."""
    sender._stream_id = stream_id
    sender._track_id = track_id


# --- transceivers --------------------------------------------------------------------


def remote_sends(transceiver: RTCRtpTransceiver) -> bool:
    """After setRemoteDescription(offer): does the remote offer to send on this m-line?"""
    return transceiver._offerDirection in ("recvonly", "sendrecv")


def keep_first_codec(transceiver: RTCRtpTransceiver) -> RTCRtpCodecParameters:
    """Answer with one codec (and its RTX) only, so the publisher must use it."""
    codecs = transceiver._codecs
    first = next(c for c in codecs if not is_rtx(c))
    transceiver._codecs = [first] + [
        c for c in codecs if is_rtx(c) and c.parameters.get("apt") == first.payloadType
    ]
    return first


def negotiated_codec(transceiver: RTCRtpTransceiver) -> RTCRtpCodecParameters | None:
    return next((c for c in transceiver._codecs if not is_rtx(c)), None)
