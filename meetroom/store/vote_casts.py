"""Storing ballots (see `meetroom.store.votes`): one ballot's rows, and the ballots
that come together stored together.

A ballot in a transaction of its own took about ten round trips to the database (the
pool's check, begin, the vote's row, two inserts, commit, the pool's reset). SQLite has
one writer, so at 200 ballots a second (2000 voters within 10 s, bench/votes.py) the
ballots queued behind each other and waited seconds for their receipt; on PostgreSQL
the round trips and transactions cost the nodes and the database as much. So the
ballots that arrive at a node while one transaction is writing are stored in the next
one, together (a group commit): one read of the vote (SQLite: one lock), one commit,
and two inserts a ballot. Each is acknowledged only once its transaction has committed;
a failure of the transaction fails all of its ballots (none is stored), a refused
ballot (`already_voted`, `vote_not_open`) only itself, as it writes nothing. A ballot
whose id was used for another voter's ballot (the same receipt: a unique key) breaks
its group's transaction: the group is then stored a ballot at a time, and that one
alone is refused (`ballot_id_reused`). Nodes
store their groups side by side (PostgreSQL: the vote's row shared)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from meetroom.errors import N_, Conflict, NotFound
from meetroom.ids import ParticipantId, VoteId
from meetroom.records.votes import Choice, VoteStatus
from meetroom.store.database import Database
from meetroom.store.schema import vote_ballots, vote_voters
from meetroom.store.vote_rows import encode_choice

logger = logging.getLogger(__name__)

# INSERT ... ON CONFLICT DO NOTHING of each dialect: a voter already stored is seen in
# the insert's row count (a savepoint around a failing insert took two more statements).
_UPSERT: dict[str, Any] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


@dataclass(frozen=True, slots=True)
class Ballot:
    vote_id: VoteId
    principal_id: ParticipantId
    cast_by: ParticipantId
    voter_token: str
    ballot_hash: str
    choice: Choice
    receipt_hash: str
    now: datetime


def _not_open() -> Conflict:
    return Conflict("vote_not_open", N_("The vote is not open: the ballot was not taken."))


async def store_ballot(conn: Any, vote: Any, b: Ballot) -> bool:
    """Store `b` under its vote's row `vote` (locked by the caller). True: stored now;
    False: the same ballot was stored before. Refused ones write nothing."""
    if vote.status != VoteStatus.OPEN.value or (
        vote.closes_at is not None and b.now >= vote.closes_at
    ):
        raise _not_open()
    added = await conn.execute(
        _UPSERT[conn.dialect.name](vote_voters).values(
            vote_id=b.vote_id, participant_id=b.principal_id, cast_by=b.cast_by,
            voter_token=b.voter_token,
        ).on_conflict_do_nothing(index_elements=["vote_id", "participant_id"])
    )  # fmt: skip
    if not added.rowcount:  # this voter's ballot is stored: a resend, or another one
        stored = await conn.scalar(
            sa.select(vote_voters.c.voter_token).where(
                vote_voters.c.vote_id == b.vote_id,
                vote_voters.c.participant_id == b.principal_id,
            )
        )
        if stored == b.voter_token:
            return False
        raise Conflict(
            "already_voted", N_("A ballot was already cast for this voter in this vote.")
        )
    named = not vote.secret
    await conn.execute(
        vote_ballots.insert().values(
            vote_id=b.vote_id,
            ballot_hash=b.ballot_hash,
            choice=encode_choice(b.choice),
            receipt_hash=b.receipt_hash,
            participant_id=b.cast_by if named else None,
            for_participant_id=b.principal_id if named else None,
        )  # fmt: skip
    )
    return True


class BallotGroups:
    """The ballots waiting to be stored, a transaction at a time."""

    def __init__(
        self,
        db: Database,
        lock: asyncio.Lock | None,
        locked: Callable[[Any, VoteId], Awaitable[Any]],
    ) -> None:
        self.db = db
        # SQLite: the store's writer, shared with the votes' changes (PostgreSQL: rows).
        self.lock: Any = lock if lock is not None else contextlib.nullcontext()
        self.locked = locked  # the vote's row, its write lock taken
        self._waiting: list[tuple[Ballot, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def cast(self, ballot: Ballot) -> bool:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[bool] = loop.create_future()
        self._waiting.append((ballot, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_waiting())
        # A caller that goes (its socket closed) leaves its ballot to be stored.
        return await asyncio.shield(done)

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                outcomes = await self._store([b for b, _ in batch])
            except IntegrityError:
                # One ballot broke a key the others did not (its ballot id used for
                # another voter's ballot): each in a transaction of its own, so that
                # it alone is refused.
                outcomes = [await self._alone(b) for b, _ in batch]
            except BaseException as exc:  # the transaction failed: none of them stored
                outcomes = [exc] * len(batch)
                if not isinstance(exc, Exception):
                    _settle(batch, outcomes)
                    raise
                logger.warning("storing %d ballot(s) failed: %r", len(batch), exc)
            _settle(batch, outcomes)

    async def _store(self, ballots: list[Ballot]) -> list[bool | BaseException]:
        outcomes: list[bool | BaseException] = []
        async with self.lock, self.db.begin() as conn:
            votes: dict[VoteId, Any] = {}
            for ballot in ballots:
                try:
                    if ballot.vote_id not in votes:
                        votes[ballot.vote_id] = await self.locked(conn, ballot.vote_id)
                    outcomes.append(await store_ballot(conn, votes[ballot.vote_id], ballot))
                except (Conflict, NotFound) as exc:  # refused: wrote nothing
                    outcomes.append(exc)
        return outcomes

    async def _alone(self, ballot: Ballot) -> bool | BaseException:
        try:
            return (await self._store([ballot]))[0]
        except IntegrityError:
            return Conflict(
                "ballot_id_reused",
                N_("This ballot id was used for another ballot: send the ballot with a new id."),
            )
        except Exception as exc:
            logger.warning("storing a ballot failed: %r", exc)
            return exc


def _settle(
    batch: list[tuple[Ballot, asyncio.Future[bool]]], outcomes: list[bool | BaseException]
) -> None:
    for (_, done), outcome in zip(batch, outcomes, strict=True):
        if done.done():
            continue
        if isinstance(outcome, BaseException):
            done.set_exception(outcome)
        else:
            done.set_result(outcome)
