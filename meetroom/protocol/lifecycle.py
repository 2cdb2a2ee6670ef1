"""JSON bodies of the meeting lifecycle and attendance endpoints."""

from __future__ import annotations

import msgspec

from meetroom.protocol.formats import Instant


class AttendanceOut(msgspec.Struct):
    # "p:<participant id>" or "u:<user id>" (an administrator or secretary account).
    person: str
    participant_id: str | None
    user_id: str | None
    name: str
    role: str
    first_joined_at: Instant
    # Null while present now, or if never left.
    last_left_at: Instant | None
    # Seconds present while the meeting was in progress, every device merged.
    seconds: int
    joins: int
    # tablet | browser | video
    how: list[str]
    present_now: bool


class AttendanceList(msgspec.Struct):
    meeting_id: str
    status: str
    opened_at: Instant | None
    closed_at: Instant | None
    attendees: list[AttendanceOut]
