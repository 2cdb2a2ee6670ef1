"""Who acts on notes, action items and decisions through the API and the pages: the
same person as on the meeting socket (the live session's viewer), so that the channels
agree on who is a moderator. Someone who may not open the meeting (never was, or was
removed from it) learns nothing of its notes: 404 or 403 as for the meeting itself."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from meetroom.ids import AgendaItemId, MeetingId
from meetroom.minutes.notes import NotesActor, notes_actor
from meetroom.minutes.views import GENERAL
from meetroom.server.context import principal, services
from meetroom.server.zones import zone_of


async def meeting_actor(request: web.Request, meeting_id: MeetingId) -> NotesActor:
    """NotFound or Forbidden for someone who may not open the meeting."""
    return notes_actor(await services(request).live.viewer(principal(request), meeting_id))


def path_item(request: web.Request) -> AgendaItemId | None:
    """The path's `{item_id}`: an agenda item's id, or `general` (None)."""
    item = request.match_info["item_id"]
    return None if item == GENERAL else AgendaItemId(item)


def today(request: web.Request) -> date:
    """Today in the viewer's time zone (for what is overdue)."""
    return services(request).meetings.clock.now().astimezone(zone_of(request)).date()
