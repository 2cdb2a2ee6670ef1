"""Bodies of the calendar's JSON API (GET /api/calendar)."""

from __future__ import annotations

from datetime import datetime

import msgspec


class CalendarEntryOut(msgspec.Struct):
    """One meeting (or one occurrence of a recurring meeting) in the period asked for."""

    meeting_id: str
    title: str
    starts_at: datetime  # UTC
    ends_at: datetime
    room_id: str | None
    url: str
    # Set for an occurrence of a recurring meeting.
    recurrence_id: str | None = None
    cancelled: bool = False
