"""The event bus over Redis pub/sub: what one node publishes reaches the other nodes.

Each bus holds two connections: one that PUBLISHes (drained by one writer task, so a
node's envelopes keep their order) and one in subscribe mode (read by one reader task,
which calls the subscribers on the loop). When Redis goes away the bus reconnects with
backoff, subscribes again and tells the `on_resync` callbacks: envelopes published
meanwhile are lost, by design (what clients replay comes from the database).

On the wire a message is a compact JSON header (node, seq, audience, origin, detail,
document, what those who may not see the document get instead), a newline, then the
envelope's data bytes untouched. JSON never holds a raw newline, so the first one ends
the header."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from meetroom.bus import Envelope
from meetroom.errors import N_, Unavailable
from meetroom.protocol.codec import decode_json, encode_json

logger = logging.getLogger(__name__)

Subscriber = Callable[[Envelope], None]

# What a lost connection raises, from redis-py or from the socket underneath.
LOST = (RedisError, OSError, asyncio.TimeoutError, EOFError)

FIRST_BACKOFF = 0.1
MAX_BACKOFF = 5.0
QUEUE_SIZE = 10_000  # envelopes waiting for the writer; beyond it they are dropped
BATCH = 512  # PUBLISHes sent in one pipelined write
WRITE_TIMEOUT = 5.0  # a batch not acknowledged by then: the connection is given up
PING_EVERY = 5.0  # the subscribe connection is pinged so a silent link is noticed


def where(url: str) -> str:
    """host:port of a Redis URL, for messages (never its password)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def connection_pool(url: str, socket_timeout: float | None) -> ConnectionPool:
    """Connections that fail at once rather than retrying inside redis-py: the bus and
    the directory do their own backoff."""
    return ConnectionPool.from_url(
        url,
        retry=Retry(NoBackoff(), 0),
        socket_connect_timeout=2.0,
        socket_timeout=socket_timeout,
        socket_keepalive=True,
    )


def unavailable_at_start(url: str, exc: BaseException) -> Unavailable:
    return Unavailable(
        "redis_unreachable",
        N_("Cannot reach Redis at {where}: {error}"),
        where=where(url),
        error=str(exc) or exc.__class__.__name__,
    )


def encode(envelope: Envelope, node: str) -> bytes:
    header: dict[str, Any] = {"n": node}
    if envelope.seq:
        header["s"] = envelope.seq
    if envelope.audience is not None:
        header["a"] = sorted(envelope.audience)
    if envelope.origin is not None:
        header["o"] = envelope.origin
    if envelope.detail is not None:
        header["d"] = envelope.detail
    if envelope.document_id is not None:
        header["f"] = envelope.document_id
    if envelope.unseen is not None:
        header["u"] = base64.b64encode(envelope.unseen).decode()
    return encode_json(header) + b"\n" + envelope.data


def decode(payload: bytes) -> Envelope:
    end = payload.index(b"\n")
    header = decode_json(payload[:end], dict)
    audience = header.get("a")
    unseen = header.get("u")
    return Envelope(
        data=payload[end + 1 :],
        seq=int(header.get("s", 0)),
        audience=None if audience is None else frozenset(audience),
        origin=header.get("o"),
        detail=header.get("d"),
        node=str(header.get("n", "")),
        document_id=header.get("f"),
        unseen=None if unseen is None else base64.b64decode(unseen),
    )


class RedisBus:
    """The `LiveBus` of a node among several (see sessions/live/ports.py).

    `start()` connects (raising Unavailable if Redis cannot be reached) and returns once
    the topics subscribed so far are in effect; `ready()` waits for later subscriptions
    to take effect (envelopes published after it returns reach this node)."""

    def __init__(
        self,
        url: str,
        prefix: str,
        node: str,
        *,
        max_backoff: float = MAX_BACKOFF,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.node = node
        self.max_backoff = max_backoff
        self.dropped = 0  # envelopes lost: Redis down, or the outgoing queue full
        self._pool = connection_pool(url, socket_timeout=None)
        self._queue: asyncio.Queue[tuple[bytes, bytes]] = asyncio.Queue(queue_size)
        self._subs: dict[str, dict[int, Subscriber]] = {}
        self._next_key = 0
        self._resync: list[Callable[[], None]] = []
        self._connected = False
        self._drop_logged = False
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        # Subscriptions: wanted (topics with subscribers), asked (SUBSCRIBE sent on the
        # current connection), confirmed (Redis said so).
        self._asked: set[str] = set()
        self._confirmed: set[str] = set()
        self._dirty = asyncio.Event()
        self._synced = asyncio.Event()
        self._heard = 0  # responses read on the subscribe connection

    @property
    def connected(self) -> bool:
        return self._connected

    # -- the LiveBus protocol --------------------------------------------------------

    def subscribe(self, topic: str, subscriber: Subscriber) -> Callable[[], None]:
        """Envelopes other nodes publish on `topic`; the channel is subscribed on the
        first subscriber and unsubscribed after the last. Returns the unsubscribe."""
        self._next_key += 1
        key = self._next_key
        subscribers = self._subs.setdefault(topic, {})
        subscribers[key] = subscriber
        if len(subscribers) == 1:
            self._changed()

        def unsubscribe() -> None:
            current = self._subs.get(topic)
            if current is None or current.pop(key, None) is None:
                return
            if not current:
                del self._subs[topic]
                self._changed()

        return unsubscribe

    def publish(self, topic: str, envelope: Envelope) -> None:
        """Queued for the writer; dropped (and counted) while Redis is down or the queue
        is full. Never blocks, never raises."""
        if not self._connected:
            self._drop("Redis is unreachable")
            return
        try:
            self._queue.put_nowait(((self.prefix + topic).encode(), encode(envelope, self.node)))
        except asyncio.QueueFull:
            self._drop("the outgoing queue is full")

    def on_resync(self, callback: Callable[[], None]) -> None:
        self._resync.append(callback)

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        try:
            pub, sub = await self._connect()
        except LOST as exc:
            raise unavailable_at_start(self.url, exc) from exc
        self._task = asyncio.create_task(self._run(pub, sub), name=f"redis-bus-{self.node}")
        await self.ready()

    async def ready(self, timeout: float = 5.0) -> None:
        """Wait until every topic subscribed so far is subscribed in Redis (TimeoutError
        after `timeout`, e.g. while Redis is down)."""
        await asyncio.wait_for(self._synced.wait(), timeout)

    async def close(self) -> None:
        """Stop; what is still queued gets a moment to go out first."""
        if self._connected:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._queue.join(), 1.0)
        self._connected = False
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._pool.aclose()

    # -- internals -------------------------------------------------------------------

    def _changed(self) -> None:
        self._synced.clear()
        self._dirty.set()

    def _drop(self, why: str) -> None:
        self.dropped += 1
        if not self._drop_logged:
            self._drop_logged = True
            logger.warning("bus of node %s: dropping envelopes, %s", self.node, why)

    async def _connect(self) -> tuple[AbstractConnection, AbstractConnection]:
        pub = self._pool.make_connection()  # type: ignore[no-untyped-call]
        sub = self._pool.make_connection()  # type: ignore[no-untyped-call]
        try:
            await pub.connect()
            await sub.connect()
        except BaseException:
            await _disconnect(pub, sub)
            raise
        return pub, sub

    async def _run(self, pub: AbstractConnection, sub: AbstractConnection) -> None:
        """Serve a connection until it fails, then reconnect with backoff, forever."""
        outage = False
        delay = FIRST_BACKOFF
        while not self._closing:
            try:
                await self._session(pub, sub, resync=outage)
            except LOST as exc:
                logger.warning(
                    "bus of node %s lost Redis at %s (%s); reconnecting",
                    self.node,
                    where(self.url),
                    exc or exc.__class__.__name__,
                )
            except Exception:
                logger.exception("bus of node %s failed; reconnecting", self.node)
            finally:
                self._connected = False
                self._synced.clear()
                self._discard_queue()
                await _disconnect(pub, sub)
            outage = True
            while not self._closing:
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, self.max_backoff)
                try:
                    pub, sub = await self._connect()
                    break
                except LOST:
                    continue
            if self._closing:
                await _disconnect(pub, sub)
                return
            delay = FIRST_BACKOFF
            logger.info("bus of node %s is back on Redis at %s", self.node, where(self.url))

    async def _session(
        self, pub: AbstractConnection, sub: AbstractConnection, *, resync: bool
    ) -> None:
        self._asked = set()
        self._confirmed = set()
        self._dirty.set()
        tasks = [
            asyncio.create_task(self._reader(sub)),
            asyncio.create_task(self._subscriber(sub)),
            asyncio.create_task(self._writer(pub)),
            asyncio.create_task(self._pinger(sub)),
        ]
        try:
            self._connected = True
            self._drop_logged = False
            if resync:
                # Back after an outage: once the channels are subscribed again, what a
                # node holds is read again from the durable store.
                waiting = asyncio.ensure_future(self._synced.wait())
                done, _ = await asyncio.wait(
                    [waiting, *tasks], timeout=10.0, return_when=asyncio.FIRST_COMPLETED
                )
                if waiting not in done:
                    waiting.cancel()
                    _raise_first(done)
                    raise TimeoutError("subscriptions were not confirmed")
                for callback in list(self._resync):
                    try:
                        callback()
                    except Exception:
                        logger.exception("a resync callback failed")
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            _raise_first(done)
            raise ConnectionError("the bus stopped")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _subscriber(self, sub: AbstractConnection) -> None:
        """Keeps the channels subscribed on this connection those with subscribers."""
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            wanted = set(self._subs)
            add, remove = wanted - self._asked, self._asked - wanted
            if add:
                await sub.send_command(
                    "SUBSCRIBE", *(self.prefix + t for t in sorted(add)), check_health=False
                )
            if remove:
                await sub.send_command(
                    "UNSUBSCRIBE", *(self.prefix + t for t in sorted(remove)), check_health=False
                )
            self._asked = wanted
            self._check_synced()

    def _check_synced(self) -> None:
        if self._connected and self._confirmed == set(self._subs) == self._asked:
            self._synced.set()

    async def _pinger(self, sub: AbstractConnection) -> None:
        """A link that went silent (no RST) is noticed: a PING every few seconds, and
        the reader must have heard something since the one before."""
        while True:
            heard = self._heard
            await sub.send_command("PING", check_health=False)
            await asyncio.sleep(PING_EVERY)
            if self._heard == heard:
                raise TimeoutError("no answer from Redis")

    async def _reader(self, sub: AbstractConnection) -> None:
        prefix = len(self.prefix.encode())
        while True:
            response = await sub.read_response(timeout=None)
            self._heard += 1
            if not isinstance(response, list) or not response:
                continue
            kind = response[0]
            if kind == b"message":
                self._deliver(response[1][prefix:].decode(), response[2])
            elif kind == b"subscribe":
                self._confirmed.add(response[1][prefix:].decode())
                self._check_synced()
            elif kind == b"unsubscribe":
                self._confirmed.discard(response[1][prefix:].decode())
                self._check_synced()

    def _deliver(self, topic: str, payload: bytes) -> None:
        subscribers = self._subs.get(topic)
        if not subscribers:
            return
        try:
            envelope = decode(payload)
        except Exception:
            logger.exception("an undecodable message on %s", topic)
            return
        if envelope.node == self.node:
            return
        for subscriber in list(subscribers.values()):
            try:
                subscriber(envelope)
            except Exception:
                logger.exception("a subscriber of %s failed", topic)

    async def _writer(self, pub: AbstractConnection) -> None:
        """PUBLISHes what is queued, pipelined in batches, on the one connection."""
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while len(batch) < BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await asyncio.wait_for(self._send(pub, batch), WRITE_TIMEOUT)
            finally:
                for _ in batch:
                    queue.task_done()

    @staticmethod
    async def _send(pub: AbstractConnection, batch: list[tuple[bytes, bytes]]) -> None:
        commands = [("PUBLISH", channel, payload) for channel, payload in batch]
        await pub.send_packed_command(pub.pack_commands(commands), check_health=False)
        for _ in batch:
            await pub.read_response(timeout=None)

    def _discard_queue(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
            self.dropped += 1


def _raise_first(done: Iterable[asyncio.Future[Any]]) -> None:
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


async def _disconnect(*connections: AbstractConnection) -> None:
    for connection in connections:
        with contextlib.suppress(Exception):
            await connection.disconnect(nowait=True)
