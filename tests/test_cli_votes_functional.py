"""`meetroom vote verify` as a real process, on a vote held through the votes' service
on SQLite and PostgreSQL: it counts the stored ballots again and agrees with what the
close recorded, then names the first difference after one change made in the database
(a ballot's choice, a ballot sealed again, the recorded count, the board's head, all of
them rewritten consistently, the audit log's entry of the close)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa

from meetroom.config import Settings
from meetroom.records.votes import VoteKind
from meetroom.sessions.votes import board, counting
from meetroom.sessions.votes.drafts import VoteDraft
from meetroom.store.database import Database
from meetroom.store.vote_rows import encode_result
from tests.processes import cli, ok
from tests.sessions.votes.world import hold_vote

TITLE = "Thông qua nghị quyết"


@pytest.fixture
async def settings(make_settings: Callable[..., Awaitable[Settings]], backend: str) -> Settings:
    return await make_settings(backend)


def verify(settings: Settings, vote_id: str) -> subprocess.CompletedProcess[str]:
    env = {}
    if settings.database_url:
        env = {"MEETROOM_DATABASE_URL": settings.database_url,
               "MEETROOM_DATABASE_SCHEMA": settings.database_schema}  # fmt: skip
    return cli(settings.data_path, "vote", "verify", vote_id, **env)


def broken(result: subprocess.CompletedProcess[str]) -> str:
    """What a failed verification says on stderr (it must exit 1 and not say OK)."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "OK" not in result.stdout.splitlines(), result.stdout
    said = result.stderr.splitlines()[-1]  # after what the start logged, if anything
    assert said.startswith("vote BROKEN: "), result.stderr
    return said


async def sql(settings: Settings, statement: str, **params: Any) -> list[Any]:
    """One statement in its own transaction, as someone with the database would."""
    db = Database.open(settings.effective_database_url, settings.database_schema)
    try:
        async with db.begin() as conn:
            result = await conn.execute(sa.text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        await db.close()


async def test_verify_agrees_then_names_each_change(settings: Settings) -> None:
    vote = await hold_vote(settings, ["yes", "no", "yes", "abstain", "yes"])
    out = ok(verify(settings, vote.id)).splitlines()
    assert out[0] == f"vote {vote.id}: {TITLE}"
    assert "ballots: 5 (5 on the board, as many voters)" in out
    assert f"head: {vote.board_head}" in out
    assert "counts: yes 3, no 1, abstain 0" not in out  # zero abstentions would be wrong
    assert "counts: yes 3, no 1, abstain 1" in out
    assert "result: passed (3 required of 4)" in out  # cast majority: base yes + no
    assert out[-2].startswith("the same head and counts in the audit log's entry ")
    assert out[-1] == "OK"

    rows = await sql(
        settings, "SELECT ballot_hash, choice, receipt_hash FROM vote_ballots "
        "WHERE vote_id = :v ORDER BY ballot_hash", v=vote.id,
    )  # fmt: skip
    position, (ballot, choice, receipt) = next(
        (i, r) for i, r in enumerate(rows, start=1) if json.loads(r[1]) == ["yes"]
    )
    where = "vote_id = :v AND ballot_hash = :h"

    # One ballot's choice changed: that ballot is named, by its place and its hash.
    await sql(settings, f"UPDATE vote_ballots SET choice = :c WHERE {where}",
              c='["no"]', v=vote.id, h=ballot)  # fmt: skip
    said = broken(verify(settings, vote.id))
    assert f"ballot {position} ({ballot[:12]})" in said, said
    assert "its hash does not match its choice" in said, said
    await sql(settings, f"UPDATE vote_ballots SET choice = :c WHERE {where}",
              c=choice, v=vote.id, h=ballot)  # fmt: skip
    ok(verify(settings, vote.id))

    # The same ballot changed by someone who knows how a ballot is hashed: every entry
    # holds, the chain's head recorded at the close does not.
    resealed = board.ballot_hash(vote.id, ("no",), receipt)
    await sql(settings, f"UPDATE vote_ballots SET choice = :c, ballot_hash = :n WHERE {where}",
              c='["no"]', n=resealed, v=vote.id, h=ballot)  # fmt: skip
    assert "the chain's head is" in broken(verify(settings, vote.id))
    await sql(
        settings, "UPDATE vote_ballots SET choice = :c, ballot_hash = :h "
        "WHERE vote_id = :v AND ballot_hash = :n", c=choice, h=ballot, v=vote.id, n=resealed,
    )  # fmt: skip
    ok(verify(settings, vote.id))

    # The recorded result's count of yes.
    (text,) = (await sql(settings, "SELECT result FROM votes WHERE id = :v", v=vote.id))[0]
    recorded = json.loads(text)
    recorded["counts"] = [[c, n + 1 if c == "yes" else n] for c, n in recorded["counts"]]
    await sql(settings, "UPDATE votes SET result = :r WHERE id = :v",
              r=json.dumps(recorded), v=vote.id)  # fmt: skip
    said = broken(verify(settings, vote.id))
    assert "the count of 'yes' is 3 on the board, 4 recorded" in said, said
    await sql(settings, "UPDATE votes SET result = :r WHERE id = :v", r=text, v=vote.id)
    ok(verify(settings, vote.id))

    # The board's head recorded on the vote.
    assert vote.board_head is not None
    await sql(settings, "UPDATE votes SET board_head = :h WHERE id = :v",
              h="0" * 64, v=vote.id)  # fmt: skip
    said = broken(verify(settings, vote.id))
    assert f"the chain's head is {vote.board_head[:12]}… on the board, 000000000000…" in said
    await sql(settings, "UPDATE votes SET board_head = :h WHERE id = :v",
              h=vote.board_head, v=vote.id)  # fmt: skip
    assert ok(verify(settings, vote.id)).splitlines()[-1] == "OK"

    # A voter's row gone (or a ballot stored without one): a ballot is stored with its
    # voter's row, so the two are as many.
    (voter, cast_by, token), *_ = await sql(
        settings, "SELECT participant_id, cast_by, voter_token FROM vote_voters "
        "WHERE vote_id = :v", v=vote.id,
    )  # fmt: skip
    await sql(settings, "DELETE FROM vote_voters WHERE vote_id = :v AND participant_id = :p",
              v=vote.id, p=voter)  # fmt: skip
    assert "4 voters recorded, 5 ballots on the board" in broken(verify(settings, vote.id))
    await sql(settings, "INSERT INTO vote_voters (vote_id, participant_id, cast_by, voter_token) "
              "VALUES (:v, :p, :c, :t)", v=vote.id, p=voter, c=cast_by, t=token)  # fmt: skip
    ok(verify(settings, vote.id))

    # Everything in the database rewritten as the close would have, had that ballot been
    # a no: the board, its head and the result agree; the audit log's entry does not
    # (it is sealed with the audit key, which is not in the database).
    entries = [board.entry(vote.id, ("no",) if r[0] == ballot else tuple(json.loads(r[1])),
                           r[2]) for r in rows]  # fmt: skip
    forged = board.board(entries)
    assert vote.quorum_at_close is not None
    recount = counting.count(
        vote, (e.choice for e in forged), members=vote.quorum_at_close.members,
        present=vote.quorum_at_close.present,
    )  # fmt: skip
    assert not recount.passed  # two to two: the motion fails
    head = board.head(vote.id, forged)
    await sql(settings, f"UPDATE vote_ballots SET choice = :c, ballot_hash = :n WHERE {where}",
              c='["no"]', n=resealed, v=vote.id, h=ballot)  # fmt: skip
    await sql(settings, "UPDATE votes SET board_head = :h, result = :r WHERE id = :v",
              h=head, r=encode_result(recount), v=vote.id)  # fmt: skip
    said = broken(verify(settings, vote.id))
    assert f"the head is {head[:12]}… on the vote, {vote.board_head[:12]}… in the audit" in said


async def test_an_election_and_what_cannot_be_verified(
    make_settings: Callable[..., Awaitable[Settings]],
) -> None:
    settings = await make_settings("sqlite")
    election = VoteDraft(
        title="Bầu tổ trưởng", kind=VoteKind.CHOICE, options=("An", "Bình", "Chi"), secret=False
    )
    vote = await hold_vote(settings, [["o2"], ["o1"], ["o2"]], draft=election)
    out = ok(verify(settings, vote.id)).splitlines()
    assert "counts: o1 (An) 1, o2 (Bình) 2, o3 (Chi) 0" in out, out
    assert "result: elected: o2 (Bình) (2 required of 3)" in out, out

    # The audit log's entry of the close changed (its trigger dropped first), as it would
    # be to agree with a forged head: its seal no longer matches.
    (seq, details), *_ = await sql(
        settings, "SELECT seq, details FROM audit_log WHERE action = 'vote_closed' "
        "AND target_id = :v", v=vote.id,
    )  # fmt: skip
    forged = {**json.loads(details), "board_head": "0" * 64}
    await sql(settings, "DROP TRIGGER audit_log_no_update")
    await sql(settings, "UPDATE audit_log SET details = :d WHERE seq = :s",
              d=json.dumps(forged), s=seq)  # fmt: skip
    said = broken(verify(settings, vote.id))
    assert f"the audit log's entry {seq} of the close was changed" in said, said

    # A vote still open has no board yet; a vote that is not there, nothing at all.
    still_open = await hold_vote(settings, ["yes"], close=False)
    result = verify(settings, still_open.id)
    assert result.returncode == 2, result
    assert "the vote is open" in result.stderr, result.stderr
    result = verify(settings, "no-such-vote")
    assert result.returncode == 2, result
    assert "there is no vote 'no-such-vote'" in result.stderr, result.stderr
    assert result.stdout == ""
