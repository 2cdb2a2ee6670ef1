"""A participant's publish connection: the client offers, the SFU answers.

Each m-line the client sends on becomes a published track with a `Forwarder`, fed by a
tap on the receiver (no decoder). A renegotiation (a screen share added or removed, a
track replaced on a recycled m-line) ends and starts tracks accordingly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiortc import RTCRtpReceiver, RTCSessionDescription
from aiortc.rtp import RtpPacket
from aiortc.sdp import SessionDescription

from meetroom.errors import N_, Invalid
from meetroom.sfu import aiortc_internals as internals
from meetroom.sfu.api import PublishedTrack, SfuEvents, SfuSettings
from meetroom.sfu.forwarding import Counters, Forwarder
from meetroom.sfu.peer import Background, msid_of, new_id, new_peer_connection

logger = logging.getLogger(__name__)


@dataclass
class Negotiated:
    answer: str
    added: list[Forwarder]
    removed: list[Forwarder]


def _drop(packet: RtpPacket) -> None:
    """Where an m-line whose track ended sends what still trickles in."""


class PublishConnection:
    def __init__(
        self,
        room: str,
        peer: str,
        settings: SfuSettings,
        counters: Counters,
        events: SfuEvents,
    ) -> None:
        self.room = room
        self.peer = peer
        self._settings = settings
        self._counters = counters
        self.forwarders: dict[str, Forwarder] = {}  # mid -> its current track
        self._keys: dict[str, tuple[str, str, str]] = {}  # mid -> (stream, track, codec)
        self._background = Background()
        self.pc = new_peer_connection(
            settings, lambda state: events.connection_state(room, peer, "publish", state)
        )

    def _on_decoded(self) -> None:
        self._counters.frames_decoded += 1

    def _send_pli(self, receiver: RTCRtpReceiver, ssrc: int) -> None:
        self._background.spawn(internals.send_pli(receiver, ssrc), "PLI to the publisher")

    def _pli_sender(self, receiver: RTCRtpReceiver) -> Callable[[int], None]:
        return lambda ssrc: self._send_pli(receiver, ssrc)

    async def negotiate(self, offer_sdp: str) -> Negotiated:
        """Apply the client's offer; returns the answer and the tracks that came and went.
        The caller serialises calls for one connection."""
        try:
            parsed = SessionDescription.parse(offer_sdp)
            await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        except Exception as exc:  # aiortc raises ValueError, OperationError, ...
            logger.info("publish offer from %s/%s refused: %s", self.room, self.peer, exc)
            raise Invalid("sfu.bad_offer", N_("The media offer could not be used.")) from exc
        msids = {m.rtp.muxId: msid_of(m) for m in parsed.media if m.kind in ("audio", "video")}

        added: list[Forwarder] = []
        removed: list[Forwarder] = []
        for transceiver in self.pc.getTransceivers():
            mid = transceiver.mid
            if mid is None:
                continue
            receiver = transceiver.receiver
            sending = internals.remote_sends(transceiver)
            codec = internals.keep_first_codec(transceiver) if sending else None
            stream, track = msids.get(mid, ("", ""))
            key = (stream, track, codec.mimeType.lower() if codec else "")
            current = self.forwarders.get(mid)
            if current is not None and (not sending or self._keys[mid] != key):
                del self.forwarders[mid]
                removed.append(current)
                if internals.is_tapped(receiver):
                    internals.retarget_receiver(receiver, _drop)
            if not sending or mid in self.forwarders:
                continue
            assert codec is not None
            published = PublishedTrack(
                room=self.room,
                publisher=self.peer,
                track_id=new_id("TR"),
                kind=transceiver.kind,
                source=stream,
                codec=codec.mimeType,
            )
            forwarder = Forwarder(
                published,
                codec,
                self._counters,
                self._settings.pli_min_interval,
                self._pli_sender(receiver),
            )
            if internals.is_tapped(receiver):
                internals.retarget_receiver(receiver, forwarder.on_packet)
            else:
                internals.tap_receiver(receiver, forwarder.on_packet, self._on_decoded)
            self.forwarders[mid] = forwarder
            self._keys[mid] = key
            added.append(forwarder)

        answer = await self.pc.createAnswer()
        with internals.host_addresses(self._settings.host_addresses):
            await self.pc.setLocalDescription(answer)
        return Negotiated(self.pc.localDescription.sdp, added, removed)

    def tracks(self) -> list[PublishedTrack]:
        return [f.track for f in self.forwarders.values()]

    async def close(self) -> None:
        await self._background.cancel()
        await self.pc.close()
