"""The votes' store on SQLite and PostgreSQL: the lifecycle, one ballot per voter by
the database's key (two devices on two nodes, a resend, a proxy), nothing after the
close, many voters at once, and that after a secret vote nothing in the whole
database ties a voter to a ballot (rows, their order, PostgreSQL's row versions)."""

from __future__ import annotations

import asyncio
import hashlib
import random
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from meetroom.config import Settings
from meetroom.errors import Conflict, NotFound
from meetroom.ids import MeetingId, ParticipantId, VoteId, new_id
from meetroom.records.votes import (
    BoardEntry,
    Choice,
    Result,
    TieRule,
    Vote,
    VoteKind,
    VoteRule,
    VoteStatus,
)
from meetroom.store.database import Database
from meetroom.store.votes import SqlVoteStore
from tests.sessions.floor.world import add_meeting

T0 = datetime.now(UTC).replace(microsecond=0)
S = timedelta(seconds=1)


def draft(meeting_id: MeetingId, secret: bool = True) -> Vote:
    return Vote(
        id=VoteId(new_id()), meeting_id=meeting_id, agenda_item_id=None, document_id=None,
        title="Thông qua nghị quyết", kind=VoteKind.YES_NO_ABSTAIN, options=(),
        max_choices=1, secret=secret, rule=VoteRule.CAST_MAJORITY, tie=TieRule.FAILS,
        duration_seconds=None, require_quorum=False, status=VoteStatus.DRAFT,
        created_by="u:chair", created_at=T0,
    )  # fmt: skip


def h(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def opening(
    v: Vote, _board: Sequence[BoardEntry], _chair: Choice | None
) -> tuple[Vote, Result | None]:
    return replace(v, status=VoteStatus.OPEN, opened_at=T0), None


def closing(
    v: Vote, board: Sequence[BoardEntry], _chair: Choice | None
) -> tuple[Vote, Result | None]:
    yes = sum(e.choice == ("yes",) for e in board)
    no = sum(e.choice == ("no",) for e in board)
    result = Result(
        counts=(("yes", yes), ("no", no), ("abstain", len(board) - yes - no)),
        ballots=len(board), base=yes + no, required=(yes + no) // 2 + 1, passed=yes > no,
    )  # fmt: skip
    head = h(*(e.ballot_hash for e in board))
    return replace(v, status=VoteStatus.CLOSED, closed_at=T0 + S, board_head=head), result


class Ballot:
    """What the service would make of one client's ballot."""

    def __init__(self, vote_id: VoteId, who: str, choice: str, ballot_id: str = "") -> None:
        self.principal = ParticipantId(who)
        self.token = h("token", vote_id, ballot_id or new_id())
        self.receipt_hash = h("receipt", new_id())
        self.choice = (choice,)
        self.hash = h(vote_id, choice, self.receipt_hash)

    async def cast(self, store: SqlVoteStore, vote_id: VoteId, by: str = "") -> bool:
        return await store.cast(
            vote_id, self.principal, ParticipantId(by) if by else self.principal, self.token,
            self.hash, self.choice, self.receipt_hash, T0,
        )  # fmt: skip


async def open_vote(store: SqlVoteStore, db: Database, secret: bool = True) -> Vote:
    meeting = await add_meeting(db, T0)
    v = draft(meeting.id, secret)
    await store.create(v)
    return await store.change_status(v.id, opening)


async def test_lifecycle_round_trip(db: Database) -> None:
    store = SqlVoteStore(db)
    meeting = await add_meeting(db, T0)
    v = draft(meeting.id, secret=False)
    await store.create(v)
    assert await store.get(v.id) == v
    edited = replace(v, title="Sửa đổi", kind=VoteKind.YES_NO, duration_seconds=60)
    await store.update_draft(edited)
    assert await store.of_meeting(meeting.id) == [edited]
    opened = await store.change_status(v.id, opening)
    assert (await store.get(v.id)).status is VoteStatus.OPEN == opened.status
    with pytest.raises(Conflict) as refused:
        await store.update_draft(edited)
    assert refused.value.code == "vote_not_draft"
    assert await Ballot(v.id, "an", "yes").cast(store, v.id)
    assert await Ballot(v.id, "binh", "no").cast(store, v.id)
    assert await Ballot(v.id, "chi", "yes").cast(store, v.id)
    assert await store.counts(v.id) == {"yes": 2, "no": 1}
    closed = await store.change_status(v.id, closing)
    assert await store.get(v.id) == closed
    assert closed.board_head is not None and closed.closed_at == T0 + S
    result = await store.result(v.id)
    assert result is not None and result.passed and result.count("yes") == 2
    board = await store.ballots(v.id)
    assert [e.ballot_hash for e in board] == sorted(e.ballot_hash for e in board)
    # An open vote names its voters' choices once closed.
    named = await store.named_ballots(v.id)
    assert sorted((p, c) for p, _, c in named) == [
        ("an", ("yes",)), ("binh", ("no",)), ("chi", ("yes",))
    ]  # fmt: skip
    with pytest.raises(NotFound):
        await store.get(VoteId(new_id()))


async def test_nothing_is_taken_after_the_close_or_its_time(db: Database) -> None:
    store = SqlVoteStore(db)
    v = await open_vote(store, db)
    await store.change_status(v.id, closing)
    with pytest.raises(Conflict) as late:
        await Ballot(v.id, "an", "yes").cast(store, v.id)
    assert late.value.code == "vote_not_open"
    timed = await open_vote(store, db)
    await store.change_status(timed.id, lambda v, _b, _c: (replace(v, closes_at=T0), None))
    with pytest.raises(Conflict) as past:
        await Ballot(timed.id, "an", "yes").cast(store, timed.id)  # now == closes_at
    assert past.value.code == "vote_not_open"
    not_yet = draft(timed.meeting_id)
    await store.create(not_yet)
    with pytest.raises(Conflict):
        await Ballot(not_yet.id, "an", "yes").cast(store, not_yet.id)
    assert await store.voters(v.id) == {} and await store.ballots(timed.id) == []


async def test_a_resend_is_stored_once_and_a_second_ballot_refused(db: Database) -> None:
    store = SqlVoteStore(db)
    v = await open_vote(store, db)
    first = Ballot(v.id, "an", "yes", ballot_id="b-1")
    assert await first.cast(store, v.id)
    assert not await first.cast(store, v.id)  # the same ballot again: already stored
    with pytest.raises(Conflict) as second:
        await Ballot(v.id, "an", "no", ballot_id="b-2").cast(store, v.id)
    assert second.value.code == "already_voted"
    assert len(await store.ballots(v.id)) == 1 and list(await store.voters(v.id)) == ["an"]


async def test_a_proxys_ballot_counts_for_the_principal(db: Database) -> None:
    store = SqlVoteStore(db)
    v = await open_vote(store, db)
    assert await Ballot(v.id, "binh", "yes").cast(store, v.id, by="an")  # an for binh
    assert await Ballot(v.id, "an", "no").cast(store, v.id)  # an for themselves
    with pytest.raises(Conflict) as again:
        await Ballot(v.id, "binh", "no").cast(store, v.id)  # binh, in person, too late
    assert again.value.code == "already_voted"
    assert await store.voters(v.id) == {"binh": "an", "an": "an"}
    assert await store.counts(v.id) == {"yes": 1, "no": 1}


async def test_two_devices_on_two_nodes_at_once(db: Database) -> None:
    """The same delegate votes differently on a tablet and a phone, through two nodes,
    at the same instant, for 10 delegates: one ballot each, the other refused."""
    store = SqlVoteStore(db)
    v = await open_vote(store, db)
    second = Database.open(db.engine.url.render_as_string(hide_password=False), db.schema)
    try:
        nodes = [store, SqlVoteStore(second)]
        people = [f"p{n:02d}" for n in range(10)]
        tasks = []
        for n, who in enumerate(people):
            tasks.append(Ballot(v.id, who, "yes").cast(nodes[n % 2], v.id))
            tasks.append(Ballot(v.id, who, "no").cast(nodes[(n + 1) % 2], v.id))
        results = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await second.close()
    for n in range(len(people)):
        pair = results[2 * n : 2 * n + 2]
        assert pair.count(True) == 1, pair
        [refused] = [r for r in pair if r is not True]
        assert isinstance(refused, Conflict) and refused.code == "already_voted"
    assert sorted(await store.voters(v.id)) == people
    assert len(await store.ballots(v.id)) == 10


async def test_fifty_voters_at_once_none_lost(db: Database) -> None:
    store = SqlVoteStore(db)
    v = await open_vote(store, db)
    second = Database.open(db.engine.url.render_as_string(hide_password=False), db.schema)
    try:
        nodes = [store, SqlVoteStore(second)]
        ballots = [Ballot(v.id, f"p{n:02d}", ("yes", "no", "abstain")[n % 3]) for n in range(50)]
        results = await asyncio.gather(*(b.cast(nodes[n % 2], v.id) for n, b in enumerate(ballots)))
    finally:
        await second.close()
    assert results == [True] * 50
    assert {e.ballot_hash for e in await store.ballots(v.id)} == {b.hash for b in ballots}
    assert await store.counts(v.id) == {"yes": 17, "no": 17, "abstain": 16}


async def test_ballots_that_come_together_are_each_answered(db: Database) -> None:
    """Thirty ballots at once through one store (stored together in one transaction):
    each answered as if alone, a resend and a second ballot among them
    included; a ballot for a closed vote refused without costing the others."""
    store = SqlVoteStore(db)
    v = await open_vote(store, db)
    closed = await open_vote(store, db)
    await store.change_status(closed.id, closing)
    firsts = [Ballot(v.id, f"p{n:02d}", ("yes", "no")[n % 2], f"b-{n}") for n in range(30)]
    again = [Ballot(v.id, f"p{n:02d}", ("yes", "no")[n % 2], f"b-{n}") for n in range(5)]
    others = [Ballot(v.id, f"p{n:02d}", "abstain", f"c-{n}") for n in range(5, 10)]
    late = Ballot(closed.id, "p00", "yes")
    results = await asyncio.gather(
        *(b.cast(store, v.id) for b in firsts), *(b.cast(store, v.id) for b in again),
        *(b.cast(store, v.id) for b in others), late.cast(store, closed.id),
        return_exceptions=True,
    )  # fmt: skip
    assert results[:30] == [True] * 30
    assert results[30:35] == [False] * 5  # the same ballots again
    codes = [r.code if isinstance(r, Conflict) else r for r in results[35:]]
    assert codes == ["already_voted"] * 5 + ["vote_not_open"]
    assert await store.counts(v.id) == {"yes": 15, "no": 15}
    assert {e.ballot_hash for e in await store.ballots(v.id)} == {b.hash for b in firsts}
    assert await store.voters(closed.id) == {}


async def test_a_ballot_breaking_a_key_is_refused_alone(db: Database) -> None:
    """A ballot whose row cannot be written (its hash already on the board) breaks the
    transaction of the ballots stored with it: they are stored again one by one, and
    it alone is refused; nothing acknowledged is lost."""
    store = SqlVoteStore(db)
    v = await open_vote(store, db)
    first = Ballot(v.id, "an", "yes")
    assert await first.cast(store, v.id)
    clash = Ballot(v.id, "binh", "yes")
    clash.hash = first.hash  # the board's key: the insert fails
    together = [Ballot(v.id, "chi", "no"), clash]
    results = await asyncio.gather(*(b.cast(store, v.id) for b in together), return_exceptions=True)
    assert isinstance(results[1], Conflict) and results[1].code == "ballot_id_reused"
    assert results[0] is True
    assert sorted(await store.voters(v.id)) == ["an", "chi"]
    assert await Ballot(v.id, "dung", "no").cast(store, v.id)  # the store goes on


async def _every_row(db: Database) -> dict[str, list[dict[str, object]]]:
    """Every row of every table, in the order the database stores them."""
    out: dict[str, list[dict[str, object]]] = {}
    async with db.connect() as conn:
        names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        for name in names:
            order = " ORDER BY ctid" if db.dialect == "postgresql" else ""
            rows = await conn.exec_driver_sql(f'SELECT * FROM "{name}"{order}')
            out[name] = [dict(r._mapping) for r in rows]
    return out


async def test_a_secret_vote_leaves_no_link_at_rest(db: Database) -> None:
    """Cast in an order unlike any key, close, then read the whole database: the
    ballots name nobody, share nothing with the voter rows, and are stored in hash
    order (the voters in participant order); on PostgreSQL no row version tells which
    transaction (so which cast) wrote it."""
    store = SqlVoteStore(db)
    v = await open_vote(store, db, secret=True)
    people = [f"p{n:02d}" for n in range(12)]
    random.Random(17).shuffle(people)
    ballots = [Ballot(v.id, who, ("yes", "no")[n % 2]) for n, who in enumerate(people)]
    for b in ballots:  # one at a time: the cast order is known
        await b.cast(store, v.id)
    assert [b.hash for b in ballots] != sorted(b.hash for b in ballots)
    await store.change_status(v.id, closing)
    await store.scrub()

    everything = await _every_row(db)
    voters, stored = everything["vote_voters"], everything["vote_ballots"]
    assert [r["participant_id"] for r in voters] == sorted(people)
    assert [r["ballot_hash"] for r in stored] == sorted(b.hash for b in ballots)
    assert all(r["participant_id"] is None and r["for_participant_id"] is None for r in stored)
    voter_values = {str(x) for r in voters for x in r.values()} - {v.id}
    for r in stored:
        assert not voter_values & {str(x) for x in r.values()}
    # No other table holds a ballot's hash, receipt or choice next to a participant.
    secrets = {b.hash for b in ballots} | {b.receipt_hash for b in ballots}
    for name, rows in everything.items():
        if name in ("vote_ballots",):
            continue
        for r in rows:
            assert not secrets & {str(x) for x in r.values()}, name
    if db.dialect == "sqlite":  # the file's bytes: no cell placed in the order of the casts
        raw = Path(str(db.engine.url.database)).read_bytes()
        places = sorted(b.hash for b in ballots if raw.find(b.hash.encode()) >= 0)
        by_place = sorted(places, key=lambda x: raw.find(x.encode()))
        assert len(places) == len(ballots) and by_place in (places, places[::-1])
        assert not Path(f"{db.engine.url.database}-wal").stat().st_size  # truncated
    if db.dialect == "postgresql":
        async with db.connect() as conn:
            for table in ("vote_voters", "vote_ballots"):
                writers = await conn.exec_driver_sql(
                    f"SELECT DISTINCT xmin::text FROM {table} WHERE vote_id = '{v.id}'"
                )
                assert len(writers.all()) == 1, table  # all written by the close
        await _vacuumed(db, store)


async def _vacuumed(db: Database, store: SqlVoteStore) -> None:
    """PostgreSQL: no dead version of the casts' rows is left. A transaction that
    began before the close (here: other tests' on the same database) keeps them
    visible, and VACUUM leaves them until it ends (docs/security.md says so); the
    scrub of a later close removes them then."""
    dead: dict[str, object] = {}
    for _ in range(50):
        async with db.connect() as conn:
            for table in ("vote_voters", "vote_ballots"):
                # The vacuum's own counts are set at once (others may lag).
                vacuumed = await conn.exec_driver_sql(
                    "SELECT last_vacuum IS NOT NULL, n_dead_tup FROM pg_stat_user_tables"
                    f" WHERE schemaname = '{db.schema}' AND relname = '{table}'"
                )
                dead[table] = tuple(vacuumed.one())
        if all(state == (True, 0) for state in dead.values()):
            return
        await asyncio.sleep(0.2)
        await store.scrub()
    raise AssertionError(f"dead row versions left after the close: {dead}")


async def test_the_wal_is_emptied_even_when_a_read_overlaps_the_close(
    make_settings: Callable[..., Awaitable[Settings]],
) -> None:
    """SQLite: another request reading at the instant of the close (its snapshot keeps
    the WAL's frames) only delays the truncation: once it ends, the WAL is emptied."""
    settings = await make_settings("sqlite")
    db = Database.open(settings.effective_database_url, settings.database_schema)
    await db.migrate()
    try:
        await _close_beside_a_reader(db)
    finally:
        await db.close()


async def _close_beside_a_reader(db: Database) -> None:
    store = SqlVoteStore(db)
    v = await open_vote(store, db, secret=True)
    for n in range(5):
        await Ballot(v.id, f"p{n}", "yes").cast(store, v.id)
    # Another process (or request) reading in a transaction: it holds its snapshot.
    reader = sqlite3.connect(str(db.engine.url.database), isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM vote_ballots").fetchone() == (5,)
    asyncio.get_running_loop().call_later(0.3, reader.execute, "COMMIT")
    try:
        await store.change_status(v.id, closing)
        await store.scrub()
    finally:
        reader.close()
    assert not Path(f"{db.engine.url.database}-wal").stat().st_size
