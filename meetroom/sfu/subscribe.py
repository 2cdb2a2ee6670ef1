"""A participant's subscribe connection: the SFU offers, the client answers.

One sendonly m-line per subscribed track, each read from a `Slot`. When a track is
dropped its m-line goes inactive and is reused for a later track of the same kind and
codec. At most one offer is outstanding: changes made meanwhile are coalesced into the
next offer, sent when the answer arrives.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiortc import RTCPeerConnection, RTCRtpSender, RTCRtpTransceiver, RTCSessionDescription
from aiortc.rtcrtpparameters import RTCRtpCodecCapability

from meetroom.errors import N_, Conflict, Invalid
from meetroom.sfu import aiortc_internals as internals
from meetroom.sfu.api import PublishedTrack, SfuEvents, SfuSettings
from meetroom.sfu.forwarding import Counters, Forwarder, Slot
from meetroom.sfu.peer import new_peer_connection

logger = logging.getLogger(__name__)


@dataclass
class _Sending:
    transceiver: RTCRtpTransceiver
    slot: Slot
    codec: tuple[str, str]  # (mime type, parameters) the m-line was offered with
    track_id: str | None = None


def _codec_key(mime: str, parameters: object) -> tuple[str, str]:
    return mime.lower(), repr(sorted(dict(parameters).items()))  # type: ignore[call-overload]


def _preferences(forwarder: Forwarder) -> list[RTCRtpCodecCapability]:
    """Offer exactly the publisher's codec (and RTX), so the payloads fit as they are."""
    wanted = _codec_key(forwarder.codec.mimeType, forwarder.codec.parameters)
    caps = RTCRtpSender.getCapabilities(forwarder.track.kind).codecs
    chosen = [c for c in caps if _codec_key(c.mimeType, c.parameters) == wanted][:1]
    if chosen and forwarder.track.kind == "video":
        chosen += [c for c in caps if c.mimeType.lower() == "video/rtx"]
    return chosen


def stream_id(track: PublishedTrack) -> str:
    """The msid stream of a forwarded track: one per publisher and source, so a client
    groups a publisher's camera and microphone (lip sync) but not camera and screen."""
    digest = hashlib.sha256(f"{track.room}\0{track.publisher}\0{track.source}".encode())
    return "ST" + digest.hexdigest()[:16]


class SubscribeConnection:
    def __init__(
        self,
        room: str,
        peer: str,
        settings: SfuSettings,
        counters: Counters,
        events: SfuEvents,
        find: Callable[[str], Forwarder | None],
    ) -> None:
        self.room = room
        self.peer = peer
        self.wanted: set[str] = set()
        self._settings = settings
        self._counters = counters
        self._events = events
        self._find = find
        self._pc: RTCPeerConnection | None = None
        self._sendings: list[_Sending] = []
        self._lock = asyncio.Lock()
        self._awaiting_answer = False
        self._dirty = False
        self._closed = False

    @property
    def awaiting_answer(self) -> bool:
        return self._awaiting_answer

    def sending(self) -> dict[str, str]:
        """mid -> track id of what is being sent (or offered) now."""
        return {
            s.transceiver.mid: s.track_id
            for s in self._sendings
            if s.track_id is not None and s.transceiver.mid is not None
        }

    async def set_tracks(self, track_ids: set[str]) -> None:
        self.wanted = set(track_ids)
        await self.renegotiate()

    async def renegotiate(self) -> None:
        async with self._lock:
            if self._closed:
                return
            if self._awaiting_answer:
                self._dirty = True  # coalesced into the offer after the answer
                return
            changed = self._apply()
            if not changed:
                return
            pc = self._peer_connection()
            if pc.signalingState == "closed":
                return
            offer = await pc.createOffer()
            with internals.host_addresses(self._settings.host_addresses):
                await pc.setLocalDescription(offer)
            self._awaiting_answer = True
            self._events.offer(self.room, self.peer, pc.localDescription.sdp, self.sending())

    async def answer(self, sdp: str) -> None:
        async with self._lock:
            if not self._awaiting_answer or self._pc is None:
                raise Conflict("sfu.no_offer", N_("There is no media offer to answer."))
            try:
                await self._pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))
            except Exception as exc:  # aiortc raises ValueError, OperationError, ...
                logger.info("subscribe answer from %s/%s refused: %s", self.room, self.peer, exc)
                raise Invalid("sfu.bad_answer", N_("The media answer could not be used.")) from exc
            self._awaiting_answer = False
            for s in self._sendings:
                live = s.transceiver.currentDirection in ("sendonly", "sendrecv")
                s.slot.set_enabled(live and s.track_id is not None)
            dirty, self._dirty = self._dirty, False
        if dirty:
            await self.renegotiate()

    def _apply(self) -> bool:
        """Make the m-lines match `wanted`; True if the subscriber must get an offer."""
        changed = False
        for s in self._sendings:
            if s.track_id is None:
                continue
            forwarder = self._find(s.track_id)
            if s.track_id in self.wanted and forwarder is not None and forwarder is s.slot.source:
                continue
            s.slot.detach()
            s.slot.set_enabled(False)
            s.transceiver.direction = "inactive"
            s.track_id = None
            changed = True
        sent = {s.track_id for s in self._sendings}
        for track_id in sorted(self.wanted - sent):
            forwarder = self._find(track_id)
            if forwarder is None:
                continue  # gone meanwhile, or never existed
            found = self._free_sending(forwarder) or self._new_sending(forwarder)
            if found is None:
                continue
            s = found
            s.transceiver.direction = "sendonly"
            internals.set_msid(s.transceiver.sender, stream_id(forwarder.track), track_id)
            s.slot.set_enabled(False)  # until the client has the offer naming it
            s.slot.attach(forwarder)
            s.track_id = track_id
            changed = True
        return changed

    def _free_sending(self, forwarder: Forwarder) -> _Sending | None:
        key = _codec_key(forwarder.codec.mimeType, forwarder.codec.parameters)
        for s in self._sendings:
            if (
                s.track_id is None
                and s.transceiver.kind == forwarder.track.kind
                and s.codec == key
                and not s.transceiver.stopped
            ):
                return s
        return None

    def _new_sending(self, forwarder: Forwarder) -> _Sending | None:
        preferences = _preferences(forwarder)
        if not preferences:
            logger.warning("cannot offer %s to a subscriber", forwarder.codec.mimeType)
            return None
        slot = Slot(forwarder.track.kind, self._counters)
        transceiver = self._peer_connection().addTransceiver(slot, direction="sendonly")
        transceiver.setCodecPreferences(preferences)

        def keyframe_request() -> None:
            self._counters.keyframe_requests += 1
            if slot.source is not None:
                slot.source.request_keyframe()

        def encoded() -> None:
            self._counters.frames_encoded += 1

        internals.feed_sender(transceiver.sender, keyframe_request, encoded)
        s = _Sending(
            transceiver, slot, _codec_key(forwarder.codec.mimeType, forwarder.codec.parameters)
        )
        self._sendings.append(s)
        return s

    def _peer_connection(self) -> RTCPeerConnection:
        if self._pc is None:
            room, peer, events = self.room, self.peer, self._events
            self._pc = new_peer_connection(
                self._settings,
                lambda state: events.connection_state(room, peer, "subscribe", state),
            )
        return self._pc

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            for s in self._sendings:
                s.slot.detach()
            if self._pc is not None:
                await self._pc.close()
