"""A meeting as an iCalendar event (RFC 5545), for calendar applications.

Written by hand: the format is a few lines of text, and the rules that matter are
here: CRLF line ends, lines folded at 75 octets (never inside a UTF-8 character),
text values escaped, times in UTC. `SEQUENCE` grows with every change of the meeting
(from `updated_at`), so that calendars replace the old copy."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from meetroom.records import Meeting

PRODID = "-//MeetRoom//MeetRoom//EN"


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
