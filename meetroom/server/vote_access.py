"""Who acts on votes through the API, and which vote: the same person as on the meeting
socket (the live session's viewer), so that the channels agree on who is the chair and
who has a vote. A vote named by its id is loaded first and its meeting's viewer asked
next: someone who may not open that meeting learns nothing of the vote (404 or 403
as for the meeting itself)."""

from __future__ import annotations

from aiohttp import web

from meetroom.errors import N_, NotFound
from meetroom.ids import MeetingId, VoteId
from meetroom.records.votes import Vote, VoteStatus
from meetroom.server.context import principal, services
from meetroom.server.paths import path_id
from meetroom.sessions.votes.live import vote_actor
from meetroom.sessions.votes.service import VoteActor


async def meeting_actor(request: web.Request, meeting_id: MeetingId) -> VoteActor:
    """NotFound or Forbidden for someone who may not open the meeting."""
    return vote_actor(await services(request).live.viewer(principal(request), meeting_id))


def may_see(vote: Vote, actor: VoteActor) -> bool:
    """A draft is the chair's to prepare: the others see a vote once it is opened."""
    return vote.status is not VoteStatus.DRAFT or actor.moderator


async def path_vote(request: web.Request, *, reading: bool = False) -> tuple[Vote, VoteActor]:
    """The vote of the path's `{vote_id}` and who acts on it. `reading`: the vote is
    shown, so a draft is not found by those who may not see it (an action on it is
    refused by the votes' service, saying why)."""
    vote = await services(request).votes.votes.get(path_id(request, VoteId))
    try:
        actor = await meeting_actor(request, vote.meeting_id)
    except NotFound:
        raise _not_found() from None  # as if there were no such vote (nor meeting)
    if reading and not may_see(vote, actor):
        raise _not_found()
    return vote, actor


def _not_found() -> NotFound:
    return NotFound("vote_not_found", N_("No such vote."))
