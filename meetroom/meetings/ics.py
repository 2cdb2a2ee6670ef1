"""A meeting as an iCalendar event (RFC 5545), for calendar applications.

Written by hand: the format is a few lines of text, and the rules that matter are
here: CRLF line ends, lines folded at 75 octets (never inside a UTF-8 character),
text values escaped, times in UTC. `SEQUENCE` grows with every change of the meeting
(from `updated_at`), so that calendars replace the old copy."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from meetroom.ids import RoomId
from meetroom.meetings.recurrence import apply_override
from meetroom.records.meetings import Meeting, MeetingOverride
from meetroom.records.rooms import Room

PRODID = "-//MeetRoom//MeetRoom//EN"


def place(room: Room | None, location: str) -> str:
    """Where a meeting is, for calendars and mail: the room's name and whereabouts,
    then the meeting's own location text."""
    if room is None:
        return location
    return ", ".join(x for x in (room.name, room.location, location) if x)


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets go on as continuation lines starting with a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # not inside a character
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, 74  # continuation lines begin with a space
    return "\r\n ".join(parts)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_event(meeting: Meeting, url: str, location: str, host: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{meeting.id}@{host}",
        f"DTSTAMP:{_utc(meeting.updated_at)}",
        f"SEQUENCE:{int(meeting.updated_at.timestamp() - meeting.created_at.timestamp())}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(meeting.ends_at)}",
        f"SUMMARY:{escape_text(meeting.title)}",
        f"URL:{url}",
        "STATUS:CONFIRMED",
    ]
    if meeting.description:
        lines.append(f"DESCRIPTION:{escape_text(meeting.description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[list[str]], name: str | None = None) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]  # fmt: skip
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


# -- series ---------------------------------------------------------------------------


def _local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def _offset(seconds: float) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes = int(abs(seconds)) // 60
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[datetime]:
    """The instants (UTC) the zone's offset changes between these years."""
    found = []
    at = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    while at < end:
        nxt = at + step
        if at.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            lo, hi = at, nxt
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(second=0, microsecond=0))
        at = nxt
    return found


def vtimezone(name: str, first_year: int, last_year: int) -> list[str]:
    """A VTIMEZONE with every change of the zone's offset in these years (one
    STANDARD part when there is none)."""
    zone = ZoneInfo(name)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    changes = _transitions(zone, first_year, last_year)
    if not changes:
        at = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(zone)
        offset = _offset((at.utcoffset() or timedelta()).total_seconds())
        lines += ["BEGIN:STANDARD", f"DTSTART:{first_year}0101T000000",
                  f"TZOFFSETFROM:{offset}", f"TZOFFSETTO:{offset}",
                  f"TZNAME:{at.tzname()}", "END:STANDARD"]  # fmt: skip
    for change in changes:
        before = (change - timedelta(seconds=1)).astimezone(zone)
        after = change.astimezone(zone)
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        start = (change + (before.utcoffset() or timedelta())).replace(tzinfo=None)
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{start.strftime('%Y%m%dT%H%M%S')}",
            f"TZOFFSETFROM:{_offset((before.utcoffset() or timedelta()).total_seconds())}",
            f"TZOFFSETTO:{_offset((after.utcoffset() or timedelta()).total_seconds())}",
            f"TZNAME:{after.tzname()}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def series_vevents(
    meeting: Meeting,
    overrides: Iterable[MeetingOverride],
    url: str,
    location: str,
    host: str,
    location_of: Callable[[RoomId], str] | None = None,
) -> list[list[str]]:
    """A series as iCalendar components: its VTIMEZONE, the VEVENT with DTSTART in the
    series' zone, RRULE and EXDATE (cancelled occurrences), and one VEVENT with a
    RECURRENCE-ID for each moved, retitled or re-roomed occurrence. A single meeting
    is its one VEVENT."""
    return series_components(meeting, overrides, meeting_event(meeting, url, location, host),
                             location, location_of)  # fmt: skip


def series_components(
    meeting: Meeting,
    overrides: Iterable[MeetingOverride],
    event: list[str],
    location: str,
    location_of: Callable[[RoomId], str] | None = None,
) -> list[list[str]]:
    """`event` (one VEVENT's unfolded lines, times in UTC) made the series' master: its
    VTIMEZONE, DTSTART/DTEND in the series' zone, RRULE and EXDATE; then a copy with a
    RECURRENCE-ID for each moved, retitled or re-roomed occurrence. A single meeting:
    `event` as it is. Shared by the meeting's .ics and the users' feeds."""
    if not meeting.rrule or not meeting.series_zone:
        return [event]
    name = meeting.series_zone
    zone = ZoneInfo(name)
    tzid = f"TZID={name}"
    overrides = list(overrides)
    master = [
        f"DTSTART;{tzid}:{_local(meeting.starts_at, zone)}"
        if line.startswith("DTSTART:")
        else f"DTEND;{tzid}:{_local(meeting.ends_at, zone)}"
        if line.startswith("DTEND:")
        else line
        for line in event[:-1]
    ]
    master.append(f"RRULE:{meeting.rrule}")
    cancelled = [o.recurrence_id for o in overrides if o.cancelled]
    if cancelled:
        master.append(f"EXDATE;{tzid}:" + ",".join(_local(c, zone) for c in sorted(cancelled)))
    master.append("END:VEVENT")
    last = meeting.series_until or meeting.ends_at
    events = [vtimezone(name, meeting.starts_at.year, last.year), master]
    for o in sorted(overrides, key=lambda o: o.recurrence_id):
        if o.cancelled:
            continue
        occ = apply_override(meeting, o.recurrence_id.astimezone(UTC), o)
        where = location
        if o.room_id is not None and location_of is not None:
            where = location_of(o.room_id)
        moved = {
            "DTSTART": f"DTSTART:{_utc(occ.starts_at)}",
            "DTEND": f"DTEND:{_utc(occ.ends_at)}",
            "SUMMARY": f"SUMMARY:{escape_text(occ.title)}",
            "LOCATION": f"LOCATION:{escape_text(where)}",
        }
        copy = [moved.get(line.split(":", 1)[0], line) for line in event[:-1]]
        if where and not any(line.startswith("LOCATION:") for line in copy):
            copy.append(moved["LOCATION"])
        copy.append(f"RECURRENCE-ID;{tzid}:{_local(o.recurrence_id, zone)}")
        copy.append("END:VEVENT")
        events.append(copy)
    return events
