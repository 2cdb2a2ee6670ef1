"""Telling the clients of a meeting the floor and the quorum, at the cost a room of a
thousand tablets can bear:

- a client that joins is sent both as they are; joins that come together share one
  read of the store (each waits for a read that starts after it joined, so nothing
  changed between its joining and what it is sent is missed);
- the quorum is told after who is present changed, at most once an interval and always
  the latest: a thousand tablets connecting at the opening would otherwise cost a
  thousand quorum computations, each sent to up to a thousand clients;
- after a bus outage every client hears both again.

Other parts of the session add what a joining client needs with the floor
(`more_views`: the meeting's vote), read in the same shared read.

The floor's changes themselves are told at once by `LiveFloor`, each with its version;
a quorum carries the time it was computed. A client keeps the newest of each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Protocol

from meetroom.clock import Clock
from meetroom.ids import MeetingId
from meetroom.protocol.codec import encode_json
from meetroom.sessions.floor.roll import RollService
from meetroom.sessions.floor.service import FloorService
from meetroom.sessions.floor.views import floor_view, quorum_view

logger = logging.getLogger(__name__)

QUORUM_INTERVAL = 0.25  # seconds between two quorums told of one meeting


class Broadcast(Protocol):
    """The meeting's clients on every node (the live session)."""

    def tell(
        self, meeting_id: MeetingId, data: bytes, audience: frozenset[str] | None = None
    ) -> None:
        """To this node's clients of the meeting (those in `audience`, or all), and to
        the other nodes' clients of it."""
        ...


class Teller:
    def __init__(
        self,
        floor: FloorService,
        roll: RollService,
        broadcast: Broadcast,
        clock: Clock,
        quorum_interval: float = QUORUM_INTERVAL,
    ) -> None:
        self.floor = floor
        self.roll = roll
        self.broadcast = broadcast
        self.clock = clock
        self.quorum_interval = quorum_interval
        self._joining: dict[MeetingId, list[Callable[[bytes], None]]] = {}
        self._reading: dict[MeetingId, asyncio.Task[None]] = {}
        self._quorum_due: set[MeetingId] = set()
        self._quorum_tasks: dict[MeetingId, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # What else a client is told on joining and after a bus outage, read with the
        # floor (the meeting's vote: `LiveVotes.current`); None: nothing.
        self.more_views: list[Callable[[MeetingId], Awaitable[bytes | None]]] = []

    # -- joining ---------------------------------------------------------------------

    def welcome(self, meeting_id: MeetingId, send: Callable[[bytes], None]) -> None:
        """The floor and the quorum as they are, to a client that just joined (and is
        already among those told of changes)."""
        self._joining.setdefault(meeting_id, []).append(send)
        if meeting_id not in self._reading:
            self._reading[meeting_id] = self._spawn(self._read_for_joiners(meeting_id))

    async def _read_for_joiners(self, meeting_id: MeetingId) -> None:
        try:
            while joiners := self._joining.pop(meeting_id, None):
                try:
                    views = await self._views(meeting_id)
                except Exception:
                    logger.exception("meeting %s: reading the floor for a join failed", meeting_id)
                    continue  # they hear the next change
                for send in joiners:
                    for view in views:
                        send(view)
        finally:
            del self._reading[meeting_id]

    async def _views(self, meeting_id: MeetingId) -> list[bytes]:
        state = await self.floor.state(meeting_id)
        quorum = await self.roll.quorum(meeting_id)
        now = self.clock.now()
        views = [encode_json(floor_view(state, now)), encode_json(quorum_view(quorum, now))]
        for more in self.more_views:
            view = await more(meeting_id)
            if view is not None:
                views.append(view)
        return views

    # -- the quorum --------------------------------------------------------------------

    def quorum_changed(self, meeting_id: MeetingId) -> None:
        """Who is present, a mark or the rule changed: log the quorum's state if it
        changed (for the minutes) and tell every client, now or at the end of the
        interval (then with every change meanwhile)."""
        self._quorum_due.add(meeting_id)
        if meeting_id not in self._quorum_tasks:
            self._quorum_tasks[meeting_id] = self._spawn(self._tell_quorum(meeting_id))

    async def _tell_quorum(self, meeting_id: MeetingId) -> None:
        try:
            while meeting_id in self._quorum_due:
                self._quorum_due.discard(meeting_id)
                try:
                    state, _ = await self.roll.now_logged(meeting_id)
                    view = quorum_view(state, self.clock.now())
                    self.broadcast.tell(meeting_id, encode_json(view))
                except Exception:
                    logger.exception("meeting %s: telling the quorum failed", meeting_id)
                await asyncio.sleep(self.quorum_interval)
        finally:
            del self._quorum_tasks[meeting_id]

    # -- after a bus outage --------------------------------------------------------------

    def resync(self, meeting_ids: Iterable[MeetingId]) -> None:
        """The bus is back after an outage: the floor's and quorum's events of the
        meantime may be lost, so every client hears both again (a client keeps the
        newest it has, so a repeat changes nothing)."""
        for meeting_id in meeting_ids:
            self._spawn(self._retell(meeting_id))

    async def _retell(self, meeting_id: MeetingId) -> None:
        try:
            views = await self._views(meeting_id)
        except Exception:
            logger.exception("meeting %s: telling the floor again failed", meeting_id)
            return
        for view in views:
            self.broadcast.tell(meeting_id, view)

    # -- tasks -------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def settled(self) -> None:
        """Wait until everything due is told (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
