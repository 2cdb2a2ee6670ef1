"""JSON bodies of the meeting lifecycle and attendance endpoints."""

from __future__ import annotations

from datetime import datetime

import msgspec


class AttendanceOut(msgspec.Struct):
    # "p:<participant id>" or "u:<user id>" (an administrator or secretary account).
    person: str
    participant_id: str | None
    user_id: str | None
    name: str
    role: str
    first_joined_at: datetime
    # Null while present now, or if never left.
    last_left_at: datetime | None
    # Seconds present while the meeting was in progress, every device merged.
    seconds: int
    joins: int
    # tablet | browser | video
    how: list[str]
    present_now: bool


class AttendanceList(msgspec.Struct):
    meeting_id: str
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    attendees: list[AttendanceOut]
