"""Records of meetings: the meeting and its series overrides, participants with their roles
and grants, join links, attendance, and calendar cancellations."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from meetroom.ids import (
    MeetingId,
    ParticipantId,
    RoomId,
    UserId,
)


class MeetingRole(enum.StrEnum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    DELEGATE = "delegate"
    GUEST = "guest"
    OBSERVER = "observer"


class Grant(enum.StrEnum):
    CAN_PUBLISH = "can_publish"
    CAN_ANNOTATE_SHARED = "can_annotate_shared"
    CAN_VOTE = "can_vote"
    CAN_PRESENT = "can_present"
    MODERATOR = "moderator"


class MeetingStatus(enum.StrEnum):
    """Where a meeting is in its life (see `meetroom.meetings.lifecycle`)."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class Meeting:
    id: MeetingId
    title: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    created_by: UserId | None
    created_at: datetime
    updated_at: datetime
    # The room booked for it, if any.
    room_id: RoomId | None = None
    # A series: an RFC 5545 RRULE (without DTSTART) expanded in `series_zone` from
    # starts_at/ends_at, the first occurrence; `series_until` is the end of the last
    # occurrence (UTC), so that range queries find a series without expanding it.
    rrule: str | None = None
    series_zone: str | None = None
    series_until: datetime | None = None

    # Its lifecycle; changed only through `meetroom.meetings.lifecycle`.
    status: MeetingStatus = MeetingStatus.SCHEDULED
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MeetingOverride:
    """An exception to one occurrence of a series: cancelled, or moved/retitled/in
    another room (None: as the series says)."""

    meeting_id: MeetingId
    # The occurrence's original start (UTC), as the RRULE gives it.
    recurrence_id: datetime
    cancelled: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    title: str | None = None
    room_id: RoomId | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    id: ParticipantId
    meeting_id: MeetingId
    user_id: UserId | None
    name: str
    role: MeetingRole
    grants: frozenset[Grant]
    link_version: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JoinLink:
    """A participant's join link as stored: the digest of its token, and the nonce the
    server rebuilds the token from to show it again."""

    token_hash: str
    meeting_id: MeetingId
    # None: the participant was removed from the meeting.
    participant_id: ParticipantId | None
    # None: revoked (replaced by a newer link); it can no longer be shown.
    nonce: str | None
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Attendance:
    """One person's presence in a meeting while it was in progress: every device and
    reconnection of theirs merged into one record."""

    meeting_id: MeetingId
    person: str  # "p:<participant id>" or "u:<user id>", as in the live session
    participant_id: ParticipantId | None
    user_id: UserId | None
    name: str
    role: str
    first_joined_at: datetime
    last_left_at: datetime | None
    # Seconds present in closed intervals; `present_since` starts the open one.
    seconds: int
    joins: int
    how: frozenset[str]  # tablet | browser | video
    present_since: datetime | None

    def seconds_at(self, now: datetime) -> int:
        """Seconds present up to `now`, the open interval included."""
        extra = (now - self.present_since).total_seconds() if self.present_since else 0
        return self.seconds + max(0, int(extra))


@dataclass(frozen=True, slots=True)
class CalendarCancellation:
    """A meeting gone from one user's calendar (deleted, or the user removed from it),
    kept for a while so that subscribed calendars learn it was cancelled."""

    user_id: UserId
    meeting_id: MeetingId
    title: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    cancelled_at: datetime
