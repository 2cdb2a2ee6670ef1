"""Each user's private calendar feed (`/calendar/<token>.ics`): their meetings, as a
participant or as the creator, from 30 days ago to a year ahead, each with their join
link; and, for 30 days, the meetings taken from them (deleted, or the user removed) as
cancelled events, so that subscribed calendars drop them."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from meetroom.accounts.service import require_user
from meetroom.clock import Clock
from meetroom.errors import N_, NotFound
from meetroom.ids import MeetingId, RoomId, UserId
from meetroom.meetings.calendar_events import (
    EventInfo,
    cancelled_sequence,
    event_lines,
    event_uid,
    sequence_of,
    vcalendar,
)
from meetroom.meetings.ics import place, series_components
from meetroom.meetings.invitations import RoomLookup
from meetroom.meetings.ports import UserDirectory
from meetroom.meetings.service import MeetingService
from meetroom.records.accounts import Principal
from meetroom.records.meetings import CalendarCancellation, Meeting, Participant

logger = logging.getLogger(__name__)

PAST = timedelta(days=30)
AHEAD = timedelta(days=365)
KEEP_CANCELLED = timedelta(days=30)


class FeedStore(Protocol):
    async def get_feed_nonce(self, user_id: UserId) -> str | None: ...
    async def put_feed(
        self, user_id: UserId, nonce: str, token_hash: str, now: datetime
    ) -> None: ...
    async def feed_user(self, token_hash: str) -> UserId | None: ...
    async def user_meetings(
        self, user_id: UserId, since: datetime, until: datetime
    ) -> list[tuple[Meeting, Participant | None]]: ...
    async def add_cancellations(self, rows: Sequence[CalendarCancellation]) -> None: ...
    async def drop_cancellation(self, user_id: UserId, meeting_id: MeetingId) -> None: ...
    async def cancellations(
        self, user_id: UserId, since: datetime
    ) -> list[CalendarCancellation]: ...
    async def purge_cancellations(self, before: datetime) -> int: ...


class FeedTokens(Protocol):
    def token(self, user_id: str, nonce: str) -> str: ...
    def digest(self, token: str) -> str: ...
    def new_nonce(self) -> str: ...


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One meeting of the feed, as the user sees it."""

    meeting: Meeting
    participant: Participant | None  # None: the user created it but does not take part
    location: str


@dataclass(frozen=True, slots=True)
class Feed:
    text: str
    etag: str
    last_modified: datetime


class CalendarFeedService:
    def __init__(
        self,
        store: FeedStore,
        tokens: FeedTokens,
        meetings: MeetingService,
        users: UserDirectory,
        rooms: RoomLookup,
        clock: Clock,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.meetings = meetings
        self.users = users
        self.rooms = rooms
        self.clock = clock

    # -- the address -----------------------------------------------------------------

    async def feed_path(self, actor: Principal) -> str:
        """The path of the actor's feed (made on first use)."""
        user = require_user(actor)
        nonce = await self.store.get_feed_nonce(user.id)
        if nonce is None:
            return await self.reset(actor)
        return f"/calendar/{self.tokens.token(user.id, nonce)}.ics"

    async def reset(self, actor: Principal) -> str:
        """A new address; the old one stops working."""
        user = require_user(actor)
        nonce = self.tokens.new_nonce()
        token = self.tokens.token(user.id, nonce)
        await self.store.put_feed(user.id, nonce, self.tokens.digest(token), self.clock.now())
        logger.info("calendar feed address of %s (re)made", user.username)
        return f"/calendar/{token}.ics"

    # -- the feed ------------------------------------------------------------------

    async def feed(self, token: str, base_url: str, host: str) -> Feed:
        user_id = await self.store.feed_user(self.tokens.digest(token)) if token else None
        user = await self.users.get_user(user_id) if user_id else None
        if user is None or user.disabled:
            raise NotFound("feed_not_found", N_("There is no calendar at this address."))
        now = self.clock.now()
        entries = [
            FeedEntry(m, p, await self._location(m))
            for m, p in await self.store.user_meetings(user.id, now - PAST, now + AHEAD)
        ]
        live = {e.meeting.id for e in entries}
        cancelled = [
            c
            for c in await self.store.cancellations(user.id, now - KEEP_CANCELLED)
            if c.meeting_id not in live
        ]

        # A series is one event with its rule, exceptions and moved occurrences.
        overrides = {
            e.meeting.id: await self.meetings.bookings.overrides(e.meeting) for e in entries
        }
        # A moved occurrence's other room, said as the meeting's own .ics says it.
        places = {
            e.meeting.id: {
                o.room_id: await self._location(e.meeting, o.room_id)
                for o in overrides[e.meeting.id]
                if o.room_id
            }
            for e in entries
        }

        def build(link: Callable[[FeedEntry], str]) -> list[list[str]]:
            events = []
            for e in entries:
                lines = event_lines(self._event(e, link(e), host))
                events += series_components(
                    e.meeting,
                    overrides[e.meeting.id],
                    lines,
                    e.location,
                    places[e.meeting.id].__getitem__,
                )
            events += [event_lines(self._cancelled(c, host)) for c in cancelled]
            return events

        # A participant's own join link; others (the creator) get the meeting's page.
        links = {
            e.meeting.id: f"{base_url}/j/{(await self.meetings.links.get(e.meeting, p)).token}"
            for e in entries
            if (p := e.participant) is not None
        }
        name = f"MeetRoom: {user.display_name}"
        text = vcalendar(
            build(lambda e: links.get(e.meeting.id, f"{base_url}/meetings/{e.meeting.id}")),
            name=name,
        )
        # The links are the same on each request, so the text itself makes the ETag.
        etag = '"' + hashlib.sha256((text + base_url).encode()).hexdigest()[:32] + '"'
        stamps = [e.meeting.updated_at for e in entries]
        stamps += [e.participant.created_at for e in entries if e.participant]
        stamps += [c.cancelled_at for c in cancelled]
        return Feed(text, etag, max(stamps, default=user.created_at))

    def _event(self, e: FeedEntry, link: str, host: str) -> EventInfo:
        m = e.meeting
        return EventInfo(
            uid=event_uid(m.id, host),
            sequence=sequence_of(m),
            stamp=m.updated_at,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            title=m.title,
            description=f"{link}\n\n{m.description}".strip(),
            location=e.location,
            url=link,
            last_modified=m.updated_at,
        )

    def _cancelled(self, c: CalendarCancellation, host: str) -> EventInfo:
        return EventInfo(
            uid=event_uid(c.meeting_id, host),
            sequence=c.sequence,
            stamp=c.cancelled_at,
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            title=c.title,
            cancelled=True,
            last_modified=c.cancelled_at,
        )

    async def _location(self, meeting: Meeting, room_id: RoomId | None = None) -> str:
        """`room_id`: another room than the meeting's (a moved occurrence's)."""
        room_id = room_id or meeting.room_id
        if room_id is None:
            return meeting.location
        return place(await self.rooms.get_room(room_id), meeting.location)

    async def purge(self) -> int:
        return await self.store.purge_cancellations(self.clock.now() - KEEP_CANCELLED)

    # -- MeetingWatcher: remember what leaves a user's calendar ------------------------

    async def participant_added(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        if participant.user_id is not None:
            await self.store.drop_cancellation(participant.user_id, meeting.id)

    async def participant_removed(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        # The creator still has it in their feed.
        if participant.user_id is not None and participant.user_id != meeting.created_by:
            await self.store.add_cancellations([self._gone(meeting, participant.user_id)])

    async def meeting_changed(self, actor: Principal, before: Meeting, after: Meeting) -> None:
        return None

    async def meeting_deleted(
        self, actor: Principal, meeting: Meeting, participants: list[Participant]
    ) -> None:
        users = {p.user_id for p in participants if p.user_id is not None}
        if meeting.created_by is not None:
            users.add(meeting.created_by)
        await self.store.add_cancellations([self._gone(meeting, u) for u in sorted(users)])

    def _gone(self, meeting: Meeting, user_id: UserId) -> CalendarCancellation:
        now = self.clock.now()
        return CalendarCancellation(
            user_id=user_id,
            meeting_id=meeting.id,
            title=meeting.title,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            sequence=cancelled_sequence(meeting, now),
            cancelled_at=now,
        )
