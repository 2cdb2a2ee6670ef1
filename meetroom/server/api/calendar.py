"""The calendar: the meetings the caller may see in a period, with rooms and times."""

from __future__ import annotations

from datetime import UTC

from aiohttp import web

from meetroom.protocol.calendar import CalendarEntryOut
from meetroom.protocol.formats import DAY_OR_TIME_PATTERN
from meetroom.server.api.registry import Endpoint, Query, text
from meetroom.server.calendar_data import check_span, entries_between, parse_bound
from meetroom.server.context import principal, services
from meetroom.server.zones import zone_of


async def calendar(request: web.Request) -> list[CalendarEntryOut]:
    zone = zone_of(request)
    start = parse_bound(request.query.get("from"), "from", zone, end=False)
    end = parse_bound(request.query.get("to"), "to", zone, end=True)
    check_span(start, end)
    room = request.query.get("room")
    entries = await entries_between(services(request), principal(request), start, end)
    return [
        CalendarEntryOut(
            meeting_id=e.meeting_id,
            title=e.title,
            starts_at=e.starts_at.astimezone(UTC),
            ends_at=e.ends_at.astimezone(UTC),
            room_id=e.room_id,
            url=f"/meetings/{e.meeting_id}",
            recurrence_id=e.recurrence_id,
            cancelled=e.cancelled,
        )
        for e in entries
        if not room or e.room_id == room
    ]


WHEN = text(pattern=DAY_OR_TIME_PATTERN)
ENDPOINTS = [
    Endpoint(
        "GET", "/api/calendar", calendar,
        "The meetings the caller may see between `from` and `to`, by start time", "calendar",
        response=list[CalendarEntryOut], errors=(400, 401, 403),
        query=(
            Query("from", WHEN, "A date (from its start, in the caller's time zone) or a date "
                  "and time (ISO 8601; without an offset: the caller's zone)", required=True),
            Query("to", WHEN, "A date (up to its end) or a date and time; 366 days at most "
                  "after `from`", required=True),
            Query("room", text(), "Only the meetings in this room"),
        ),
    ),
]  # fmt: skip
