"""The meeting WebSocket (`/m/{meeting_id}/socket`): parses each message, lets the
live session act on it, and writes replies and events through one writer task per
socket with a bounded queue."""

from __future__ import annotations

import asyncio
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
from meetroom.protocol import live as p
from meetroom.protocol import video as v
from meetroom.protocol.codec import decode_json, encode_json
from meetroom.server.context import is_draining, principal, services
from meetroom.server.edge import WS_CLOSE_CODE, WS_CLOSE_CODE_OF_ERROR, ws_close_code
from meetroom.server.middlewares import check_origin
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


async def live_socket(request: web.Request) -> web.StreamResponse:
    meeting_id = MeetingId(request.match_info["meeting_id"])
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
    video = services(request).video_gateway  # the video room, on whichever node
    since = asyncio.get_running_loop().time()  # a change heard after may be unseen here
    viewer = await live.viewer(who, meeting_id)  # 403/404 before the upgrade

    # No permessage-deflate: events are a few hundred bytes, and compressing each one
    # once per socket (the compressor's state is per socket) would undo encoding once.
    transport = request.transport
    ws = web.WebSocketResponse(heartbeat=25.0, max_msg_size=16 * MAX_MESSAGE, compress=False)
    await ws.prepare(request)
    sockets = request.app[LIVE_SOCKETS]
    sockets.add(ws)
    translations = translations_for(request)
    connection_id = new_id()
    queue: asyncio.Queue[bytes | Iterator[bytes]] = asyncio.Queue(QUEUE_SIZE)
    queued = 0  # bytes in the queue
    closing: set[asyncio.Task[None]] = set()  # a reference to the dropping task
    dropped = False
    ended: MeetRoomError | None = None  # the reason its rights ended
    left = False

    def send(data: bytes) -> None:
        nonlocal queued
        if dropped:
            return
        if queued + len(data) > QUEUE_BYTES:
            too_slow()
            return
        try:
            queue.put_nowait(data)
        except asyncio.QueueFull:
            too_slow()
            return
        queued += len(data)

    def send_many(frames: Iterator[bytes]) -> None:
        if dropped:
            return
        try:
            queue.put_nowait(frames)
        except asyncio.QueueFull:
            too_slow()

    def too_slow() -> None:
        nonlocal dropped
        dropped = True
        logger.info("dropping a slow client of meeting %s", meeting_id)
        closing.add(asyncio.get_running_loop().create_task(drop()))

    async def drop() -> None:
        # A client that reads again soon gets the close code and resumes at once; one
        # that has stalled cannot even take the close frame, and is cut off.
        try:
            await asyncio.wait_for(
                ws.close(code=CLOSE_TOO_SLOW, message=b"too slow; reconnect"), CLOSE_TIMEOUT
            )
        except TimeoutError:
            if transport is not None:
                transport.abort()

    def end(reason: MeetRoomError) -> None:
        """Its rights ended (sessions/live/rights.py): nothing more goes out but the close frame,
        and it is out of the session and the video at once, whether or not the client
        takes that frame."""
        nonlocal dropped, ended
        if ended is not None:
            return
        ended, dropped = reason, True
        writer.cancel()
        closing.add(asyncio.get_running_loop().create_task(finish(reason)))

    async def finish(reason: MeetRoomError) -> None:
        message = reason.code.encode()[:120]
        close = asyncio.ensure_future(
            asyncio.wait_for(ws.close(code=ws_close_code(reason), message=message), CLOSE_TIMEOUT)
        )
        await leave()
        try:
            await close
        except TimeoutError:
            if transport is not None:
                transport.abort()

    def changed(new: Viewer) -> None:
        """New rights: its video follows (a demoted chair moderates no more, one who
        may no longer publish joins again to listen only)."""
        nonlocal viewer
        viewer = new
        video.watch(meeting_id, connection_id, new, send)
        if in_video:
            closing.add(asyncio.get_running_loop().create_task(rejoin_video()))

    async def rejoin_video() -> None:
        try:
            await video.leave(meeting_id, connection_id)
        except Exception:
            logger.exception("meeting %s: leaving the video on new rights failed", meeting_id)
        send(encode_json(v.VideoLeft(reason="moved")))  # the client joins again

    async def leave() -> None:
        nonlocal left
        if left:
            return
        left = True
        video.unwatch(meeting_id, connection_id)
        for leaving in (video.leave, live.leave):
            try:
                await leaving(meeting_id, connection_id)
            except Exception:
                logger.exception("leaving meeting %s failed", meeting_id)

    def error(exc: MeetRoomError, ref: str | None = None) -> None:
        text = translations.gettext(exc.message)
        message = text.format(**exc.params) if exc.params else text
        send(encode_json(p.Error(code=exc.code, message=message, ref=ref)))

    async def write() -> None:
        while True:
            await write_one(await queue.get())
            # Whatever queued up meanwhile goes out in this turn of the loop.
            while not queue.empty():
                await write_one(queue.get_nowait())

    async def write_one(entry: bytes | Iterator[bytes]) -> None:
        nonlocal queued
        if isinstance(entry, bytes):
            queued -= len(entry)
            await ws.send_frame(entry, WSMsgType.TEXT)
            return
        for data in entry:
            await ws.send_frame(data, WSMsgType.TEXT)

    writer = asyncio.create_task(write(), name=f"ws-writer-{connection_id}")
    bucket = _Bucket()
    joined = False
    in_video = False
    try:
        async for frame in ws:
            if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY) or ended is not None:
                continue
            data = frame.data
            if len(data) > MAX_MESSAGE:
                error(Invalid("too_large", N_("The message is too large.")))
                continue
            tokens = bucket.take()
            if tokens < -ABUSE:
                await ws.close(code=CLOSE_FLOODING, message=b"too many messages")
                break
            if tokens < 0:
                # Refused with a reference, so that the client knows what to send again.
                error(Invalid("rate_limited", N_("Too many messages; slow down.")), _ref(data))
                continue
            try:
                message: p.ClientMessage = decode_json(data, v.AllClientMessages)  # type: ignore[arg-type]
            except MeetRoomError as exc:
                error(exc)
                continue
            ref = getattr(message, "op_id", None) or str(message.__struct_config__.tag)
            try:
                if not joined:
                    if not isinstance(message, p.Hello):
                        error(Invalid("hello_first", N_("Say hello first.")), ref)
                        continue
                    hooks = Hooks(end=end, changed=changed)
                    await live.join(
                        viewer, meeting_id, connection_id, message, send, send_many=send_many,
                        hooks=hooks, since=since,
                    )  # fmt: skip
                    joined = True
                    if ended is None:
                        video.watch(meeting_id, connection_id, viewer, send)
                    continue
                if isinstance(message, VIDEO_MESSAGES):
                    if isinstance(message, v.VideoJoin):
                        live.joining_video(connection_id)  # not once the meeting ended
                    reply = await video.handle(meeting_id, connection_id, viewer, send, message)
                    if isinstance(message, v.VideoJoin):
                        in_video = True
                        await live.joined_video(meeting_id, connection_id)
                    elif isinstance(message, v.VideoLeave):
                        in_video = False
                else:
                    reply = await live.handle(meeting_id, connection_id, message)
            except MeetRoomError as exc:
                error(exc, ref)
                continue
            except Exception:
                # The socket is upgraded: no HTTP error page may be written into it.
                logger.exception("live socket of meeting %s: %s failed", meeting_id, ref)
                error(INTERNAL, ref)
                continue
            if reply is not None:
                send(encode_json(reply))
    finally:
        sockets.discard(ws)
        if joined:
            await leave()
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
    return ws
