"""The agenda on the meeting page, document uploads without JavaScript, the document
page (pages, settings, access) and its audit."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from meetroom.errors import Category, MeetRoomError
from meetroom.ids import AgendaItemId, DocumentId, MeetingId, ParticipantId
from meetroom.records.accounts import Principal
from meetroom.records.documents import AgendaItem, Classification
from meetroom.server.api.documents import receive_uploads
from meetroom.server.bodies import read_form
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import form_fields, redirect, refusal
from meetroom.server.pages.meetings import render_detail
from meetroom.server.paths import path_id
from meetroom.server.render import gettext_for, render
from meetroom.sessions.papers.documents import DocumentView

routes = web.RouteTableDef()


def _minutes(value: str | None) -> int | None:
    # Only ASCII digits (str.isdigit takes "²"); too many minutes are refused by the domain.
    value = (value or "").strip()
    return int(value) if re.fullmatch("[0-9]{1,19}", value) else None


def _item_fields(form: dict[str, str]) -> dict[str, Any]:
    return {
        "title": form.get("title", ""),
        "presenter": form.get("presenter", ""),
        "duration_minutes": _minutes(form.get("duration_minutes")),
        "notes": form.get("notes", ""),
    }


def _agenda_url(meeting_id: str, notice: str) -> str:
    return f"/meetings/{meeting_id}?notice={notice}#agenda"


async def _detail_with_error(
    request: web.Request, meeting_id: MeetingId, exc: MeetRoomError
) -> web.StreamResponse:
    shown = (Category.INVALID, Category.CONFLICT, Category.TOO_LARGE)
    refused = refusal(request, exc, shown, status=400)
    return await render_detail(
        request, meeting_id, status=refused.status, agenda_error=refused.message
    )


@routes.post("/meetings/{meeting_id}/agenda")
async def agenda_add(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    try:
        await services(request).agenda.add(
            principal(request), path_id(request, MeetingId), **_item_fields(form)
        )
    except MeetRoomError as exc:
        return await _detail_with_error(request, path_id(request, MeetingId), exc)
    raise redirect(_agenda_url(path_id(request, MeetingId), "item_added"))


@routes.post("/agenda/{item_id}/edit")
async def agenda_edit(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    svc = services(request).agenda
    item, _ = await svc.item(principal(request), path_id(request, AgendaItemId))
    try:
        await svc.update(principal(request), item.id, **_item_fields(form))
    except MeetRoomError as exc:
        return await _detail_with_error(request, item.meeting_id, exc)
    raise redirect(_agenda_url(item.meeting_id, "saved"))


@routes.post("/agenda/{item_id}/delete")
async def agenda_delete(request: web.Request) -> web.StreamResponse:
    svc = services(request).agenda
    item, _ = await svc.item(principal(request), path_id(request, AgendaItemId))
    await svc.delete(principal(request), item.id)
    raise redirect(_agenda_url(item.meeting_id, "item_deleted"))


@routes.post("/agenda/{item_id}/move")
async def agenda_move(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    svc = services(request).agenda
    who = principal(request)
    item, _ = await svc.item(who, path_id(request, AgendaItemId))
    order = [i.id for i in await svc.items(who, item.meeting_id)]
    index = order.index(item.id)
    target = index - 1 if form.get("direction") == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        await svc.reorder(who, item.meeting_id, order)
    raise redirect(_agenda_url(item.meeting_id, "saved"))


@routes.post("/meetings/{meeting_id}/documents")
async def document_upload_form(request: web.Request) -> web.StreamResponse:
    """The upload form without JavaScript (the script uploads with progress bars)."""
    try:
        views = await receive_uploads(request, path_id(request, MeetingId), many=True)
    except MeetRoomError as exc:
        return await _detail_with_error(request, path_id(request, MeetingId), exc)
    if len(views) == 1:
        raise redirect(f"/documents/{views[0].document.id}?notice=uploaded")
    raise redirect(_agenda_url(path_id(request, MeetingId), "uploaded"))


async def _render_document(
    request: web.Request, view: DocumentView, who: Principal, **extra: Any
) -> web.StreamResponse:
    svc = services(request)
    items: list[AgendaItem] = []
    participants = []
    if view.access.can_prepare:
        items = await svc.agenda.items(who, view.document.meeting_id)
        participants = await svc.meetings.participants.all(who, view.document.meeting_id)
    return render(
        request, "documents/view.html", view=view, doc=view.document, file=view.file,
        meeting=view.access.meeting, items=items, participants=participants,
        classifications=list(Classification), notice=request.query.get("notice"), **extra,
    )  # fmt: skip


@routes.get("/documents/{document_id}")
async def document_page(request: web.Request) -> web.StreamResponse:
    who = principal(request)
    view = await services(request).documents.view(who, path_id(request, DocumentId))
    return await _render_document(request, view, who)


@routes.post("/documents/{document_id}/edit")
async def document_edit(request: web.Request) -> web.StreamResponse:
    data = await read_form(request)
    who = principal(request)
    svc = services(request).documents
    restricted = data.get("restricted") == "1"
    access = [ParticipantId(str(p)) for p in data.getall("access", [])] if restricted else None
    item = str(data.get("agenda_item_id") or "") or None
    try:
        classification = Classification(str(data.get("classification", "normal")))
        await svc.update(
            who, path_id(request, DocumentId), title=str(data.get("title", "")),
            classification=classification, allow_download=data.get("allow_download") == "1",
            agenda_item_id=AgendaItemId(item) if item else None, access=access,
        )  # fmt: skip
    except (MeetRoomError, ValueError) as exc:
        if isinstance(exc, MeetRoomError) and exc.category is not Category.INVALID:
            raise
        view = await svc.view(who, path_id(request, DocumentId))
        message = (
            gettext_for(request, exc.message, **exc.params)
            if isinstance(exc, MeetRoomError)
            else str(exc)
        )
        response = await _render_document(request, view, who, error=message)
        response.set_status(400)
        return response
    raise redirect(f"/documents/{path_id(request, DocumentId)}?notice=saved")


@routes.post("/documents/{document_id}/delete")
async def document_delete(request: web.Request) -> web.StreamResponse:
    svc = services(request).documents
    view = await svc.view(principal(request), path_id(request, DocumentId))
    await svc.delete(principal(request), view.document.id)
    raise redirect(_agenda_url(view.document.meeting_id, "document_deleted"))


@routes.get("/documents/{document_id}/audit")
async def document_audit_page(request: web.Request) -> web.StreamResponse:
    svc = services(request).documents
    who = principal(request)
    view = await svc.view(who, path_id(request, DocumentId))
    entries = await svc.audit(who, view.document.id)
    return render(request, "documents/audit.html", view=view, doc=view.document, entries=entries,
                  meeting=view.access.meeting)  # fmt: skip
