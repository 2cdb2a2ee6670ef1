"""Votes in SQL: the votes, who voted, and the ballots, kept apart.

One ballot per voter is the primary key of `vote_voters` (vote, principal): two
devices, two nodes or a resend after a lost answer all meet there, and the database
lets one through. A ballot is stored in one transaction with its voter row, under the
vote's row (shared on PostgreSQL, so that ballots are stored side by side; SQLite has
one writer anyway, taken by a write first; the ballots that come to a node together
share a transaction: `store/vote_casts.py`): the close takes that row alone, so once it is
closed nothing more is stored, and nothing stored before it is missed.

Secret means unlinkable at rest. The voter rows hold no ballot and no time; the ballot
rows no participant (for secret votes), no time and no orderable id, and their key is
the ballot's hash. Storage order is the other link, and these guard it:
- SQLite: both tables are WITHOUT ROWID (rows in key order); at the close the vote's
  rows are written again in key order, then `VACUUM` rebuilds the file's pages (cells
  inside a page would otherwise be placed in the order they came) and the WAL is
  checkpointed and truncated (it held each cast's pages in turn).
- PostgreSQL: a row's `xmin` is the transaction that wrote it, and a voter and their
  ballot were written by the same one; its place (`ctid`) follows time. So at the close,
  in the closing transaction, the vote's rows of both tables are deleted and written
  again in key order (one `xmin` for all, places in key order), and after it both
  tables are vacuumed, so that the dead rows' versions go.
What remains: while a vote is open all of this is live (an operator reading the
database or its WAL then, or watching statements as they run, or the server's memory,
can tie a voter to a ballot); PostgreSQL's WAL files and archives, and replicas, keep
the history until recycled; `VACUUM` cannot remove row versions an older transaction
still sees, and leaves the bytes of removed rows in the pages' free space until they
are reused (`VACUUM FULL` rewrites the tables); backups taken during a vote hold its
state then."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from meetroom.errors import N_, Conflict, NotFound
from meetroom.ids import MeetingId, ParticipantId, VoteId
from meetroom.records.votes import BoardEntry, Choice, Result, Step, Vote, VoteStatus
from meetroom.store.database import Database
from meetroom.store.schema import vote_ballots, vote_voters, votes
from meetroom.store.vote_casts import Ballot, BallotGroups
from meetroom.store.vote_rows import (
    decode_choice,
    decode_result,
    encode_result,
    vote,
    vote_values,
)

logger = logging.getLogger(__name__)


def _not_found() -> NotFound:
    return NotFound("vote_not_found", N_("No such vote."))


async def _locked(conn: Any, vote_id: VoteId, *, alone: bool) -> Any:
    """The vote's row, held until the transaction ends: `alone` for a change of its
    status, shared for a ballot (PostgreSQL; SQLite has one writer at a time)."""
    query: sa.Executable
    if conn.dialect.name == "sqlite":  # the write lock taken, the row read, at once
        query = (
            votes.update()
            .where(votes.c.id == vote_id)
            .values(status=votes.c.status)
            .returning(*votes.c)
        )
    elif alone:
        query = votes.select().where(votes.c.id == vote_id).with_for_update()
    else:
        query = votes.select().where(votes.c.id == vote_id).with_for_update(read=True)
    row = (await conn.execute(query)).first()
    if row is None:
        raise _not_found()
    return row


def _entry(row: Any) -> BoardEntry:
    return BoardEntry(
        ballot_hash=row.ballot_hash, choice=decode_choice(row.choice),
        receipt_hash=row.receipt_hash,
    )  # fmt: skip


async def _board(conn: Any, vote_id: VoteId) -> list[BoardEntry]:
    rows = await conn.execute(
        vote_ballots.select()
        .where(vote_ballots.c.vote_id == vote_id)
        .order_by(vote_ballots.c.ballot_hash)
    )
    return [_entry(r) for r in rows]


async def _chair_choice(
    conn: Any, vote_id: VoteId, chairs: Collection[ParticipantId]
) -> Choice | None:
    if not chairs:
        return None
    text = await conn.scalar(
        sa.select(vote_ballots.c.choice)
        .where(
            vote_ballots.c.vote_id == vote_id,
            vote_ballots.c.for_participant_id.in_(sorted(chairs)),
        )
        .order_by(vote_ballots.c.for_participant_id)
        .limit(1)
    )
    return decode_choice(text) if text is not None else None


async def _truncate_wal(conn: Any) -> None:
    """Checkpoint the WAL into the file and truncate it. A reader holding an older
    snapshot makes the checkpoint wait for it (the busy timeout), then answer "busy"
    rather than fail, and the WAL would keep the casts' pages: say so (the next
    truncating checkpoint, at the next close, empties it)."""
    busy = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).first()[0]
    if busy:
        logger.warning("the WAL could not be emptied after a vote's close: a reader kept it")


async def _rewrite_in_key_order(conn: Any, vote_id: VoteId) -> None:
    """Write the vote's voter and ballot rows again, in key order, in this transaction:
    nothing about them (place, writing transaction) follows the order of the casts."""
    for table, key in ((vote_voters, "participant_id"), (vote_ballots, "ballot_hash")):
        rows = [
            dict(r._mapping)
            for r in await conn.execute(table.select().where(table.c.vote_id == vote_id))
        ]
        rows.sort(key=lambda r: r[key])  # noqa: B023 - used at once
        await conn.execute(table.delete().where(table.c.vote_id == vote_id))
        if rows:
            # One statement run once per row, in the list's order (the drivers'
            # executemany; SQLAlchemy folds rows into one multi-row VALUES, whose order
            # would be the server's, only for INSERT ... RETURNING). Row by row it took
            # a second for 2000 voters at the close (bench/votes.py).
            await conn.execute(table.insert(), rows)


class SqlVoteStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # SQLite has one writer. Writers waiting for it in SQLite's busy handler sleep
        # up to 100 ms between tries, each holding a pooled connection: 200 ballots a
        # second starved the pool (reads timed out) and the acknowledgement's p99 went
        # to seconds (bench/votes.py). Queued here they write in turn, holding a
        # connection only while writing.
        self._sqlite_writes = asyncio.Lock() if db.dialect == "sqlite" else None
        # Ballots are stored in groups (store/vote_casts.py).
        self._ballots = BallotGroups(
            db, self._sqlite_writes, lambda c, v: _locked(c, v, alone=False)
        )

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[None]:
        """This process's turn to write a vote's rows (SQLite; PostgreSQL locks rows)."""
        if self._sqlite_writes is None:
            yield
            return
        async with self._sqlite_writes:
            yield

    async def create(self, v: Vote) -> None:
        async with self.db.begin() as conn:
            await conn.execute(votes.insert().values(vote_values(v)))

    async def get(self, vote_id: VoteId) -> Vote:
        async with self.db.connect() as conn:
            row = (await conn.execute(votes.select().where(votes.c.id == vote_id))).first()
        if row is None:
            raise _not_found()
        return vote(row)

    async def of_meeting(self, meeting_id: MeetingId) -> list[Vote]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                votes.select()
                .where(votes.c.meeting_id == meeting_id)
                .order_by(votes.c.created_at, votes.c.id)
            )
        return [vote(r) for r in rows]

    async def due(self, now: datetime) -> list[Vote]:
        """Open votes whose countdown is over (any meeting): for the closing sweep."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                votes.select().where(
                    votes.c.status == VoteStatus.OPEN.value,
                    votes.c.closes_at.is_not(None),
                    votes.c.closes_at <= now,
                )
            )
        return [vote(r) for r in rows]

    async def open_in(self, meeting_id: MeetingId) -> Vote | None:
        """The meeting's open vote, if any."""
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    votes.select().where(
                        votes.c.meeting_id == meeting_id,
                        votes.c.status == VoteStatus.OPEN.value,
                    )
                )
            ).first()
        return vote(row) if row is not None else None

    async def voted_count(self, vote_id: VoteId) -> int:
        async with self.db.connect() as conn:
            n = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(vote_voters)
                .where(vote_voters.c.vote_id == vote_id)
            )
        return int(n or 0)

    async def voted_among(
        self, vote_id: VoteId, principals: Sequence[ParticipantId]
    ) -> set[ParticipantId]:
        """Which of `principals` have a ballot in the vote."""
        if not principals:
            return set()
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(vote_voters.c.participant_id).where(
                    vote_voters.c.vote_id == vote_id,
                    vote_voters.c.participant_id.in_(list(principals)),
                )
            )
        return {ParticipantId(r.participant_id) for r in rows}

    async def update_draft(self, v: Vote) -> None:
        """Replace a vote still in draft (its status and key stay)."""
        values = vote_values(v)
        for fixed in ("id", "meeting_id", "status", "created_by", "created_at"):
            del values[fixed]
        async with self.db.begin() as conn:
            done = await conn.execute(
                votes.update()
                .where(votes.c.id == v.id, votes.c.status == VoteStatus.DRAFT.value)
                .values(values)
            )
            if done.rowcount:
                return
            found = await conn.scalar(sa.select(votes.c.id).where(votes.c.id == v.id))
        if found is None:
            raise _not_found()
        raise Conflict("vote_not_draft", N_("The vote is no longer a draft: it cannot be edited."))

    async def change_status(
        self, vote_id: VoteId, step: Step, chairs: Collection[ParticipantId] = ()
    ) -> Vote:
        """Apply `step` under the vote's lock; on the close, store its result and fix
        the board, the rows written again in key order (see the module's docstring;
        `scrub` then vacuums). The step is given the choice of the
        ballot cast for one of `chairs` in an open (not secret) vote, if any, read
        under the same lock. Returns the vote as it now is. Conflict `another_vote_open`
        when the step would open a second vote in the meeting."""
        async with self._write(), self.db.begin() as conn:
            row = await _locked(conn, vote_id, alone=True)
            before = vote(row)
            is_open = before.status is VoteStatus.OPEN
            board = await _board(conn, vote_id) if is_open else []
            chair = (
                await _chair_choice(conn, vote_id, chairs) if is_open and not row.secret else None
            )
            after, result = step(before, board, chair)
            if after == before:
                return before
            values = vote_values(after)
            values["result"] = encode_result(result) if result is not None else row.result
            try:
                async with conn.begin_nested():
                    await conn.execute(votes.update().where(votes.c.id == vote_id).values(values))
            except IntegrityError:
                raise Conflict(
                    "another_vote_open",
                    N_("Another vote of this meeting is open: close it first."),
                ) from None
            if before.status is VoteStatus.OPEN and after.status is not VoteStatus.OPEN:
                await _rewrite_in_key_order(conn, vote_id)
        return after

    async def scrub(self) -> None:
        """After a close, outside any transaction: drop the dead row versions
        (PostgreSQL), or rebuild the file and empty the WAL (SQLite). Apart from the
        close, so that its result is told first: a whole-file VACUUM of a large
        database takes a while. The close stands if this fails; the next one's scrub
        covers it too (it is the whole tables or file)."""
        try:
            async with self.db.connect() as conn:
                auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                if conn.dialect.name == "postgresql":
                    await auto.exec_driver_sql("VACUUM vote_voters, vote_ballots")
                else:
                    await auto.exec_driver_sql("VACUUM")
                    await _truncate_wal(auto)
        except SQLAlchemyError:
            logger.warning("vacuum after a vote's close failed", exc_info=True)

    async def result(self, vote_id: VoteId) -> Result | None:
        async with self.db.connect() as conn:
            text = await conn.scalar(sa.select(votes.c.result).where(votes.c.id == vote_id))
        return decode_result(text) if text else None

    async def cast(
        self,
        vote_id: VoteId,
        principal_id: ParticipantId,
        cast_by: ParticipantId,
        voter_token: str,
        ballot_hash: str,
        choice: Choice,
        receipt_hash: str,
        now: datetime,
    ) -> bool:
        """Store a ballot for `principal_id` (cast by them or their proxy `cast_by`).
        True: stored now; False: the same ballot (same `voter_token`) was stored
        before. Conflict `already_voted` for another ballot of the same voter,
        `vote_not_open` when the vote is not open or its time is up."""
        ballot = Ballot(
            vote_id, principal_id, cast_by, voter_token, ballot_hash, choice, receipt_hash, now
        )
        return await self._ballots.cast(ballot)

    async def voters(self, vote_id: VoteId) -> dict[ParticipantId, ParticipantId]:
        """Who voted: each principal, with who cast their ballot (them or their proxy)."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(vote_voters.c.participant_id, vote_voters.c.cast_by).where(
                    vote_voters.c.vote_id == vote_id
                )
            )
        return {ParticipantId(r.participant_id): ParticipantId(r.cast_by) for r in rows}

    async def ballots(self, vote_id: VoteId) -> list[BoardEntry]:
        """The board's entries, in ballot hash order."""
        async with self.db.connect() as conn:
            return await _board(conn, vote_id)

    async def named_ballots(
        self, vote_id: VoteId
    ) -> list[tuple[ParticipantId, ParticipantId, Choice]]:
        """For an open vote: (principal, cast by, choice) of each ballot; none for a
        secret vote, which stores no names."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                vote_ballots.select()
                .where(
                    vote_ballots.c.vote_id == vote_id,
                    vote_ballots.c.for_participant_id.is_not(None),
                )
                .order_by(vote_ballots.c.for_participant_id)
            )
        return [
            (ParticipantId(r.for_participant_id), ParticipantId(r.participant_id),
             decode_choice(r.choice))
            for r in rows
        ]  # fmt: skip

    async def counts(self, vote_id: VoteId) -> dict[str, int]:
        """How many ballots name each choice (an option named by a multi-choice ballot
        counts once for it); choices no ballot names are absent."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(vote_ballots.c.choice, sa.func.count())
                .where(vote_ballots.c.vote_id == vote_id)
                .group_by(vote_ballots.c.choice)
            )
            totals: dict[str, int] = {}
            for text, n in rows:
                for c in decode_choice(text):
                    totals[c] = totals.get(c, 0) + int(n)
        return totals
