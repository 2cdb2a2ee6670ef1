"""A vote as the clients get it (`protocol.votes`), encoded once for all of them."""

from __future__ import annotations

from datetime import datetime

from meetroom.protocol import votes as pv
from meetroom.records.floor import QuorumState
from meetroom.records.votes import Proxy, Result, Vote
from meetroom.sessions.floor.views import iso, stamp
from meetroom.sessions.votes.counting import choices_of


def quorum_at(q: QuorumState | None) -> pv.QuorumAt | None:
    if q is None:
        return None
    return pv.QuorumAt(members=q.members, present=q.present, required=q.required,
                       reached=q.reached)  # fmt: skip


def result_view(vote: Vote, result: Result) -> pv.ResultView:
    return pv.ResultView(
        counts=[
            pv.CountView(choice=c, count=result.count(c), percent=round(result.percent(c), 2))
            for c in choices_of(vote)
        ],
        ballots=result.ballots, base=result.base, required=result.required,
        passed=result.passed, elected=list(result.elected), tie=result.tie.value,
    )  # fmt: skip


def vote_view(
    vote: Vote,
    *,
    now: datetime,
    voted: int,
    eligible: int,
    result: Result | None,
    proxies: list[Proxy],
    names: dict[str, str],
) -> pv.VoteView:
    return pv.VoteView(
        id=vote.id, title=vote.title, kind=vote.kind.value, status=vote.status.value,
        secret=vote.secret, rule=vote.rule.value, tie=vote.tie.value, now=stamp(now),
        voted=voted, eligible=eligible,
        options=[pv.OptionView(o.id, o.label) for o in vote.options],
        max_choices=vote.max_choices, agenda_item_id=vote.agenda_item_id,
        document_id=vote.document_id, opened_at=iso(vote.opened_at),
        closes_at=iso(vote.closes_at), closed_at=iso(vote.closed_at),
        quorum_at_open=quorum_at(vote.quorum_at_open),
        quorum_at_close=quorum_at(vote.quorum_at_close),
        override_reason=vote.override_reason,
        result=result_view(vote, result) if result is not None else None,
        board_head=vote.board_head,
        proxies=[
            pv.ProxyView(p.principal_id, names.get(p.principal_id, ""), p.proxy_id)
            for p in proxies
        ],
    )  # fmt: skip
