"""Which node holds each video room, in Redis (as LiveKit does): every node keeps a key
`<prefix>node:<id>` (its NodeInfo as JSON) alive with a heartbeat and a TTL, and is
listed in the set `<prefix>nodes`; `<prefix>room:<room>` names the room's node.

A node that dies stops refreshing its key; when the key lapses its rooms go, on the
next `owner()`, to the least loaded live node. Placing a room is one Lua script, so
two nodes asking at once get the same answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from redis.asyncio import Redis
from redis.exceptions import RedisError

from meetroom.bus import NodeInfo
from meetroom.bus.redis import FIRST_BACKOFF, connection_pool, unavailable_at_start
from meetroom.errors import N_, Unavailable
from meetroom.protocol.codec import decode_json, encode_json

logger = logging.getLogger(__name__)

LOST = (RedisError, OSError, asyncio.TimeoutError)

# KEYS: the room's key, the set of node ids. ARGV: the node keys' prefix.
# The room stays where it is if that node is alive and not draining; else it goes to
# the live node with the least load, then fewest rooms, then smallest id (a draining
# node only if every node drains). Ids whose key lapsed leave the set on the way.
OWNER = """
local held = redis.call('GET', KEYS[1])
if held then
  local raw = redis.call('GET', ARGV[1] .. held)
  if raw and not cjson.decode(raw).draining then
    return held
  end
end
local best, best_draining = nil, nil
local function better(a, b)
  if b == nil then return true end
  if a.load ~= b.load then return a.load < b.load end
  if a.rooms ~= b.rooms then return a.rooms < b.rooms end
  return a.id < b.id
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local raw = redis.call('GET', ARGV[1] .. id)
  if not raw then
    redis.call('SREM', KEYS[2], id)
  else
    local info = cjson.decode(raw)
    if info.draining then
      if better(info, best_draining) then best_draining = info end
    elseif better(info, best) then
      best = info
    end
  end
end
local chosen = best or best_draining
if chosen == nil then
  return false
end
redis.call('SET', KEYS[1], chosen.id)
return chosen.id
"""

# KEYS: the room's key. ARGV: this node. Deletes it only if this node holds it.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def bus_unavailable() -> Unavailable:
    return Unavailable(
        "bus_unavailable",
        N_(
            "The servers cannot reach each other right now, so video cannot start. "
            "Please try again in a moment."
        ),
        retry_after=5,
    )


class RedisDirectory:
    """The `RoomDirectory` of a node among several (see sessions/video/ports.py).

    `set_load` and `set_draining` are written at once by the heartbeat task (and again
    every `heartbeat` seconds); `flush()` waits until what was set is in Redis."""

    def __init__(
        self,
        url: str,
        prefix: str,
        node: str,
        node_url: str,
        heartbeat: float = 2.0,
        ttl: float = 6.0,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.node = node
        self.heartbeat = heartbeat
        self.ttl = ttl
        self.info = NodeInfo(node, node_url, load=0, rooms=0, draining=False)
        self._redis = Redis(connection_pool=connection_pool(url, socket_timeout=2.0))
        self._owner = self._redis.register_script(OWNER)
        self._release = self._redis.register_script(RELEASE)
        self._held: set[str] = set()  # rooms owner() gave to this node, not released
        self._version = 0  # changes to `info`
        self._written = 0  # the last version in Redis
        self._written_cond = asyncio.Condition()
        self._dirty = asyncio.Event()
        self._registered = False
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    def _node_key(self, node: str) -> str:
        return f"{self.prefix}node:{node}"

    def _room_key(self, room: str) -> str:
        return f"{self.prefix}room:{room}"

    @property
    def _nodes_key(self) -> str:
        return f"{self.prefix}nodes"

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Register this node (Unavailable if Redis cannot be reached) and keep it alive."""
        try:
            await self._write()
        except LOST as exc:
            raise unavailable_at_start(self.url, exc) from exc
        self._task = asyncio.create_task(self._heartbeat(), name=f"redis-directory-{self.node}")

    async def close(self) -> None:
        """A clean stop: this node and the rooms it holds leave the directory at once."""
        self._closing = True
        if self._task is not None:
            # The flag as well as the cancel: redis-py may swallow a cancellation that
            # lands while it checks a pooled connection; the loop then sees the flag.
            self._task.cancel()
            self._dirty.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.delete(self._node_key(self.node))
                pipe.srem(self._nodes_key, self.node)
                await pipe.execute()
            for room in list(self._held):
                await self._release(keys=[self._room_key(room)], args=[self.node])
        except LOST as exc:
            logger.warning("node %s could not leave the directory: %s", self.node, exc)
        self._held.clear()
        await self._redis.aclose()

    # -- the RoomDirectory protocol ----------------------------------------------------

    async def owner(self, room: str) -> str:
        key = self._room_key(room)
        try:
            chosen = await self._owner(keys=[key, self._nodes_key], args=[self._node_key("")])
            if chosen is None:
                # No live node at all, not even this one (its key lapsed while Redis was
                # away): register again and place the room.
                await self._write()
                chosen = await self._owner(keys=[key, self._nodes_key], args=[self._node_key("")])
        except LOST as exc:
            logger.warning("room directory unavailable: %s", exc)
            raise bus_unavailable() from exc
        node = chosen.decode() if isinstance(chosen, bytes) else str(chosen or self.node)
        if node == self.node:
            self._held.add(room)
        else:
            self._held.discard(room)
        return node

    async def release(self, room: str) -> None:
        """Only if this node holds it. Without Redis it is logged, not raised: the key
        still names this live node, which takes the room again if asked."""
        self._held.discard(room)
        try:
            await self._release(keys=[self._room_key(room)], args=[self.node])
        except LOST as exc:
            logger.warning("could not release room %s: %s", room, exc)

    async def alive(self, node: str) -> bool:
        try:
            return bool(await self._redis.exists(self._node_key(node)))
        except LOST as exc:
            raise bus_unavailable() from exc

    async def nodes(self) -> list[NodeInfo]:
        try:
            members: set[bytes] = await self._redis.smembers(self._nodes_key)  # type: ignore[misc]
            ids = sorted(i.decode() for i in members)
            raws = await self._redis.mget([self._node_key(i) for i in ids]) if ids else []
        except LOST as exc:
            raise bus_unavailable() from exc
        return [decode_json(raw, NodeInfo) for raw in raws if raw is not None]

    def set_load(self, load: int, rooms: int) -> None:
        self._update(NodeInfo(self.node, self.info.url, load, rooms, self.info.draining))

    def set_draining(self) -> None:
        info = self.info
        self._update(NodeInfo(self.node, info.url, info.load, info.rooms, draining=True))

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until what `set_load`/`set_draining` set so far is in Redis."""
        target = self._version
        async with asyncio.timeout(timeout), self._written_cond:
            await self._written_cond.wait_for(lambda: self._written >= target)

    # -- internals -------------------------------------------------------------------

    def _update(self, info: NodeInfo) -> None:
        if info != self.info:
            self.info = info
            self._version += 1
            self._dirty.set()

    async def _write(self) -> None:
        """This node's key and its place in the set. If the key had lapsed (Redis
        restarted, or a long pause), the rooms it holds are claimed again where no
        other node took them meanwhile."""
        version = self._version
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(
                self._node_key(self.node), encode_json(self.info), px=int(self.ttl * 1000), get=True
            )
            pipe.sadd(self._nodes_key, self.node)
            previous, _ = await pipe.execute()
        if previous is None and self._registered and self._held:
            rooms = sorted(self._held)
            async with self._redis.pipeline(transaction=False) as pipe:
                for room in rooms:
                    pipe.set(self._room_key(room), self.node, nx=True)
                claimed = await pipe.execute()
            lost = {room for room, ok in zip(rooms, claimed, strict=True) if not ok}
            self._held -= lost
            logger.info("node %s registered again; %d rooms went elsewhere", self.node, len(lost))
        self._registered = True
        async with self._written_cond:
            self._written = max(self._written, version)
            self._written_cond.notify_all()

    async def _heartbeat(self) -> None:
        delay = FIRST_BACKOFF
        failing = False
        while not self._closing:
            self._dirty.clear()
            try:
                await self._write()
            except LOST as exc:
                if not failing:
                    failing = True
                    logger.warning("node %s cannot reach the room directory: %s", self.node, exc)
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, self.heartbeat)
                continue
            if failing:
                failing = False
                logger.info("node %s is back in the room directory", self.node)
            delay = FIRST_BACKOFF
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.heartbeat):
                    await self._dirty.wait()
