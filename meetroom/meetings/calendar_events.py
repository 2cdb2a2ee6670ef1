"""Events for invitations (iTIP, RFC 5546: METHOD:REQUEST and METHOD:CANCEL) and for
calendar feeds, on the text rules of `ics` (folding, escaping, UTC times).

A calendar application matches an event by its UID (`<meeting id>@<host>`) and keeps
the copy with the highest SEQUENCE: the invitation, its updates, its cancellation, the
feed and the meeting's own `.ics` all describe the same event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from meetroom.meetings.ics import PRODID, escape_text, fold
from meetroom.records.meetings import Meeting


def sequence_of(meeting: Meeting) -> int:
    """Grows with every change of the meeting (the rule `ics.meeting_event` uses)."""
    return int(meeting.updated_at.timestamp() - meeting.created_at.timestamp())


def cancelled_sequence(meeting: Meeting, now: datetime) -> int:
    """Higher than any version sent before the cancellation."""
    return max(sequence_of(meeting) + 1, int(now.timestamp() - meeting.created_at.timestamp()))


def event_uid(meeting_id: str, host: str) -> str:
    return f"{meeting_id}@{host}"


def utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _param(value: str) -> str:
    """A parameter value (e.g. CN): quoted, without the quotes it may not hold."""
    return '"' + value.replace('"', "'").replace("\r", " ").replace("\n", " ") + '"'


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class EventInfo:
    uid: str
    sequence: int
    stamp: datetime
    starts_at: datetime
    ends_at: datetime
    title: str
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False
    last_modified: datetime | None = None
    organizer: Person | None = None
    attendee: Person | None = None


def event_lines(e: EventInfo) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{e.uid}",
        f"DTSTAMP:{utc(e.stamp)}",
        f"SEQUENCE:{e.sequence}",
        f"DTSTART:{utc(e.starts_at)}",
        f"DTEND:{utc(e.ends_at)}",
        f"SUMMARY:{escape_text(e.title)}",
        f"STATUS:{'CANCELLED' if e.cancelled else 'CONFIRMED'}",
    ]
    if e.last_modified is not None:
        lines.append(f"LAST-MODIFIED:{utc(e.last_modified)}")
    if e.url:
        lines.append(f"URL:{e.url}")
    if e.description:
        lines.append(f"DESCRIPTION:{escape_text(e.description)}")
    if e.location:
        lines.append(f"LOCATION:{escape_text(e.location)}")
    if e.organizer is not None:
        lines.append(f"ORGANIZER;CN={_param(e.organizer.name)}:mailto:{e.organizer.email}")
    if e.attendee is not None:
        # RSVP=FALSE: nobody reads replies sent to the organizer's address.
        lines.append(
            f"ATTENDEE;CN={_param(e.attendee.name)};ROLE=REQ-PARTICIPANT;RSVP=FALSE"
            f":mailto:{e.attendee.email}"
        )
    lines.append("END:VEVENT")
    return lines


def vcalendar(events: Iterable[list[str]], method: str = "PUBLISH", name: str = "") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             f"METHOD:{method}"]  # fmt: skip
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
