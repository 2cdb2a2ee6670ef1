"""Slow and idle clients: how long a connection may take to send its request headers
and its body, and how many connections this process holds at once. Without them, a
few hundred connections that send half a request line and wait (or a body a byte a
second) would each hold a socket and a file descriptor for an hour.

- Headers: aiohttp (from 3.14.5, see pyproject.toml) closes a connection that has not
  sent a whole request line and headers within its keep-alive timeout of opening or
  of the previous response (only one waiting for a request, never one being answered,
  nor a WebSocket); that timeout is `header_timeout_seconds`.
- Bodies: `body_deadline_middleware` gives a request body `body_timeout_seconds` to
  start, one more second for every `body_min_bytes_per_second` bytes that arrive, and
  `body_max_seconds` in all; past that the read fails and the request is answered 408.
- Connections: `ConnectionCap` counts this process's open connections; past
  `max_connections` a new one is answered 503 at once and closed, before it costs a
  request handler (the open-file limit is raised to fit, see `fit_open_files`).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import StreamReader, web
from aiohttp.typedefs import Handler

from meetroom.config import Settings
from meetroom.errors import N_, TimedOut
from meetroom.protocol.api import ErrorBody, ErrorResponse
from meetroom.protocol.codec import encode_json
from meetroom.server.context import SETTINGS
from meetroom.server.i18n import Catalogs, translate

logger = logging.getLogger(__name__)

# File descriptors kept for what is not a client connection: the database pool, the
# document files and worker pipes, Redis, the SFU's sockets, logs.
RESERVED_FILES = 512
# At most one log line about refused connections every this many seconds.
REFUSAL_LOG_INTERVAL = 10.0


def handler_args(settings: Settings) -> dict[str, Any]:
    """The request handler's settings (web.Application(handler_args=...))."""
    return {"keepalive_timeout": settings.header_timeout_seconds}


# -- bodies -------------------------------------------------------------------------


class BodyTimeout(TimeoutError):
    """Set on a request's body stream: the handler's pending or next read raises it.
    A TimeoutError, so that aiohttp, draining what is left of the body after the
    answer, stops at once too."""


@dataclass(frozen=True, slots=True)
class BodyLimits:
    start_seconds: float
    min_bytes_per_second: int
    max_seconds: float

    @classmethod
    def of(cls, settings: Settings) -> BodyLimits:
        return cls(
            settings.body_timeout_seconds,
            settings.body_min_bytes_per_second,
            settings.body_max_seconds,
        )


class _BodyWatch:
    """Checks, at each deadline, whether the body came fast enough meanwhile."""

    def __init__(self, content: StreamReader, limits: BodyLimits) -> None:
        self._content = content
        self._limits = limits
        self._loop = asyncio.get_running_loop()
        self._started = self._loop.time()
        self.expired = False
        self._handle = self._loop.call_at(self._deadline(), self._check)

    def _deadline(self) -> float:
        limits = self._limits
        earned = self._content.total_bytes / limits.min_bytes_per_second
        return self._started + min(limits.start_seconds + earned, limits.max_seconds)

    def _check(self) -> None:
        if self._content.is_eof():
            return
        deadline = self._deadline()
        if self._loop.time() < deadline:
            self._handle = self._loop.call_at(deadline, self._check)
            return
        self.expired = True
        self._content.set_exception(BodyTimeout("request body too slow"))

    def cancel(self) -> None:
        self._handle.cancel()


@web.middleware
async def body_deadline_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.body_exists:
        return await handler(request)
    settings = request.app[SETTINGS]
    watch = _BodyWatch(request.content, BodyLimits.of(settings))
    try:
        return await handler(request)
    except Exception as exc:
        if not watch.expired:
            raise
        # Whatever the handler made of the failed read (a half-stored upload is removed
        # as on any error), the answer is that the body came too slowly.
        logger.info("%s %s: request body too slow, cut off", request.method, request.path)
        raise TimedOut(
            "body_timeout",
            N_("The request took too long to arrive; check the connection and try again."),
        ) from exc
    finally:
        watch.cancel()


# -- connections --------------------------------------------------------------------


def refusal_response(settings: Settings, catalogs: Catalogs) -> bytes:
    """What a connection past the cap is told (in the server's default language: no
    request has been read to choose another)."""
    message = translate(
        catalogs.get(settings.default_locale),
        N_("The server has too many open connections; try again in a moment."),
        {},
    )
    body = encode_json(ErrorResponse(ErrorBody(code="too_many_connections", message=message)))
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Retry-After: 5\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


class ConnectionCap:
    """A protocol factory for the listening socket: the application's request handlers,
    as long as fewer than `limit` connections are open."""

    def __init__(
        self, handlers: Callable[[], asyncio.Protocol], limit: int, refusal: bytes
    ) -> None:
        self.handlers = handlers
        self.limit = limit
        self.refusal = refusal
        self.open = 0
        self.refused = 0
        self._logged_at = -REFUSAL_LOG_INTERVAL

    def __call__(self) -> asyncio.Protocol:
        return _Counted(self)

    def refuse(self, transport: asyncio.Transport) -> None:
        transport.write(self.refusal)
        transport.close()
        self.refused += 1
        now = asyncio.get_running_loop().time()
        if now - self._logged_at >= REFUSAL_LOG_INTERVAL:
            self._logged_at = now
            logger.warning(
                "%d connections open, the most max_connections allows: refusing new ones "
                "(%d so far)", self.open, self.refused,
            )  # fmt: skip


class _Counted(asyncio.Protocol):
    """Hands every event on to the request handler, counting the connection meanwhile."""

    __slots__ = ("_cap", "_inner")

    def __init__(self, cap: ConnectionCap) -> None:
        self._cap = cap
        self._inner: asyncio.Protocol | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        cap = self._cap
        if cap.open >= cap.limit:
            # uvloop's transports are not asyncio.Transport subclasses, but are ones.
            cap.refuse(typing.cast(asyncio.Transport, transport))
            return
        cap.open += 1
        self._inner = cap.handlers()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        inner, self._inner = self._inner, None
        if inner is not None:
            self._cap.open -= 1
            inner.connection_lost(exc)


def fit_open_files(max_connections: int) -> int:
    """Raise this process's open-file limit (up to its hard limit) to fit
    `max_connections` and what else the server keeps open; returns the number of
    connections that fit, which is `max_connections` unless the hard limit is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max_connections + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new_soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, hard))
            soft = new_soft
        except (ValueError, OSError):
            logger.warning("could not raise the open-file limit from %d", soft)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return max_connections
    fits = soft - min(RESERVED_FILES, soft // 4)
    logger.warning(
        "the open-file limit (%d) leaves room for %d connections, not max_connections=%d: "
        "raise it (ulimit -n, LimitNOFILE=)", soft, fits, max_connections,
    )  # fmt: skip
    return fits
