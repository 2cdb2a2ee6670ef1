"""A meeting's proxies (who votes for whom) and its defaults for new votes, over the
API: read by its participants, changed by the chair (the `moderator` grant)."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from meetroom.ids import MeetingId, ParticipantId
from meetroom.protocol.codec import UNSET
from meetroom.protocol.votes_api import (
    MeetingProxies,
    ProxyIn,
    ProxyOut,
    VoteDefaultsIn,
    VoteDefaultsOut,
)
from meetroom.records.votes import Proxy, TieRule, VoteRule
from meetroom.server.api.registry import Endpoint, json_response
from meetroom.server.api.votes import defaults_out, participant_names
from meetroom.server.context import services
from meetroom.server.paths import path_id
from meetroom.server.vote_access import meeting_actor


def proxy_out(p: Proxy, names: dict[str, str]) -> ProxyOut:
    return ProxyOut(
        principal_id=p.principal_id, principal_name=names.get(p.principal_id, ""),
        proxy_id=p.proxy_id, proxy_name=names.get(p.proxy_id, ""), set_at=p.set_at,
    )  # fmt: skip


async def list_proxies(request: web.Request) -> MeetingProxies:
    votes = services(request).votes.votes
    meeting_id = path_id(request, MeetingId)
    await meeting_actor(request, meeting_id)
    names = await participant_names(votes, meeting_id)
    return MeetingProxies(
        meeting_id=meeting_id,
        proxies=[proxy_out(p, names) for p in await votes.proxies(meeting_id)],
    )


async def add_proxy(request: web.Request, body: ProxyIn) -> web.Response:
    """409 `proxy_exists` (the principal has one), `proxy_chain` (a proxy's vote
    handed on, or a principal who holds someone's)."""
    votes = services(request).votes.votes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    proxy = await votes.add_proxy(
        actor, meeting_id, ParticipantId(body.principal_id), ParticipantId(body.proxy_id)
    )
    names = await participant_names(votes, meeting_id)
    return json_response(proxy_out(proxy, names), 201)


async def remove_proxy(request: web.Request) -> None:
    votes = services(request).votes.votes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    principal_id = ParticipantId(request.match_info["principal_id"])
    await votes.remove_proxy(actor, meeting_id, principal_id)


async def set_defaults(request: web.Request, body: VoteDefaultsIn) -> VoteDefaultsOut:
    """The fields given replace the meeting's; new votes take them where theirs are
    null (the votes already prepared keep theirs)."""
    votes = services(request).votes.votes
    meeting_id = path_id(request, MeetingId)
    actor = await meeting_actor(request, meeting_id)
    defaults = await votes.defaults(meeting_id)
    if body.rule is not UNSET:
        defaults = replace(defaults, rule=VoteRule(body.rule))
    if body.tie is not UNSET:
        defaults = replace(defaults, tie=TieRule(body.tie))
    if body.require_quorum is not UNSET:
        defaults = replace(defaults, require_quorum=body.require_quorum)
    await votes.set_defaults(actor, meeting_id, defaults)
    return defaults_out(defaults)


M = "/api/meetings/{meeting_id}"
ENDPOINTS = [
    Endpoint(
        "GET", M + "/proxies", list_proxies,
        "Who votes for whom in this meeting (its participants)", "votes",
        response=MeetingProxies,
    ),
    Endpoint(
        "POST", M + "/proxies", add_proxy,
        "Record a proxy (the chair): proxy_id votes for principal_id while present; "
        "one proxy per principal, no chains", "votes",
        body=ProxyIn, response=ProxyOut, status=201,
    ),
    Endpoint(
        "DELETE", M + "/proxies/{principal_id}", remove_proxy,
        "Remove a principal's proxy (the chair)", "votes", status=204,
    ),
    Endpoint(
        "PUT", M + "/vote-defaults", set_defaults,
        "The meeting's defaults for new votes (the chair): rule, tie, require_quorum",
        "votes", body=VoteDefaultsIn, response=VoteDefaultsOut,
    ),
]  # fmt: skip
