"""The event bus between the nodes that serve the same meetings: in-process for one
node (or several nodes in one process, in tests), Redis pub/sub for several.

A node delivers its own events to its own clients itself; the bus carries them to the
*other* nodes. Pub/sub may lose events (a node or Redis restarting): whatever a client
must be able to replay comes from the database, never from the bus alone.

`local.py`: the in-process bus and room directory. `redis.py`: `RedisBus`, the bus over
Redis pub/sub. `directory.py`: `RedisDirectory`, the room -> node map with heartbeats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event, encoded once, for every subscriber of a topic.

    `data`: what clients receive. `seq`: the event's sequence number in its meeting, 0
    for events that are not stored (page turns, live drawing). `audience`: None for
    everyone, else the viewer keys that may receive it (a private annotation reaches its
    author's devices only). `origin`: the connection that caused it, which may not need
    it back. `detail`: for the nodes, never sent to clients (JSON-able builtins: the
    stored operation, a presence part, a relayed message). `node`: the node that
    published it (set by the bus). `document_id`: the document the event is about, if
    any: only those who may see that document receive `data`; the others receive
    `unseen` instead, if given (the presenter shows a document they may not see), else
    nothing."""

    data: bytes
    seq: int = 0
    audience: frozenset[str] | None = None
    origin: str | None = None
    detail: dict[str, Any] | None = None
    node: str = ""
    document_id: str | None = None
    unseen: bytes | None = None


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A live node as the others see it: for placing video rooms and for operators."""

    id: str
    url: str  # where it serves HTTP (its own address, not the proxy's)
    load: int  # peers in the video rooms it holds
    rooms: int  # video rooms it holds
    draining: bool
