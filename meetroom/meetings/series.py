"""Booking series of meetings: their rooms and people, and exceptions to occurrences.

A series books its room for every occurrence. The database's own check (migration
0004) sees rows only, so every booking of a room runs here in one transaction that
locks the room first (`SeriesStore.transaction`), expands the bookings that may meet
it, refuses with room_taken naming the first one in the way, and only then writes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from datetime import UTC, datetime
from typing import Any

from meetroom.errors import N_, Conflict
from meetroom.ids import MeetingId, UserId
from meetroom.meetings.ports import RoomBooking, SeriesStore, SeriesWriter
from meetroom.meetings.recurrence import Occurrence, natural_starts, occurrences, zone_of
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Meeting, MeetingOverride, Participant

logger = logging.getLogger(__name__)

EVER = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))
Writes = Callable[[SeriesWriter], Awaitable[None]]


def all_occurrences(
    meeting: Meeting, overrides: Iterable[MeetingOverride] = ()
) -> list[Occurrence]:
    return occurrences(meeting, overrides, *EVER)


def _when(o: Occurrence, zone: str | None) -> str:
    local = o.starts_at.astimezone(zone_of(zone) if zone else UTC)
    return local.strftime("%Y-%m-%d %H:%M") + f" ({zone or 'UTC'})"


def _details(other: Occurrence) -> dict[str, Any]:
    details: dict[str, Any] = {"meeting_id": other.meeting_id, "title": other.title}
    details["starts_at"] = other.starts_at.astimezone(UTC).isoformat()
    details["ends_at"] = other.ends_at.astimezone(UTC).isoformat()
    if other.recurrence_id is not None:
        details["recurrence_id"] = other.recurrence_id.astimezone(UTC).isoformat()
    return details


def first_overlap(
    mine: Iterable[Occurrence], theirs: Iterable[Occurrence]
) -> tuple[Occurrence, Occurrence] | None:
    """The earliest of `theirs` that shares time with one of `mine` (touching ends do
    not count), with the one of mine it meets."""
    ordered = sorted(theirs, key=lambda o: (o.starts_at, o.meeting_id))
    found: tuple[Occurrence, Occurrence] | None = None
    for a in mine:
        for b in ordered:
            if b.starts_at >= a.ends_at or (found and b.starts_at >= found[1].starts_at):
                break
            if b.ends_at > a.starts_at:
                found = (a, b)
                break
    return found


def room_taken(mine: Occurrence, other: Occurrence, zone: str | None) -> Conflict:
    if mine.recurrence_id is None and other.recurrence_id is None:
        # Two single meetings: the same answer as the database's own refusal.
        return Conflict(
            "room_taken",
            N_("The room is already booked at that time, for the meeting “{title}”."),
            details={"meeting_id": other.meeting_id, "title": other.title},
            title=other.title,
        )
    return Conflict(
        "room_taken",
        N_("The room is already booked on {when}, for the meeting “{title}”."),
        details=_details(other),
        title=other.title,
        when=_when(other, zone),
    )


class SeriesBooking:
    def __init__(self, store: SeriesStore, rooms: RoomBooking | None) -> None:
        self.store = store
        self.rooms = rooms

    async def expand(
        self,
        meetings: Collection[Meeting],
        start: datetime,
        end: datetime,
        include_cancelled: bool = False,
    ) -> list[Occurrence]:
        overrides = await self.store.overrides([m.id for m in meetings if m.rrule])
        result = [
            o
            for m in meetings
            for o in occurrences(m, overrides.get(m.id, []), start, end, include_cancelled)
        ]
        result.sort(key=lambda o: (o.starts_at, o.meeting_id))
        return result

    async def check_room_rules(
        self, actor: Principal, meeting: Meeting, occs: list[Occurrence]
    ) -> None:
        """The room's own rules (who may book it, its hours and days) for each
        occurrence in a room; occurrences alike in time are checked once."""
        if self.rooms is None:
            return
        seen = set()
        for o in occs:
            if o.room_id is None or o.cancelled:
                continue
            start, end = o.starts_at.astimezone(UTC), o.ends_at.astimezone(UTC)
            key = (o.room_id, start.weekday(), start.time(), end.weekday(), end.time())
            if key in seen:
                continue
            seen.add(key)
            await self.rooms.check_booking(
                actor,
                dataclasses.replace(meeting, starts_at=start, ends_at=end, room_id=o.room_id),
            )

    async def write(
        self,
        occs: list[Occurrence],
        exclude: Collection[MeetingId],
        writes: Writes,
        zone: str | None = None,
    ) -> None:
        """Under a lock on each room these occurrences book: refuse the first booking
        in the way (room_taken), else run `writes` in the same transaction."""
        booked = [o for o in occs if o.room_id is not None and not o.cancelled]
        room_ids = sorted({o.room_id for o in booked if o.room_id is not None})
        async with self.store.transaction(room_ids) as tx:
            for room_id in room_ids:
                if not await tx.room_is_exclusive(room_id):
                    continue
                mine = [o for o in booked if o.room_id == room_id]
                start = min(o.starts_at for o in mine)
                end = max(o.ends_at for o in mine)
                others = await tx.room_bookings(room_id, start, end, exclude)
                overrides = await tx.overrides([m.id for m in others if m.rrule])
                theirs = [
                    o
                    for m in others
                    for o in occurrences(m, overrides.get(m.id, []), start, end)
                    if o.room_id == room_id
                ]
                clash = first_overlap(mine, theirs)
                if clash is not None:
                    raise room_taken(clash[0], clash[1], zone)
            await writes(tx)

    async def check_free(
        self, occs: list[Occurrence], user_ids: Collection[UserId], exclude: Collection[MeetingId]
    ) -> None:
        """Refuse when one of these users takes part in another meeting at the time of
        one of these occurrences (participant_busy, naming the first such meeting)."""
        occs = [o for o in occs if not o.cancelled]
        if not occs or not user_ids:
            return
        start = min(o.starts_at for o in occs)
        end = max(o.ends_at for o in occs)
        rows = await self.store.participant_bookings(user_ids, start, end, exclude)
        overrides = await self.store.overrides({m.id for m, _ in rows if m.rrule})
        found: tuple[Occurrence, Occurrence, Participant] | None = None
        for meeting, participant in rows:
            theirs = occurrences(meeting, overrides.get(meeting.id, []), start, end)
            clash = first_overlap(occs, theirs)
            if clash and (found is None or clash[1].starts_at < found[1].starts_at):
                found = (clash[0], clash[1], participant)
        if found is None:
            return
        mine, other, participant = found
        details = {"meeting_id": other.meeting_id, "title": other.title}
        if mine.recurrence_id is not None or other.recurrence_id is not None:
            details = _details(other)
        raise Conflict(
            "participant_busy",
            N_("{name} takes part in the meeting “{title}” at that time."),
            details={**details, "user_id": participant.user_id},
            name=participant.name,
            title=other.title,
        )


def kept_overrides(meeting: Meeting, overrides: Iterable[MeetingOverride]) -> list[MeetingOverride]:
    """The exceptions that still name an occurrence of the (changed) series."""
    if not meeting.rrule:
        return []
    starts = set(natural_starts(meeting))
    return [o for o in overrides if o.recurrence_id.astimezone(UTC) in starts]
