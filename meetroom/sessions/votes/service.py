"""The votes of a meeting: preparing them, their lifecycle (draft → open → closed, or
cancelled and run again), who may vote (themselves, or for those whose proxy they
are), the ballots, and the result.

Rights: the chair's powers (the `moderator` grant, or an account that manages the
meeting) prepare, open, close and cancel votes and record proxies; a participant with
`can_vote` votes for themselves, and a present participant votes for each principal
whose proxy they are. The caller has let the actor into the meeting; this service
checks the rest on every call, from the rights as they are now.

A ballot is stored (one per voter: the store's key) before it is acknowledged; its
receipt is computed from the client's ballot id, so a resend gets the same one (see
`receipts`). The per-vote key of the receipts is derived from the server's secret and
the vote's id: nothing more is stored, and every node computes the same."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Forbidden, Invalid, NotFound
from meetroom.ids import MeetingId, ParticipantId, VoteId, new_id
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.floor import QuorumState
from meetroom.records.meetings import Grant, MeetingRole
from meetroom.records.votes import (
    BoardEntry,
    Choice,
    Proxy,
    Result,
    TieRule,
    Vote,
    VoteDefaults,
    VoteStatus,
)
from meetroom.sessions.floor.service import require_in_progress, require_not_read_only
from meetroom.sessions.votes import board, counting, receipts
from meetroom.sessions.votes.drafts import VoteDraft, check_draft, check_reason
from meetroom.sessions.votes.ports import ProxyStore, Roll, VoteMeetings, VoteStore

logger = logging.getLogger(__name__)

OPEN_VOTES_KEPT = 256  # open votes whose definition a node keeps for their ballots


@dataclass(frozen=True, slots=True)
class VoteActor:
    """Who acts, as the server knows them (the meeting socket's viewer, or the API's)."""

    person: str  # "p:<participant id>" or "u:<user id>"
    name: str
    participant_id: ParticipantId | None  # None: an account not in the meeting's list
    moderator: bool  # the chair's powers
    can_vote: bool  # the `can_vote` grant, as it is now
    principal: Principal | None = None  # for the audit log


@dataclass(frozen=True, slots=True)
class Cast:
    vote: Vote
    receipt: str
    stored: bool  # False: the same ballot was stored before (a resend)
    for_participant_id: ParticipantId


@dataclass(frozen=True, slots=True)
class Tally:
    """How many have voted out of how many may (while open: not how)."""

    voted: int
    eligible: int


@dataclass(frozen=True, slots=True)
class Voter:
    """Someone the actor may cast a ballot for: themselves, or a principal."""

    participant_id: ParticipantId
    name: str
    voted: bool
    proxy: bool  # cast as their proxy


def require_moderator(actor: VoteActor) -> None:
    if not actor.moderator:
        raise Forbidden("not_moderator", N_("Only the chair can do this."))


def _not_found() -> NotFound:
    return NotFound("vote_not_found", N_("No such vote."))


_STATUS_MESSAGES = {
    VoteStatus.DRAFT: N_("The vote has not been opened."),
    VoteStatus.OPEN: N_("The vote is already open."),
    VoteStatus.CLOSED: N_("The vote is closed."),
    VoteStatus.CANCELLED: N_("The vote was cancelled."),
}


def _status_error(vote: Vote) -> Conflict:
    """The vote's status does not allow this change (the code names the status)."""
    return Conflict(f"vote_{vote.status.value}", _STATUS_MESSAGES[vote.status])


class VoteService:
    def __init__(
        self,
        store: VoteStore,
        proxies: ProxyStore,
        meetings: VoteMeetings,
        roll: Roll,
        audit: AuditTrail,
        clock: Clock,
        secret: bytes,
    ) -> None:
        self.store = store
        self.proxy_store = proxies
        self.meetings = meetings
        self.roll = roll
        self.audit = audit
        self.clock = clock
        self._secret = secret
        # An open vote does not change until it closes (the store checks its status
        # under the vote's lock with each ballot): its ballots read it once per node,
        # where a read per ballot was a quarter of a node's work at 200 ballots a
        # second (bench/votes.py).
        self._open: dict[VoteId, Vote] = {}

    def receipt_key(self, vote_id: VoteId) -> bytes:
        return hmac.new(
            self._secret, b"vote-receipts\0" + vote_id.encode(), hashlib.sha256
        ).digest()

    # -- reading ----------------------------------------------------------------------

    async def get(self, vote_id: VoteId) -> Vote:
        return await self.store.get(vote_id)

    async def of_meeting(self, meeting_id: MeetingId) -> list[Vote]:
        return await self.store.of_meeting(meeting_id)

    async def open_in(self, meeting_id: MeetingId) -> Vote | None:
        return await self.store.open_in(meeting_id)

    async def result(self, vote: Vote) -> Result | None:
        if vote.status is not VoteStatus.CLOSED:
            return None
        return await self.store.result(vote.id)

    async def tally(self, vote: Vote) -> Tally:
        voted = await self.store.voted_count(vote.id)
        if vote.quorum_at_close is not None:
            eligible = vote.quorum_at_close.members
        elif vote.quorum_at_open is not None:
            eligible = vote.quorum_at_open.members
        else:
            eligible = (await self.roll.quorum(vote.meeting_id)).members
        return Tally(voted, eligible)

    async def board(self, vote: Vote) -> list[BoardEntry]:
        """The fixed board of a closed vote, in its order."""
        if vote.status is not VoteStatus.CLOSED:
            raise Conflict(
                "board_not_fixed",
                N_("The ballot board is published when the vote closes."),
            )
        return await self.store.ballots(vote.id)

    async def named(self, vote: Vote) -> list[tuple[ParticipantId, ParticipantId, Choice]]:
        """Who voted what (principal, cast by, choice): an open vote's, once closed."""
        if vote.secret or vote.status is not VoteStatus.CLOSED:
            return []
        return await self.store.named_ballots(vote.id)

    async def voters_for(self, actor: VoteActor, vote: Vote) -> list[Voter]:
        """Whom the actor may cast ballots for in this vote, and whether each has."""
        mine = actor.participant_id
        if mine is None:
            return []
        people: list[tuple[ParticipantId, bool]] = []
        if actor.can_vote:
            people.append((mine, False))
        for principal in await self.proxy_store.held_by(vote.meeting_id, mine):
            if principal != mine:
                people.append((principal, True))
        if not people:
            return []
        voted = await self.store.voted_among(vote.id, [p for p, _ in people])
        names = {p.id: p.name for p in await self.meetings.list_participants(vote.meeting_id)}
        return [Voter(p, names.get(p, ""), p in voted, proxy) for p, proxy in people if p in names]

    async def verify(
        self, vote_id: VoteId, chair_choice: Choice | None = None, *, chair_known: bool = False
    ) -> str | None:
        """The first difference between the vote's board and its recorded result and
        head (see `board.verify`), or None when they agree. The chair's choice for a
        tie (`chair_known`: as the close recorded it in the audit log; else the ballot
        of whoever chairs the meeting now)."""
        vote = await self.store.get(vote_id)
        if vote.status is not VoteStatus.CLOSED:
            return f"the vote is {vote.status.value}, not closed: it has no board yet"
        recorded = await self.store.result(vote_id)
        if recorded is None or vote.quorum_at_close is None:
            return "the vote has no recorded result"
        entries = await self.store.ballots(vote_id)
        chair = chair_choice
        if not vote.secret and not chair_known:
            chairs = await self._chairs(vote.meeting_id)
            chair = next(
                (c for p, _, c in await self.store.named_ballots(vote_id) if p in chairs), None
            )
        return board.verify(
            vote, entries, recorded, members=vote.quorum_at_close.members,
            present=vote.quorum_at_close.present, chair_choice=chair,
        )  # fmt: skip

    # -- preparing --------------------------------------------------------------------

    async def create(self, actor: VoteActor, meeting_id: MeetingId, draft: VoteDraft) -> Vote:
        require_moderator(actor)
        require_not_read_only(await self.meetings.get_meeting(meeting_id))
        checked = check_draft(draft, await self.proxy_store.defaults(meeting_id))
        await self._check_item(meeting_id, draft)
        vote = Vote(
            id=VoteId(new_id()), meeting_id=meeting_id, agenda_item_id=draft.agenda_item_id,
            document_id=draft.document_id, title=checked.title, kind=checked.kind,
            options=checked.options, max_choices=checked.max_choices, secret=checked.secret,
            rule=checked.rule, tie=checked.tie, duration_seconds=checked.duration_seconds,
            require_quorum=checked.require_quorum, status=VoteStatus.DRAFT,
            created_by=actor.person, created_at=self.clock.now(),
        )  # fmt: skip
        await self.store.create(vote)
        logger.info("meeting %s: vote %s prepared by %s", meeting_id, vote.id, actor.person)
        return vote

    async def update(self, actor: VoteActor, vote_id: VoteId, draft: VoteDraft) -> Vote:
        """Edit a vote still in draft."""
        require_moderator(actor)
        vote = await self.store.get(vote_id)
        require_not_read_only(await self.meetings.get_meeting(vote.meeting_id))
        if vote.status is not VoteStatus.DRAFT:
            raise _status_error(vote)
        checked = check_draft(draft, await self.proxy_store.defaults(vote.meeting_id))
        await self._check_item(vote.meeting_id, draft)
        edited = replace(
            vote, agenda_item_id=draft.agenda_item_id, document_id=draft.document_id,
            title=checked.title, kind=checked.kind, options=checked.options,
            max_choices=checked.max_choices, secret=checked.secret, rule=checked.rule,
            tie=checked.tie, duration_seconds=checked.duration_seconds,
            require_quorum=checked.require_quorum,
        )  # fmt: skip
        await self.store.update_draft(edited)
        return edited

    async def _check_item(self, meeting_id: MeetingId, draft: VoteDraft) -> None:
        if draft.agenda_item_id is not None:
            item = await self.meetings.get_item(draft.agenda_item_id)
            if item is None or item.meeting_id != meeting_id:
                raise Invalid("bad_agenda_item", N_("This meeting has no such agenda item."))
        if draft.document_id is not None:
            # Unchecked, any id was stored (and one longer than the column's failed on
            # PostgreSQL).
            document = await self.meetings.get_document(draft.document_id)
            if document is None or document.meeting_id != meeting_id:
                raise Invalid("bad_document", N_("This meeting has no such document."))

    async def defaults(self, meeting_id: MeetingId) -> VoteDefaults:
        return await self.proxy_store.defaults(meeting_id)

    async def set_defaults(
        self, actor: VoteActor, meeting_id: MeetingId, defaults: VoteDefaults
    ) -> None:
        require_moderator(actor)
        require_not_read_only(await self.meetings.get_meeting(meeting_id))
        await self.proxy_store.set_defaults(meeting_id, defaults)

    # -- the lifecycle ----------------------------------------------------------------

    async def open(self, actor: VoteActor, vote_id: VoteId, override_reason: str = "") -> Vote:
        """Open a draft. Without quorum, a vote that requires it opens only with a
        reason (the chair's override, recorded)."""
        require_moderator(actor)
        vote = await self.store.get(vote_id)
        require_in_progress(await self.meetings.get_meeting(vote.meeting_id))
        reason = check_reason(override_reason)
        quorum = await self.roll.quorum(vote.meeting_id)
        overridden = vote.require_quorum and not quorum.reached
        if overridden and not reason:
            raise Conflict(
                "no_quorum",
                N_("There is no quorum ({present} of {members} present, {required} "
                   "required). To open the vote anyway, give a reason."),
                present=quorum.present, members=quorum.members, required=quorum.required,
            )  # fmt: skip
        now = self.clock.now()

        def step(v: Vote, _board: Sequence[BoardEntry], _chair: Choice | None) -> tuple[Vote, None]:
            if v.status is not VoteStatus.DRAFT:
                raise _status_error(v)
            closes = now + timedelta(seconds=v.duration_seconds) if v.duration_seconds else None
            return replace(
                v, status=VoteStatus.OPEN, opened_at=now, closes_at=closes,
                quorum_at_open=quorum, override_reason=reason if overridden else "",
            ), None  # fmt: skip

        opened = await self.store.change_status(vote_id, step)
        details = _details(opened, quorum=_quorum(quorum))
        await self.audit.record(
            actor.principal, AuditAction.VOTE_OPENED, target_type="vote", target_id=vote_id,
            details=details,
        )  # fmt: skip
        if overridden:
            await self.audit.record(
                actor.principal, AuditAction.VOTE_QUORUM_OVERRIDDEN, target_type="vote",
                target_id=vote_id, details={**details, "reason": reason},
            )  # fmt: skip
        logger.info("meeting %s: vote %s opened", vote.meeting_id, vote_id)
        return opened

    async def close(self, actor: VoteActor | None, vote_id: VoteId) -> Vote:
        """Close an open vote (`actor` None: its countdown ran out), count it and fix
        its board. Closing a closed vote again changes nothing."""
        if actor is not None:
            require_moderator(actor)
        vote = await self.store.get(vote_id)
        if vote.status is VoteStatus.CLOSED:
            return vote
        quorum = await self.roll.quorum(vote.meeting_id)
        chairs = await self._chairs(vote.meeting_id) if vote.tie is TieRule.CHAIR else set()
        now = self.clock.now()
        results: list[tuple[Result, Choice | None]] = []

        def step(
            v: Vote, entries: Sequence[BoardEntry], chair: Choice | None
        ) -> tuple[Vote, Result | None]:
            if v.status is not VoteStatus.OPEN:
                raise _status_error(v)
            ordered = board.board(entries)
            result = counting.count(
                v, (e.choice for e in ordered), members=quorum.members,
                present=quorum.present, chair_choice=chair,
            )  # fmt: skip
            results.append((result, chair))
            head = board.head(v.id, ordered)
            # A countdown closes at its time, whenever the closing step runs.
            at = min(now, v.closes_at) if actor is None and v.closes_at else now
            return replace(
                v, status=VoteStatus.CLOSED, closed_at=at, quorum_at_close=quorum,
                board_head=head,
            ), result  # fmt: skip

        try:
            closed = await self.store.change_status(vote_id, step, chairs)
            self._open.pop(vote_id, None)
        except Conflict:
            again = await self.store.get(vote_id)
            if again.status is VoteStatus.CLOSED:
                return again  # closed meanwhile (the countdown on another node)
            raise
        result, chair = results[-1]
        details = _details(
            closed, board_head=closed.board_head, quorum=_quorum(quorum),
            counts=dict(result.counts), ballots=result.ballots, passed=result.passed,
            elected=list(result.elected), by="countdown" if actor is None else actor.person,
        )  # fmt: skip
        if vote.tie is TieRule.CHAIR:  # an open vote's: what the chair's ballot said then
            details["chair_choice"] = list(chair) if chair is not None else None
        await self.audit.record(
            actor.principal if actor else None, AuditAction.VOTE_CLOSED, target_type="vote",
            target_id=vote_id, details=details,
        )  # fmt: skip
        logger.info("meeting %s: vote %s closed", vote.meeting_id, vote_id)
        return closed

    async def scrub(self) -> None:
        """After a close or a cancel, once its result is told: nothing the casts left
        behind them stays at rest (the store's vacuum)."""
        await self.store.scrub()

    async def cancel(self, actor: VoteActor, vote_id: VoteId, reason: str = "") -> Vote:
        """Cancel a draft or an open vote (its ballots are kept, not counted)."""
        require_moderator(actor)
        reason = check_reason(reason)
        vote = await self.store.get(vote_id)
        now = self.clock.now()

        def step(v: Vote, _board: Sequence[BoardEntry], _chair: Choice | None) -> tuple[Vote, None]:
            if v.status not in (VoteStatus.DRAFT, VoteStatus.OPEN):
                raise _status_error(v)
            return replace(v, status=VoteStatus.CANCELLED, closed_at=now), None

        cancelled = await self.store.change_status(vote_id, step)
        self._open.pop(vote_id, None)
        await self.audit.record(
            actor.principal, AuditAction.VOTE_CANCELLED, target_type="vote", target_id=vote_id,
            details=_details(cancelled, reason=reason, was=vote.status.value),
        )  # fmt: skip
        logger.info("meeting %s: vote %s cancelled", vote.meeting_id, vote_id)
        return cancelled

    async def rerun(self, actor: VoteActor, vote_id: VoteId) -> Vote:
        """A new draft with the settings of a cancelled vote, to run it again."""
        require_moderator(actor)
        vote = await self.store.get(vote_id)
        require_not_read_only(await self.meetings.get_meeting(vote.meeting_id))
        if vote.status is not VoteStatus.CANCELLED:
            raise Conflict("vote_not_cancelled", N_("Only a cancelled vote can be run again."))
        again = replace(
            vote, id=VoteId(new_id()), status=VoteStatus.DRAFT, created_by=actor.person,
            created_at=self.clock.now(), opened_at=None, closes_at=None, closed_at=None,
            quorum_at_open=None, quorum_at_close=None, override_reason="", board_head=None,
            rerun_of=vote.id,
        )  # fmt: skip
        await self.store.create(again)
        return again

    async def close_due(self) -> list[Vote]:
        """Close every vote whose countdown ran out (on any node: closing is once)."""
        closed = []
        for vote in await self.store.due(self.clock.now()):
            try:
                closed.append(await self.close(None, vote.id))
            except Conflict:
                logger.info("vote %s: closed meanwhile", vote.id)
        return closed

    async def meeting_ended(self, meeting_id: MeetingId) -> Vote | None:
        """A meeting that stops being in progress closes its open vote, counting what
        was cast (as the chair would)."""
        vote = await self.store.open_in(meeting_id)
        if vote is None:
            return None
        return await self.close(None, vote.id)

    # -- ballots ----------------------------------------------------------------------

    async def cast(
        self,
        actor: VoteActor,
        vote_id: VoteId,
        ballot_id: str,
        choice: str | Sequence[str],
        for_participant_id: ParticipantId | None = None,
        *,
        meeting_id: MeetingId | None = None,
    ) -> Cast:
        """Store a ballot, then answer its receipt; the same ballot again (same
        `ballot_id`) answers the same receipt, stored once. `meeting_id`: the vote must
        be that meeting's (the meeting's socket), or it is not found."""
        ballot_id = receipts.check_ballot_id(ballot_id)
        vote = self._open.get(vote_id) or await self._read_open(vote_id)
        if meeting_id is not None and vote.meeting_id != meeting_id:
            raise _not_found()
        choice_made = counting.check_choice(vote, choice)
        mine = actor.participant_id
        if mine is None:
            raise Forbidden("may_not_vote", N_("Only the meeting's voting members can vote."))
        principal = for_participant_id or mine
        if principal == mine:
            if not actor.can_vote:
                raise Forbidden("may_not_vote", N_("You have no vote in this meeting."))
        else:
            await self._check_proxy(vote, mine, principal)
        key = self.receipt_key(vote_id)
        code = receipts.receipt(key, vote_id, ballot_id)
        receipt_hash = receipts.receipt_hash(code)
        stored = await self.store.cast(
            vote_id, principal, mine, receipts.voter_token(key, vote_id, ballot_id),
            board.ballot_hash(vote_id, choice_made, receipt_hash), choice_made, receipt_hash,
            self.clock.now(),
        )  # fmt: skip
        return Cast(vote, code, stored, principal)

    async def _read_open(self, vote_id: VoteId) -> Vote:
        vote = await self.store.get(vote_id)
        if vote.status is VoteStatus.OPEN:
            if len(self._open) >= OPEN_VOTES_KEPT:
                self._open.clear()
            self._open[vote_id] = vote
        return vote

    async def _check_proxy(
        self, vote: Vote, proxy: ParticipantId, principal: ParticipantId
    ) -> None:
        held = await self.proxy_store.held_by(vote.meeting_id, proxy)
        if principal not in held:
            raise Forbidden("not_proxy", N_("You do not hold this participant's vote."))
        person = await self.meetings.get_participant(principal)
        if person is None or person.meeting_id != vote.meeting_id:
            raise Forbidden("not_proxy", N_("You do not hold this participant's vote."))
        if Grant.CAN_VOTE not in person.grants:
            raise Forbidden("may_not_vote", N_("This participant has no vote in this meeting."))
        presence = (await self.roll.presences(vote.meeting_id)).get(proxy)
        if presence is None or not presence.present:
            raise Forbidden("proxy_absent", N_("A proxy votes only while present."))

    # -- proxies ----------------------------------------------------------------------

    async def proxies(self, meeting_id: MeetingId) -> list[Proxy]:
        return await self.proxy_store.proxies(meeting_id)

    async def add_proxy(
        self,
        actor: VoteActor,
        meeting_id: MeetingId,
        principal_id: ParticipantId,
        proxy_id: ParticipantId,
    ) -> Proxy:
        """Record that `proxy_id` votes for `principal_id` in this meeting."""
        require_moderator(actor)
        require_not_read_only(await self.meetings.get_meeting(meeting_id))
        if principal_id == proxy_id:
            raise Invalid("proxy_self", N_("A participant cannot be their own proxy."))
        people = {p.id: p for p in await self.meetings.list_participants(meeting_id)}
        principal, proxy = people.get(principal_id), people.get(proxy_id)
        if principal is None or proxy is None:
            raise NotFound("participant_not_found", N_("No such participant in this meeting."))
        if Grant.CAN_VOTE not in principal.grants:
            raise Invalid(
                "proxy_no_vote", N_("{name} has no vote to hand on."), name=principal.name
            )
        if proxy.role is MeetingRole.OBSERVER:
            raise Invalid("proxy_observer", N_("An observer cannot be a proxy."))
        record = Proxy(meeting_id, principal_id, proxy_id, actor.person, self.clock.now())
        await self.proxy_store.add(record)
        await self.audit.record(
            actor.principal, AuditAction.PROXY_SET, target_type="meeting", target_id=meeting_id,
            details={"principal": [principal_id, principal.name], "proxy": [proxy_id, proxy.name]},
        )  # fmt: skip
        return record

    async def remove_proxy(
        self, actor: VoteActor, meeting_id: MeetingId, principal_id: ParticipantId
    ) -> None:
        require_moderator(actor)
        require_not_read_only(await self.meetings.get_meeting(meeting_id))
        removed = await self.proxy_store.remove(meeting_id, principal_id)
        if removed is None:
            raise NotFound("proxy_not_found", N_("This participant has no proxy."))
        await self.audit.record(
            actor.principal, AuditAction.PROXY_REMOVED, target_type="meeting",
            target_id=meeting_id,
            details={"principal": removed.principal_id, "proxy": removed.proxy_id},
        )  # fmt: skip

    async def _chairs(self, meeting_id: MeetingId) -> set[ParticipantId]:
        people = await self.meetings.list_participants(meeting_id)
        return {p.id for p in people if p.role is MeetingRole.CHAIR}


def _quorum(q: QuorumState) -> dict[str, Any]:
    return {"members": q.members, "present": q.present, "required": q.required,
            "reached": q.reached}  # fmt: skip


def _details(vote: Vote, **more: Any) -> dict[str, Any]:
    return {"meeting_id": vote.meeting_id, "title": vote.title, "secret": vote.secret, **more}
