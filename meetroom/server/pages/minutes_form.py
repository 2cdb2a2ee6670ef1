"""The forms of the minutes' page (see `minutes`): the draft saved (its paragraphs,
template, the items' notes and conclusions, the action items: only what changed is
sent on, so that another editor's save of another item is no conflict), approved,
sent for comments, commented on, signed, and a new version started. Each goes through
the same `MinutesService` as the API; a refused form shows the page again with the
reason (what was typed in the draft's fields is kept)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from meetroom.errors import N_, Category, Invalid, MeetRoomError
from meetroom.ids import AgendaItemId, MeetingId, ParticipantId
from meetroom.minutes.edits import ActionEdit, ItemEdit, MinutesEdit, MinutesView
from meetroom.minutes.notes import ActionDraft
from meetroom.records.minutes import ActionItemId, MinutesStatus, MinutesTemplate
from meetroom.server.bodies import read_form
from meetroom.server.context import services
from meetroom.server.minutes_access import minutes_actor
from meetroom.server.pages.forms import parse_local_datetime, redirect, refusal
from meetroom.server.pages.minutes import render_minutes
from meetroom.server.paths import path_id
from meetroom.server.render import gettext_for

routes = web.RouteTableDef()

SHOWN = (Category.INVALID, Category.CONFLICT, Category.FORBIDDEN)
GENERAL = "general"


def _text(form: MultiDictProxy[Any], name: str) -> str | None:
    value = form.get(name)
    return value.replace("\r\n", "\n") if isinstance(value, str) else None


def _number(form: MultiDictProxy[Any], name: str) -> int:
    raw = (_text(form, name) or "").strip()
    return int(raw) if raw.isdigit() and int(raw) < 2**31 else 0


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("bad_date", N_("Due: enter a date, e.g. 2026-12-31.")) from None


def _key(item_id: str | None) -> str:
    return item_id or GENERAL


def _draft(form: MultiDictProxy[Any], prefix: str) -> ActionDraft:
    owner = _text(form, prefix + "owner") or ""
    item = _text(form, prefix + "item") or ""
    return ActionDraft(
        title=(_text(form, prefix + "title") or "").strip(),
        agenda_item_id=AgendaItemId(item) if item and item != GENERAL else None,
        owner_participant_id=ParticipantId(owner) if owner else None,
        owner_name="" if owner else (_text(form, prefix + "owner_name") or "").strip(),
        due=_day(_text(form, prefix + "due")),
    )


def edit_of(form: MultiDictProxy[Any], view: MinutesView) -> MinutesEdit:
    """What the form changes of the draft as `view` shows it."""
    v = view.version
    notes = {_key(n.agenda_item_id): n for n in view.notes}
    items = []
    for section in view.document.items:
        key = _key(section.agenda_item_id)
        typed_notes, typed_conclusion = (
            _text(form, f"notes_{key}"),
            _text(form, f"conclusion_{key}"),
        )
        current = notes.get(key)
        now_notes = current.notes if current else ""
        now_conclusion = current.conclusion if current else ""
        changed_notes = typed_notes is not None and typed_notes != now_notes
        changed_conclusion = typed_conclusion is not None and typed_conclusion != now_conclusion
        if changed_notes or changed_conclusion:
            items.append(
                ItemEdit(
                    section.agenda_item_id, _number(form, f"revision_{key}"),
                    notes=typed_notes if changed_notes else None,
                    conclusion=typed_conclusion if changed_conclusion else None,
                )
            )  # fmt: skip
    actions = []
    for action in view.actions:
        prefix = f"action_{action.id}_"
        if _text(form, prefix + "title") is None:
            continue
        if form.get(prefix + "delete"):
            actions.append(ActionEdit(ActionItemId(action.id), None))
            continue
        draft = _draft(form, prefix)
        before = ActionDraft(
            action.title, action.agenda_item_id, action.owner_participant_id,
            "" if action.owner_participant_id else action.owner_name, action.due,
        )  # fmt: skip
        if draft != before:
            actions.append(ActionEdit(ActionItemId(action.id), draft))
    if (_text(form, "new_action_title") or "").strip():
        actions.append(ActionEdit(None, _draft(form, "new_action_")))
    template = _text(form, "template")
    return MinutesEdit(
        revision=_number(form, "revision"),
        opening=_changed(_text(form, "opening"), v.opening),
        closing=_changed(_text(form, "closing"), v.closing),
        template=MinutesTemplate(template) if template in ("vi", "en") else None,
        items=tuple(items), actions=tuple(actions),
    )  # fmt: skip


def _changed(typed: str | None, now: str) -> str | None:
    return typed if typed is not None and typed != now else None


async def _refused(
    request: web.Request, exc: MeetRoomError, form: str, typed: dict[str, Any] | None = None
) -> web.StreamResponse:
    refused = refusal(request, exc, SHOWN)
    return await render_minutes(
        request, status=refused.status,
        form_error={"form": form, "message": refused.message}, typed=typed or {},
    )  # fmt: skip


def _done(meeting_id: MeetingId, notice: str, anchor: str = "") -> web.HTTPSeeOther:
    return redirect(
        f"/meetings/{meeting_id}/minutes?notice={notice}{'#' + anchor if anchor else ''}"
    )


@routes.post("/meetings/{meeting_id}/minutes")
async def save_minutes(request: web.Request) -> web.StreamResponse:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    form = await read_form(request)
    svc = services(request).minutes
    typed = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        view = await svc.view(actor, meeting)
        await svc.edit(actor, meeting, edit_of(form, view))
    except MeetRoomError as exc:
        return await _refused(request, exc, "save", typed)
    raise _done(meeting.id, "minutes_saved")


@routes.post("/meetings/{meeting_id}/minutes/approve")
async def approve_minutes(request: web.Request) -> web.StreamResponse:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    form = await read_form(request)
    revision = _number(form, "revision") or None
    try:
        view = await services(request).minutes.approve(actor, meeting, revision)
    except MeetRoomError as exc:
        return await _refused(request, exc, "approve")
    frozen = view.version.status is MinutesStatus.FROZEN
    raise _done(meeting.id, "minutes_frozen" if frozen else "minutes_approved", "approval")


@routes.post("/meetings/{meeting_id}/minutes/sign")
async def sign_minutes(request: web.Request) -> web.StreamResponse:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    form = await read_form(request)
    upload = form.get("pkcs12")
    use_kept = bool(form.get("use_kept"))
    pkcs12 = None
    if not use_kept and upload is not None and not isinstance(upload, str):
        pkcs12 = upload.file.read(64 * 1024 + 1)
    try:
        await services(request).minutes.sign(
            actor, meeting, pkcs12=pkcs12, password=_text(form, "password") or "",
            use_kept=use_kept, version=_number(form, "version") or None,
        )  # fmt: skip
    except MeetRoomError as exc:
        return await _refused(request, exc, "sign")
    raise _done(meeting.id, "minutes_signed", "signature")


@routes.post("/meetings/{meeting_id}/minutes/versions")
async def new_version(request: web.Request) -> web.StreamResponse:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    form = await read_form(request)
    note = _text(form, "change_note") or ""
    try:
        await services(request).minutes.new_version(actor, meeting, note)
    except MeetRoomError as exc:
        return await _refused(request, exc, "version", {"change_note": note})
    raise _done(meeting.id, "minutes_version")


@routes.post("/meetings/{meeting_id}/minutes/send")
async def send_minutes(request: web.Request) -> web.StreamResponse:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    form = await read_form(request)
    try:
        until = parse_local_datetime(
            request, _text(form, "until") or "", gettext_for(request, N_("Comments until"))
        )
        await services(request).minutes.send(actor, meeting, until)
    except MeetRoomError as exc:
        return await _refused(request, exc, "send")
    raise _done(meeting.id, "minutes_sent", "comments")


@routes.post("/meetings/{meeting_id}/minutes/comments")
async def add_comment(request: web.Request) -> web.StreamResponse:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    form = await read_form(request)
    text = _text(form, "text") or ""
    try:
        await services(request).minutes.comment(actor, meeting, text)
    except MeetRoomError as exc:
        return await _refused(request, exc, "comment", {"text": text})
    raise _done(meeting.id, "comment_added", "comments")
