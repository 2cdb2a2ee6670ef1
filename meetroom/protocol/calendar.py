"""Bodies of the calendar's JSON API (GET /api/calendar)."""

from __future__ import annotations

import msgspec

from meetroom.protocol.formats import Instant


class CalendarEntryOut(msgspec.Struct):
    """One meeting (or one occurrence of a recurring meeting) in the period asked for."""

    meeting_id: str
    title: str
    starts_at: Instant  # UTC
    ends_at: Instant
    room_id: str | None
    url: str
    # Set for an occurrence of a recurring meeting.
    recurrence_id: str | None = None
    cancelled: bool = False
