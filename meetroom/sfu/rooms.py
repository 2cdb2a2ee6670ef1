"""The SFU: rooms of publish and subscribe connections, driven by the domain."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from meetroom.errors import N_, NotFound
from meetroom.sfu import aiortc_internals as internals
from meetroom.sfu.api import PublishedTrack, SfuEvents, SfuSettings
from meetroom.sfu.forwarding import Counters, Forwarder
from meetroom.sfu.peer import Background
from meetroom.sfu.publish import PublishConnection
from meetroom.sfu.subscribe import SubscribeConnection

logger = logging.getLogger(__name__)


@dataclass
class _Room:
    publishers: dict[str, PublishConnection] = field(default_factory=dict)
    subscribers: dict[str, SubscribeConnection] = field(default_factory=dict)
    forwarders: dict[str, Forwarder] = field(default_factory=dict)  # track id -> forwarder
    publish_locks: dict[str, asyncio.Lock] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomLoad:
    publishers: int
    subscribers: int
    tracks: int
    subscriptions: int


class SFU:
    """Forwards each published track, encoded, to the peers the domain subscribes."""

    def __init__(self, settings: SfuSettings, events: SfuEvents) -> None:
        internals.check()  # fail at start, not mid-meeting, if aiortc moved
        self._settings = settings
        self._events = events
        self._counters = Counters()
        self._rooms: dict[str, _Room] = {}
        self._background = Background()

    def _room(self, room: str) -> _Room:
        return self._rooms.setdefault(room, _Room())

    async def publish(self, room: str, peer: str, offer_sdp: str) -> str:
        """Answer the client's publish offer (first or renegotiated); returns the answer."""
        r = self._room(room)
        lock = r.publish_locks.setdefault(peer, asyncio.Lock())
        async with lock:
            conn = r.publishers.get(peer)
            if conn is None:
                conn = PublishConnection(room, peer, self._settings, self._counters, self._events)
                r.publishers[peer] = conn
            result = await conn.negotiate(offer_sdp)
            for forwarder in result.removed:
                self._end_track(room, r, forwarder)
            for forwarder in result.added:
                r.forwarders[forwarder.track.track_id] = forwarder
            if result.added or result.removed:
                self._events.tracks_changed(room, peer, conn.tracks())
            return result.answer

    async def answer(self, room: str, peer: str, answer_sdp: str) -> None:
        """The client's answer to its last subscribe offer."""
        conn = self._rooms.get(room, _Room()).subscribers.get(peer)
        if conn is None:
            raise NotFound("sfu.no_subscription", N_("There is no media subscription to answer."))
        await conn.answer(answer_sdp)

    async def subscribe(self, room: str, peer: str, track_ids: set[str]) -> None:
        """`peer` should now receive exactly `track_ids` (unknown ids are ignored)."""
        r = self._room(room)
        conn = r.subscribers.get(peer)
        if conn is None:
            if not track_ids:
                return
            conn = SubscribeConnection(
                room, peer, self._settings, self._counters, self._events, r.forwarders.get
            )
            r.subscribers[peer] = conn
        await conn.set_tracks(track_ids)

    def tracks(self, room: str) -> list[PublishedTrack]:
        r = self._rooms.get(room)
        return [f.track for f in r.forwarders.values()] if r else []

    def audio_levels(self, room: str) -> dict[str, float]:
        """publisher -> recent audio level 0..1 (linear amplitude, 1 = loudest)."""
        r = self._rooms.get(room)
        levels: dict[str, float] = {}
        if r is None:
            return levels
        now = time.monotonic()
        for f in r.forwarders.values():
            if f.track.kind == "audio":
                p = f.track.publisher
                levels[p] = max(levels.get(p, 0.0), f.audio_level(now))
        return levels

    def counters(self) -> dict[str, int]:
        return self._counters.as_dict()

    def rooms(self) -> dict[str, RoomLoad]:
        """Per-room load, e.g. to place rooms on nodes."""
        return {
            name: RoomLoad(
                publishers=len(r.publishers),
                subscribers=len(r.subscribers),
                tracks=len(r.forwarders),
                subscriptions=sum(len(f.slots) for f in r.forwarders.values()),
            )
            for name, r in self._rooms.items()
        }

    async def leave(self, room: str, peer: str) -> None:
        """Close both of `peer`'s connections; its tracks end."""
        r = self._rooms.get(room)
        if r is None:
            return
        sub = r.subscribers.pop(peer, None)
        pub = r.publishers.pop(peer, None)
        r.publish_locks.pop(peer, None)
        if pub is not None:
            for forwarder in pub.forwarders.values():
                self._end_track(room, r, forwarder)
            pub.forwarders.clear()
            self._events.tracks_changed(room, peer, [])
        for conn in (sub, pub):
            if conn is not None:
                await conn.close()
        # Another leave may have emptied and dropped the room while this one awaited.
        if not r.publishers and not r.subscribers and self._rooms.get(room) is r:
            del self._rooms[room]

    async def close(self) -> None:
        for room, r in list(self._rooms.items()):
            for peer in set(r.publishers) | set(r.subscribers):
                await self.leave(room, peer)
        await self._background.cancel()

    def _end_track(self, room: str, r: _Room, forwarder: Forwarder) -> None:
        track_id = forwarder.track.track_id
        r.forwarders.pop(track_id, None)
        forwarder.close()
        for peer, conn in r.subscribers.items():
            if track_id in conn.wanted:
                conn.wanted.discard(track_id)
                self._background.spawn(conn.renegotiate(), f"renegotiating {room}/{peer}")
