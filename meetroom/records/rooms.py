"""Records of meeting rooms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from meetroom.ids import (
    RoomId,
    UserId,
)


@dataclass(frozen=True, slots=True)
class Room:
    """A meeting room that meetings book; a virtual-only room is never taken."""

    id: RoomId
    name: str
    location: str
    seats: int | None
    tablets: int
    has_video_endpoint: bool
    virtual_only: bool
    # Local wall-clock hours (in the server's time zone) when it may be booked;
    # None: any time.
    available_from: time | None
    available_until: time | None
    # ISO weekdays (1 = Monday … 7 = Sunday) it may be booked on.
    available_days: frozenset[int]
    # Who may book it besides administrators: None = everyone who manages meetings.
    bookers: frozenset[UserId] | None
    created_at: datetime
    updated_at: datetime
