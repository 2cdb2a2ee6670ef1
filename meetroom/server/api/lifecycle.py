"""A meeting's lifecycle (publish, open, close, reopen, archive) and its attendance."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from meetroom.errors import N_, Invalid
from meetroom.ids import MeetingId
from meetroom.meetings.lifecycle import Transition
from meetroom.protocol.api import MeetingOut
from meetroom.protocol.lifecycle import AttendanceList, AttendanceOut, NotAttendedOut
from meetroom.records.meetings import Attendance, MeetingStatus
from meetroom.server.api.registry import Endpoint
from meetroom.server.api.roll import roll_of
from meetroom.server.api.views import meeting_out
from meetroom.server.context import principal, services
from meetroom.server.csv_files import csv_attachment, csv_cell
from meetroom.server.paths import path_id


def status_filter(value: str | None) -> MeetingStatus | None:
    if not value:
        return None
    try:
        return MeetingStatus(value)
    except ValueError:
        raise Invalid(
            "bad_status",
            N_("Unknown meeting status: {status}."),
            status=value[:40],
        ) from None


def _transition(transition: Transition) -> Callable[[web.Request], Awaitable[MeetingOut]]:
    async def handler(request: web.Request) -> MeetingOut:
        svc = services(request)
        who = principal(request)
        meeting = await svc.lifecycle.change(who, path_id(request, MeetingId), transition)
        return meeting_out(await svc.meetings.open(who, meeting.id))

    handler.__name__ = f"{transition.value}_meeting"
    return handler


def attendance_out(entry: Attendance, now: Any, **roll: Any) -> AttendanceOut:
    """`roll`: the attendance state's fields (`roll.RollMark.fields`)."""
    return AttendanceOut(
        person=entry.person,
        participant_id=entry.participant_id,
        user_id=entry.user_id,
        name=entry.name,
        role=entry.role,
        first_joined_at=entry.first_joined_at,
        last_left_at=None if entry.present_since else entry.last_left_at,
        seconds=entry.seconds_at(now),
        joins=entry.joins,
        how=sorted(entry.how),
        present_now=entry.present_since is not None,
        **roll,
    )


async def attendance(request: web.Request) -> AttendanceList:
    svc = services(request)
    access, entries = await svc.attendance.list_for(principal(request), path_id(request, MeetingId))
    now = svc.meetings.clock.now()
    m = access.meeting
    roll = await roll_of(svc, m)
    attendees = [attendance_out(e, now, **roll.of_attendee(e).fields()) for e in entries]
    attended = {e.participant_id for e in entries if e.participant_id is not None}
    return AttendanceList(
        meeting_id=m.id,
        status=m.status.value,
        opened_at=m.opened_at,
        closed_at=m.closed_at,
        attendees=attendees,
        not_connected=[
            NotAttendedOut(
                participant_id=p.id, name=p.name, role=p.role.value, **roll.of(p.id).fields()
            )
            for p in roll.participants
            if p.id not in attended and roll.listed(p.id)
        ],
    )


CSV_HEADER = ["name", "role", "first_joined_at", "last_left_at", "minutes_present", "joins", "how",
              "state", "by_hand", "reason"]  # fmt: skip


async def attendance_csv(request: web.Request) -> web.Response:
    listed = await attendance(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for a in listed.attendees:
        writer.writerow(
            [
                csv_cell(a.name), a.role, a.first_joined_at.isoformat(timespec="seconds"),
                a.last_left_at.isoformat(timespec="seconds") if a.last_left_at else "",
                round(a.seconds / 60, 1), a.joins, " ".join(a.how),
                a.state, "yes" if a.by_hand else "", csv_cell(a.reason),
            ]
        )  # fmt: skip
    for n in listed.not_connected:
        writer.writerow(
            [csv_cell(n.name), n.role, "", "", 0, 0, "", n.state, "yes" if n.by_hand else "",
             csv_cell(n.reason)]
        )  # fmt: skip
    return csv_attachment(out.getvalue(), f"attendance-{listed.meeting_id}.csv")


M = "/api/meetings/{meeting_id}"
SUMMARIES = {
    Transition.PUBLISH: "Publish a draft: scheduled (secretary, admin, the meeting's chair)",
    Transition.UNPUBLISH: "Back to draft, before it is opened",
    Transition.OPEN: "Open the meeting: in progress; attendance starts counting",
    Transition.CLOSE: "Close the meeting: ended; every tablet turns read-only, the video "
    "room closes",
    Transition.REOPEN: "Reopen an ended meeting: in progress again",
    Transition.ARCHIVE: "Archive an ended meeting: read-only for good (secretary, admin)",
}
ENDPOINTS = [
    *(
        Endpoint(
            "POST",
            f"{M}/{t.value}",
            _transition(t),
            summary,
            "lifecycle",
            response=MeetingOut,
            errors=(401, 403, 404, 409),
        )  # fmt: skip
        for t, summary in SUMMARIES.items()
    ),
    Endpoint(
        "GET",
        M + "/attendance",
        attendance,
        "Who attended while the meeting was in progress (chair, secretary, admin)",
        "lifecycle",
        response=AttendanceList,
        errors=(401, 403, 404),
    ),
    Endpoint(
        "GET",
        M + "/attendance.csv",
        attendance_csv,
        "The attendance as CSV (UTF-8)",
        "lifecycle",
        media_type="text/csv",
        errors=(401, 403, 404),
    ),
]
