"""The meeting page's invitations (each participant's delivery, "Send invitations")
and the account page's calendar feed address."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meetroom.ids import MeetingId
from meetroom.meetings.invitations import Outcome
from meetroom.server.api.invitations import deliveries_for
from meetroom.server.context import base_url, principal, services
from meetroom.server.pages.forms import form_fields, redirect
from meetroom.server.paths import path_id

routes = web.RouteTableDef()


async def invitation_context(request: web.Request, meeting_id: MeetingId) -> dict[str, Any]:
    """For those who manage the meeting: each participant's latest mail."""
    svc = services(request)
    deliveries = {d.participant_id: d for d in await deliveries_for(request, meeting_id)}
    return {"deliveries": deliveries, "mail_enabled": svc.invitations.enabled}


async def feed_url(request: web.Request) -> str:
    path = await services(request).calendar_feed.feed_path(principal(request))
    return base_url(request) + path


@routes.post("/meetings/{meeting_id}/invitations")
async def send_invitations(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    meeting_id = path_id(request, MeetingId)
    results = await services(request).invitations.send(
        principal(request), meeting_id, only_new=form.get("to") != "all"
    )
    queued = sum(1 for r in results if r.outcome is Outcome.QUEUED)
    raise redirect(f"/meetings/{meeting_id}?notice=invitations_queued&n={queued}#participants")


@routes.post("/account/calendar-feed")
async def reset_feed(request: web.Request) -> web.StreamResponse:
    await services(request).calendar_feed.reset(principal(request))
    raise redirect("/account?notice=feed_reset#calendar-feed")
