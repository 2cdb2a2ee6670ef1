"""The minutes' page of a meeting that ended: the minutes shown as a document (the
record's parts as composed, the text parts as fields for those who edit the draft),
who approved, the files once frozen, the signature and its status, the versions, and
the comments. Its forms are in `minutes_form`; the API does the same
(`server/api/minutes.py`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meetroom.errors import NotFound
from meetroom.ids import MeetingId
from meetroom.minutes.edits import MinutesView
from meetroom.minutes.rights import MinutesActor
from meetroom.records.meetings import Meeting
from meetroom.records.minutes import FileKind, MinutesStatus, Presence
from meetroom.server.api.minutes import file_url
from meetroom.server.context import services
from meetroom.server.minutes_access import minutes_actor
from meetroom.server.paths import path_id
from meetroom.server.render import render

routes = web.RouteTableDef()

PRESENCE_ORDER = (Presence.ROOM, Presence.VIDEO, Presence.EXCUSED, Presence.ABSENT)


def version_query(request: web.Request) -> int | None:
    raw = request.query.get("version", "")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None


async def minutes_context(
    request: web.Request, actor: MinutesActor, meeting: Meeting, view: MinutesView
) -> dict[str, Any]:
    svc = services(request)
    v = view.version
    doc = view.document
    notes = {n.agenda_item_id: n for n in view.notes}
    actions: dict[str | None, list[Any]] = {}
    for action in view.actions:
        actions.setdefault(action.agenda_item_id, []).append(action)
    files = {f.kind: file_url(meeting.id, v.version, f.kind) for f in v.files}
    people = await svc.minutes.drafter.source.list_participants(meeting.id)
    frozen = v.status is MinutesStatus.FROZEN
    return {
        "meeting": meeting,
        "actor": actor,
        "view": view,
        "v": v,
        "doc": doc,
        "frozen": frozen,
        "attendance": [
            (presence, [a for a in doc.attendees if a.presence is presence])
            for presence in PRESENCE_ORDER
        ],
        "late": [a for a in doc.attendees if a.arrived_at is not None],
        "early": [a for a in doc.attendees if a.left_at is not None],
        "notes": notes,
        "actions": actions,
        "participants": people,
        "approved": {a.role: a for a in view.approvals},
        "files": {
            "pdf": files.get(FileKind.PDF),
            "docx": files.get(FileKind.DOCX),
            "signed_pdf": files.get(FileKind.SIGNED_PDF),
        },
        "preview_url": f"/api/meetings/{meeting.id}/minutes.pdf?version={v.version}",
        "comments": await svc.minutes.comments(actor, meeting) if actor.moderator else [],
        "may_send": view.may_edit,
        "notice": request.query.get("notice"),
    }


async def render_minutes(
    request: web.Request, status: int = 200, version: int | None = None, **extra: Any
) -> web.StreamResponse:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    try:
        view = await services(request).minutes.view(actor, meeting, version)
    except NotFound as exc:
        # A participant knows the meeting has minutes: they are told when they may
        # read them, rather than that they do not exist.
        if exc.code != "minutes_not_found" or actor.participant_id is None:
            raise
        return render(request, "minutes/pending.html", meeting=meeting)
    context = await minutes_context(request, actor, meeting, view)
    context.update(extra)
    return render(request, "minutes/editor.html", status=status, **context)


@routes.get("/meetings/{meeting_id}/minutes")
async def minutes_page(request: web.Request) -> web.StreamResponse:
    return await render_minutes(request, version=version_query(request))
