"""Who acts on the floor through a page or the API, from their access to the meeting
(the meeting socket has its viewer instead: `sessions.floor.live.actor_of`)."""

from __future__ import annotations

from meetroom.meetings.access import MeetingAccess
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Grant
from meetroom.sessions.floor.service import FloorActor


def floor_actor(who: Principal, access: MeetingAccess) -> FloorActor:
    """The chair's powers over the floor: the `moderator` grant (the chair and the
    secretary by default), or an account that manages meetings."""
    me = access.me
    if me is None:
        user = who.user
        name = user.display_name if user is not None else ""
        return FloorActor(f"u:{user.id if user else ''}", name, None, None, access.can_manage)
    moderator = access.can_manage or Grant.MODERATOR in me.grants
    return FloorActor(f"p:{me.id}", me.name, me.id, me.role, moderator)
