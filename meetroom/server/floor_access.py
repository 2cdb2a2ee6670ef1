"""Who acts on the floor through a page or the API: the same as on the meeting socket
(the live session's viewer, so that the three channels agree on who is the chair)."""

from __future__ import annotations

from aiohttp import web

from meetroom.ids import MeetingId
from meetroom.server.context import principal, services
from meetroom.sessions.floor.live import actor_of
from meetroom.sessions.floor.service import FloorActor


async def floor_actor(request: web.Request, meeting_id: MeetingId) -> FloorActor:
    """NotFound or Forbidden for someone who may not open the meeting."""
    viewer = await services(request).live.viewer(principal(request), meeting_id)
    return actor_of(viewer)
