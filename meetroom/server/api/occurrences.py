"""Occurrences of meetings and series, and exceptions to one occurrence or to it and
the following ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from meetroom.bounds import YEAR_PATTERN, in_range
from meetroom.errors import N_, Invalid
from meetroom.ids import MeetingId, RoomId
from meetroom.meetings.occurrence_edits import OccurrenceChange, Scope
from meetroom.meetings.recurrence import Freq, Occurrence, Recurrence, parse_rid, rid_text
from meetroom.protocol.api import MeetingOut
from meetroom.protocol.codec import UNSET
from meetroom.protocol.formats import DAY_OR_TIME_OR_EMPTY_PATTERN
from meetroom.protocol.recurrence import OccurrenceOut, OccurrenceUpdate, RecurrenceIn
from meetroom.server.api.registry import Endpoint, Query, text
from meetroom.server.api.views import in_server_zone, meeting_out
from meetroom.server.context import SETTINGS, principal, services
from meetroom.server.paths import path_id

# The longest span one request may list.
MAX_RANGE = timedelta(days=400)
DEFAULT_RANGE = timedelta(days=31)


def recurrence_in(request: web.Request, body: RecurrenceIn | None) -> Recurrence | None:
    """The API's rule as the domain takes it (validated there)."""
    if body is None:
        return None
    return Recurrence(
        freq=Freq(body.freq),
        zone=body.time_zone or request.app[SETTINGS].timezone,
        interval=body.interval,
        weekdays=tuple(body.weekdays),
        month_day=body.month_day,
        nth=body.nth,
        weekday=body.weekday,
        until=body.until,
        count=body.count,
    )


def occurrence_out(o: Occurrence) -> OccurrenceOut:
    return OccurrenceOut(
        meeting_id=o.meeting_id,
        recurrence_id=rid_text(o.recurrence_id) if o.recurrence_id else None,
        starts_at=o.starts_at,
        ends_at=o.ends_at,
        title=o.title,
        room_id=o.room_id,
        is_exception=o.is_exception,
        cancelled=o.cancelled,
        url=f"/meetings/{o.meeting_id}",
    )


def _instant(request: web.Request, name: str, default: datetime) -> datetime:
    text = request.query.get(name)
    if not text:
        return default
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            "bad_datetime",
            N_("{field}: enter a date and time, e.g. 2026-12-01 09:00."),
            field=name,
        ) from None
    return in_server_zone(request, in_range(moment, name))


def _range(request: web.Request) -> tuple[datetime, datetime]:
    start = _instant(request, "from", services(request).meetings.clock.now())
    end = _instant(request, "to", start + DEFAULT_RANGE)
    if end <= start:
        raise Invalid("range_reversed", N_("The end of the range must be after its start."))
    if end - start > MAX_RANGE:
        raise Invalid("range_too_long", N_("List at most 400 days at once."))
    return start, end


def _scope(text: str) -> Scope:
    try:
        return Scope(text)
    except ValueError:
        raise Invalid("bad_scope", N_("The scope is “this” or “following”.")) from None


async def list_occurrences(request: web.Request) -> list[OccurrenceOut]:
    start, end = _range(request)
    occs = await services(request).meetings.occurrences(principal(request), start, end)
    return [occurrence_out(o) for o in occs]


async def meeting_occurrences(request: web.Request) -> list[OccurrenceOut]:
    start, end = _range(request)
    svc = services(request).meetings
    occs = await svc.meeting_occurrences(
        principal(request), path_id(request, MeetingId), start, end
    )
    return [occurrence_out(o) for o in occs]


async def edit_occurrence(request: web.Request, body: OccurrenceUpdate) -> MeetingOut:
    svc = services(request).meetings
    who = principal(request)
    change = OccurrenceChange(
        starts_at=None if body.starts_at is UNSET else in_server_zone(request, body.starts_at),
        ends_at=None if body.ends_at is UNSET else in_server_zone(request, body.ends_at),
        title=None if body.title is UNSET else body.title,
        room_id=None if body.room_id is UNSET else RoomId(body.room_id),
        set_room=body.room_id is not UNSET,
    )
    rid = parse_rid(request.match_info["recurrence_id"])
    meeting_id = await svc.edit_occurrence(
        who, path_id(request, MeetingId), rid, _scope(body.scope), change
    )
    return meeting_out(await svc.open(who, meeting_id))


async def cancel_occurrence(request: web.Request) -> None:
    rid = parse_rid(request.match_info["recurrence_id"])
    scope = _scope(request.query.get("scope", "this"))
    await services(request).meetings.cancel_occurrence(
        principal(request), path_id(request, MeetingId), rid, scope
    )


WHEN = text(pattern=DAY_OR_TIME_OR_EMPTY_PATTERN)
RANGE = (
    Query("from", WHEN, "Start (ISO 8601; without an offset: the server's zone); default now"),
    Query("to", WHEN, "End (exclusive); default 31 days after the start; 400 days at most"),
)
# The occurrence's original start in UTC.
RID = {
    "recurrence_id": text(
        pattern=f"^{YEAR_PATTERN}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
        "T([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]Z$"
    )
}
OCC = "/api/meetings/{meeting_id}/occurrences"
ENDPOINTS = [
    Endpoint(
        "GET", "/api/occurrences", list_occurrences,
        "Occurrences of the meetings the caller may see in a time range (a single "
        "meeting is one; cancelled occurrences are left out)", "meetings",
        response=list[OccurrenceOut], errors=(400, 401), query=RANGE,
    ),
    Endpoint(
        "GET", OCC, meeting_occurrences,
        "A meeting's occurrences in a time range, cancelled ones included", "meetings",
        response=list[OccurrenceOut], errors=(400, 401, 403, 404), query=RANGE,
    ),
    Endpoint(
        "PATCH", OCC + "/{recurrence_id}", edit_occurrence,
        "Move, retitle or change the room of one occurrence (scope this) or of it and the "
        "following ones (scope following: the series is split; the answer is the new "
        "series)", "meetings",
        body=OccurrenceUpdate, response=MeetingOut, errors=(400, 401, 403, 404, 409),
        path_schemas=RID,
    ),
    Endpoint(
        "DELETE", OCC + "/{recurrence_id}", cancel_occurrence,
        "Cancel one occurrence (scope=this) or it and the following ones (scope=following)",
        "meetings", status=204, errors=(400, 401, 403, 404),
        query=(Query("scope", text(enum=["this", "following"]), "this (default) or following"),),
        path_schemas=RID,
    ),
]  # fmt: skip
