"""The meeting's video room: who is in it, who waits in the lobby, what each one
sends, the active speaker and the chair's moderation (a raised hand is a request to
speak, in the floor's queue: see `meetroom.sessions.floor`). Media goes
through a `MediaRouter` (the SFU); this module decides who receives what.

Peers are socket connections: a person in the video from two devices is two peers.
Everyone admitted receives every track of everyone else."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from meetroom.errors import N_, Forbidden, Invalid, NotFound
from meetroom.protocol import live as p
from meetroom.protocol import video as v
from meetroom.protocol.codec import encode_json
from meetroom.records.meetings import Grant, Meeting, MeetingRole, MeetingStatus
from meetroom.sessions.live.meeting import Viewer
from meetroom.sessions.video.ports import MediaEvents, MediaRouter, PublishedTrackView

logger = logging.getLogger(__name__)

SPEAKING_INTERVAL = 0.3  # seconds between two speaker updates
SPEAKING_THRESHOLD = 0.1  # level (0..1) under which nobody is speaking


@dataclass
class _Peer:
    viewer: Viewer
    send: Callable[[bytes], None]
    admitted: bool
    audio: bool = False
    video: bool = False
    screen: bool = False
    screen_stream: str | None = None


@dataclass
class _Room:
    id: str
    peers: dict[str, _Peer] = field(default_factory=dict)
    locked: bool = False
    let_in: set[str] = field(default_factory=set)  # participants the chair admitted
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # subscription changes
    speaking: asyncio.Task[None] | None = None
    active: str | None = None


IceServers = Callable[[str], list[v.IceServerInfo]]


@dataclass(frozen=True)
class RoomView:
    """What a room looks like now, for the meeting-page sockets held elsewhere: the
    full `VideoRoom` (lobby included) and the room's peers (key -> admitted)."""

    meeting_id: str
    room: v.VideoRoom
    peers: dict[str, bool]


def _check_sdp(sdp: str, offer: bool) -> None:
    if sdp.startswith("v=0") and "\nm=" in sdp:
        return
    if offer:
        raise Invalid("bad_sdp", N_("The media offer could not be used."))
    raise Invalid("bad_sdp", N_("The media answer could not be used."))


class VideoService:
    """Implements `MediaEvents` for the router it builds with `router_factory`."""

    def __init__(
        self, router_factory: Callable[[MediaEvents], MediaRouter], ice_servers: IceServers
    ) -> None:
        self.media = router_factory(self)
        self.ice_servers = ice_servers
        self._rooms: dict[str, _Room] = {}
        self._watchers: dict[str, dict[str, tuple[Viewer, Callable[[bytes], None]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # Told each time a room changes (who is in it, the lobby, the lock), an emptied
        # room included: what the rest of the deployment needs to know.
        self.on_room: Callable[[RoomView], None] | None = None

    # -- messages from a client ------------------------------------------------------------

    async def handle(
        self,
        meeting_id: str,
        peer: str,
        viewer: Viewer,
        send: Callable[[bytes], None],
        message: p.ClientMessage,
    ) -> p.ServerMessage | None:
        room = self._rooms.get(meeting_id)
        me = room.peers.get(peer) if room else None
        match message:
            case v.VideoJoin(audio=audio, video=video):
                await self._join(meeting_id, peer, viewer, send, audio, video)
                return None
            case v.VideoLeave():
                await self.leave(meeting_id, peer)
                return None
        match message:
            case v.Admit() | v.LockRoom() | v.Moderate() if room is None:
                raise NotFound("peer_not_found", N_("This participant is not in the video."))
        # The chair moderates from the meeting page, in the video or not.
        match message:
            case v.Admit(peer=target, admit=admit) if room is not None:
                self._require_moderator(viewer)
                await self._admit(room, target, admit)
                return None
            case v.LockRoom(locked=locked) if room is not None:
                self._require_moderator(viewer)
                room.locked = locked
                self._announce(room)
                return None
            case v.Moderate(peer=target, action=action) if room is not None:
                self._require_moderator(viewer)
                await self._moderate(room, viewer, target, action)
                return None
        if room is None or me is None:
            raise Invalid("not_in_video", N_("Join the video first."))
        if not me.admitted:
            raise Forbidden("in_lobby", N_("Please wait until the chair lets you in."))
        match message:
            case v.RtcOffer(sdp=sdp):
                _check_sdp(sdp, offer=True)
                if Grant.CAN_PUBLISH not in viewer.grants:
                    raise Forbidden("may_not_publish", N_("You may only watch and listen here."))
                return v.RtcAnswered(sdp=await self.media.publish(room.id, peer, sdp))
            case v.RtcAnswer(sdp=sdp):
                _check_sdp(sdp, offer=False)
                await self.media.answer(room.id, peer, sdp)
                return None
            case v.MediaState(audio=audio, video=video, screen=screen, screen_stream=stream):
                me.audio, me.video, me.screen = audio, video, screen
                me.screen_stream = stream if screen else None
                self._announce(room)
                return None
        raise Invalid("unknown_type", N_("Unknown message type."))

    async def _join(
        self,
        meeting_id: str,
        peer: str,
        viewer: Viewer,
        send: Callable[[bytes], None],
        audio: bool,
        video: bool,
    ) -> None:
        room = self._rooms.get(meeting_id)
        if room is None:
            room = self._rooms[meeting_id] = _Room(meeting_id)
            room.speaking = asyncio.get_running_loop().create_task(self._speaking(room))
        # Under the room's lock, which subscription changes also take: none of them can
        # slip an offer for this peer in before its `video_joined` (the client could
        # not place it), or subscribe the peer's previous self while it is let go.
        async with room.lock:
            if peer in room.peers:
                # Joining again (after its media failed, say): start this peer afresh.
                del room.peers[peer]
                await self.media.leave(room.id, peer)
            # Guests, and anyone arriving in a locked room, wait for the chair: once let
            # in, a person comes back (another device, a lost connection) without waiting.
            waits = (
                (room.locked or viewer.role == MeetingRole.GUEST.value)
                and not self._moderates(viewer)
                and viewer.key not in room.let_in
            )
            room.peers[peer] = _Peer(viewer, send, admitted=not waits, audio=audio, video=video)
            joined = v.VideoJoined(
                peer=peer, ice_servers=self.ice_servers(viewer.key), waiting=waits
            )
            send(encode_json(joined))
        self._announce(room)
        if not waits:
            self._resubscribe(room)
        return None

    async def leave(self, meeting_id: str, peer: str) -> None:
        """Out of the video (or the socket closed): the others see the tile go."""
        room = self._rooms.get(meeting_id)
        if room is None or room.peers.pop(peer, None) is None:
            return
        self._announce(room)
        if not room.peers:
            del self._rooms[meeting_id]
            if room.speaking is not None:
                room.speaking.cancel()
        try:
            async with room.lock:  # not while its subscriptions are being changed
                await self.media.leave(room.id, peer)
        except Exception:
            logger.exception("closing the media of %s in room %s failed", peer, room.id)

    async def close_room(self, meeting_id: str, reason: str = "closed") -> None:
        """Everyone out of a meeting's video (the meeting was closed)."""
        room = self._rooms.get(meeting_id)
        if room is None:
            return
        for peer, member in list(room.peers.items()):
            member.send(encode_json(v.VideoLeft(reason=reason)))
            await self.leave(meeting_id, peer)

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> None:
        """A closed meeting closes its video room (see meetings/lifecycle.py)."""
        if meeting.status is MeetingStatus.ENDED:
            await self.close_room(meeting.id)

    async def close(self) -> None:
        for room in list(self._rooms.values()):
            for peer in list(room.peers):
                await self.leave(room.id, peer)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.media.close()

    # -- the chair -------------------------------------------------------------------------

    @staticmethod
    def _moderates(viewer: Viewer) -> bool:
        return Grant.MODERATOR in viewer.grants

    def _require_moderator(self, viewer: Viewer) -> None:
        if not self._moderates(viewer):
            raise Forbidden("not_moderator", N_("Only the chair can do this."))

    def _target(self, room: _Room, peer: str) -> _Peer:
        target = room.peers.get(peer)
        if target is None:
            raise NotFound("peer_not_found", N_("This participant is not in the video."))
        return target

    async def _admit(self, room: _Room, peer: str, admit: bool) -> None:
        target = self._target(room, peer)
        if target.admitted:
            return
        target.send(encode_json(v.LobbyDecision(admitted=admit)))
        if admit:
            target.admitted = True
            room.let_in.add(target.viewer.key)
            self._announce(room)
            self._resubscribe(room)
        else:
            target.send(encode_json(v.VideoLeft(reason="denied")))
            await self.leave(room.id, peer)

    async def _moderate(self, room: _Room, by: Viewer, peer: str, action: str) -> None:
        target = self._target(room, peer)
        target.send(encode_json(v.Moderated(action=action, by=by.name)))  # type: ignore[arg-type]
        if action == "mute":
            target.audio = False
        elif action == "stop_video":
            target.video = False
        elif action == "remove":
            target.send(encode_json(v.VideoLeft(reason="removed")))
            await self.leave(room.id, peer)
            return
        self._announce(room)

    # -- what everyone sees ------------------------------------------------------------------

    def _announce(self, room: _Room) -> None:
        view = self._view(room)
        plain, full = self._encoded(view)
        # Everyone in the room (the chair also learns who waits); those in the lobby
        # learn nothing yet.
        for peer in room.peers.values():
            if self._moderates(peer.viewer):
                peer.send(full)
            elif peer.admitted:
                peer.send(plain)
        self._show(view, plain, full)
        if self.on_room is not None:
            self.on_room(view)

    def _view(self, room: _Room) -> RoomView:
        people = [
            v.VideoPerson(
                peer=key, participant=peer.viewer.key, name=peer.viewer.name,
                role=peer.viewer.role, audio=peer.audio, video=peer.video, screen=peer.screen,
                screen_stream=peer.screen_stream,
                moderator=self._moderates(peer.viewer),
            )
            for key, peer in room.peers.items()
            if peer.admitted
        ]  # fmt: skip
        lobby = [v.LobbyEntry(peer=k, name=x.viewer.name) for k, x in room.peers.items()
                 if not x.admitted]  # fmt: skip
        return RoomView(
            room.id,
            v.VideoRoom(people=people, locked=room.locked, lobby=lobby),
            {key: peer.admitted for key, peer in room.peers.items()},
        )

    @staticmethod
    def _encoded(view: RoomView) -> tuple[bytes, bytes]:
        plain = v.VideoRoom(people=view.room.people, locked=view.room.locked)
        return encode_json(plain), encode_json(view.room)

    def _show(self, view: RoomView, plain: bytes, full: bytes, only: str | None = None) -> None:
        # Everyone on the meeting page learns who is in the video (the chair also who
        # waits, without having to join); a socket in the room is told as a peer.
        for key, (viewer, send) in self._watchers.get(view.meeting_id, {}).items():
            if key not in view.peers and only in (None, key):
                send(full if self._moderates(viewer) else plain)

    def show(self, view: RoomView, only: str | None = None) -> None:
        """A room held elsewhere: tell this service's meeting-page sockets (or one)."""
        if view.meeting_id in self._watchers:
            self._show(view, *self._encoded(view), only=only)

    def view(self, meeting_id: str) -> RoomView | None:
        """What a room held here looks like, if it is."""
        room = self._rooms.get(meeting_id)
        return self._view(room) if room is not None else None

    # -- what the gateway asks (see video/relay.py) ---------------------------------------

    def holds(self, meeting_id: str) -> bool:
        return meeting_id in self._rooms

    def has_peer(self, meeting_id: str, peer: str) -> bool:
        room = self._rooms.get(meeting_id)
        return room is not None and peer in room.peers

    def watching(self, meeting_id: str) -> bool:
        return meeting_id in self._watchers

    def room_ids(self) -> list[str]:
        return list(self._rooms)

    def load(self) -> tuple[int, int]:
        """Peers in, and number of, the rooms held here (an emptied room is none)."""
        held = [len(room.peers) for room in self._rooms.values() if room.peers]
        return sum(held), len(held)

    # -- the meeting page's sockets ------------------------------------------------------

    def watch(
        self, meeting_id: str, connection: str, viewer: Viewer, send: Callable[[bytes], None]
    ) -> None:
        """A socket on the meeting page: told who is in the video, before joining it."""
        self._watchers.setdefault(meeting_id, {})[connection] = (viewer, send)
        room = self._rooms.get(meeting_id)
        if room is not None:
            self._announce(room)

    def unwatch(self, meeting_id: str, connection: str) -> None:
        watchers = self._watchers.get(meeting_id)
        if watchers is not None:
            watchers.pop(connection, None)
            if not watchers:
                del self._watchers[meeting_id]

    def _resubscribe(self, room: _Room) -> None:
        """Every admitted peer receives every track of the other admitted peers."""
        self._spawn(self._apply_subscriptions(room))

    async def _apply_subscriptions(self, room: _Room) -> None:
        async with room.lock:
            tracks = self.media.tracks(room.id)
            for key, peer in list(room.peers.items()):
                if not peer.admitted or room.peers.get(key) is not peer:
                    continue
                wanted = {
                    t.track_id
                    for t in tracks
                    if t.publisher != key and self._admitted(room, t.publisher)
                }
                try:
                    await self.media.subscribe(room.id, key, wanted)
                except Exception:
                    logger.exception("subscribing %s in room %s failed", key, room.id)

    @staticmethod
    def _admitted(room: _Room, peer: str) -> bool:
        found = room.peers.get(peer)
        return found is not None and found.admitted

    async def _speaking(self, room: _Room) -> None:
        while True:
            await asyncio.sleep(SPEAKING_INTERVAL)
            levels = {
                k: round(level, 2)
                for k, level in self.media.audio_levels(room.id).items()
                if self._admitted(room, k)
            }
            loudest = max(levels, key=levels.__getitem__, default=None)
            active = loudest if loudest and levels[loudest] >= SPEAKING_THRESHOLD else None
            if not levels and room.active is None:
                continue
            room.active = active
            data = encode_json(v.Speaking(active=active, levels=levels))
            for peer in room.peers.values():
                if peer.admitted:
                    peer.send(data)

    def _spawn(self, work: object) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- MediaEvents ---------------------------------------------------------------------------

    def offer(self, room: str, peer: str, sdp: str, tracks: dict[str, str]) -> None:
        found = self._rooms.get(room)
        target = found.peers.get(peer) if found else None
        if found is None or target is None:
            return
        by_id = {t.track_id: t for t in self.media.tracks(room)}
        infos = {
            mid: v.TrackInfo(peer=t.publisher, kind=t.kind, source=t.source)
            for mid, track_id in tracks.items()
            if (t := by_id.get(track_id)) is not None
        }
        target.send(encode_json(v.RtcOffered(sdp=sdp, tracks=infos)))

    def tracks_changed(
        self, room: str, publisher: str, tracks: Sequence[PublishedTrackView]
    ) -> None:
        found = self._rooms.get(room)
        if found is not None:
            self._resubscribe(found)

    def connection_state(self, room: str, peer: str, which: str, state: str) -> None:
        # A failed connection is the client's to repair (it rejoins, see live/video.js).
        logger.info("video %s: %s connection of %s is %s", room, which, peer, state)
