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
    # Their attendance for the roll: while the meeting is in progress, as the quorum
    # counts it now (connected, or marked by hand); after, "present" for anyone who
    # attended, else as marked.
    state: str = "present"  # present | excused | absent
    by_hand: bool = False  # the state is the secretary's or chair's mark
    reason: str = ""  # of a hand mark (why excused)
    voting: bool = False  # a voting member (`can_vote`): counts for the quorum


class NotAttendedOut(msgspec.Struct):
    """A voting member who never connected, or a participant marked by hand without
    connecting (present in the room without a device, excused, absent)."""

    participant_id: str
    name: str
    role: str
    state: str  # present | excused | absent
    by_hand: bool
    reason: str
    voting: bool


class AttendanceList(msgspec.Struct):
    meeting_id: str
    status: str
    opened_at: Instant | None
    closed_at: Instant | None
    attendees: list[AttendanceOut]
    not_connected: list[NotAttendedOut] = []
