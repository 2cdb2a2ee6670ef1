"""The meeting's votes over the API: preparing them (drafts), opening, closing,
cancelling and running them again, and their results (JSON and CSV). Opening, closing
and cancelling go through the live votes (`services.votes`), which tell every socket
client of the meeting on every node; the votes' service checks who may do it (the
`moderator` grant). Ballots, the board and receipts are in `api.ballots`; proxies and
the meeting's defaults in `api.proxies`."""

from __future__ import annotations

import csv
import io

from aiohttp import web

from meetroom.ids import AgendaItemId, DocumentId, MeetingId
from meetroom.protocol.votes import OptionView
from meetroom.protocol.votes_api import (
    CancelIn,
    MeetingVotes,
    NamedBallotOut,
    OpenIn,
    VoteDefaultsOut,
    VoteIn,
    VoteOut,
)
from meetroom.records.votes import TieRule, Vote, VoteDefaults, VoteKind, VoteRule, VoteStatus
from meetroom.server.api.registry import Endpoint, json_response
from meetroom.server.context import services
from meetroom.server.csv_files import csv_attachment, csv_cell
from meetroom.server.paths import path_id
from meetroom.server.vote_access import may_see, meeting_actor, path_vote
from meetroom.sessions.votes.counting import choices_of
from meetroom.sessions.votes.drafts import VoteDraft
from meetroom.sessions.votes.service import VoteService
from meetroom.sessions.votes.views import quorum_at, result_view


async def participant_names(votes: VoteService, meeting_id: MeetingId) -> dict[str, str]:
    return {p.id: p.name for p in await votes.meetings.list_participants(meeting_id)}


async def vote_out(votes: VoteService, vote: Vote, names: dict[str, str] | None = None) -> VoteOut:
    """The vote as the API shows it; `names`: the meeting's participants' (read here
    when needed and not given)."""
    tally = await votes.tally(vote)
    result = await votes.result(vote)
    named = await votes.named(vote)  # none for a secret vote, nor before the close
    if named and names is None:
        names = await participant_names(votes, vote.meeting_id)
    ballots = [
        NamedBallotOut(
            participant_id=who, name=(names or {}).get(who, ""), cast_by=by,
            cast_by_name=(names or {}).get(by, ""), choice=list(choice),
        )
        for who, by, choice in named
    ]  # fmt: skip
    return VoteOut(
        id=vote.id, meeting_id=vote.meeting_id, title=vote.title, kind=vote.kind.value,
        options=[OptionView(o.id, o.label) for o in vote.options],
        max_choices=vote.max_choices, secret=vote.secret, rule=vote.rule.value,
        tie=vote.tie.value, duration_seconds=vote.duration_seconds,
        require_quorum=vote.require_quorum, status=vote.status.value,
        item_id=vote.agenda_item_id, document_id=vote.document_id,
        created_at=vote.created_at, opened_at=vote.opened_at, closes_at=vote.closes_at,
        closed_at=vote.closed_at, eligible=tally.eligible, voted=tally.voted,
        counts=dict(result.counts) if result is not None else None,
        passed=result.passed if result is not None else None,
        result=result_view(vote, result) if result is not None else None,
        quorum_at_open=quorum_at(vote.quorum_at_open),
        quorum_at_close=quorum_at(vote.quorum_at_close),
        override_reason=vote.override_reason, board_head=vote.board_head,
        rerun_of=vote.rerun_of, ballots=ballots,
    )  # fmt: skip


def defaults_out(d: VoteDefaults) -> VoteDefaultsOut:
    return VoteDefaultsOut(rule=d.rule.value, tie=d.tie.value, require_quorum=d.require_quorum)


def draft_of(body: VoteIn) -> VoteDraft:
    return VoteDraft(
        title=body.title, kind=VoteKind(body.kind), options=tuple(body.options),
        max_choices=body.max_choices, secret=body.secret,
        rule=VoteRule(body.rule) if body.rule is not None else None,
        tie=TieRule(body.tie) if body.tie is not None else None,
        duration_seconds=body.duration_seconds, require_quorum=body.require_quorum,
        agenda_item_id=AgendaItemId(body.item_id) if body.item_id else None,
        document_id=DocumentId(body.document_id) if body.document_id else None,
    )  # fmt: skip


async def meeting_votes(request: web.Request) -> MeetingVotes:
    """The meeting's votes, oldest first (drafts only to those who prepare them)."""
    votes = services(request).votes.votes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    defaults = await votes.defaults(meeting_id)
    names = await participant_names(votes, meeting_id)
    return MeetingVotes(
        meeting_id=meeting_id,
        defaults=defaults_out(defaults),
        votes=[
            await vote_out(votes, v, names)
            for v in await votes.of_meeting(meeting_id)
            if may_see(v, actor)
        ],
    )


async def create_vote(request: web.Request, body: VoteIn) -> VoteOut:
    votes = services(request).votes.votes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    return await vote_out(votes, await votes.create(actor, meeting_id, draft_of(body)))


async def get_vote(request: web.Request) -> VoteOut:
    vote, _ = await path_vote(request, reading=True)
    return await vote_out(services(request).votes.votes, vote)


async def update_vote(request: web.Request, body: VoteIn) -> VoteOut:
    votes = services(request).votes.votes
    vote, actor = await path_vote(request)
    return await vote_out(votes, await votes.update(actor, vote.id, draft_of(body)))


async def open_vote(request: web.Request, body: OpenIn) -> VoteOut:
    """409 `no_quorum` (its message has the counts) for a vote that requires quorum
    without it, unless `override_reason` says why (recorded in the audit log)."""
    live = services(request).votes
    vote, actor = await path_vote(request)
    return await vote_out(live.votes, await live.open(actor, vote.id, body.override_reason))


async def close_vote(request: web.Request) -> VoteOut:
    live = services(request).votes
    vote, actor = await path_vote(request)
    return await vote_out(live.votes, await live.close(actor, vote.id))


async def cancel_vote(request: web.Request, body: CancelIn) -> VoteOut:
    live = services(request).votes
    vote, actor = await path_vote(request)
    return await vote_out(live.votes, await live.cancel(actor, vote.id, body.reason))


async def rerun_vote(request: web.Request) -> web.Response:
    votes = services(request).votes.votes
    vote, actor = await path_vote(request)
    again = await votes.rerun(actor, vote.id)
    return json_response(await vote_out(votes, again), 201)


CSV_HEADER = [
    "vote_id", "title", "kind", "secret", "rule", "opened_at", "closed_at", "choice",
    "label", "count", "percent", "ballots", "base", "required", "passed", "elected",
]  # fmt: skip


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


async def votes_csv(request: web.Request) -> web.Response:
    """The results of the meeting's closed votes: one row per vote and choice."""
    votes = services(request).votes.votes
    meeting_id = path_id(request, MeetingId)
    await meeting_actor(request, meeting_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for vote in await votes.of_meeting(meeting_id):
        result = await votes.result(vote)
        if vote.status is not VoteStatus.CLOSED or result is None:
            continue
        labels = {o.id: o.label for o in vote.options}
        for choice in choices_of(vote):
            writer.writerow(
                [
                    vote.id, csv_cell(vote.title), vote.kind.value, _yes_no(vote.secret),
                    vote.rule.value,
                    vote.opened_at.isoformat(timespec="seconds") if vote.opened_at else "",
                    vote.closed_at.isoformat(timespec="seconds") if vote.closed_at else "",
                    choice, csv_cell(labels.get(choice, choice)), result.count(choice),
                    f"{result.percent(choice):.2f}", result.ballots, result.base,
                    result.required, _yes_no(result.passed),
                    _yes_no(choice in result.elected) if vote.kind is VoteKind.CHOICE else "",
                ]
            )  # fmt: skip
    return csv_attachment(out.getvalue(), f"votes-{meeting_id}.csv")


M = "/api/meetings/{meeting_id}"
V = "/api/votes/{vote_id}"
ENDPOINTS = [
    Endpoint(
        "GET", M + "/votes", meeting_votes,
        "The meeting's votes, oldest first, and its defaults for new votes (its "
        "participants; drafts only to those who prepare votes)",
        "votes", response=MeetingVotes,
    ),
    Endpoint(
        "POST", M + "/votes", create_vote,
        "Prepare a vote (the chair): a draft, opened later", "votes",
        body=VoteIn, response=VoteOut, status=201,
    ),
    Endpoint(
        "GET", M + "/votes.csv", votes_csv,
        "The results of the meeting's closed votes as CSV (UTF-8): a row per vote and "
        "choice", "votes", media_type="text/csv",
    ),
    Endpoint(
        "GET", V, get_vote,
        "A vote: its settings, status, how many voted, and once closed its result, "
        "board head and (not secret) who voted what", "votes", response=VoteOut,
    ),
    Endpoint(
        "PUT", V, update_vote, "Change a draft's settings (the chair): all of them",
        "votes", body=VoteIn, response=VoteOut, errors=(409,),
    ),
    Endpoint(
        "POST", V + "/open", open_vote,
        "Open a draft (the chair); without quorum, when the vote requires it, only "
        "with an override reason (else 409 no_quorum)", "votes",
        body=OpenIn, body_optional=True, response=VoteOut, errors=(409,),
    ),
    Endpoint(
        "POST", V + "/close", close_vote,
        "Close an open vote (the chair): count it and fix its ballot board", "votes",
        response=VoteOut, errors=(409,),
    ),
    Endpoint(
        "POST", V + "/cancel", cancel_vote,
        "Cancel a draft or an open vote (the chair): its ballots are not counted",
        "votes", body=CancelIn, body_optional=True, response=VoteOut, errors=(409,),
    ),
    Endpoint(
        "POST", V + "/rerun", rerun_vote,
        "Run a cancelled vote again (the chair): a new draft with its settings",
        "votes", response=VoteOut, status=201, errors=(409,),
    ),
]  # fmt: skip
