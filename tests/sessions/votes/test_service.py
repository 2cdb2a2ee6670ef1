"""`VoteService` on a real store (SQLite and PostgreSQL), as two nodes sharing the
database would run it: the receipt the same through either node, one close whoever
closes, the countdown closed by any node at its time, the quorum refused and
overridden with a reason, proxies only while present, and the chair's ballot deciding
a tie of an open vote."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest

from meetroom.clock import SettableClock
from meetroom.errors import Conflict, Forbidden, Invalid, NotFound
from meetroom.ids import MeetingId
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction
from meetroom.records.floor import AttendanceMark, HandMark, QuorumKind, QuorumRule
from meetroom.records.meetings import MeetingRole, Participant
from meetroom.records.votes import TieBreak, TieRule, VoteKind, VoteStatus
from meetroom.sessions.floor.roll import RollService
from meetroom.sessions.votes.drafts import VoteDraft
from meetroom.sessions.votes.service import VoteActor, VoteService
from meetroom.store.agenda import SqlAgendaStore
from meetroom.store.attendance import SqlAttendanceStore
from meetroom.store.database import Database
from meetroom.store.meetings import SqlMeetingStore
from meetroom.store.quorum import SqlQuorumStore, SqlVotingMembers
from meetroom.store.vote_proxies import SqlProxyStore
from meetroom.store.votes import SqlVoteStore
from tests.sessions.floor.world import add_meeting, add_participant

SECRET = b"k" * 32


@dataclass
class Trail:
    """The audit trail's port, recording what the service writes to it."""

    entries: list[tuple[AuditAction, dict[str, Any]]] = field(default_factory=list)

    async def record(self, actor: Principal | None, action: AuditAction, **kw: Any) -> None:
        self.entries.append((action, kw.get("details") or {}))

    def actions(self) -> list[AuditAction]:
        return [a for a, _ in self.entries]


class Meetings:
    def __init__(self, db: Database) -> None:
        store, agenda = SqlMeetingStore(db), SqlAgendaStore(db)
        self.get_meeting = store.get_meeting
        self.get_participant = store.get_participant
        self.list_participants = store.list_participants
        self.get_item = agenda.get_item


def node(db: Database, clock: SettableClock, trail: Trail) -> VoteService:
    meetings = SqlMeetingStore(db)
    roll = RollService(
        SqlQuorumStore(db), SqlVotingMembers(db), SqlAttendanceStore(db), meetings, clock
    )
    return VoteService(
        SqlVoteStore(db), SqlProxyStore(db), Meetings(db), roll, trail, clock, SECRET
    )


def actor(p: Participant) -> VoteActor:
    chair = p.role is MeetingRole.CHAIR
    return VoteActor(f"p:{p.id}", p.name, p.id, moderator=chair, can_vote=p.role in (
        MeetingRole.CHAIR, MeetingRole.DELEGATE))  # fmt: skip


async def present(db: Database, clock: SettableClock, *people: Participant) -> None:
    for p in people:
        await SqlQuorumStore(db).set_mark(HandMark(
            meeting_id=p.meeting_id, participant_id=p.id, state=AttendanceMark.PRESENT,
            reason="", set_by="u:x", set_by_name="X", set_at=clock.now(),
        ))  # fmt: skip


def ballot_id() -> str:
    return str(uuid.uuid4())


async def test_two_nodes_one_receipt_one_close(db: Database, clock: SettableClock) -> None:
    trail = Trail()
    a, b = node(db, clock, trail), node(db, clock, trail)
    meeting = await add_meeting(db, clock.now())
    chair = await add_participant(db, meeting, "Chủ tọa", MeetingRole.CHAIR)
    anna = await add_participant(db, meeting, "Anna")
    vote = await a.create(actor(chair), meeting.id, VoteDraft("Q", secret=True))
    await a.open(actor(chair), vote.id)
    mine = ballot_id()
    first = await a.cast(actor(anna), vote.id, mine, "yes")
    again = await b.cast(actor(anna), vote.id, mine, "yes")  # resent through the other node
    assert first.stored and not again.stored and again.receipt == first.receipt
    with pytest.raises(Conflict) as second:
        await b.cast(actor(anna), vote.id, ballot_id(), "no")
    assert second.value.code == "already_voted"
    closed = await asyncio.gather(a.close(actor(chair), vote.id), b.close(actor(chair), vote.id))
    assert closed[0].board_head == closed[1].board_head is not None
    assert trail.actions().count(AuditAction.VOTE_CLOSED) == 1
    assert await a.verify(vote.id) is None


async def test_a_node_that_kept_the_open_vote_takes_nothing_after_its_close(
    db: Database, clock: SettableClock
) -> None:
    """A node reads an open vote once for its ballots; closed or cancelled through
    another node, it takes no more ballots, and one for another meeting is not found."""
    trail = Trail()
    a, b = node(db, clock, trail), node(db, clock, trail)
    meeting = await add_meeting(db, clock.now())
    chair = await add_participant(db, meeting, "Chủ tọa", MeetingRole.CHAIR)
    anna = await add_participant(db, meeting, "Anna")
    binh = await add_participant(db, meeting, "Bình")
    for end in (b.close, b.cancel):
        vote = await a.create(actor(chair), meeting.id, VoteDraft("Q"))
        await a.open(actor(chair), vote.id)
        assert (await a.cast(actor(anna), vote.id, ballot_id(), "yes")).stored
        with pytest.raises(NotFound):
            await a.cast(actor(binh), vote.id, ballot_id(), "no", meeting_id=MeetingId("x"))
        await end(actor(chair), vote.id)
        with pytest.raises(Conflict) as late:
            await a.cast(actor(binh), vote.id, ballot_id(), "no")
        assert late.value.code == "vote_not_open"
        assert (await a.tally(await a.get(vote.id))).voted == 1


async def test_any_node_closes_a_countdown_at_its_time(db: Database, clock: SettableClock) -> None:
    trail = Trail()
    opener, other = node(db, clock, trail), node(db, clock, trail)
    meeting = await add_meeting(db, clock.now())
    chair = await add_participant(db, meeting, "Chair", MeetingRole.CHAIR)
    vote = await opener.create(actor(chair), meeting.id, VoteDraft("Q", duration_seconds=60))
    opened = await opener.open(actor(chair), vote.id)
    assert await other.close_due() == []
    clock.advance(timedelta(seconds=75))  # the opener died meanwhile
    [closed] = await other.close_due()
    assert closed.status is VoteStatus.CLOSED and closed.closed_at == opened.closes_at
    assert dict(trail.entries)[AuditAction.VOTE_CLOSED]["by"] == "countdown"


async def test_quorum_refused_then_overridden_with_a_reason(
    db: Database, clock: SettableClock
) -> None:
    trail = Trail()
    votes = node(db, clock, trail)
    meeting = await add_meeting(db, clock.now())
    chair = await add_participant(db, meeting, "Chair", MeetingRole.CHAIR)
    for name in ("A", "B", "C"):
        await add_participant(db, meeting, name)
    await SqlQuorumStore(db).set_rule(meeting.id, QuorumRule(QuorumKind.MAJORITY), clock.now())
    await present(db, clock, chair)
    vote = await votes.create(actor(chair), meeting.id, VoteDraft("Q", require_quorum=True))
    with pytest.raises(Conflict) as refused:
        await votes.open(actor(chair), vote.id)
    assert refused.value.code == "no_quorum"
    assert refused.value.params == {"present": 1, "members": 4, "required": 3}
    assert (await votes.get(vote.id)).status is VoteStatus.DRAFT
    opened = await votes.open(actor(chair), vote.id, "  Khẩn cấp:  bão  ")
    assert opened.override_reason == "Khẩn cấp: bão"
    assert opened.quorum_at_open is not None and not opened.quorum_at_open.reached
    assert trail.actions() == [AuditAction.VOTE_OPENED, AuditAction.VOTE_QUORUM_OVERRIDDEN]
    assert trail.entries[1][1]["reason"] == "Khẩn cấp: bão"


async def test_a_proxy_votes_only_while_present(db: Database, clock: SettableClock) -> None:
    votes = node(db, clock, Trail())
    meeting = await add_meeting(db, clock.now())
    chair = await add_participant(db, meeting, "Chair", MeetingRole.CHAIR)
    away = await add_participant(db, meeting, "Away")
    proxy = await add_participant(db, meeting, "Proxy")
    other = await add_participant(db, meeting, "Other")
    await votes.add_proxy(actor(chair), meeting.id, away.id, proxy.id)
    with pytest.raises(Conflict) as chained:  # Other through Away, who votes through Proxy
        await votes.add_proxy(actor(chair), meeting.id, other.id, away.id)
    assert chained.value.code == "proxy_chain"
    with pytest.raises(Invalid):
        await votes.add_proxy(actor(chair), meeting.id, other.id, other.id)
    vote = await votes.create(actor(chair), meeting.id, VoteDraft("Q"))
    await votes.open(actor(chair), vote.id)
    with pytest.raises(Forbidden) as absent:
        await votes.cast(actor(proxy), vote.id, ballot_id(), "yes", away.id)
    assert absent.value.code == "proxy_absent"
    await present(db, clock, proxy)
    cast = await votes.cast(actor(proxy), vote.id, ballot_id(), "yes", away.id)
    assert cast.stored and cast.for_participant_id == away.id
    own = await votes.cast(actor(proxy), vote.id, ballot_id(), "no")  # and their own
    assert own.for_participant_id == proxy.id
    with pytest.raises(Forbidden) as not_theirs:
        await votes.cast(actor(other), vote.id, ballot_id(), "yes", away.id)
    assert not_theirs.value.code == "not_proxy"
    assert await SqlVoteStore(db).voters(vote.id) == {away.id: proxy.id, proxy.id: proxy.id}


async def test_the_chairs_ballot_decides_a_tie_of_an_open_vote(
    db: Database, clock: SettableClock
) -> None:
    trail = Trail()
    votes = node(db, clock, trail)
    meeting = await add_meeting(db, clock.now())
    chair = await add_participant(db, meeting, "Chair", MeetingRole.CHAIR)
    anna = await add_participant(db, meeting, "Anna")
    with pytest.raises(Invalid) as secret:
        await votes.create(actor(chair), meeting.id, VoteDraft("Q", secret=True, tie=TieRule.CHAIR))
    assert secret.value.code == "tie_chair_secret"
    vote = await votes.create(
        actor(chair), meeting.id, VoteDraft("Q", VoteKind.YES_NO, tie=TieRule.CHAIR)
    )
    await votes.open(actor(chair), vote.id)
    await votes.cast(actor(chair), vote.id, ballot_id(), "no")
    await votes.cast(actor(anna), vote.id, ballot_id(), "yes")
    closed = await votes.close(actor(chair), vote.id)
    result = await votes.result(closed)
    assert result is not None and result.tie is TieBreak.CHAIR and not result.passed
    assert await votes.verify(vote.id) is None
    named = await votes.named(closed)
    assert sorted((p, c) for p, _, c in named) == sorted([(chair.id, ("no",)), (anna.id, ("yes",))])
    # The close recorded the chair's choice: verifying later, when the chair is
    # someone else, still counts the tie as it was decided.
    recorded = dict(trail.entries)[AuditAction.VOTE_CLOSED]["chair_choice"]
    assert recorded == ["no"]
    await SqlMeetingStore(db).save_participant(replace(chair, role=MeetingRole.DELEGATE))
    assert await votes.verify(vote.id) is not None  # nobody chairs now: no tie-break
    assert await votes.verify(vote.id, tuple(recorded), chair_known=True) is None


async def test_cancel_and_run_again(db: Database, clock: SettableClock) -> None:
    trail = Trail()
    votes = node(db, clock, trail)
    meeting = await add_meeting(db, clock.now())
    chair = await add_participant(db, meeting, "Chair", MeetingRole.CHAIR)
    anna = await add_participant(db, meeting, "Anna")
    vote = await votes.create(actor(chair), meeting.id, VoteDraft("Q", duration_seconds=30))
    with pytest.raises(Forbidden):
        await votes.open(actor(anna), vote.id)
    await votes.open(actor(chair), vote.id)
    other = await votes.create(actor(chair), meeting.id, VoteDraft("Other"))
    with pytest.raises(Conflict) as two:
        await votes.open(actor(chair), other.id)
    assert two.value.code == "another_vote_open"
    cancelled = await votes.cancel(actor(chair), vote.id, "Sai nội dung")
    with pytest.raises(Conflict) as late:
        await votes.cast(actor(anna), vote.id, ballot_id(), "yes")
    assert late.value.code == "vote_not_open"
    again = await votes.rerun(actor(chair), cancelled.id)
    assert again.status is VoteStatus.DRAFT and again.rerun_of == vote.id
    assert (again.title, again.duration_seconds) == ("Q", 30)
    assert dict(trail.entries)[AuditAction.VOTE_CANCELLED]["reason"] == "Sai nội dung"
    assert await votes.verify(vote.id) is not None  # a cancelled vote has no board
    assert MeetingId(again.meeting_id) == meeting.id


async def test_a_ballot_id_used_twice_is_refused_alone(db: Database, clock: SettableClock) -> None:
    """A proxy's device sending its own ballot and the principal's with one ballot id
    (the same receipt twice on the board): that ballot alone is refused, the ballots
    stored with it in one transaction are kept."""
    votes = node(db, clock, Trail())
    meeting = await add_meeting(db, clock.now())
    chair = await add_participant(db, meeting, "Chair", MeetingRole.CHAIR)
    away = await add_participant(db, meeting, "Away")
    proxy = await add_participant(db, meeting, "Proxy")
    others = [await add_participant(db, meeting, f"D{n}") for n in range(4)]
    await votes.add_proxy(actor(chair), meeting.id, away.id, proxy.id)
    await present(db, clock, proxy)
    vote = await votes.create(actor(chair), meeting.id, VoteDraft("Q", secret=True))
    await votes.open(actor(chair), vote.id)
    reused = ballot_id()
    await votes.cast(actor(proxy), vote.id, reused, "yes")
    outcomes = await asyncio.gather(
        votes.cast(actor(proxy), vote.id, reused, "no", away.id),
        *(votes.cast(actor(p), vote.id, ballot_id(), "abstain") for p in others),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], Conflict) and outcomes[0].code == "ballot_id_reused"
    assert all(not isinstance(o, BaseException) and o.stored for o in outcomes[1:])
    assert set(await SqlVoteStore(db).voters(vote.id)) == {proxy.id, *(p.id for p in others)}
    await votes.close(actor(chair), vote.id)
    assert await votes.verify(vote.id) is None
