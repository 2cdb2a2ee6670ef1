"""Ballots over the API, and what a voter checks afterwards: casting one (for oneself
or as a proxy) and its receipt, whom one may still vote for, the closed vote's ballot
board, and finding one's receipt on it. A ballot goes through the live votes
(`services.votes`), as one cast over the meeting socket does."""

from __future__ import annotations

from aiohttp import web

from meetroom.errors import N_, NotFound
from meetroom.ids import ParticipantId
from meetroom.protocol.votes_api import (
    BallotIn,
    BallotOut,
    BoardEntryOut,
    BoardOut,
    CheckIn,
    CheckOut,
    MyVoters,
    VoterOut,
)
from meetroom.server.api.registry import Endpoint, json_response
from meetroom.server.context import services
from meetroom.server.vote_access import path_vote
from meetroom.sessions.votes import board, receipts
from meetroom.sessions.votes.views import result_view


async def cast(request: web.Request, body: BallotIn) -> web.Response:
    """201 with the receipt; 200 with the same receipt for the same ballot again."""
    live = services(request).votes
    vote, actor = await path_vote(request)
    principal = ParticipantId(body.for_participant_id) if body.for_participant_id else None
    receipt = await live.cast(actor, vote.id, body.ballot_id, body.choice, principal)
    out = BallotOut(
        vote_id=receipt.vote_id, ballot_id=receipt.ballot_id, receipt=receipt.receipt,
        for_participant_id=receipt.for_participant_id,
    )  # fmt: skip
    return json_response(out, 200 if receipt.resent else 201)


async def mine(request: web.Request) -> MyVoters:
    votes = services(request).votes.votes
    vote, actor = await path_vote(request)
    return MyVoters(
        vote_id=vote.id,
        voters=[
            VoterOut(participant_id=v.participant_id, name=v.name, voted=v.voted, proxy=v.proxy)
            for v in await votes.voters_for(actor, vote)
        ],
    )


async def get_board(request: web.Request) -> BoardOut:
    """409 `board_not_fixed` before the close."""
    votes = services(request).votes.votes
    vote, _ = await path_vote(request)
    entries = await votes.board(vote)
    result = await votes.result(vote)
    at_close = vote.quorum_at_close
    return BoardOut(
        vote_id=vote.id, head=vote.board_head or "",
        members=at_close.members if at_close else 0,
        present=at_close.present if at_close else 0,
        result=result_view(vote, result) if result is not None else None,
        entries=[
            BoardEntryOut(ballot_hash=e.ballot_hash, choice=list(e.choice),
                          receipt_hash=e.receipt_hash)
            for e in entries
        ],
    )  # fmt: skip


async def check(request: web.Request, body: CheckIn) -> CheckOut:
    """A receipt (as typed) on the closed vote's board: its ballot and choice."""
    votes = services(request).votes.votes
    vote, _ = await path_vote(request)
    code = receipts.normalise_receipt(body.receipt)
    found = board.find_receipt(await votes.board(vote), code)
    if found is None:
        raise NotFound("receipt_not_found", N_("No ballot on this vote's board has this receipt."))
    return CheckOut(found=True, ballot_hash=found.ballot_hash, choice=list(found.choice))


V = "/api/votes/{vote_id}"
ENDPOINTS = [
    Endpoint(
        "POST", V + "/ballots", cast,
        "Cast a ballot (a participant with can_vote, or a present proxy for their "
        "principal): 201 with its receipt; the same ballot_id again answers 200 with "
        "the same receipt; another ballot for the same voter 409 already_voted",
        "votes", body=BallotIn, response=BallotOut, status=201, also={200: BallotOut},
        errors=(409,),
    ),
    Endpoint(
        "GET", V + "/mine", mine,
        "Whom the caller may vote for in this vote (themselves, their principals), and "
        "whether each has voted", "votes", response=MyVoters,
    ),
    Endpoint(
        "GET", V + "/board", get_board,
        "The closed vote's ballot board: its entries ordered by ballot hash, the chain's "
        "head and the result (409 board_not_fixed before the close)", "votes",
        response=BoardOut, errors=(409,),
    ),
    Endpoint(
        "POST", V + "/check", check,
        "Find a receipt on the closed vote's board (404 receipt_not_found); POST, so "
        "that receipts stay out of addresses and logs", "votes",
        body=CheckIn, response=CheckOut, errors=(409,),
    ),
]  # fmt: skip
