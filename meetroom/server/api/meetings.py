"""Meetings, participants and join links."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meetroom.errors import N_, Invalid
from meetroom.ids import GroupId, MeetingId, ParticipantId, RoomId, UserId
from meetroom.meetings import ics
from meetroom.protocol.api import (
    MeetingCreate,
    MeetingDetail,
    MeetingOut,
    MeetingUpdate,
    ParticipantCreate,
    ParticipantOut,
    ParticipantUpdate,
)
from meetroom.protocol.codec import UNSET
from meetroom.records.meetings import MeetingStatus
from meetroom.server.api.invitations import uid_host
from meetroom.server.api.lifecycle import status_filter
from meetroom.server.api.occurrences import recurrence_in
from meetroom.server.api.registry import Endpoint, Query, json_response, text
from meetroom.server.api.views import (
    in_server_zone,
    join_url,
    meeting_out,
    participant_out,
    participants_out,
)
from meetroom.server.context import base_url, principal, services
from meetroom.server.paths import path_id
from meetroom.server.qr import qr_svg


async def list_meetings(request: web.Request) -> list[MeetingOut]:
    status = status_filter(request.query.get("status"))
    listed = await services(request).meetings.list_for(principal(request), status)
    return [meeting_out(a) for a in listed]


async def create_meeting(request: web.Request, body: MeetingCreate) -> MeetingOut:
    svc = services(request).meetings
    who = principal(request)
    meeting = await svc.create(
        who,
        title=body.title,
        starts_at=in_server_zone(request, body.starts_at),
        ends_at=in_server_zone(request, body.ends_at),
        description=body.description,
        location=body.location,
        room_id=RoomId(body.room_id) if body.room_id else None,
        recurrence=recurrence_in(request, body.recurrence),
        status=MeetingStatus(body.status),
    )
    return meeting_out(await svc.open(who, meeting.id))


async def get_meeting(request: web.Request) -> MeetingDetail:
    svc = services(request).meetings
    who = principal(request)
    access = await svc.open(who, path_id(request, MeetingId))
    people = await svc.participants.all(who, access.meeting.id)
    return MeetingDetail(
        meeting=meeting_out(access),
        participants=await participants_out(request, access.meeting, people, access.can_manage),
    )


async def update_meeting(request: web.Request, body: MeetingUpdate) -> MeetingOut:
    svc = services(request).meetings
    who = principal(request)
    changes: dict[str, Any] = {}
    for name in ("title", "description", "location"):
        value = getattr(body, name)
        if value is not UNSET:
            changes[name] = value
    for name in ("starts_at", "ends_at"):
        value = getattr(body, name)
        if value is not UNSET:
            changes[name] = in_server_zone(request, value)
    if body.room_id is not UNSET:
        changes["room_id"] = RoomId(body.room_id) if body.room_id else None
    if body.recurrence is not UNSET:
        changes["recurrence"] = recurrence_in(request, body.recurrence)
    meeting = await svc.update(who, path_id(request, MeetingId), **changes)
    return meeting_out(await svc.open(who, meeting.id))


async def delete_meeting(request: web.Request) -> None:
    await services(request).meetings.delete(principal(request), path_id(request, MeetingId))


async def list_participants(request: web.Request) -> list[ParticipantOut]:
    svc = services(request).meetings
    who = principal(request)
    access = await svc.open(who, path_id(request, MeetingId))
    people = await svc.participants.all(who, access.meeting.id)
    return await participants_out(request, access.meeting, people, access.can_manage)


async def add_participant(
    request: web.Request, body: ParticipantCreate
) -> ParticipantOut | web.Response:
    svc = services(request).meetings
    who = principal(request)
    meeting_id = path_id(request, MeetingId)
    if body.group_id is not None:
        return await _add_group(request, body)
    participant = await svc.participants.add(
        who,
        meeting_id,
        role=body.role,
        user_id=UserId(body.user_id) if body.user_id else None,
        name=body.name,
        grants=frozenset(body.grants) if body.grants is not None else None,
    )
    access = await svc.open(who, meeting_id)
    return participant_out(request, participant, await svc.links.get(access.meeting, participant))


async def _add_group(request: web.Request, body: ParticipantCreate) -> web.Response:
    if body.user_id is not None or body.name is not None:
        raise Invalid(
            "group_or_user",
            N_("Give either a group (group_id) or a user or guest (user_id, name), not both."),
        )
    assert body.group_id is not None
    svc = services(request).meetings
    who = principal(request)
    meeting_id = path_id(request, MeetingId)
    added = await svc.participants.add_group(
        who,
        meeting_id,
        GroupId(body.group_id),
        role=body.role,
        grants=frozenset(body.grants) if body.grants is not None else None,
    )
    access = await svc.open(who, meeting_id)
    return json_response(await participants_out(request, access.meeting, added, True), 201)


async def update_participant(request: web.Request, body: ParticipantUpdate) -> ParticipantOut:
    svc = services(request).meetings
    who = principal(request)
    meeting_id = path_id(request, MeetingId)
    participant = await svc.participants.update(
        who,
        meeting_id,
        path_id(request, ParticipantId),
        name=None if body.name is UNSET else body.name,
        role=None if body.role is UNSET else body.role,
        grants=None if body.grants is UNSET else frozenset(body.grants),
    )
    access = await svc.open(who, meeting_id)
    return participant_out(request, participant, await svc.links.get(access.meeting, participant))


async def remove_participant(request: web.Request) -> None:
    await services(request).meetings.participants.remove(
        principal(request), path_id(request, MeetingId), path_id(request, ParticipantId)
    )


async def reissue_join_link(request: web.Request) -> ParticipantOut:
    svc = services(request).meetings
    who = principal(request)
    meeting_id = path_id(request, MeetingId)
    participant = await svc.links.reissue(who, meeting_id, path_id(request, ParticipantId))
    access = await svc.open(who, meeting_id)
    return participant_out(request, participant, await svc.links.get(access.meeting, participant))


async def join_link_qr(request: web.Request) -> web.Response:
    svc = services(request).meetings
    who = principal(request)
    meeting_id = path_id(request, MeetingId)
    participant = await svc.participants.get(who, meeting_id, path_id(request, ParticipantId))
    access = await svc.open(who, meeting_id)
    svg = qr_svg(join_url(request, await svc.links.get(access.meeting, participant)))
    return web.Response(
        body=svg, content_type="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


async def meeting_ics(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    who = principal(request)
    meeting = (await svc.meetings.open(who, path_id(request, MeetingId))).meeting
    location = meeting.location
    if meeting.room_id is not None:
        location = ics.place(await svc.rooms.get(who, meeting.room_id), meeting.location)
    base = base_url(request)
    overrides = await svc.meetings.overrides_of(who, meeting.id)

    places = {
        o.room_id: ics.place(await svc.rooms.get(who, o.room_id), meeting.location)
        for o in overrides
        if o.room_id
    }
    events = ics.series_vevents(
        meeting, overrides, f"{base}/meetings/{meeting.id}", location,
        host=uid_host(request), location_of=places.__getitem__,
    )  # fmt: skip
    return web.Response(
        text=ics.calendar(events),
        content_type="text/calendar",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"',
            "Cache-Control": "no-store",
        },
    )


M = "/api/meetings/{meeting_id}"
P = M + "/participants/{participant_id}"
ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/meetings",
        list_meetings,
        "Meetings the caller may see",
        "meetings",
        response=list[MeetingOut],
        errors=(400, 401),
        query=(
            Query(
                "status",
                text(enum=[s.value for s in MeetingStatus]),
                "Only meetings in this status",
            ),
        ),
    ),
    Endpoint(
        "POST",
        "/api/meetings",
        create_meeting,
        "Create a meeting (admin, secretary)",
        "meetings",
        body=MeetingCreate,
        response=MeetingOut,
        status=201,
        errors=(400, 401, 403, 409),
    ),
    Endpoint(
        "GET",
        M,
        get_meeting,
        "A meeting and its participants",
        "meetings",
        response=MeetingDetail,
        errors=(401, 403, 404),
    ),
    Endpoint(
        "PATCH",
        M,
        update_meeting,
        "Change a meeting",
        "meetings",
        body=MeetingUpdate,
        response=MeetingOut,
        errors=(400, 401, 403, 404, 409),
    ),
    Endpoint(
        "DELETE",
        M,
        delete_meeting,
        "Delete a meeting",
        "meetings",
        status=204,
        errors=(401, 403, 404),
    ),
    Endpoint(
        "GET",
        M + "/participants",
        list_participants,
        "A meeting's participants",
        "participants",
        response=list[ParticipantOut],
        errors=(401, 403, 404),
    ),
    Endpoint(
        "POST",
        M + "/participants",
        add_participant,
        "Add a participant: an existing user (user_id) or a guest (name); answers with "
        "the participant's join link. Or invite a group (group_id): answers with the list "
        "of participants added, none if one member is busy (409 participant_busy)",
        "participants",
        body=ParticipantCreate,
        response=ParticipantOut | list[ParticipantOut],
        status=201,
        errors=(400, 401, 403, 404, 409),
    ),
    Endpoint(
        "PATCH",
        P,
        update_participant,
        "Change a participant's name, role or grants",
        "participants",
        body=ParticipantUpdate,
        response=ParticipantOut,
        errors=(400, 401, 403, 404),
    ),
    Endpoint(
        "DELETE",
        P,
        remove_participant,
        "Remove a participant (their links stop working)",
        "participants",
        status=204,
        errors=(401, 403, 404),
    ),
    Endpoint(
        "POST",
        P + "/join-link",
        reissue_join_link,
        "Issue a new join link; every earlier link of this participant stops working",
        "participants",
        response=ParticipantOut,
        errors=(401, 403, 404),
    ),
    Endpoint(
        "GET",
        P + "/qr.svg",
        join_link_qr,
        "The participant's join link as a QR code",
        "participants",
        media_type="image/svg+xml",
        errors=(401, 403, 404),
    ),
    Endpoint(
        "GET",
        M + "/ics",
        meeting_ics,
        "The meeting as an iCalendar event (RFC 5545) for calendar applications",
        "meetings",
        media_type="text/calendar",
        errors=(401, 403, 404),
    ),
]
