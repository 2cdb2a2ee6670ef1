"""The secretary's notes and action items over the API. Changes go through the live
notes (`services.notes`), which tell the meeting's moderators on the socket, on every
node; the notes' service checks who may do it (moderators write notes and action
items; an action item's owner, or a moderator, marks it done or open again). Each
person's tasks across meetings are `/api/me/actions`; the decisions list is in
`api.decisions`."""

from __future__ import annotations

from aiohttp import web

from meetroom.accounts.service import require_user
from meetroom.errors import N_, Invalid
from meetroom.ids import AgendaItemId, MeetingId, ParticipantId
from meetroom.minutes.action_drafts import ActionDraft
from meetroom.minutes.views import actions_out, meeting_notes, my_action_out, notes_out
from meetroom.protocol.codec import UNSET
from meetroom.protocol.notes_api import (
    ActionIn,
    ActionOut,
    ItemNotesOut,
    MeetingActions,
    MeetingNotes,
    MyActions,
    NotesIn,
)
from meetroom.records.minutes import ActionItemId, ActionStatus
from meetroom.server.api.registry import Endpoint, Query, json_response, text
from meetroom.server.context import principal, services
from meetroom.server.notes_access import meeting_actor, path_item, today
from meetroom.server.paths import path_id


def draft_of(body: ActionIn) -> ActionDraft:
    return ActionDraft(
        title=body.title, agenda_item_id=AgendaItemId(body.item_id) if body.item_id else None,
        owner_participant_id=ParticipantId(body.owner_participant_id)
        if body.owner_participant_id else None,
        owner_name=body.owner_name, due=body.due,
    )  # fmt: skip


async def get_notes(request: web.Request) -> MeetingNotes:
    """Every agenda item's notes (the moderators')."""
    live = services(request).notes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    notes = await live.notes.notes(meeting_id, actor)
    items = await live.notes.agenda.list_items(meeting_id)
    people = await live.notes.meetings.list_participants(meeting_id)
    return meeting_notes(meeting_id, items, notes, people)


async def put_notes(request: web.Request, body: NotesIn) -> ItemNotesOut:
    live = services(request).notes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    item = path_item(request)
    saved = await live.save_notes(
        meeting_id, item, actor, notes=None if body.notes is UNSET else body.notes,
        conclusion=None if body.conclusion is UNSET else body.conclusion,
        revision=body.revision,
    )  # fmt: skip
    return notes_out(item, saved)


async def list_actions(request: web.Request) -> MeetingActions:
    notes = services(request).notes.notes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    return MeetingActions(
        meeting_id, actions_out(notes, actor, await notes.actions(meeting_id, actor))
    )


async def add_action(request: web.Request, body: ActionIn) -> web.Response:
    live = services(request).notes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    action = await live.add_action(meeting_id, actor, draft_of(body))
    return json_response(actions_out(live.notes, actor, [action])[0], 201)


async def update_action(request: web.Request, body: ActionIn) -> ActionOut:
    live = services(request).notes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    action = await live.update_action(
        path_id(request, ActionItemId), actor, draft_of(body), meeting_id=meeting_id
    )
    return actions_out(live.notes, actor, [action])[0]


async def delete_action(request: web.Request) -> None:
    live = services(request).notes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    await live.delete_action(path_id(request, ActionItemId), actor, meeting_id=meeting_id)


async def _mark(request: web.Request, done: bool) -> ActionOut:
    live = services(request).notes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    action = await live.set_done(path_id(request, ActionItemId), actor, done, meeting_id=meeting_id)
    return actions_out(live.notes, actor, [action])[0]


async def mark_done(request: web.Request) -> ActionOut:
    return await _mark(request, True)


async def reopen(request: web.Request) -> ActionOut:
    return await _mark(request, False)


async def my_actions(request: web.Request) -> MyActions:
    """The caller's tasks across meetings (an account's)."""
    user = require_user(principal(request))
    status = request.query.get("status", "")
    if status not in ("", "open", "done"):
        raise Invalid("bad_status", N_("status must be open or done."), details={"field": "status"})
    notes = services(request).notes.notes
    mine = await notes.my_actions(user.id, ActionStatus(status) if status else None)
    day = today(request)
    return MyActions([my_action_out(m, day) for m in mine])


M = "/api/meetings/{meeting_id}"
A = M + "/actions/{action_id}"
ITEM = {"item_id": text(minLength=1, maxLength=64, description='an agenda item\'s id, or '
                        '"general" for the general part')}  # fmt: skip
ENDPOINTS = [
    Endpoint(
        "GET", M + "/notes", get_notes,
        "The secretary's notes and conclusion of every agenda item, the general part "
        "first (the meeting's moderators)", "notes", response=MeetingNotes,
    ),
    Endpoint(
        "PUT", M + "/notes/{item_id}", put_notes,
        "Save an item's notes and/or conclusion over the revision edited (the "
        "moderators); another save meanwhile: 409 notes_conflict with the stored text "
        "in its details; frozen minutes: 409 minutes_frozen", "notes",
        body=NotesIn, response=ItemNotesOut, errors=(409,), path_schemas=ITEM,
    ),
    Endpoint(
        "GET", M + "/actions", list_actions,
        "The meeting's action items, as made (its participants)", "notes",
        response=MeetingActions,
    ),
    Endpoint(
        "POST", M + "/actions", add_action,
        "Add an action item (the moderators): owner a participant or free text, "
        "optional due date", "notes", body=ActionIn, response=ActionOut, status=201,
        errors=(409,),
    ),
    Endpoint(
        "PUT", A, update_action,
        "Change an action item (the moderators): all of it", "notes",
        body=ActionIn, response=ActionOut, errors=(409,),
    ),
    Endpoint(
        "DELETE", A, delete_action, "Delete an action item (the moderators)", "notes",
        status=204, errors=(409,),
    ),
    Endpoint(
        "POST", A + "/done", mark_done,
        "Mark an action item done (its owner, or a moderator)", "notes",
        response=ActionOut,
    ),
    Endpoint(
        "POST", A + "/reopen", reopen,
        "Mark an action item open again (its owner, or a moderator)", "notes",
        response=ActionOut,
    ),
    Endpoint(
        "GET", "/api/me/actions", my_actions,
        "The caller's tasks across meetings (an account's): the earliest due first",
        "notes", response=MyActions, errors=(400,),
        query=[Query("status", text(enum=["open", "done"]), "only open, or only done, tasks")],
    ),
]  # fmt: skip
