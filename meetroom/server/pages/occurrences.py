"""The occurrence forms on a series' detail page: edit or cancel one occurrence, or it
and the following; a refused change shows the detail page again with the reason."""

from __future__ import annotations

from aiohttp import web

from meetroom.errors import N_, Category, MeetRoomError
from meetroom.ids import MeetingId
from meetroom.meetings.occurrence_edits import OccurrenceChange, Scope
from meetroom.meetings.recurrence import parse_rid
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import form_fields, parse_local_datetime, redirect, refusal
from meetroom.server.pages.meetings import render_detail
from meetroom.server.paths import path_id
from meetroom.server.render import gettext_for

routes = web.RouteTableDef()


def _scope(form: dict[str, str]) -> Scope:
    return Scope.FOLLOWING if form.get("scope") == "following" else Scope.THIS


async def _back(request: web.Request, exc: MeetRoomError) -> web.StreamResponse:
    refused = refusal(request, exc, (Category.INVALID, Category.CONFLICT))
    return await render_detail(
        request, path_id(request, MeetingId), status=refused.status,
        occurrence_error=refused.message,
    )  # fmt: skip


@routes.post("/meetings/{meeting_id}/occurrences/{rid}/cancel")
async def occurrence_cancel(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    try:
        await services(request).meetings.cancel_occurrence(
            principal(request),
            path_id(request, MeetingId),
            parse_rid(request.match_info["rid"]),
            _scope(form),
        )
    except MeetRoomError as exc:
        return await _back(request, exc)
    raise redirect(f"/meetings/{path_id(request, MeetingId)}?notice=saved#occurrences")


@routes.post("/meetings/{meeting_id}/occurrences/{rid}/edit")
async def occurrence_edit(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    try:
        starts = form.get("starts_at", "")
        ends = form.get("ends_at", "")
        change = OccurrenceChange(
            starts_at=parse_local_datetime(request, starts, gettext_for(request, N_("Start")))
            if starts else None,
            ends_at=parse_local_datetime(request, ends, gettext_for(request, N_("End")))
            if ends else None,
            title=form.get("title") or None,
        )  # fmt: skip
        meeting_id = await services(request).meetings.edit_occurrence(
            principal(request), path_id(request, MeetingId), parse_rid(request.match_info["rid"]),
            _scope(form), change,
        )  # fmt: skip
    except MeetRoomError as exc:
        return await _back(request, exc)
    raise redirect(f"/meetings/{meeting_id}?notice=saved#occurrences")
