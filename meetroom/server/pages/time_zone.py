"""One's own time zone, set on the account page."""

from __future__ import annotations

from aiohttp import web

from meetroom.accounts.service import require_user
from meetroom.errors import Category, MeetRoomError
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import form_fields, redirect, refusal
from meetroom.server.render import render

routes = web.RouteTableDef()


@routes.post("/account/time-zone")
async def time_zone_submit(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    chosen = form.get("time_zone", "").strip()
    other = form.get("time_zone_other", "").strip()
    try:
        # A typed name wins over the list; nothing at all: the server's zone.
        await services(request).accounts.update_profile(
            principal(request), time_zone=(other or chosen) or None
        )
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.INVALID,))
        return render(
            request,
            "account.html",
            status=refused.status,
            form_user=require_user(principal(request)),
            tz_value=chosen,
            tz_other=other,
            tz_error=refused.message,
        )
    raise redirect("/account?notice=saved#time-zone")
