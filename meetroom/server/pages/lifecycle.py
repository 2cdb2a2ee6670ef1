"""The meeting lifecycle on the pages: the status buttons (publish, open, close,
reopen, archive) and the attendance table of the meeting page."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meetroom.errors import N_, NotFound
from meetroom.ids import MeetingId
from meetroom.meetings import lifecycle
from meetroom.meetings.lifecycle import Transition
from meetroom.meetings.service import MeetingAccess
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import form_fields, redirect

routes = web.RouteTableDef()


async def status_context(request: web.Request, access: MeetingAccess) -> dict[str, Any]:
    """For the meeting templates: the transitions the viewer may make, and (for its chair
    and secretary, once it was opened) who attended, with minutes present."""
    svc = services(request)
    meeting = access.meeting
    attendance: list[dict[str, Any]] | None = None
    if access.can_prepare and meeting.opened_at is not None:
        _, entries = await svc.attendance.list_for(principal(request), meeting.id)
        now = svc.meetings.clock.now()
        attendance = [
            {
                "entry": e,
                "minutes": round(e.seconds_at(now) / 60),
                "present": e.present_since is not None,
            }
            for e in entries
        ]
    return {
        "transitions": [t.value for t in lifecycle.allowed(access)],
        "may_transition": {t.value: lifecycle.may(access, t) for t in Transition},
        "attendance": attendance,
    }


@routes.post("/meetings/{meeting_id}/status/{transition}")
async def change_status(request: web.Request) -> web.StreamResponse:
    meeting_id = MeetingId(request.match_info["meeting_id"])
    try:
        transition = Transition(request.match_info["transition"])
    except ValueError:
        raise NotFound("not_found", N_("There is nothing at this address.")) from None
    form = await form_fields(request)
    await services(request).lifecycle.change(principal(request), meeting_id, transition)
    if form.get("next") == "room":
        raise redirect(f"/m/{meeting_id}")
    raise redirect(f"/meetings/{meeting_id}?notice=status_{transition.value}")
