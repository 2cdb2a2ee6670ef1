"""The decisions list of a meeting over the API, as JSON and CSV: per agenda item its
conclusion, the results of its closed votes and its action items. Every participant of
the meeting, and those who manage it, may read it."""

from __future__ import annotations

import csv
import io

from aiohttp import web

from meetroom.ids import MeetingId
from meetroom.minutes.decisions import ItemDecisions, VoteDecision
from meetroom.minutes.views import decisions_out
from meetroom.protocol.notes_api import MeetingDecisions
from meetroom.records.minutes import ActionStatus
from meetroom.records.votes import VoteKind
from meetroom.server.api.registry import Endpoint
from meetroom.server.context import principal, services
from meetroom.server.csv_files import csv_attachment, csv_cell
from meetroom.server.notes_access import meeting_actor
from meetroom.server.paths import path_id
from meetroom.sessions.votes.counting import choices_of


async def get_decisions(request: web.Request) -> MeetingDecisions:
    notes = services(request).notes.notes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    access = await services(request).meetings.open(principal(request), meeting_id)
    decided = await notes.decisions(meeting_id)
    return decisions_out(meeting_id, access.meeting.title, decided, notes, actor)


def vote_line(d: VoteDecision) -> str:
    """`Title: passed (yes 5, no 2, abstain 1)`; an election names those elected."""
    vote, result = d.vote, d.result
    labels = {o.id: o.label for o in vote.options}
    counts = ", ".join(f"{labels.get(c, c)} {result.count(c)}" for c in choices_of(vote))
    if vote.kind is VoteKind.CHOICE:
        outcome = "elected: " + "; ".join(labels.get(c, c) for c in result.elected)
    else:
        outcome = "passed" if result.passed else "failed"
    return f"{vote.title}: {outcome} ({counts})"


CSV_HEADER = ["position", "item", "conclusion", "votes", "action_items"]


def decisions_csv_text(decided: list[ItemDecisions]) -> str:
    """A row per agenda item (0: the general part); several votes or action items in a
    cell, one a line. An action item: `title | owner | due | open or done`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for d in decided:
        actions = [
            " | ".join([
                a.title, a.owner_name, a.due.isoformat() if a.due else "",
                "done" if a.status is ActionStatus.DONE else "open",
            ])
            for a in d.actions
        ]  # fmt: skip
        writer.writerow([
            d.position, csv_cell(d.title), csv_cell(d.conclusion),
            csv_cell("\n".join(vote_line(v) for v in d.votes)), csv_cell("\n".join(actions)),
        ])  # fmt: skip
    return out.getvalue()


async def decisions_csv(request: web.Request) -> web.Response:
    meeting_id = path_id(request, MeetingId)
    await meeting_actor(request, meeting_id)
    decided = await services(request).notes.notes.decisions(meeting_id)
    return csv_attachment(decisions_csv_text(decided), f"decisions-{meeting_id}.csv")


M = "/api/meetings/{meeting_id}"
ENDPOINTS = [
    Endpoint(
        "GET", M + "/decisions", get_decisions,
        "The meeting's decisions per agenda item: conclusion, closed votes' results, "
        "action items (its participants)", "notes", response=MeetingDecisions,
    ),
    Endpoint(
        "GET", M + "/decisions.csv", decisions_csv,
        "The decisions as CSV (UTF-8 with a BOM): a row per agenda item", "notes",
        media_type="text/csv",
    ),
]  # fmt: skip
