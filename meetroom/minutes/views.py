"""Notes, action items and decisions as the API and the socket give them
(`protocol.notes_api`, `protocol.notes`)."""

from __future__ import annotations

from datetime import date

from meetroom.ids import AgendaItemId
from meetroom.minutes.decisions import ItemDecisions, VoteDecision
from meetroom.minutes.notes import MyAction, NotesActor, NotesService
from meetroom.protocol import notes_api as pn
from meetroom.protocol.notes import NotesSaved
from meetroom.records.documents import AgendaItem
from meetroom.records.meetings import Participant
from meetroom.records.minutes import ActionItem, ActionStatus, ItemNotes
from meetroom.sessions.floor.views import iso
from meetroom.sessions.votes.views import result_view

GENERAL = "general"  # the general part's item id in paths and bodies


def item_name(item_id: AgendaItemId | None) -> str:
    return item_id or GENERAL


def notes_out(item_id: AgendaItemId | None, n: ItemNotes | None) -> pn.ItemNotesOut:
    return pn.ItemNotesOut(
        item_id=item_name(item_id), notes=n.notes if n else "",
        conclusion=n.conclusion if n else "", revision=n.revision if n else 0,
        updated_at=n.updated_at if n else None, updated_by_name=n.updated_by_name if n else "",
    )  # fmt: skip


def meeting_notes(
    meeting_id: str, items: list[AgendaItem], notes: list[ItemNotes], people: list[Participant]
) -> pn.MeetingNotes:
    by_item = {n.agenda_item_id: n for n in notes}
    general = [pn.NotesItemOut(GENERAL, 0, "", notes_out(None, by_item.get(None)))]
    listed = [
        pn.NotesItemOut(item.id, index, item.title, notes_out(item.id, by_item.get(item.id)))
        for index, item in enumerate(items, start=1)
    ]
    people_out = [pn.PersonOut(p.id, p.name) for p in sorted(people, key=lambda p: p.name)]
    return pn.MeetingNotes(meeting_id=meeting_id, participants=people_out, items=general + listed)


def notes_saved(n: ItemNotes) -> NotesSaved:
    return NotesSaved(
        item_id=item_name(n.agenda_item_id), revision=n.revision, notes=n.notes,
        conclusion=n.conclusion, by=n.updated_by, by_name=n.updated_by_name,
        at=iso(n.updated_at) or "",
    )  # fmt: skip


def action_out(a: ActionItem, may_mark: bool) -> pn.ActionOut:
    return pn.ActionOut(
        id=a.id, meeting_id=a.meeting_id, item_id=a.agenda_item_id, title=a.title,
        owner_participant_id=a.owner_participant_id, owner_name=a.owner_name,
        may_mark=may_mark, due=a.due, status="done" if a.status is ActionStatus.DONE else "open",
        created_at=a.created_at, updated_at=a.updated_at, done_at=a.done_at,
        done_by_name=a.done_by_name,
    )  # fmt: skip


def actions_out(
    service: NotesService, actor: NotesActor, actions: list[ActionItem]
) -> list[pn.ActionOut]:
    return [action_out(a, service.may_mark(actor, a)) for a in actions]


def overdue(a: ActionItem, today: date) -> bool:
    return a.status is ActionStatus.OPEN and a.due is not None and a.due < today


def my_action_out(mine: MyAction, today: date) -> pn.MyActionOut:
    return pn.MyActionOut(
        action=action_out(mine.action, True), meeting_title=mine.meeting_title,
        item_title=mine.item_title, overdue=overdue(mine.action, today),
    )  # fmt: skip


def vote_decision_out(d: VoteDecision) -> pn.VoteDecisionOut:
    vote = d.vote
    return pn.VoteDecisionOut(
        vote_id=vote.id, title=vote.title, secret=vote.secret, closed_at=vote.closed_at,
        passed=d.result.passed, result=result_view(vote, d.result),
        labels={o.id: o.label for o in vote.options},
    )  # fmt: skip


def decisions_out(
    meeting_id: str,
    title: str,
    decided: list[ItemDecisions],
    service: NotesService,
    actor: NotesActor,
) -> pn.MeetingDecisions:
    return pn.MeetingDecisions(
        meeting_id=meeting_id, title=title,
        items=[
            pn.ItemDecisionsOut(
                item_id=item_name(d.agenda_item_id), position=d.position, title=d.title,
                conclusion=d.conclusion, votes=[vote_decision_out(v) for v in d.votes],
                actions=actions_out(service, actor, list(d.actions)),
            )
            for d in decided
        ],
    )  # fmt: skip
