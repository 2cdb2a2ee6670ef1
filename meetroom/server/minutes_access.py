"""Who acts on a meeting's minutes through the API and the pages: the meeting opened
for the caller first (a participant, or an account that manages meetings), then the
minutes' rules (`meetroom.minutes.rights`). Someone who may not open the meeting
learns nothing of its minutes: 404 `minutes_not_found`, as if there were none."""

from __future__ import annotations

from aiohttp import web

from meetroom.errors import Forbidden, NotFound
from meetroom.ids import MeetingId
from meetroom.meetings.access import MeetingAccess
from meetroom.minutes.rights import MinutesActor, not_found
from meetroom.records.meetings import Grant, Meeting
from meetroom.server.context import principal, services


async def meeting_access(request: web.Request, meeting_id: MeetingId) -> MeetingAccess:
    try:
        return await services(request).meetings.open(principal(request), meeting_id)
    except (NotFound, Forbidden):
        raise not_found() from None


async def minutes_actor(
    request: web.Request, meeting_id: MeetingId
) -> tuple[MinutesActor, Meeting]:
    access = await meeting_access(request, meeting_id)
    who = principal(request)
    me = access.me
    user = who.user
    if user is None and me is not None and me.user_id is not None:
        try:  # a participant who came by link, whose account holds a kept certificate
            user = await services(request).accounts.get_user(me.user_id)
        except NotFound:
            user = None
    actor = MinutesActor(
        person=f"p:{me.id}" if me is not None else f"u:{user.id if user else ''}",
        name=me.name if me is not None else (user.display_name if user else ""),
        participant_id=me.id if me is not None else None,
        role=me.role if me is not None else None,
        moderator=access.can_manage or (me is not None and Grant.MODERATOR in me.grants),
        manager=access.can_manage,
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else "",
        principal=who,
    )  # fmt: skip
    return actor, access.meeting
