"""The decisions of a meeting on a page of its own (every participant, and those who
manage it: per agenda item its conclusion, the results of its closed votes and its
action items, with the CSV), each person's tasks across meetings ("My tasks"), and
the form that marks an action item done or open again (its owner, or a moderator).
The secretary's notes themselves are kept in the meeting room's Notes tab
(web/static/js/notes/), on the API."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meetroom.accounts.service import require_user
from meetroom.ids import MeetingId
from meetroom.minutes.decisions import ItemDecisions, VoteDecision
from meetroom.minutes.notes import NotesActor, NotesService
from meetroom.minutes.views import overdue
from meetroom.records.minutes import ActionItem, ActionItemId, ActionStatus
from meetroom.server.context import principal, services
from meetroom.server.notes_access import meeting_actor, today
from meetroom.server.pages.forms import form_fields, redirect, safe_next
from meetroom.server.paths import path_id
from meetroom.server.render import render
from meetroom.sessions.votes.counting import choices_of

routes = web.RouteTableDef()


def _vote_row(d: VoteDecision) -> dict[str, Any]:
    labels = {o.id: o.label for o in d.vote.options}
    return {
        "vote": d.vote,
        "result": d.result,
        "counts": [(c, labels.get(c, ""), d.result.count(c)) for c in choices_of(d.vote)],
        "elected": [labels.get(o, o) for o in d.result.elected],
    }


def _action_row(notes: NotesService, actor: NotesActor, a: ActionItem, day: Any) -> dict[str, Any]:
    return {
        "action": a,
        "done": a.status is ActionStatus.DONE,
        "overdue": overdue(a, day),
        "may_mark": notes.may_mark(actor, a),
    }


def _section(notes: NotesService, actor: NotesActor, d: ItemDecisions, day: Any) -> dict[str, Any]:
    return {
        "item": d,
        "votes": [_vote_row(v) for v in d.votes],
        "actions": [_action_row(notes, actor, a, day) for a in d.actions],
    }


@routes.get("/meetings/{meeting_id}/decisions")
async def decisions_page(request: web.Request) -> web.StreamResponse:
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    access = await services(request).meetings.open(principal(request), meeting_id)
    notes = services(request).notes.notes
    day = today(request)
    sections = [_section(notes, actor, d, day) for d in await notes.decisions(meeting_id)]
    return render(
        request, "meetings/decisions.html", meeting=access.meeting, access=access,
        sections=sections, empty=all(s["item"].empty for s in sections),
        notice=request.query.get("notice"),
    )  # fmt: skip


@routes.get("/tasks")
async def my_tasks(request: web.Request) -> web.StreamResponse:
    user = require_user(principal(request))
    notes = services(request).notes.notes
    day = today(request)
    mine = await notes.my_actions(user.id)
    rows = [
        {"task": m, "overdue": overdue(m.action, day), "done": m.action.status is ActionStatus.DONE}
        for m in mine
    ]
    return render(
        request, "tasks.html", open_tasks=[r for r in rows if not r["done"]],
        done_tasks=[r for r in rows if r["done"]], notice=request.query.get("notice"),
    )  # fmt: skip


@routes.post("/meetings/{meeting_id}/actions/{action_id}/done")
async def mark_task(request: web.Request) -> web.StreamResponse:
    """`done`: "1" done, "0" open again; back to `next` (the decisions page, My tasks)."""
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    form = await form_fields(request)
    done = form.get("done", "1") != "0"
    await services(request).notes.set_done(
        path_id(request, ActionItemId), actor, done, meeting_id=meeting_id
    )
    back = safe_next(form.get("next"), f"/meetings/{meeting_id}/decisions")
    notice = "task_done" if done else "task_reopened"
    raise redirect(f"{back}{'&' if '?' in back else '?'}notice={notice}")
