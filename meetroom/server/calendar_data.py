"""Where the calendar's meetings come from: one function, so that recurring meetings'
occurrences can replace plain meetings here and nowhere else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from meetroom.bounds import in_range
from meetroom.errors import N_, Invalid
from meetroom.meetings.recurrence import rid_text
from meetroom.records.accounts import Principal
from meetroom.scheduling.calendar import Entry, local_midnight, overlapping, to_utc
from meetroom.server.context import Services

MAX_SPAN = timedelta(days=366)


async def entries_between(
    services: Services, actor: Principal, start: datetime, end: datetime
) -> list[Entry]:
    """What `actor` may see of [start, end), by start time."""
    occurrences = await services.meetings.occurrences(actor, start, end, include_cancelled=True)
    return overlapping(
        (
            Entry(
                meeting_id=o.meeting_id,
                title=o.title,
                starts_at=o.starts_at,
                ends_at=o.ends_at,
                room_id=o.room_id,
                recurrence_id=rid_text(o.recurrence_id) if o.recurrence_id else None,
                cancelled=o.cancelled,
            )
            for o in occurrences
        ),
        start,
        end,
    )


def parse_day(value: str | None, field: str, default: date) -> date:
    """A date from the address (2026-12-01); `default` when absent (the pages pass
    today in the viewer's zone, from the services' clock)."""
    if not value:
        return default
    return parse_date(value, field)


def parse_date(value: str, field: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            "bad_date", N_("{field}: give a date such as 2026-12-01."), field=field
        ) from None
    return in_range(day, field)


def parse_bound(value: str | None, field: str, zone: ZoneInfo, end: bool) -> datetime:
    """`from`/`to` of the calendar API: a date (the whole day in the viewer's zone, so
    `to` includes it) or a date and time (without an offset: in the viewer's zone)."""
    if not value:
        raise Invalid("missing_field", N_("The field {field} is required."), field=field)
    text = value.strip()
    if len(text) == 10:
        day = parse_date(text, field)
        return local_midnight(day + timedelta(days=1) if end else day, zone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            "bad_datetime",
            N_("{field}: enter a date and time, e.g. 2026-12-01 09:00."),
            field=field,
        ) from None
    in_range(moment, field)
    return to_utc(moment, zone) if moment.tzinfo is None else moment.astimezone(UTC)


def check_span(start: datetime, end: datetime, longest: timedelta = MAX_SPAN) -> None:
    if end <= start:
        raise Invalid("bad_range", N_("The end of the period must be after its start."))
    if end - start > longest:
        raise Invalid("range_too_long", N_("Ask for {days} days at most."), days=longest.days)
