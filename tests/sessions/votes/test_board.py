"""The ballot board: ordered by ballot hash whatever the order of storing, a receipt
found on it, and verification naming the first difference after any one edit."""

from __future__ import annotations

import dataclasses
import random
import uuid

from meetroom.ids import VoteId
from meetroom.records.votes import (
    BoardEntry,
    Result,
    TieBreak,
    TieRule,
    Vote,
    VoteKind,
    VoteRule,
)
from meetroom.sessions.votes import board
from meetroom.sessions.votes.counting import count
from meetroom.sessions.votes.receipts import receipt, receipt_hash

from .sample import VOTE, make_vote

SECRET = b"k" * 32
CHOICES = [("yes",)] * 5 + [("no",)] * 3 + [("abstain",)] * 2


def cast(vote_id: VoteId = VOTE, choices: list[tuple[str, ...]] = CHOICES) -> list[
    tuple[str, BoardEntry]
]:  # fmt: skip
    """(receipt, entry) per ballot, in the order cast."""
    cast = []
    for choice in choices:
        code = receipt(SECRET, vote_id, str(uuid.uuid4()))
        cast.append((code, board.entry(vote_id, choice, receipt_hash(code))))
    return cast


def closed(entries: list[BoardEntry], vote: Vote | None = None) -> tuple[Vote, Result]:
    """The vote as recorded at the close over these entries, and its result."""
    vote = vote or make_vote()
    fixed = board.board(entries)
    result = count(vote, (e.choice for e in fixed), members=12, present=10)
    return dataclasses.replace(vote, board_head=board.head(vote.id, fixed)), result


def test_the_board_order_does_not_depend_on_insertion_order() -> None:
    entries = [e for _, e in cast()]
    fixed = board.board(entries)
    shuffled = entries[:]
    random.Random(7).shuffle(shuffled)
    assert board.board(shuffled) == fixed
    assert board.board(reversed(entries)) == fixed
    assert [e.ballot_hash for e in fixed] == sorted(e.ballot_hash for e in entries)
    assert board.head(VOTE, fixed) == board.head(VOTE, board.board(shuffled))
    # The head is of this vote and these ballots.
    assert board.head(VOTE, fixed) != board.head(VoteId("w" * 26), fixed)
    assert board.head(VOTE, fixed) != board.head(VOTE, fixed[1:])
    assert len(board.head(VOTE, ())) == 64


def test_the_ballot_hash_covers_vote_choice_and_receipt() -> None:
    h = board.ballot_hash(VOTE, ("yes",), "a" * 64)
    assert h != board.ballot_hash(VoteId("w" * 26), ("yes",), "a" * 64)
    assert h != board.ballot_hash(VOTE, ("no",), "a" * 64)
    assert h != board.ballot_hash(VOTE, ("yes",), "b" * 64)
    assert board.ballot_hash(VOTE, ("a", "b"), "c") != board.ballot_hash(VOTE, ("a,b",), "c")


def test_a_voter_finds_their_receipt() -> None:
    ballots = cast()
    fixed = board.board(e for _, e in ballots)
    code, mine = ballots[3]
    assert board.find_receipt(fixed, code) == mine
    assert board.find_receipt(fixed, code.lower().replace("-", "")) == mine
    other = receipt(SECRET, VoteId("w" * 26), str(uuid.uuid4()))
    assert board.find_receipt(fixed, other) is None


def test_an_untouched_board_verifies() -> None:
    entries = [e for _, e in cast()]
    vote, result = closed(entries)
    fixed = board.board(entries)
    assert board.verify(vote, fixed, result, members=12, present=10) is None
    assert (result.count("yes"), result.count("no"), result.passed) == (5, 3, True)


def edited(fixed: tuple[BoardEntry, ...], i: int, **changes: object) -> list[BoardEntry]:
    copy = list(fixed)
    copy[i] = dataclasses.replace(copy[i], **changes)  # type: ignore[arg-type]
    return copy


def test_editing_any_one_entry_is_named() -> None:
    entries = [e for _, e in cast()]
    vote, result = closed(entries)
    fixed = board.board(entries)

    def check(changed: list[BoardEntry]) -> str:
        problem = board.verify(vote, changed, result, members=12, present=10)
        assert problem is not None
        return problem

    for i, item in enumerate(fixed):
        flipped = ("no",) if item.choice != ("no",) else ("yes",)
        where = f"ballot {i + 1} ({item.ballot_hash[:12]})"
        assert check(edited(fixed, i, choice=flipped)) == (
            f"{where}: its hash does not match its choice and receipt hash"
        )
        assert check(edited(fixed, i, receipt_hash="0" * 64)).startswith(where)
    # The choice changed and its ballot hash made again: the order or the head shows it.
    i = 4
    rehashed = board.entry(VOTE, ("no",) if fixed[i].choice != ("no",) else ("yes",),
                           fixed[i].receipt_hash)  # fmt: skip
    changed = list(fixed)
    changed[i] = rehashed
    problem = check(changed)
    assert "out of order" in problem or "chain's head" in problem
    # Put in the board's order again: the head differs.
    assert "chain's head" in check(list(board.board(changed)))
    # Two entries swapped.
    swapped = list(fixed)
    swapped[2], swapped[3] = swapped[3], swapped[2]
    # (the first entry smaller than the one before it is the 4th)
    assert check(swapped) == f"ballot 4 ({swapped[3].ballot_hash[:12]}): out of order" + (
        " (the board is ordered by ballot hash)"
    )
    # One dropped, one repeated.
    assert "chain's head" in check(list(fixed[1:]))
    repeated = [*fixed[:3], fixed[2], *fixed[3:]]
    assert check(repeated) == (
        f"ballot 4 ({fixed[2].ballot_hash[:12]}): the same ballot as the one before it"
    )
    # A ballot that this vote does not allow, hashed correctly.
    bad = board.board([*fixed, board.entry(VOTE, ("maybe",), "1" * 64)])
    assert "['maybe'] is not a valid choice of this vote" in check(list(bad))
    # Two entries with one receipt.
    other = ("yes",) if fixed[1].choice != ("yes",) else ("no",)  # not the same ballot again
    twice = board.board([*fixed[1:], board.entry(VOTE, other, fixed[1].receipt_hash)])
    assert "the same receipt hash as ballot" in check(list(twice))


def test_a_recorded_result_that_differs_from_the_recount_is_named() -> None:
    entries = [e for _, e in cast()]
    vote, result = closed(entries)
    fixed = board.board(entries)

    def problem(recorded: Result, **kw: object) -> str | None:
        args: dict = {"members": 12, "present": 10} | kw
        return board.verify(vote, fixed, recorded, **args)

    counts = (("yes", 4), ("no", 4), ("abstain", 2))
    assert problem(dataclasses.replace(result, counts=counts)) == (
        "the count of 'yes' is 5 on the board, 4 recorded"
    )
    assert problem(dataclasses.replace(result, passed=False)) == (
        "passed is True by the board, False recorded"
    )
    assert problem(dataclasses.replace(result, ballots=11)) == (
        "ballots is 10 by the board, 11 recorded"
    )
    # The same board under other recorded numbers of members gives another base.
    members = dataclasses.replace(vote, rule=VoteRule.MEMBERS_MAJORITY)
    assert board.verify(members, fixed, result, members=12, present=10) == (
        "base is 12 by the board, 8 recorded"
    )
    assert problem(dataclasses.replace(result, counts=(*result.counts, ("maybe", 1)))) == (
        "the recorded result counts 'maybe', which is not a choice of this vote"
    )
    unclosed = dataclasses.replace(vote, board_head=None)
    assert "no recorded board head" in str(board.verify(unclosed, fixed, result, members=12,
                                                         present=10))  # fmt: skip


def test_an_election_and_a_chair_tie_verify() -> None:
    vote = make_vote(VoteKind.CHOICE, options="abc", max_choices=2, tie=TieRule.CHAIR)
    choices = [("a", "b")] * 3 + [("a", "c")] * 3 + [("b", "c")] * 3 + [("a",)]
    entries = [e for _, e in cast(choices=choices)]
    fixed = board.board(entries)
    vote = dataclasses.replace(vote, board_head=board.head(vote.id, fixed))
    result = count(vote, [e.choice for e in fixed], members=10, present=10,
                   chair_choice=("a", "c"))  # fmt: skip
    assert (result.elected, result.tie) == (("a", "c"), TieBreak.CHAIR)
    assert board.verify(vote, fixed, result, members=10, present=10,
                        chair_choice=("a", "c")) is None  # fmt: skip
    assert board.verify(vote, fixed, result, members=10, present=10) == (
        "elected is [a] by the board, [a, c] recorded"
    )


def test_the_close_as_sealed_in_the_audit_log_is_compared() -> None:
    """What the close recorded on the vote against its `vote_closed` audit entry (as
    `VoteService.close` writes its details and the log reads them back from JSON)."""
    entries = board.board(e for _, e in cast())
    vote = make_vote(board_head=board.head(VOTE, entries))
    result = count(vote, (e.choice for e in entries), members=12, present=10)
    details = {"meeting_id": vote.meeting_id, "board_head": vote.board_head,
               "counts": dict(result.counts), "ballots": 10, "passed": True,
               "elected": []}  # fmt: skip
    assert board.audited(vote, result, details) is None
    head = str(vote.board_head)
    changes = {
        "board_head": ("0" * 64, f"the head is {head[:12]}… on the vote, 000000000000… in"),
        "counts": ({"yes": 5, "no": 4, "abstain": 2}, "the count of 'no' is 3 recorded, 4 in"),
        "ballots": (11, "ballots is 10 recorded, 11 in"),
        "passed": (False, "passed is True recorded, False in"),
        "elected": (["o1"], "elected is [] recorded, ['o1'] in"),
    }
    for name, (value, said) in changes.items():
        problem = board.audited(vote, result, {**details, name: value})
        assert problem is not None and problem.startswith(said), (name, problem)
    assert board.audited(vote, result, {**details, "counts": None}) == (
        "the audit log's entry of the close has no counts"
    )
