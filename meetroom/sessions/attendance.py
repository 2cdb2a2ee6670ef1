"""Attendance: who was in a meeting while it was in progress, for how long, from
what. Kept from the live session's joins and leaves: a person's devices and
reconnections are one attendee, their overlapping connections one interval.

Only time in progress counts: a person already connected when the meeting is opened
is present from then, and everyone's interval ends when it is closed.

Several nodes: each counts its own connections; a person who leaves one node while
still connected through another (as that node's presence says) has not left. A node
told that a person is connected nowhere any more (`gone`) closes their interval. A node
that dies may not have said who it had (its last presence can be lost with it): every
node holding the meeting reconciles the store with who is connected on each presence
heartbeat (`reconcile`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from meetroom.clock import Clock
from meetroom.errors import N_, Forbidden
from meetroom.ids import MeetingId, ParticipantId, UserId
from meetroom.meetings.access import MeetingAccess
from meetroom.meetings.service import MeetingService
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Attendance, Meeting, MeetingStatus

logger = logging.getLogger(__name__)


class AttendanceStore(Protocol):
    async def arrive(self, entry: Attendance, now: datetime) -> None: ...
    async def add_how(self, meeting_id: MeetingId, person: str, how: str) -> None: ...
    async def depart(self, meeting_id: MeetingId, person: str | None, now: datetime) -> int: ...
    async def list_attendance(self, meeting_id: MeetingId) -> list[Attendance]: ...
    async def open_intervals(self, meeting_id: MeetingId) -> dict[str, datetime]: ...


@dataclass(frozen=True, slots=True)
class Attendee:
    """Who a live connection is, as the attendance record names them."""

    person: str  # "p:<participant id>" or "u:<user id>"
    name: str
    role: str


@dataclass
class _Person:
    attendee: Attendee
    connections: dict[str, str] = field(default_factory=dict)  # connection id -> how


class AttendanceRecorder:
    def __init__(self, store: AttendanceStore, meetings: MeetingService, clock: Clock) -> None:
        self.store = store
        self.meetings = meetings
        self.clock = clock
        self._present: dict[MeetingId, dict[str, _Person]] = {}
        self._locks: dict[MeetingId, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # Whether a person is connected to the meeting through another node (set by the
        # live session; one node alone: never).
        self.elsewhere: Callable[[MeetingId, str], bool] = lambda meeting_id, person: False
        # Told once an arrival or departure is stored (the floor's quorum follows it).
        self.on_change: list[Callable[[MeetingId], Awaitable[None]]] = []

    def _lock(self, meeting_id: MeetingId) -> asyncio.Lock:
        return self._locks.setdefault(meeting_id, asyncio.Lock())

    async def _in_progress(self, meeting_id: MeetingId) -> bool:
        # Read inside the meeting's lock, after any transition committed: a join racing
        # an opening is counted either here or by `status_changed`, never lost.
        meeting = await self.meetings.store.get_meeting(meeting_id)
        return meeting is not None and meeting.status is MeetingStatus.IN_PROGRESS

    def _entry(self, meeting_id: MeetingId, who: Attendee, how: set[str]) -> Attendance:
        kind, _, ident = who.person.partition(":")
        now = self.clock.now()
        return Attendance(
            meeting_id=meeting_id, person=who.person,
            participant_id=ParticipantId(ident) if kind == "p" else None,
            user_id=UserId(ident) if kind == "u" else None,
            name=who.name, role=who.role, first_joined_at=now, last_left_at=None,
            seconds=0, joins=1, how=frozenset(how), present_since=now,
        )  # fmt: skip

    async def joined(
        self, meeting_id: MeetingId, who: Attendee, connection_id: str, how: str
    ) -> None:
        # Who is here changes at once, in the order the live session saw the joins and
        # leaves; the store follows in that order (under the lock), with the times taken
        # now, in tasks of their own: a socket's handler is cancelled when its client goes.
        at = self.clock.now()
        people = self._present.setdefault(meeting_id, {})
        person = people.setdefault(who.person, _Person(who))
        person.connections[connection_id] = how
        self._spawn(self._arrive(meeting_id, who, at))

    async def _arrive(self, meeting_id: MeetingId, who: Attendee, at: datetime) -> None:
        async with self._lock(meeting_id):
            known = self._present.get(meeting_id, {}).get(who.person)
            if known is not None and await self._in_progress(meeting_id):
                entry = self._entry(meeting_id, who, set(known.connections.values()))
                await self.store.arrive(entry, at)
                await self._changed(meeting_id)

    async def used(self, meeting_id: MeetingId, person: str, how: str) -> None:
        """The person also uses this (e.g. joined the video)."""
        async with self._lock(meeting_id):
            await self.store.add_how(meeting_id, person, how)

    async def left(self, meeting_id: MeetingId, person: str, connection_id: str) -> None:
        at = self.clock.now()
        people = self._present.get(meeting_id, {})
        known = people.get(person)
        if known is None:
            return
        known.connections.pop(connection_id, None)
        if known.connections:
            return  # still there on another device
        del people[person]
        if not people:
            self._present.pop(meeting_id, None)
        self._spawn(self._depart(meeting_id, person, at))

    def gone(self, meeting_id: MeetingId, person: str) -> None:
        """`person`, last connected through another node, is connected nowhere now."""
        if person not in self._present.get(meeting_id, {}):
            self._spawn(self._depart(meeting_id, person, self.clock.now()))

    async def _depart(self, meeting_id: MeetingId, person: str, at: datetime) -> None:
        async with self._lock(meeting_id):
            if person in self._present.get(meeting_id, {}):
                return  # back meanwhile
            if self.elsewhere(meeting_id, person):
                return  # still there through another node: it says when they leave
            if await self.store.depart(meeting_id, person, at):
                await self._changed(meeting_id)

    async def _changed(self, meeting_id: MeetingId) -> None:
        for listener in self.on_change:
            try:
                await listener(meeting_id)
            except Exception:
                logger.exception("telling of meeting %s's attendance failed", meeting_id)

    def reconcile(
        self, meeting_id: MeetingId, elsewhere: Collection[str], settled: timedelta
    ) -> None:
        """Make the store agree with who is connected (this node's people, and
        `elsewhere`: those the other live nodes last said they have), for what a node
        that died never said: someone connected only to it stays open otherwise. An
        interval opened less than `settled` ago is left alone (its node may not have
        been heard from yet); one of this node's people without an open interval (closed
        by such a reconciliation) is opened again."""
        self._spawn(self._reconcile(meeting_id, frozenset(elsewhere), settled))

    async def _reconcile(
        self, meeting_id: MeetingId, elsewhere: frozenset[str], settled: timedelta
    ) -> None:
        async with self._lock(meeting_id):
            if not await self._in_progress(meeting_id):
                return
            now = self.clock.now()
            here = self._present.get(meeting_id, {})
            intervals = await self.store.open_intervals(meeting_id)
            changed = False
            for person, since in intervals.items():
                if person in here or person in elsewhere or since > now - settled:
                    continue
                logger.info("meeting %s: %s is connected nowhere any more", meeting_id, person)
                changed |= bool(await self.store.depart(meeting_id, person, now))
            for known in here.values():
                if known.attendee.person not in intervals:
                    how = set(known.connections.values())
                    await self.store.arrive(self._entry(meeting_id, known.attendee, how), now)
                    changed = True
            if changed:
                await self._changed(meeting_id)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("recording attendance failed", exc_info=task.exception())

    async def settled(self) -> None:
        """Wait until what was seen so far is stored (for shutdown and tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> None:
        async with self._lock(meeting.id):
            now = self.clock.now()
            if meeting.status is MeetingStatus.IN_PROGRESS:
                for person in self._present.get(meeting.id, {}).values():
                    entry = self._entry(
                        meeting.id, person.attendee, set(person.connections.values())
                    )
                    await self.store.arrive(entry, now)
            elif before is MeetingStatus.IN_PROGRESS:
                closed = await self.store.depart(meeting.id, None, now)
                logger.info("meeting %s closed with %d attendee(s) present", meeting.id, closed)

    # -- reading ---------------------------------------------------------------------

    async def list_for(
        self, actor: Principal, meeting_id: MeetingId
    ) -> tuple[MeetingAccess, list[Attendance]]:
        """The attendance of a meeting: for its chair and secretary, and administrators."""
        access = await self.meetings.open(actor, meeting_id)
        if not access.can_prepare:
            raise Forbidden(
                "not_allowed",
                N_("Only the meeting's chair or secretary, or an administrator, can see this."),
            )
        return access, await self.store.list_attendance(meeting_id)
