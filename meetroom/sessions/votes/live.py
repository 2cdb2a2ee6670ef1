"""Votes as the server's channels use them (the meeting socket, the API, the meeting's
lifecycle): each change applied by `VoteService`, then told to every client of the
meeting on every node, encoded once.

- Opening, closing and cancelling tell the whole vote (`vote`), with the results at
  the close. A client joining is told the meeting's vote with the floor, in the floor's
  shared read (`Teller.more_views`), and again after a bus outage.
- A stored ballot tells nobody at once: how many have voted goes out at most every
  `count_interval` per vote and node (`vote_count`), read from the store, so a
  thousand ballots in a second cost a few messages, not a million.
- A countdown closes its vote on time on the node that opened it; every node also
  sweeps for votes whose time is up (the node that opened one may have died), and
  closing is once whoever does it.
- After a bus outage the vote is told again with the floor (`Teller.resync`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from meetroom.clock import Clock
from meetroom.ids import MeetingId, ParticipantId, VoteId
from meetroom.protocol import votes as pv
from meetroom.protocol.codec import encode_json
from meetroom.records.accounts import Connected, participant_of
from meetroom.records.meetings import Grant, Meeting, MeetingStatus
from meetroom.records.votes import Vote, VoteStatus
from meetroom.sessions.floor.telling import Broadcast
from meetroom.sessions.floor.views import stamp
from meetroom.sessions.votes.service import VoteActor, VoteService
from meetroom.sessions.votes.views import vote_view

logger = logging.getLogger(__name__)

COUNT_INTERVAL = 0.5  # seconds between two counts told of one vote, per node
SWEEP_INTERVAL = 5.0  # seconds between two looks for votes whose countdown ran out


def vote_actor(viewer: Connected) -> VoteActor:
    return VoteActor(
        person=viewer.key, name=viewer.name,
        participant_id=participant_of(viewer.key),
        moderator=Grant.MODERATOR in viewer.grants, can_vote=Grant.CAN_VOTE in viewer.grants,
        principal=viewer.principal,
    )  # fmt: skip


class LiveVotes:
    def __init__(
        self,
        votes: VoteService,
        broadcast: Broadcast,
        clock: Clock,
        *,
        count_interval: float = COUNT_INTERVAL,
        sweep_interval: float = SWEEP_INTERVAL,
    ) -> None:
        self.votes = votes
        self.broadcast = broadcast
        self.clock = clock
        self.count_interval = count_interval
        self.sweep_interval = sweep_interval
        self._counting: dict[VoteId, asyncio.Task[None]] = {}
        self._count_due: set[VoteId] = set()
        self._timers: dict[VoteId, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._scrubbing = asyncio.Lock()
        self._scrubs: set[asyncio.Task[None]] = set()

    # -- what clients are told --------------------------------------------------------

    async def view(self, vote: Vote) -> pv.VoteView:
        tally = await self.votes.tally(vote)
        names: dict[str, str] = {
            p.id: p.name for p in await self.votes.meetings.list_participants(vote.meeting_id)
        }
        return vote_view(
            vote, now=self.clock.now(), voted=tally.voted, eligible=tally.eligible,
            result=await self.votes.result(vote),
            proxies=await self.votes.proxies(vote.meeting_id), names=names,
        )  # fmt: skip

    async def current(self, meeting_id: MeetingId) -> bytes | None:
        """The meeting's vote for a client joining: the open one, else the last closed
        or cancelled; None when there is none."""
        vote = await self.votes.open_in(meeting_id)
        if vote is None:
            done = [
                v for v in await self.votes.of_meeting(meeting_id)
                if v.status in (VoteStatus.CLOSED, VoteStatus.CANCELLED) and v.closed_at
            ]  # fmt: skip
            if not done:
                return None
            vote = max(done, key=lambda v: (v.closed_at, v.id))
        return encode_json(await self.view(vote))

    async def tell(self, vote: Vote) -> Vote:
        self.broadcast.tell(vote.meeting_id, encode_json(await self.view(vote)))
        if vote.status in (VoteStatus.CLOSED, VoteStatus.CANCELLED):
            scrub = self._spawn(self._scrub())  # after the result is told: it may take a while
            self._scrubs.add(scrub)
            scrub.add_done_callback(self._scrubs.discard)
        return vote

    async def _scrub(self) -> None:
        async with self._scrubbing:  # one vacuum at a time
            try:
                await self.votes.scrub()
            except Exception:
                logger.exception("vacuuming after a vote's close failed")

    def _count_soon(self, vote: Vote) -> None:
        self._count_due.add(vote.id)
        if vote.id not in self._counting:
            self._counting[vote.id] = self._spawn(self._tell_count(vote))

    async def _tell_count(self, vote: Vote) -> None:
        try:
            while vote.id in self._count_due:
                await asyncio.sleep(self.count_interval)  # the ballots of the interval
                self._count_due.discard(vote.id)
                try:
                    tally = await self.votes.tally(vote)
                    message = pv.VoteCount(
                        vote_id=vote.id, voted=tally.voted, eligible=tally.eligible,
                        at=stamp(self.clock.now()),
                    )  # fmt: skip
                    self.broadcast.tell(vote.meeting_id, encode_json(message))
                except Exception:
                    logger.exception("vote %s: telling the count failed", vote.id)
        finally:
            del self._counting[vote.id]

    # -- changes ----------------------------------------------------------------------

    async def open(self, actor: VoteActor, vote_id: VoteId, override_reason: str = "") -> Vote:
        vote = await self.votes.open(actor, vote_id, override_reason)
        self._time(vote)
        return await self.tell(vote)

    async def close(self, actor: VoteActor | None, vote_id: VoteId) -> Vote:
        vote = await self.votes.close(actor, vote_id)
        if actor is not None:
            self._untime(vote_id)
        return await self.tell(vote)

    async def cancel(self, actor: VoteActor, vote_id: VoteId, reason: str = "") -> Vote:
        vote = await self.votes.cancel(actor, vote_id, reason)
        self._untime(vote_id)
        return await self.tell(vote)

    def _untime(self, vote_id: VoteId) -> None:
        timer = self._timers.pop(vote_id, None)
        if timer is not None:
            timer.cancel()

    async def cast(
        self,
        actor: VoteActor,
        vote_id: VoteId,
        ballot_id: str,
        choice: str | Sequence[str],
        for_participant_id: ParticipantId | None = None,
        *,
        meeting_id: MeetingId | None = None,
    ) -> pv.VoteReceipt:
        cast = await self.votes.cast(
            actor, vote_id, ballot_id, choice, for_participant_id, meeting_id=meeting_id
        )
        if cast.stored:
            self._count_soon(cast.vote)
        return pv.VoteReceipt(
            vote_id=vote_id, ballot_id=ballot_id, receipt=cast.receipt,
            for_participant_id=cast.for_participant_id, resent=not cast.stored,
        )  # fmt: skip

    async def handle(
        self, viewer: Connected, meeting_id: MeetingId, message: object
    ) -> pv.VoteReceipt | None:
        match message:
            case pv.VoteCast():
                return await self.cast(
                    vote_actor(viewer), VoteId(message.vote_id), message.ballot_id,
                    message.choice, ParticipantId(message.for_participant_id)
                    if message.for_participant_id else None, meeting_id=meeting_id,
                )  # fmt: skip
        return None

    # -- the countdown ----------------------------------------------------------------

    def _time(self, vote: Vote) -> None:
        if vote.closes_at is None or vote.id in self._timers:
            return
        self._timers[vote.id] = self._spawn(self._close_at(vote))

    async def _close_at(self, vote: Vote) -> None:
        try:
            assert vote.closes_at is not None
            # In slices, on the clock every expiry is read from (a test's moves it).
            while (wait := (vote.closes_at - self.clock.now()).total_seconds()) > 0:
                await asyncio.sleep(min(wait, 1.0))
            await self.close(None, vote.id)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("vote %s: closing at the end of its countdown failed", vote.id)
        finally:
            self._timers.pop(vote.id, None)

    def start(self) -> None:
        """Start looking for votes whose countdown ran out (on this node's clock)."""
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def _sweep(self) -> None:
        while True:
            try:
                for vote in await self.votes.close_due():
                    await self.tell(vote)
            except Exception:
                logger.exception("closing the votes whose time is up failed")
            await asyncio.sleep(self.sweep_interval)

    # -- the meeting's lifecycle, and the bus -----------------------------------------

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> None:
        """A meeting that stops being in progress closes its open vote."""
        if before is not MeetingStatus.IN_PROGRESS or meeting.status is MeetingStatus.IN_PROGRESS:
            return
        vote = await self.votes.meeting_ended(meeting.id)
        if vote is not None:
            await self.tell(vote)

    # -- tasks ------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def settled(self) -> None:
        """Wait until every count due is told and every vacuum done (tests)."""
        while waiting := [*self._counting.values(), *self._scrubs]:
            await asyncio.gather(*waiting, return_exceptions=True)

    async def close_all(self) -> None:
        tasks = list(self._tasks) + ([self._sweeper] if self._sweeper else [])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._sweeper = None
