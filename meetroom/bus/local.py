"""The in-process bus and room directory. One node: publishing reaches nobody else,
every room is this node's. Several nodes sharing one `LocalHub` (tests, benches): what
a Redis server is to real nodes, without the network."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from meetroom.bus import Envelope, NodeInfo

logger = logging.getLogger(__name__)


Subscriber = Callable[[Envelope], None]


@dataclass
class LocalHub:
    """The shared part of in-process nodes: topics, and the room -> node map."""

    topics: dict[str, dict[int, tuple[str, Subscriber]]] = field(default_factory=dict)
    nodes: dict[str, NodeInfo] = field(default_factory=dict)
    rooms: dict[str, str] = field(default_factory=dict)
    resync: dict[str, list[Callable[[], None]]] = field(default_factory=dict)
    next_key: int = 0
    down: bool = False  # tests: while True, every envelope published is lost
    dead: set[str] = field(default_factory=set)  # tests: nodes killed (publish nothing)

    def kill(self, node: str) -> None:
        """As if the node's process died: the others stop seeing it."""
        self.dead.add(node)
        self.nodes.pop(node, None)
        for subscribers in self.topics.values():
            for key in [k for k, (n, _) in subscribers.items() if n == node]:
                del subscribers[key]

    def restart_bus(self) -> None:
        """As if Redis restarted: every node is told to resync."""
        for callbacks in self.resync.values():
            for callback in list(callbacks):
                callback()


class LocalBus:
    def __init__(self, hub: LocalHub | None = None, node: str = "local") -> None:
        self.hub = hub or LocalHub()
        self.node = node

    def subscribe(self, topic: str, subscriber: Subscriber) -> Callable[[], None]:
        """Start delivering what other nodes publish; returns the function that stops it."""
        self.hub.next_key += 1
        key = self.hub.next_key
        self.hub.topics.setdefault(topic, {})[key] = (self.node, subscriber)

        def unsubscribe() -> None:
            subscribers = self.hub.topics.get(topic)
            if subscribers is not None:
                subscribers.pop(key, None)
                if not subscribers:
                    del self.hub.topics[topic]

        return unsubscribe

    def publish(self, topic: str, envelope: Envelope) -> None:
        """To the other nodes' subscribers, later on the loop (as over a network), in
        the order published."""
        if self.hub.down or self.node in self.hub.dead:
            return
        subscribers = [s for n, s in self.hub.topics.get(topic, {}).values() if n != self.node]
        if not subscribers:
            return
        stamped = replace(envelope, node=self.node)
        loop = asyncio.get_running_loop()
        for subscriber in subscribers:
            loop.call_soon(_deliver, topic, subscriber, stamped)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def on_resync(self, callback: Callable[[], None]) -> None:
        self.hub.resync.setdefault(self.node, []).append(callback)

    def subscribers(self, topic: str) -> int:
        return len(self.hub.topics.get(topic, {}))


def _deliver(topic: str, subscriber: Subscriber, envelope: Envelope) -> None:
    try:
        subscriber(envelope)
    except Exception:
        logger.exception("a subscriber of %s failed", topic)


class LocalDirectory:
    """Which node holds each video room, for nodes sharing a hub (or one node alone)."""

    def __init__(self, hub: LocalHub | None = None, node: str = "local", url: str = "") -> None:
        self.hub = hub or LocalHub()
        self.node = node
        self.hub.nodes[node] = NodeInfo(node, url, load=0, rooms=0, draining=False)

    def _me(self) -> NodeInfo | None:
        return self.hub.nodes.get(self.node)

    async def owner(self, room: str) -> str:
        held = self.hub.rooms.get(room)
        if held is not None and held in self.hub.nodes and not self.hub.nodes[held].draining:
            return held
        live = [n for n in self.hub.nodes.values() if not n.draining]
        if not live:
            live = [n for n in self.hub.nodes.values()]
        chosen = min(live, key=lambda n: (n.load, n.rooms, n.id)).id if live else self.node
        self.hub.rooms[room] = chosen
        return chosen

    async def release(self, room: str) -> None:
        if self.hub.rooms.get(room) == self.node:
            del self.hub.rooms[room]

    async def alive(self, node: str) -> bool:
        return node in self.hub.nodes

    async def nodes(self) -> list[NodeInfo]:
        return sorted(self.hub.nodes.values(), key=lambda n: n.id)

    def set_load(self, load: int, rooms: int) -> None:
        me = self._me()
        if me is not None:
            self.hub.nodes[self.node] = replace(me, load=load, rooms=rooms)

    def set_draining(self) -> None:
        me = self._me()
        if me is not None:
            self.hub.nodes[self.node] = replace(me, draining=True)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
