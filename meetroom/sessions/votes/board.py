"""The ballot board fixed when a vote closes, its hash chain, and its verification.

Each ballot is an entry (ballot hash, choice, receipt hash), where the ballot hash is
sha256 of the canonical encoding of (vote id, choice, receipt hash). The board lists
the entries ordered by ballot hash, so that it shows nothing of when each was cast. The
chain runs over the board in that order:

    h0 = sha256("meetroom-board-v1" | vote id)
    hi = sha256(h(i-1) | canonical(entry i))
    head = hn (hex), written on the vote and in the audit log at the close.

`verify` recomputes everything from the board alone (the entries' hashes and order,
the chain's head, the count and the result) and names the first difference with what
was recorded; `meetroom vote verify VOTE_ID` prints it, after comparing what the close
recorded on the vote with what it wrote in the audit log (`audited`): someone who can
write the database could count again and write a new head, but cannot seal an audit
entry without the audit key. Anyone holding the board and the recorded head can do the
same, and a voter finds their receipt on it
(`find_receipt`). Canonical encodings are compact JSON arrays (UTF-8, keys never
reordered), so the board can be checked by another program."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from meetroom.errors import MeetRoomError
from meetroom.ids import VoteId
from meetroom.records.votes import BoardEntry, Choice, Result, Vote
from meetroom.sessions.votes.counting import check_choice, count
from meetroom.sessions.votes.receipts import receipt_hash

BOARD_VERSION = b"meetroom-board-v1"


def _canonical(*parts: object) -> bytes:
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode()


def ballot_hash(vote_id: VoteId, choice: Choice, receipt_hash: str) -> str:
    return hashlib.sha256(_canonical("ballot", vote_id, list(choice), receipt_hash)).hexdigest()


def entry(vote_id: VoteId, choice: Choice, receipt_hash: str) -> BoardEntry:
    """A ballot as the board shows it (`choice` as `counting.check_choice` gives it)."""
    return BoardEntry(ballot_hash(vote_id, choice, receipt_hash), choice, receipt_hash)


def board(entries: Iterable[BoardEntry]) -> tuple[BoardEntry, ...]:
    """The entries in the board's order, whatever order they were stored in."""
    return tuple(sorted(entries, key=lambda e: e.ballot_hash))


def _link(previous: bytes, item: BoardEntry) -> bytes:
    encoded = _canonical(item.ballot_hash, list(item.choice), item.receipt_hash)
    return hashlib.sha256(previous + encoded).digest()


def head(vote_id: VoteId, entries: Sequence[BoardEntry]) -> str:
    """The chain's head over `entries` in the order given (see the module's docstring)."""
    h = hashlib.sha256(BOARD_VERSION + vote_id.encode()).digest()
    for item in entries:
        h = _link(h, item)
    return h.hex()


def find_receipt(entries: Iterable[BoardEntry], receipt: str) -> BoardEntry | None:
    """The entry of this receipt code (as typed: see `receipts.normalise_receipt`)."""
    wanted = receipt_hash(receipt)
    return next((e for e in entries if e.receipt_hash == wanted), None)


def _short(value: str) -> str:
    return value[:12]


def _check_entries(vote: Vote, entries: Sequence[BoardEntry]) -> str | None:
    receipts: dict[str, int] = {}
    for i, item in enumerate(entries, start=1):
        where = f"ballot {i} ({_short(item.ballot_hash)})"
        if item.ballot_hash != ballot_hash(vote.id, item.choice, item.receipt_hash):
            return f"{where}: its hash does not match its choice and receipt hash"
        try:
            valid = check_choice(vote, item.choice) == item.choice
        except MeetRoomError:
            valid = False
        if not valid:
            return f"{where}: {list(item.choice)} is not a valid choice of this vote"
        if i > 1 and item.ballot_hash <= entries[i - 2].ballot_hash:
            same = item.ballot_hash == entries[i - 2].ballot_hash
            return f"{where}: " + (
                "the same ballot as the one before it"
                if same
                else "out of order (the board is ordered by ballot hash)"
            )
        if item.receipt_hash in receipts:
            return f"{where}: the same receipt hash as ballot {receipts[item.receipt_hash]}"
        receipts[item.receipt_hash] = i
    return None


_FIELDS = ("ballots", "base", "required", "passed", "elected", "tie")


def _compare(recorded: Result, recount: Result) -> str | None:
    for choice, n in recount.counts:
        if recorded.count(choice) != n:
            return f"the count of {choice!r} is {n} on the board, {recorded.count(choice)} recorded"
    extra = [c for c, _ in recorded.counts if c not in dict(recount.counts)]
    if extra:
        return f"the recorded result counts {extra[0]!r}, which is not a choice of this vote"
    for name in _FIELDS:
        mine, theirs = getattr(recount, name), getattr(recorded, name)
        if mine != theirs:
            return f"{name} is {_show(mine)} by the board, {_show(theirs)} recorded"
    return None


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def verify(
    vote: Vote,
    entries: Sequence[BoardEntry],
    recorded: Result,
    *,
    members: int,
    present: int,
    chair_choice: Choice | None = None,
) -> str | None:
    """The first difference between the board and what was recorded of the vote (its
    head on `vote.board_head`, its `recorded` result), or None when they agree.
    `members` and `present` are the recorded M and P at the close."""
    problem = _check_entries(vote, entries)
    if problem:
        return problem
    if vote.board_head is None:
        return "the vote has no recorded board head (was it closed?)"
    computed = head(vote.id, entries)
    if computed != vote.board_head:
        return (
            f"the chain's head is {_short(computed)}… on the board, "
            f"{_short(vote.board_head)}… recorded"
        )
    recount = count(
        vote, (e.choice for e in entries), members=members, present=present,
        chair_choice=chair_choice,
    )  # fmt: skip
    return _compare(recorded, recount)


def audited(vote: Vote, result: Result, details: Mapping[str, Any]) -> str | None:
    """The first difference between the vote's recorded head and result and what its
    close wrote in the audit log (the `vote_closed` entry's `details`), or None."""
    if details.get("board_head") != vote.board_head:
        theirs = str(details.get("board_head"))
        return (
            f"the head is {_short(str(vote.board_head))}… on the vote, {_short(theirs)}… in "
            "the audit log"
        )
    logged = details.get("counts")
    if not isinstance(logged, dict):
        return "the audit log's entry of the close has no counts"
    for choice, n in result.counts:
        if logged.get(choice) != n:
            return f"the count of {choice!r} is {n} recorded, {logged.get(choice)} in the audit log"
    wanted = {"ballots": result.ballots, "passed": result.passed, "elected": list(result.elected)}
    for name, mine in wanted.items():
        if details.get(name) != mine:
            return f"{name} is {_show(mine)} recorded, {details.get(name)} in the audit log"
    return None
