"""Meeting list, meeting form, meeting detail with participants and join links,
the meeting page, and following a join link."""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import quote

from aiohttp import web

from meetroom.accounts.service import require_user
from meetroom.errors import N_, Category, MeetRoomError
from meetroom.ids import GroupId, MeetingId, ParticipantId, RoomId, UserId
from meetroom.meetings.access import can_manage_meetings, require_meeting_manager
from meetroom.meetings.join_links import IssuedLink
from meetroom.meetings.status import READ_ONLY
from meetroom.records.documents import Classification
from meetroom.records.meetings import Meeting, MeetingRole
from meetroom.server.api.lifecycle import status_filter
from meetroom.server.api.views import join_url
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import (
    form_fields,
    local_input_value,
    parse_local_datetime,
    redirect,
    refusal,
)
from meetroom.server.pages.invitations import invitation_context
from meetroom.server.pages.lifecycle import status_context
from meetroom.server.pages.live_protocol import client_protocol
from meetroom.server.pages.procedure import procedure_context
from meetroom.server.pages.recurrence import form_values, parse_form, series_context
from meetroom.server.pages.votes import votes_context
from meetroom.server.paths import path_id
from meetroom.server.render import gettext_for, render
from meetroom.server.sessions import (
    NewSession,
    redeem_join_link,
    signed_in_as_another,
    start_join_session,
)

routes = web.RouteTableDef()


@routes.get("/meetings")
async def meeting_list(request: web.Request) -> web.StreamResponse:
    who = principal(request)
    if who.meeting_scope is not None:
        raise redirect(f"/m/{who.meeting_scope}")
    require_user(who)
    status = status_filter(request.query.get("status"))
    accesses = await services(request).meetings.list_for(who, status)
    return render(
        request,
        "meetings/list.html",
        accesses=accesses,
        status_filter=status.value if status else "",
        can_create=can_manage_meetings(who),
        notice=request.query.get("notice"),
    )


def _meeting_form_values(request: web.Request, m: Meeting | None) -> dict[str, str]:
    if m is None:
        return {"title": "", "description": "", "location": "", "starts_at": "", "ends_at": "",
                "room_id": "", **form_values(None)}  # fmt: skip
    return {
        **form_values(m),
        "title": m.title,
        "description": m.description,
        "location": m.location,
        "starts_at": local_input_value(request, m.starts_at),
        "ends_at": local_input_value(request, m.ends_at),
        "room_id": m.room_id or "",
    }


# Refusals the form shows next to what was typed, so that nothing typed is lost: bad
# values, and a room or a person taken at that time.
FORM_ERRORS = (Category.INVALID, Category.CONFLICT, Category.FORBIDDEN)


async def _form(request: web.Request, status: int = 200, **context: Any) -> web.StreamResponse:
    """The meeting form, with the rooms the user may book."""
    svc = services(request)
    who = principal(request)
    rooms = [r for r in await svc.rooms.list(who) if svc.rooms.may_book(who, r)]
    return render(request, "meetings/form.html", status=status, rooms=rooms, **context)


async def _parsed_meeting_form(request: web.Request, form: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "location": form.get("location", ""),
        "starts_at": parse_local_datetime(
            request, form.get("starts_at", ""), gettext_for(request, N_("Start"))
        ),
        "ends_at": parse_local_datetime(
            request, form.get("ends_at", ""), gettext_for(request, N_("End"))
        ),
        "room_id": RoomId(form["room_id"]) if form.get("room_id") else None,
    }
    fields["recurrence"] = parse_form(request, form, fields["starts_at"])
    return fields


PREFILL = ("title", "starts_at", "ends_at", "room_id")


@routes.get("/meetings/new")
async def meeting_new(request: web.Request) -> web.StreamResponse:
    require_meeting_manager(principal(request))
    values = _meeting_form_values(request, None)
    # Prefilled from the calendar's "More options": local times in the viewer's zone.
    values.update({k: v for k, v in request.query.items() if k in PREFILL})
    return await _form(request, values=values, meeting=None)


@routes.post("/meetings/new")
async def meeting_create(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    try:
        fields = await _parsed_meeting_form(request, form)
        meeting = await services(request).meetings.create(principal(request), **fields)
    except MeetRoomError as exc:
        refused = refusal(request, exc, FORM_ERRORS)
        return await _form(
            request, status=refused.status, values=form, meeting=None, error=refused.message
        )
    raise redirect(f"/meetings/{meeting.id}?notice=created")


@routes.get("/meetings/{meeting_id}")
async def meeting_detail(request: web.Request) -> web.StreamResponse:
    return await render_detail(request, path_id(request, MeetingId))


async def agenda_context(request: web.Request, meeting_id: MeetingId) -> dict[str, Any]:
    """The agenda with each item's visible documents, for the meeting templates."""
    svc = services(request)
    who = principal(request)
    items = await svc.agenda.items(who, meeting_id)
    views = await svc.documents.for_meeting(who, meeting_id)
    return {
        "agenda": [
            (item, [v for v in views if v.document.agenda_item_id == item.id]) for item in items
        ],
        "unattached": [v for v in views if v.document.agenda_item_id is None],
        "classifications": list(Classification),
    }


async def render_detail(
    request: web.Request, meeting_id: MeetingId, status: int = 200, **extra: Any
) -> web.StreamResponse:
    """The meeting page of those who prepare it: facts, agenda and documents, people."""
    svc = services(request)
    who = principal(request)
    access = await svc.meetings.open(who, meeting_id)
    if who.meeting_scope is not None and not access.can_prepare:
        # A delegate who joined by link has the meeting page; the chair and secretary
        # who joined by link prepare the agenda here too.
        raise redirect(f"/m/{access.meeting.id}")
    people = await svc.meetings.participants.all(who, access.meeting.id)
    links: dict[ParticipantId, IssuedLink] = {}
    users = []
    groups = []
    if access.can_manage:
        links = await svc.meetings.links.get_all(access.meeting, people)
        users = await svc.accounts.list_users(who)
        groups = await svc.groups.list(who)
    context: dict[str, Any] = {
        "access": access,
        "meeting": access.meeting,
        "participants": people,
        "links": {pid: join_url(request, link) for pid, link in links.items()},
        "link_expiry": {pid: link.expires_at for pid, link in links.items()},
        "users": users,
        "groups": groups,
        "roles": list(MeetingRole),
        "notice": request.query.get("notice"),
        "add": {"name": "", "user_id": "", "role": MeetingRole.DELEGATE.value},
        # As the document service decides: its preparers, until the meeting ended.
        "may_delete_documents": access.can_prepare and access.meeting.status not in READ_ONLY,
        **await agenda_context(request, access.meeting.id),
        **await series_context(request, access.meeting),
        **await status_context(request, access),
        **await procedure_context(request, access),
        **await votes_context(request, access),
    }
    if access.can_manage:
        context.update(await invitation_context(request, access.meeting.id))
    context.update(extra)
    return render(request, "meetings/detail.html", status=status, **context)


@routes.get("/meetings/{meeting_id}/edit")
async def meeting_edit(request: web.Request) -> web.StreamResponse:
    meetings = services(request).meetings
    meeting = await meetings.open_for_change(principal(request), path_id(request, MeetingId))
    return await _form(request, values=_meeting_form_values(request, meeting), meeting=meeting)


@routes.post("/meetings/{meeting_id}/edit")
async def meeting_update(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    svc = services(request).meetings
    try:
        fields = await _parsed_meeting_form(request, form)
        meeting = await svc.update(principal(request), path_id(request, MeetingId), **fields)
    except MeetRoomError as exc:
        refused = refusal(request, exc, FORM_ERRORS)
        access = await svc.open(principal(request), path_id(request, MeetingId))
        return await _form(
            request,
            status=refused.status,
            values=form,
            meeting=access.meeting,
            error=refused.message,
        )
    raise redirect(f"/meetings/{meeting.id}?notice=saved")


@routes.post("/meetings/{meeting_id}/delete")
async def meeting_delete(request: web.Request) -> web.StreamResponse:
    await services(request).meetings.delete(principal(request), path_id(request, MeetingId))
    raise redirect("/meetings?notice=deleted")


@routes.post("/meetings/{meeting_id}/participants")
async def participant_add(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    try:
        role = MeetingRole(form.get("role", "delegate"))
    except ValueError:
        role = MeetingRole.DELEGATE
    group_id = form.get("group_id", "")
    try:
        if group_id:
            await services(request).meetings.participants.add_group(
                principal(request), path_id(request, MeetingId), GroupId(group_id), role=role
            )
        else:
            await services(request).meetings.participants.add(
                principal(request),
                path_id(request, MeetingId),
                role=role,
                user_id=UserId(form["user_id"]) if form.get("user_id") else None,
                name=form.get("name") or None,
            )
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.INVALID, Category.CONFLICT), status=400)
        return await render_detail(
            request,
            path_id(request, MeetingId),
            status=refused.status,
            add_error=refused.message,
            add={
                "name": form.get("name", ""),
                "user_id": form.get("user_id", ""),
                "group_id": group_id,
                "role": role.value,
            },
        )
    notice = "group_added" if group_id else "participant_added"
    raise redirect(f"/meetings/{path_id(request, MeetingId)}?notice={notice}#participants")


@routes.post("/meetings/{meeting_id}/participants/{participant_id}/delete")
async def participant_remove(request: web.Request) -> web.StreamResponse:
    await services(request).meetings.participants.remove(
        principal(request), path_id(request, MeetingId), path_id(request, ParticipantId)
    )
    raise redirect(
        f"/meetings/{path_id(request, MeetingId)}?notice=participant_removed#participants"
    )


@routes.post("/meetings/{meeting_id}/participants/{participant_id}/link")
async def participant_new_link(request: web.Request) -> web.StreamResponse:
    await services(request).meetings.links.reissue(
        principal(request), path_id(request, MeetingId), path_id(request, ParticipantId)
    )
    raise redirect(f"/meetings/{path_id(request, MeetingId)}?notice=link_reissued#participants")


@routes.get("/m/{meeting_id}")
async def meeting_room(request: web.Request) -> web.StreamResponse:
    """The meeting page: on tablets and browsers, the live session of the meeting."""
    return await _render_room(request, "meetings/room.html", projector=False)


@routes.get("/m/{meeting_id}/projector")
async def meeting_projector(request: web.Request) -> web.StreamResponse:
    """The presenter's page full screen with the shared layer, for the room's screen."""
    return await _render_room(request, "meetings/projector.html", projector=True)


async def _render_room(request: web.Request, template: str, projector: bool) -> web.StreamResponse:
    access = await services(request).meetings.open(principal(request), path_id(request, MeetingId))
    context = await agenda_context(request, access.meeting.id)
    return render(
        request,
        template,
        access=access,
        meeting=access.meeting,
        live_data=live_data(access.meeting, context, projector),
        **context,
        **await status_context(request, access),
    )


def live_data(meeting: Meeting, context: dict[str, Any], projector: bool) -> dict[str, Any]:
    """What the meeting page's script starts from (the socket tells it the rest)."""
    views = [v for _, docs in context["agenda"] for v in docs] + context["unattached"]
    return {
        "meeting": {"id": meeting.id, "title": meeting.title},
        "socket": f"/m/{meeting.id}/socket",
        "projector": projector,
        "protocol": client_protocol(),
        "agenda": [
            {
                "id": item.id,
                "number": number,
                "title": item.title,
                "presenter": item.presenter,
                "documents": [v.document.id for v in docs],
            }
            for number, (item, docs) in enumerate(context["agenda"], start=1)
        ],
        "unattached": [v.document.id for v in context["unattached"]],
        "documents": {
            v.document.id: {
                "title": v.title,
                "pages": v.file.pages,
                "status": v.file.status.value,
                "classification": v.document.classification.value,
                "pages_url": f"/api/documents/{v.document.id}/pages",
                "can_download": v.can_download,
                "pdf_url": f"/api/documents/{v.document.id}/pdf",
                "annotated_url": f"/api/documents/{v.document.id}/annotated.pdf",
            }
            for v in views
        },
    }


@routes.get("/j/{token}")
async def follow_join_link(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    joined = await redeem_join_link(request, token)
    current = signed_in_as_another(request, joined)
    if current is not None:
        # A link can be planted anywhere (an e-mail, an image, another site): following
        # it must not sign anyone out unasked. The switch is a form post, with CSRF.
        return render(
            request,
            "meetings/join_switch.html",
            current=current,
            participant=joined.participant.name,
            meeting=joined.meeting,
            action=f"/j/{quote(token, safe='')}",
        )
    return _joined(request, joined.meeting.id, await start_join_session(request, joined))


@routes.post("/j/{token}")
async def switch_to_join_link(request: web.Request) -> web.StreamResponse:
    joined = await redeem_join_link(request, request.match_info["token"])
    return _joined(request, joined.meeting.id, await start_join_session(request, joined))


def _joined(request: web.Request, meeting_id: MeetingId, session: NewSession | None) -> NoReturn:
    # Redirect so the token leaves the address bar (and the browser history entry).
    response = web.HTTPSeeOther(f"/m/{meeting_id}")
    if session is not None:
        session.attach(request, response)
    raise response
