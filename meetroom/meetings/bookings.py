"""What a meeting books, single or a series: its room (the room's own rules, and no
other booking in the way) and its people (none of them in another meeting at that
time), checked before the meeting is written, and written under a lock on its room.
Without a series store the server keeps single meetings only, checked by the
meeting store itself."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from meetroom.errors import N_, Conflict, Invalid, NotFound
from meetroom.ids import UserId
from meetroom.meetings.ports import MeetingStore, RoomBooking, SeriesStore
from meetroom.meetings.recurrence import series_until
from meetroom.meetings.series import SeriesBooking, all_occurrences, kept_overrides
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Meeting, MeetingOverride

logger = logging.getLogger(__name__)


class Bookings:
    def __init__(
        self, store: MeetingStore, rooms: RoomBooking | None, series: SeriesStore | None
    ) -> None:
        self.store = store
        self.rooms = rooms
        # Series and bookings under a lock on the room; None: single meetings only.
        self.series = SeriesBooking(series, rooms) if series is not None else None

    async def overrides(self, meeting: Meeting) -> list[MeetingOverride]:
        """The stored exceptions that still name an occurrence of `meeting` (none for
        a single meeting); callers checked access themselves."""
        if self.series is None or not meeting.rrule:
            return []
        stored = (await self.series.store.overrides([meeting.id]))[meeting.id]
        return kept_overrides(meeting, stored)

    async def check_room(self, actor: Principal, meeting: Meeting) -> None:
        """The room's own rules (who may book it, when) for the meeting, or each
        occurrence of its series."""
        if meeting.room_id is None:
            return
        if self.rooms is None:
            raise Invalid("rooms_unavailable", N_("Rooms cannot be booked on this server."))
        if self.series is not None and meeting.rrule:
            occs = all_occurrences(meeting, await self.overrides(meeting))
            await self.series.check_room_rules(actor, meeting, occs)
            return
        await self.rooms.check_booking(actor, meeting)

    async def check_free(self, meeting: Meeting, user_ids: list[UserId]) -> None:
        """Refuse when one of these users takes part in another meeting at that time
        (guests typed by name are not checked)."""
        if self.series is not None:
            occs = all_occurrences(meeting, await self.overrides(meeting))
            await self.series.check_free(occs, user_ids, {meeting.id})
            return
        busy = await self.store.busy_participant(
            user_ids, meeting.starts_at, meeting.ends_at, exclude=meeting.id
        )
        if busy is None:
            return
        other, participant = busy
        raise Conflict(
            "participant_busy",
            N_("{name} takes part in the meeting “{title}” at that time."),
            details={
                "meeting_id": other.id,
                "title": other.title,
                "user_id": participant.user_id,
            },
            name=participant.name,
            title=other.title,
        )

    async def save(self, meeting: Meeting, create: bool = False) -> Meeting:
        """Writes the meeting under a lock on its room, after refusing (room_taken) a
        booking in the way of one of its occurrences."""
        if self.series is None:
            # The store refuses an overlapping booking of the room, atomically.
            if create:
                await self.store.create_meeting(meeting)
            elif not await self.store.save_meeting(meeting):
                raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
            return meeting
        overrides = [] if create else await self.overrides(meeting)
        meeting = dataclasses.replace(meeting, series_until=series_until(meeting, overrides))

        async def writes(tx: Any) -> None:
            if create:
                await tx.create_meeting(meeting)
                return
            if not await tx.save_meeting(meeting):
                raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
            await tx.replace_overrides(meeting.id, overrides)

        occs = all_occurrences(meeting, overrides)
        await self.series.write(occs, {meeting.id}, writes, meeting.series_zone)
        return meeting
