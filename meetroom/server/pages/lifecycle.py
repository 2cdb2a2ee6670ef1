"""The meeting lifecycle on the pages: the status buttons (publish, open, close,
reopen, archive) and the attendance table of the meeting page."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meetroom.errors import N_, Conflict, NotFound
from meetroom.ids import MeetingId
from meetroom.meetings import lifecycle
from meetroom.meetings.access import MeetingAccess
from meetroom.meetings.lifecycle import Transition
from meetroom.server.api.roll import roll_of
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import form_fields, redirect
from meetroom.server.paths import path_id
from meetroom.server.render import render

routes = web.RouteTableDef()


async def status_context(request: web.Request, access: MeetingAccess) -> dict[str, Any]:
    """For the meeting templates: the transitions the viewer may make, and (for its chair
    and secretary, once it was opened) who attended, with minutes present."""
    svc = services(request)
    meeting = access.meeting
    now = svc.meetings.clock.now()
    attendance: list[dict[str, Any]] | None = None
    not_connected: list[dict[str, Any]] = []
    if access.can_prepare and meeting.opened_at is not None:
        _, entries = await svc.attendance.list_for(principal(request), meeting.id)
        roll = await roll_of(svc, meeting)
        attendance = [
            {
                "entry": e,
                "minutes": round(e.seconds_at(now) / 60),
                "present": e.present_since is not None,
                "roll": roll.of_attendee(e),
            }
            for e in entries
        ]
        attended = {e.participant_id for e in entries}
        # Voting members who never connected, and those marked by hand without a device.
        not_connected = [
            {"participant": p, "roll": roll.of(p.id)}
            for p in roll.participants
            if p.id not in attended and roll.listed(p.id)
        ]
    return {
        "transitions": [t.value for t in lifecycle.allowed(access)],
        "may_transition": {t.value: lifecycle.may(access, t) for t in Transition},
        # The start button asks first (a dialog with JS, else the confirmation page).
        "starts_early": lifecycle.starts_early(meeting, Transition.OPEN, now),
        "attendance": attendance,
        "not_connected": not_connected,
    }


@routes.post("/meetings/{meeting_id}/status/{transition}")
async def change_status(request: web.Request) -> web.StreamResponse:
    meeting_id = path_id(request, MeetingId)
    try:
        transition = Transition(request.match_info["transition"])
    except ValueError:
        raise NotFound("not_found", N_("There is nothing at this address.")) from None
    form = await form_fields(request)
    back_to_room = form.get("next") == "room"
    svc = services(request)
    try:
        await svc.lifecycle.change(
            principal(request), meeting_id, transition, allow_early=form.get("start_early") == "1"
        )
    except Conflict as exc:
        if exc.code != "early_start":
            raise
        # Before its time: ask, on a page of its own (this works without JavaScript).
        access = await svc.meetings.open(principal(request), meeting_id)
        return render(
            request,
            "meetings/confirm_start.html",
            meeting=access.meeting,
            back=f"/m/{meeting_id}" if back_to_room else f"/meetings/{meeting_id}",
            next="room" if back_to_room else "",
        )
    if back_to_room:
        raise redirect(f"/m/{meeting_id}")
    raise redirect(f"/meetings/{meeting_id}?notice=status_{transition.value}")
