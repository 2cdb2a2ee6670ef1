"""A node's door to the meetings' video rooms, wherever they are held.

A room lives on one node (its SFU: media flows between the browsers and that node);
the `RoomDirectory` says which. A socket on this node whose room is held here talks
to the local `VideoService`; one whose room is held elsewhere has its video messages
relayed to the owner over the bus (topic `video-node:<owner>`), and the owner sends
back to `video-node:<origin>` whatever it has for that socket, then the request's
answer (nothing, or a typed error). A node's sockets that only watch the meeting page
learn the rooms held elsewhere from the owners' broadcasts on `video-rooms`.

Failures: a relayed request unanswered within `timeout` fails as `Unavailable`; every
`check_every` seconds the gateway asks which of the nodes it deals with are gone: an
owner gone, its peers here are told to join again (`video_left`, reason "moved"), which
places the room on a live node; an origin gone, the owner drops its peers.

With one node (every room is this node's) nothing is relayed and no task runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from itertools import count
from typing import Any

from meetroom.bus import Envelope
from meetroom.errors import N_, MeetRoomError, Unavailable
from meetroom.protocol import live as p
from meetroom.protocol import video as v
from meetroom.protocol.codec import encode_json
from meetroom.records.meetings import Meeting, MeetingStatus
from meetroom.sessions.live.meeting import Viewer
from meetroom.sessions.live.ports import LiveBus
from meetroom.sessions.video import wire
from meetroom.sessions.video.ports import RoomDirectory
from meetroom.sessions.video.service import RoomView, VideoService

logger = logging.getLogger(__name__)

ROOMS_TOPIC = "video-rooms"  # rooms' states, questions about them, closing them
TIMEOUT = 5.0  # seconds a relayed request may take
CHECK_EVERY = 2.0  # seconds between two looks at the nodes this one deals with
MOVED = "moved"  # the reason of a `video_left` that asks the client to join again

Send = Callable[[bytes], None]


def _node_topic(node: str) -> str:
    return f"video-node:{node}"


def _unavailable() -> Unavailable:
    return Unavailable(
        "video_unavailable", N_("The video server is not answering. Please try again.")
    )


@dataclass
class _Away:
    """A socket of this node whose video peer is held on another node."""

    meeting_id: str
    owner: str


class VideoGateway:
    """What the meeting socket calls for everything video, on every node; the status
    listener that closes a meeting's video room wherever it is held."""

    def __init__(
        self,
        video: VideoService,
        directory: RoomDirectory,
        bus: LiveBus,
        *,
        timeout: float = TIMEOUT,
        check_every: float = CHECK_EVERY,
    ) -> None:
        self.video = video
        self.directory = directory
        self.bus = bus
        self.node = directory.node
        self.timeout = timeout
        self.check_every = check_every
        self._sends: dict[str, Send] = {}  # this node's sockets (connection -> send)
        self._away: dict[str, _Away] = {}  # connection -> where its peer is held
        self._guests: dict[tuple[str, str], str] = {}  # (meeting, peer) -> its origin node
        self._seen: dict[str, str] = {}  # meeting -> node holding its room, watched here
        self._pending: dict[str, tuple[asyncio.Future[dict[str, Any]], str]] = {}
        self._ids = count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._monitor: asyncio.Task[None] | None = None
        self._unsubscribe = [
            bus.subscribe(_node_topic(self.node), self._on_node),
            bus.subscribe(ROOMS_TOPIC, self._on_rooms),
        ]
        video.on_room = self._room_changed

    # -- the meeting socket ------------------------------------------------------------------

    def watch(self, meeting_id: str, connection: str, viewer: Viewer, send: Send) -> None:
        """A socket on the meeting page: told who is in the video, wherever it is."""
        self._sends[connection] = send
        self.video.watch(meeting_id, connection, viewer, send)
        if not self.video.holds(meeting_id):  # whoever holds it tells this socket
            ask = {"ask": meeting_id, "for": connection}
            self.bus.publish(ROOMS_TOPIC, Envelope(b"", detail=ask))

    def unwatch(self, meeting_id: str, connection: str) -> None:
        self.video.unwatch(meeting_id, connection)
        if not self.video.watching(meeting_id):
            self._seen.pop(meeting_id, None)

    async def handle(
        self,
        meeting_id: str,
        peer: str,
        viewer: Viewer,
        send: Send,
        message: p.ClientMessage,
    ) -> p.ServerMessage | None:
        self._sends[peer] = send
        if isinstance(message, v.VideoJoin):
            return await self._join(meeting_id, peer, viewer, send, message)
        away = self._away.get(peer)
        if away is not None and away.meeting_id == meeting_id:
            owner = away.owner
        elif self.video.has_peer(meeting_id, peer):
            owner = self.node
        else:  # the chair moderating from the meeting page, or not in the video
            owner = await self.directory.owner(meeting_id)
        if owner == self.node:
            return await self.video.handle(meeting_id, peer, viewer, send, message)
        if isinstance(message, v.VideoLeave):
            self._away.pop(peer, None)
        await self._relay(owner, meeting_id, peer, viewer, message)
        return None

    async def _join(
        self, meeting_id: str, peer: str, viewer: Viewer, send: Send, message: v.VideoJoin
    ) -> p.ServerMessage | None:
        for _ in range(3):  # the room may move between looking it up and getting there
            owner = await self.directory.owner(meeting_id)
            await self._forget(meeting_id, peer, keep=owner)
            if owner == self.node:
                return await self.video.handle(meeting_id, peer, viewer, send, message)
            self._away[peer] = _Away(meeting_id, owner)
            self._start_monitor()
            answer = await self._relay(owner, meeting_id, peer, viewer, message)
            if not answer.get("moved"):
                return None
        raise _unavailable()

    async def _forget(self, meeting_id: str, peer: str, keep: str) -> None:
        """A peer joining again where its room is now: out of where it was."""
        away = self._away.get(peer)
        if away is not None and (away.owner != keep or away.meeting_id != meeting_id):
            del self._away[peer]
            self._tell(away.owner, "leave", away.meeting_id, peer)
        if keep != self.node and self.video.has_peer(meeting_id, peer):
            await self.video.leave(meeting_id, peer)

    async def leave(self, meeting_id: str, peer: str) -> None:
        """The socket closed: out of the video, wherever it was."""
        self._sends.pop(peer, None)
        away = self._away.pop(peer, None)
        if away is not None:
            self._tell(away.owner, "leave", away.meeting_id, peer)
        await self.video.leave(meeting_id, peer)

    # -- the lifecycle, the lead's drain, the app --------------------------------------------

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> None:
        """A closed meeting closes its video room, on whichever node holds it."""
        if meeting.status is MeetingStatus.ENDED:
            self.bus.publish(ROOMS_TOPIC, Envelope(b"", detail={"close": meeting.id}))
            await self.video.close_room(meeting.id)

    async def hand_over(self) -> None:
        """Draining: take no new rooms, and send everyone in the rooms held here to
        join again, which lands them on another node."""
        self.directory.set_draining()
        for meeting_id in self.video.room_ids():
            await self.directory.release(meeting_id)
            await self.video.close_room(meeting_id, reason=MOVED)

    async def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        tasks = [*self._tasks, *([self._monitor] if self._monitor else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.video.on_room = None
        for meeting_id in self.video.room_ids():  # another node may take them now
            try:
                await self.directory.release(meeting_id)
            except Exception:
                logger.exception("releasing video room %s failed", meeting_id)
        await self.video.close()

    # -- relaying ----------------------------------------------------------------------------

    async def _relay(
        self,
        owner: str,
        meeting_id: str,
        peer: str,
        viewer: Viewer,
        message: p.ClientMessage,
    ) -> dict[str, Any]:
        """Asks the owner; what it sends the socket meanwhile arrives on its own."""
        request = str(next(self._ids))
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request] = (future, owner)
        detail = {
            "request": request,
            "meeting": meeting_id,
            "peer": peer,
            "viewer": wire.viewer_out(viewer),
            "message": wire.message_out(message),
        }
        self.bus.publish(_node_topic(owner), Envelope(b"", detail=detail))
        try:
            answer = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            logger.warning("video node %s did not answer %s", owner, type(message).__name__)
            raise _unavailable() from None
        finally:
            self._pending.pop(request, None)
        if "error" in answer:
            raise wire.error_in(answer["error"])
        if "failed" in answer:
            raise RuntimeError(f"video node {owner} failed on {type(message).__name__}")
        return answer

    def _tell(self, node: str, what: str, meeting_id: str, peer: str) -> None:
        """Without waiting for an answer (a peer leaving)."""
        detail = {what: True, "meeting": meeting_id, "peer": peer}
        self.bus.publish(_node_topic(node), Envelope(b"", detail=detail))

    def _on_node(self, envelope: Envelope) -> None:
        detail = envelope.detail or {}
        if "to" in detail:  # for one of this node's sockets
            send = self._sends.get(detail["to"])
            if send is not None:
                send(envelope.data)
        elif "answer" in detail:
            pending = self._pending.get(detail["answer"])
            if pending is not None and not pending[0].done():
                pending[0].set_result(detail)
        elif "room" in detail:  # the answer to asking about a room
            self._shown(envelope.node, detail["room"], only=detail.get("for"))
        elif "request" in detail:
            self._spawn(self._serve(envelope.node, detail))
        elif "leave" in detail:
            self._guests.pop((detail["meeting"], detail["peer"]), None)
            self._spawn(self.video.leave(detail["meeting"], detail["peer"]))

    async def _serve(self, origin: str, detail: dict[str, Any]) -> None:
        """A request from a socket on `origin`, for a room held here."""
        meeting_id, peer = str(detail["meeting"]), str(detail["peer"])
        answer: dict[str, Any] = {"answer": detail["request"]}
        try:
            message = wire.message_in(detail["message"])
            if isinstance(message, v.VideoJoin):
                if await self.directory.owner(meeting_id) != self.node:
                    answer["moved"] = True
                    self.bus.publish(_node_topic(origin), Envelope(b"", detail=answer))
                    return
                self._guests[(meeting_id, peer)] = origin
                self._start_monitor()
            elif isinstance(message, v.VideoLeave):
                self._guests.pop((meeting_id, peer), None)
            viewer = wire.viewer_in(detail["viewer"])
            send = self._sender(origin, peer)
            reply = await self.video.handle(meeting_id, peer, viewer, send, message)
            if reply is not None:
                send(encode_json(reply))
        except MeetRoomError as exc:
            answer["error"] = wire.error_out(exc)
        except Exception:
            logger.exception("a video request from node %s failed", origin)
            answer["failed"] = True
        self.bus.publish(_node_topic(origin), Envelope(b"", detail=answer))

    def _sender(self, origin: str, connection: str) -> Send:
        topic = _node_topic(origin)

        def send(data: bytes) -> None:
            self.bus.publish(topic, Envelope(data, detail={"to": connection}))

        return send

    # -- rooms -----------------------------------------------------------------------------

    def _room_changed(self, view: RoomView) -> None:
        """A room held here changed: the load, the other nodes' meeting pages."""
        peers, rooms = self.video.load()
        self.directory.set_load(peers, rooms)
        for key in [k for k in self._guests if k[0] == view.meeting_id and k[1] not in view.peers]:
            del self._guests[key]
        self.bus.publish(ROOMS_TOPIC, Envelope(b"", detail={"room": wire.room_out(view)}))
        if not view.peers:
            self._spawn(self.directory.release(view.meeting_id))

    def _on_rooms(self, envelope: Envelope) -> None:
        detail = envelope.detail or {}
        if "room" in detail:
            self._shown(envelope.node, detail["room"])
        elif "ask" in detail:
            view = self.video.view(str(detail["ask"]))
            if view is not None:
                answer = {"room": wire.room_out(view), "for": detail.get("for")}
                self.bus.publish(_node_topic(envelope.node), Envelope(b"", detail=answer))
        elif "close" in detail:
            self._spawn(self.video.close_room(str(detail["close"])))

    def _shown(self, holder: str, data: dict[str, Any], only: str | None = None) -> None:
        """A room held on `holder`, for this node's meeting-page sockets."""
        view = wire.room_in(data)
        if not self.video.watching(view.meeting_id):
            return
        if view.peers:
            self._seen[view.meeting_id] = holder
            self._start_monitor()
        elif self._seen.get(view.meeting_id, holder) != holder:
            return  # the last word of a node the room has left: it is elsewhere now
        else:
            self._seen.pop(view.meeting_id, None)
        self.video.show(view, only=only)

    # -- nodes that are gone ---------------------------------------------------------------

    def _start_monitor(self) -> None:
        if self._monitor is None or self._monitor.done():
            self._monitor = asyncio.get_running_loop().create_task(
                self._watch_nodes(), name=f"video-nodes-{self.node}"
            )

    async def _watch_nodes(self) -> None:
        while self._away or self._guests or self._seen:
            await asyncio.sleep(self.check_every)
            nodes = {a.owner for a in self._away.values()}
            nodes |= set(self._guests.values()) | set(self._seen.values())
            for node in nodes:
                try:
                    alive = await self.directory.alive(node)
                except Exception:
                    logger.exception("could not tell whether video node %s is alive", node)
                    continue
                if not alive:
                    await self._gone(node)

    async def _gone(self, node: str) -> None:
        logger.info("video node %s is gone", node)
        moved = encode_json(v.VideoLeft(reason=MOVED))
        for connection, away in list(self._away.items()):
            if away.owner == node:
                del self._away[connection]
                send = self._sends.get(connection)
                if send is not None:
                    send(moved)  # the client joins again, and the room is placed anew
        for future, owner in list(self._pending.values()):
            if owner == node and not future.done():
                future.set_exception(_unavailable())
        for meeting_id, holder in list(self._seen.items()):
            if holder == node:
                del self._seen[meeting_id]
                self.video.show(wire.empty_room(meeting_id))
        for (meeting_id, peer), origin in list(self._guests.items()):
            if origin == node:
                del self._guests[(meeting_id, peer)]
                await self.video.leave(meeting_id, peer)

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
