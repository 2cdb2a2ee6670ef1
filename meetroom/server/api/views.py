"""Records turned into API bodies."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from datetime import datetime

from aiohttp import web

from meetroom.meetings import lifecycle
from meetroom.meetings.access import MeetingAccess
from meetroom.meetings.join_links import IssuedLink
from meetroom.meetings.recurrence import Recurrence, recurrence_of
from meetroom.protocol.api import MeetingOut, ParticipantOut, UserOut
from meetroom.protocol.recurrence import RecurrenceOut
from meetroom.records.accounts import User
from meetroom.records.meetings import Meeting, Participant
from meetroom.server.context import SETTINGS, base_url, services


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        locale=user.locale,
        must_change_password=user.must_change_password,
        disabled=user.disabled,
        email=user.email,
        time_zone=user.time_zone,
    )


def meeting_out(access: MeetingAccess) -> MeetingOut:
    m = access.meeting
    return MeetingOut(
        id=m.id,
        title=m.title,
        description=m.description,
        location=m.location,
        starts_at=m.starts_at,
        ends_at=m.ends_at,
        created_at=m.created_at,
        updated_at=m.updated_at,
        my_role=access.me.role if access.me else None,
        can_manage=access.can_manage,
        url=f"/meetings/{m.id}",
        room_id=m.room_id,
        recurrence=recurrence_out(recurrence_of(m)),
        rrule=m.rrule,
        status=m.status.value,
        opened_at=m.opened_at,
        closed_at=m.closed_at,
        archived_at=m.archived_at,
        transitions=[t.value for t in lifecycle.allowed(access)],
    )


def recurrence_out(rec: Recurrence | None) -> RecurrenceOut | None:
    if rec is None:
        return None
    return RecurrenceOut(
        freq=rec.freq.value,
        interval=rec.interval,
        weekdays=list(rec.weekdays),
        month_day=rec.month_day,
        nth=rec.nth,
        weekday=rec.weekday,
        until=rec.until,
        count=rec.count,
        time_zone=rec.zone,
    )


def join_url(request: web.Request, link: IssuedLink) -> str:
    return f"{base_url(request)}/j/{link.token}"


def participant_out(
    request: web.Request, p: Participant, link: IssuedLink | None = None
) -> ParticipantOut:
    out = ParticipantOut(
        id=p.id,
        meeting_id=p.meeting_id,
        user_id=p.user_id,
        name=p.name,
        role=p.role,
        grants=sorted(p.grants),
    )
    if link is not None:
        out.join_url = join_url(request, link)
        out.join_expires_at = link.expires_at
    return out


async def participants_out(
    request: web.Request, meeting: Meeting, people: Sequence[Participant], with_links: bool
) -> list[ParticipantOut]:
    """`with_links`: for those who manage the meeting."""
    links = await services(request).meetings.links.get_all(meeting, people) if with_links else {}
    return [participant_out(request, p, links.get(p.id)) for p in people]


def in_server_zone(request: web.Request, value: datetime) -> datetime:
    """A time without an offset is read in the server's configured time zone."""
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zoneinfo.ZoneInfo(request.app[SETTINGS].timezone))
