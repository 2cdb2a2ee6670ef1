"""JSON bodies of recurring meetings: the rule, occurrences, and exceptions."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from meetroom.protocol.formats import Day, Instant, Moment, TimeZoneName

WeekdayCode = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class RecurrenceIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How a meeting repeats. Stored as an RFC 5545 RRULE; refused with 400 when
    unbounded, beyond 500 occurrences or 5 years, or when the first meeting is not on
    one of its days."""

    freq: Literal["daily", "weekly", "monthly"]
    # Every `interval` days, weeks or months.
    interval: Annotated[int, msgspec.Meta(ge=1, le=99)] = 1
    # weekly: the weekdays; empty: the first meeting's.
    weekdays: list[WeekdayCode] = msgspec.field(default_factory=list)
    # monthly: a day of the month (months without it are skipped) …
    month_day: Annotated[int, msgspec.Meta(ge=1, le=31)] | None = None
    # … or the n-th weekday: nth 1–5, or -1 for the last (-2 the one before, …).
    nth: Annotated[int, msgspec.Meta(ge=-5, le=5)] | None = None
    weekday: WeekdayCode | None = None
    # The end: a last date (inclusive, in the series' zone) or a number of times.
    until: Day | None = None
    count: Annotated[int, msgspec.Meta(ge=1, le=500)] | None = None
    # The IANA zone the rule is kept in (09:00 stays 09:00 there across DST);
    # omitted: the server's.
    time_zone: TimeZoneName | None = None


class RecurrenceOut(msgspec.Struct):
    freq: str
    interval: int
    weekdays: list[str]
    month_day: int | None
    nth: int | None
    weekday: str | None
    until: Day | None
    count: int | None
    time_zone: str


class OccurrenceOut(msgspec.Struct):
    meeting_id: str
    # The occurrence's original start in UTC (20261201T020000Z), which names it in
    # /api/meetings/{id}/occurrences/{recurrence_id}; null for a single meeting.
    recurrence_id: str | None
    starts_at: Instant
    ends_at: Instant
    title: str
    room_id: str | None
    # Moved, retitled or in another room.
    is_exception: bool
    cancelled: bool
    url: str


class OccurrenceUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # this: only this occurrence; following: it and every later one (a new series).
    scope: Literal["this", "following"] = "this"
    starts_at: Moment | UnsetType = UNSET
    ends_at: Moment | UnsetType = UNSET
    title: Annotated[str, msgspec.Meta(max_length=300)] | UnsetType = UNSET
    room_id: Id | UnsetType = UNSET
