"""The meeting WebSocket (`/m/{meeting_id}/socket`): the handler checks who may open
it, then reads messages; each connection's state (its queue and writer task, rate limit,
place in the live session and the video, drop and end) is a LiveConnection."""

from __future__ import annotations

import asyncio
import enum
import logging
import time
import typing
import weakref
from collections.abc import Iterator

from aiohttp import WSCloseCode, WSMsgType, web

from meetroom.errors import (
    N_,
    Category,
    Forbidden,
    Invalid,
    MeetRoomError,
    Unauthenticated,
    Unavailable,
)  # fmt: skip
from meetroom.ids import MeetingId, new_id
from meetroom.protocol import floor as f
from meetroom.protocol import live as p
from meetroom.protocol import video as v
from meetroom.protocol import votes as pv
from meetroom.protocol.codec import decode_json, encode_json
from meetroom.protocol.socket import AllClientMessages
from meetroom.server.context import is_draining, principal, services
from meetroom.server.edge import WS_CLOSE_CODE, WS_CLOSE_CODE_OF_ERROR, ws_close_code
from meetroom.server.middlewares import check_origin
from meetroom.server.paths import path_id
from meetroom.server.render import translations_for
from meetroom.sessions.live.meeting import Viewer
from meetroom.sessions.live.rights import Hooks

logger = logging.getLogger(__name__)

MAX_MESSAGE = 64 * 1024
# Events waiting for a slow client, in number and in bytes (strokes can be large);
# past either it is dropped and resyncs on reconnect. What a client is sent on
# joining (the welcome, a long meeting's annotations in pages, or a replay) waits in
# the queue as one entry, outside the byte bound: its own bounds are in
# sessions/live/snapshot.py, and it is encoded a page at a time as it goes out.
QUEUE_SIZE = 1024
QUEUE_BYTES = 1024 * 1024
# Messages per second a client may send (drawing sends ~30), and the burst above it.
RATE = 100.0
BURST = 300.0
# How far past the burst a client may go, ignoring the errors, before it is cut off.
ABUSE = 300.0
CLOSE_TOO_SLOW = 4008
# Rights that ended while connected (sessions/live/rights.py): the page says why and does
# not reconnect. The session ended (signed out everywhere, password reset or changed
# elsewhere, account disabled); removed from the meeting; the join link was replaced.
# 1013 (try again later): the rights could not be checked, the page reconnects.
CLOSE_SIGNED_OUT = WS_CLOSE_CODE[Category.UNAUTHENTICATED]  # 4401
CLOSE_REMOVED = WS_CLOSE_CODE[Category.FORBIDDEN]  # 4403
CLOSE_LINK_REPLACED = WS_CLOSE_CODE_OF_ERROR["join_link_replaced"]  # 4410
CLOSE_TIMEOUT = 2.0  # seconds a dropped client has to take its close frame
LIVE_SOCKETS = web.AppKey("live_sockets", weakref.WeakSet[web.WebSocketResponse])
CLOSE_FLOODING = WS_CLOSE_CODE[Category.RATE_LIMITED]
VIDEO_MESSAGES = typing.get_args(v.VideoClientMessages)
FLOOR_MESSAGES = typing.get_args(f.FloorClientMessages)
INTERNAL = MeetRoomError(
    "internal_error", N_("Something went wrong on the server. It has been logged.")
)


class _Bucket:
    def __init__(self) -> None:
        self.tokens = BURST
        self.at = time.monotonic()

    def take(self) -> float:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.at) * RATE) - 1
        self.at = now
        return self.tokens


class Admission(enum.Enum):
    ACCEPTED = enum.auto()
    REFUSED = enum.auto()  # answered with an error; the socket stays open
    FLOODING = enum.auto()  # far past the burst: the socket is closed


def _ref(data: str | bytes) -> str | None:
    try:
        found = decode_json(data, p.Reference)  # type: ignore[arg-type]
    except MeetRoomError:
        return None
    return found.op_id or found.type


async def close_live_sockets(app: web.Application) -> None:
    """On shutdown: tell every tablet at once (it reconnects to the next server)."""
    sockets: weakref.WeakSet[web.WebSocketResponse] = app[LIVE_SOCKETS]
    await asyncio.gather(
        *(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down") for ws in sockets)
    )


class LiveConnection:
    """One meeting socket's state once upgraded: its queue and writer task, its rate
    limit, its place in the live session and the video, and how it is dropped (too
    slow) or ended (its rights ended: live_rights.py). `send` and `send_many` are what
    the session and the video call to reach it."""

    def __init__(
        self,
        request: web.Request,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        meeting_id: MeetingId,
        viewer: Viewer,
    ) -> None:
        self.ws = ws
        self.transport = transport  # taken before the upgrade, to cut a stalled client off
        self.meeting_id = meeting_id
        self.viewer = viewer
        self.live = services(request).live
        self.video = services(request).video_gateway  # the video room, on whichever node
        self.floor = services(request).floor
        self.votes = services(request).votes
        self.translations = translations_for(request)
        self.connection_id = new_id()
        self.queue: asyncio.Queue[bytes | Iterator[bytes]] = asyncio.Queue(QUEUE_SIZE)
        self.queued = 0  # bytes in the queue
        self.closing: set[asyncio.Task[None]] = set()  # a reference to the closing tasks
        self.dropped = False
        self.ended: MeetRoomError | None = None  # the reason its rights ended
        self.joined = False
        self.in_video = False
        self.left = False
        self.bucket = _Bucket()
        self.writer = asyncio.create_task(self._write(), name=f"ws-writer-{self.connection_id}")

    # -- out: one writer task, a bounded queue --------------------------------------

    def send(self, data: bytes) -> None:
        if self.dropped:
            return
        if self.queued + len(data) > QUEUE_BYTES:
            self._too_slow()
            return
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self._too_slow()
            return
        self.queued += len(data)

    def send_many(self, frames: Iterator[bytes]) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(frames)
        except asyncio.QueueFull:
            self._too_slow()

    def error(self, exc: MeetRoomError, ref: str | None = None) -> None:
        text = self.translations.gettext(exc.message)
        message = text.format(**exc.params) if exc.params else text
        self.send(encode_json(p.Error(code=exc.code, message=message, ref=ref)))

    async def _write(self) -> None:
        while True:
            await self._write_one(await self.queue.get())
            # Whatever queued up meanwhile goes out in this turn of the loop.
            while not self.queue.empty():
                await self._write_one(self.queue.get_nowait())

    async def _write_one(self, entry: bytes | Iterator[bytes]) -> None:
        if isinstance(entry, bytes):
            self.queued -= len(entry)
            await self.ws.send_frame(entry, WSMsgType.TEXT)
            return
        for data in entry:
            await self.ws.send_frame(data, WSMsgType.TEXT)

    def _too_slow(self) -> None:
        self.dropped = True
        logger.info("dropping a slow client of meeting %s", self.meeting_id)
        self.closing.add(asyncio.get_running_loop().create_task(self._drop()))

    async def _drop(self) -> None:
        # A client that reads again soon gets the close code and resumes at once; one
        # that has stalled cannot even take the close frame, and is cut off.
        try:
            await asyncio.wait_for(
                self.ws.close(code=CLOSE_TOO_SLOW, message=b"too slow; reconnect"), CLOSE_TIMEOUT
            )
        except TimeoutError:
            if self.transport is not None:
                self.transport.abort()

    # -- rights that end or change while connected (live_rights.py's hooks) ---------

    def end(self, reason: MeetRoomError) -> None:
        """Its rights ended: nothing more goes out but the close frame, and it is out
        of the session and the video at once, whether or not the client takes that
        frame."""
        if self.ended is not None:
            return
        self.ended, self.dropped = reason, True
        self.writer.cancel()
        self.closing.add(asyncio.get_running_loop().create_task(self._finish(reason)))

    async def _finish(self, reason: MeetRoomError) -> None:
        message = reason.code.encode()[:120]
        close = asyncio.ensure_future(
            asyncio.wait_for(
                self.ws.close(code=ws_close_code(reason), message=message), CLOSE_TIMEOUT
            )
        )
        await self.leave()
        try:
            await close
        except TimeoutError:
            if self.transport is not None:
                self.transport.abort()

    def changed(self, new: Viewer) -> None:
        """New rights: its video follows (a demoted chair moderates no more, one who
        may no longer publish joins again to listen only)."""
        self.viewer = new
        self.video.watch(self.meeting_id, self.connection_id, new, self.send)
        if self.in_video:
            self.closing.add(asyncio.get_running_loop().create_task(self._rejoin_video()))

    async def _rejoin_video(self) -> None:
        try:
            await self.video.leave(self.meeting_id, self.connection_id)
        except Exception:
            logger.exception("meeting %s: leaving the video on new rights failed", self.meeting_id)
        self.send(encode_json(v.VideoLeft(reason="moved")))  # the client joins again

    async def leave(self) -> None:
        if self.left:
            return
        self.left = True
        self.video.unwatch(self.meeting_id, self.connection_id)
        for leaving in (self.video.leave, self.live.leave):
            try:
                await leaving(self.meeting_id, self.connection_id)
            except Exception:
                logger.exception("leaving meeting %s failed", self.meeting_id)

    # -- in -------------------------------------------------------------------------

    def admit(self, data: str | bytes) -> Admission:
        """Its size and the rate limit; a refused message is answered here."""
        if len(data) > MAX_MESSAGE:
            self.error(Invalid("too_large", N_("The message is too large.")))
            return Admission.REFUSED
        tokens = self.bucket.take()
        if tokens < -ABUSE:
            return Admission.FLOODING
        if tokens < 0:
            # Refused with a reference, so that the client knows what to send again.
            self.error(Invalid("rate_limited", N_("Too many messages; slow down.")), _ref(data))
            return Admission.REFUSED
        return Admission.ACCEPTED

    async def receive(self, message: p.ClientMessage, ref: str, since: float) -> object | None:
        """What a message does, and the reply to it if any: hello first (joining the
        session), then video signalling or the live session's messages."""
        if not self.joined:
            if not isinstance(message, p.Hello):
                self.error(Invalid("hello_first", N_("Say hello first.")), ref)
                return None
            hooks = Hooks(end=self.end, changed=self.changed)
            await self.live.join(
                self.viewer, self.meeting_id, self.connection_id, message, self.send,
                send_many=self.send_many, hooks=hooks, since=since,
            )  # fmt: skip
            self.joined = True
            if self.ended is None:
                self.video.watch(self.meeting_id, self.connection_id, self.viewer, self.send)
                self.floor.welcome(self.meeting_id, self.send)
            return None
        if isinstance(message, FLOOR_MESSAGES):
            self.live.rights.refuse_ended(self.connection_id)
            return await self.floor.handle(self.viewer, self.meeting_id, message)
        if isinstance(message, pv.VoteCast):
            self.live.rights.refuse_ended(self.connection_id)
            return await self.votes.handle(self.viewer, self.meeting_id, message)
        if isinstance(message, v.RaiseHand):
            # A hand raised in the video asks to speak: one queue, the floor's.
            self.live.rights.refuse_ended(self.connection_id)
            await self.floor.raise_hand(self.viewer, self.meeting_id, message.raised)
            return None
        if isinstance(message, VIDEO_MESSAGES):
            if isinstance(message, v.VideoJoin):
                self.live.joining_video(self.connection_id)  # not once the meeting ended
            reply = await self.video.handle(
                self.meeting_id, self.connection_id, self.viewer, self.send, message
            )
            if isinstance(message, v.VideoJoin):
                self.in_video = True
                await self.live.joined_video(self.meeting_id, self.connection_id)
            elif isinstance(message, v.VideoLeave):
                self.in_video = False
            return reply
        return await self.live.handle(self.meeting_id, self.connection_id, message)

    async def close(self) -> None:
        """The socket closed: out of the session and the video, the writer stopped."""
        if self.joined:
            await self.leave()
        self.writer.cancel()
        await asyncio.gather(self.writer, return_exceptions=True)


async def live_socket(request: web.Request) -> web.StreamResponse:
    meeting_id = path_id(request, MeetingId)
    if is_draining(request.app):
        # 503 before the upgrade: a proxy tries the next node, a client retries.
        raise Unavailable("node_draining", N_("This server is restarting; reconnecting."))
    if not request.headers.get("Origin"):
        raise Forbidden("bad_origin", N_("Requests from another site are not accepted."))
    check_origin(request)
    who = principal(request)
    if not who.is_authenticated:
        raise Unauthenticated("sign_in_required", N_("Please sign in."))
    live = services(request).live
    since = asyncio.get_running_loop().time()  # a change heard after may be unseen here
    viewer = await live.viewer(who, meeting_id)  # 403/404 before the upgrade

    # No permessage-deflate: events are a few hundred bytes, and compressing each one
    # once per socket (the compressor's state is per socket) would undo encoding once.
    transport = request.transport
    ws = web.WebSocketResponse(heartbeat=25.0, max_msg_size=16 * MAX_MESSAGE, compress=False)
    await ws.prepare(request)
    sockets = request.app[LIVE_SOCKETS]
    sockets.add(ws)
    conn = LiveConnection(request, ws, transport, meeting_id, viewer)
    try:
        async for frame in ws:
            if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY) or conn.ended is not None:
                continue
            data = frame.data
            admission = conn.admit(data)
            if admission is Admission.FLOODING:
                await ws.close(code=CLOSE_FLOODING, message=b"too many messages")
                break
            if admission is Admission.REFUSED:
                continue
            try:
                message: p.ClientMessage = decode_json(data, AllClientMessages)  # type: ignore[arg-type]
            except MeetRoomError as exc:
                conn.error(exc)
                continue
            ref = getattr(message, "op_id", None) or str(message.__struct_config__.tag)
            try:
                reply = await conn.receive(message, ref, since)
            except MeetRoomError as exc:
                conn.error(exc, ref)
                continue
            except Exception:
                # The socket is upgraded: no HTTP error page may be written into it.
                logger.exception("live socket of meeting %s: %s failed", meeting_id, ref)
                conn.error(INTERNAL, ref)
                continue
            if reply is not None:
                conn.send(encode_json(reply))
    finally:
        sockets.discard(ws)
        await conn.close()
    return ws
