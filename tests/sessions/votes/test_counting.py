"""Counting, pure: what a ballot may say, and the result of every kind, rule and tie
rule (bases, required counts, ties broken by the chair, elections of k)."""

from __future__ import annotations

import pytest

from meetroom.errors import Invalid
from meetroom.records.votes import TieBreak, TieRule, VoteKind, VoteRule
from meetroom.sessions.votes.counting import base_and_required, check_choice, count

from .sample import ballots, make_vote

YNA = VoteKind.YES_NO_ABSTAIN
R = VoteRule


def test_yes_no_choices() -> None:
    vote = make_vote(YNA)
    assert check_choice(vote, "abstain") == ("abstain",)
    assert check_choice(vote, ["yes"]) == ("yes",)
    for bad in ("maybe", ["yes", "no"], [], "YES"):
        with pytest.raises(Invalid) as info:
            check_choice(vote, bad)
        assert info.value.code == "bad_choice"
    with pytest.raises(Invalid) as info:
        check_choice(make_vote(VoteKind.YES_NO), "abstain")
    assert info.value.code == "bad_choice"
    assert "yes, no" in str(info.value)


def test_option_choices_are_checked_and_put_in_the_options_order() -> None:
    vote = make_vote(VoteKind.CHOICE, options="abcd", max_choices=2)
    assert check_choice(vote, ["c", "a"]) == ("a", "c")
    assert check_choice(vote, "b") == ("b",)
    cases = {
        "choice_empty": [],
        "choice_repeated": ["a", "a"],
        "too_many_choices": ["a", "b", "c"],
        "unknown_option": ["a", "z"],
    }
    for code, choice in cases.items():
        with pytest.raises(Invalid) as info:
            check_choice(vote, choice)
        assert info.value.code == code
    with pytest.raises(Invalid) as info:
        check_choice(vote, "yes")
    assert info.value.code == "unknown_option" and "“yes”" in str(info.value)


@pytest.mark.parametrize(
    ("rule", "cast", "members", "present", "base", "required"),
    [
        (R.CAST_MAJORITY, 7, 20, 10, 7, 4),
        (R.CAST_MAJORITY, 8, 20, 10, 8, 5),
        (R.CAST_MAJORITY, 0, 20, 10, 0, 1),  # nothing passes without a yes
        (R.MEMBERS_MAJORITY, 3, 20, 10, 20, 11),
        (R.MEMBERS_MAJORITY, 3, 21, 10, 21, 11),
        (R.MEMBERS_TWO_THIRDS, 3, 21, 10, 21, 14),
        (R.MEMBERS_TWO_THIRDS, 3, 20, 10, 20, 14),  # 3*14 >= 40, 3*13 < 40
        (R.PRESENT_TWO_THIRDS, 3, 20, 9, 9, 6),
        (R.PRESENT_TWO_THIRDS, 3, 20, 10, 10, 7),
        (R.PRESENT_TWO_THIRDS, 0, 20, 0, 0, 1),
    ],
)
def test_base_and_required(
    rule: VoteRule, cast: int, members: int, present: int, base: int, required: int
) -> None:
    assert base_and_required(rule, cast, members, present) == (base, required)


def test_cast_majority_ignores_abstentions() -> None:
    result = count(make_vote(YNA), ballots(yes=4, no=3, abstain=10), members=30, present=20)
    assert (result.passed, result.base, result.required, result.ballots) == (True, 7, 4, 17)
    assert result.counts == (("yes", 4), ("no", 3), ("abstain", 10))
    assert result.percent("yes") == pytest.approx(100 * 4 / 7)
    assert result.tie is TieBreak.NONE
    result = count(make_vote(YNA), ballots(yes=3, no=4, abstain=1), members=30, present=20)
    assert not result.passed and result.tie is TieBreak.NONE


def test_members_rules_count_everyone_who_may_vote() -> None:
    # 20 members, 12 present: 10 yes is a majority of those voting, not of the members.
    votes = ballots(yes=10, no=2)
    assert count(make_vote(YNA, R.CAST_MAJORITY), votes, members=20, present=12).passed
    result = count(make_vote(YNA, R.MEMBERS_MAJORITY), votes, members=20, present=12)
    assert (result.passed, result.base, result.required) == (False, 20, 11)
    assert result.percent("yes") == 50.0
    assert count(make_vote(YNA, R.MEMBERS_MAJORITY), ballots(yes=11), members=20, present=12).passed
    two_thirds = make_vote(YNA, R.MEMBERS_TWO_THIRDS)
    assert not count(two_thirds, ballots(yes=13), members=20, present=20).passed
    assert count(two_thirds, ballots(yes=14, no=6), members=20, present=20).passed
    present = make_vote(YNA, R.PRESENT_TWO_THIRDS)
    assert count(present, ballots(yes=8, no=4), members=20, present=12).passed
    assert not count(present, ballots(yes=7, abstain=5), members=20, present=12).passed
    assert count(present, ballots(yes=7, abstain=5), members=20, present=12).base == 12


@pytest.mark.parametrize("kind", [VoteKind.YES_NO, YNA])
def test_ties_fail_or_follow_the_chair(kind: VoteKind) -> None:
    tied = ballots(yes=5, no=5)
    fails = count(make_vote(kind), tied, members=10, present=10, chair_choice=("yes",))
    assert (fails.passed, fails.tie) == (False, TieBreak.FAILED)
    chair = make_vote(kind, tie=TieRule.CHAIR)
    yes = count(chair, tied, members=10, present=10, chair_choice=("yes",))
    assert (yes.passed, yes.tie) == (True, TieBreak.CHAIR)
    no = count(chair, tied, members=10, present=10, chair_choice=("no",))
    assert (no.passed, no.tie) == (False, TieBreak.CHAIR)
    for absent in (None, ("abstain",)):  # the chair did not vote, or abstained
        result = count(chair, tied, members=10, present=10, chair_choice=absent)
        assert (result.passed, result.tie) == (False, TieBreak.FAILED)


def test_a_tie_under_the_members_majority_follows_the_chair() -> None:
    """The Government's rule: more than half of the members, and on equal votes the
    side of the Prime Minister."""
    vote = make_vote(VoteKind.YES_NO, R.MEMBERS_MAJORITY, TieRule.CHAIR)
    result = count(vote, ballots(yes=9, no=9), members=20, present=18, chair_choice=("yes",))
    assert (result.passed, result.tie, result.required) == (True, TieBreak.CHAIR, 11)
    # Not a tie: the rule alone decides, whatever the chair voted.
    result = count(vote, ballots(yes=10, no=8), members=20, present=18, chair_choice=("yes",))
    assert (result.passed, result.tie) == (False, TieBreak.NONE)
    nobody = count(vote, [], members=20, present=18)
    assert (nobody.passed, nobody.tie, nobody.ballots) == (False, TieBreak.NONE, 0)


def opt(**counts: int) -> list[tuple[str, ...]]:
    return ballots(**counts)


def test_a_single_choice_needs_more_than_half_of_the_ballots() -> None:
    vote = make_vote(VoteKind.CHOICE, options="abc")
    result = count(vote, opt(a=6, b=3, c=2), members=20, present=15)
    assert (result.elected, result.passed, result.base, result.required) == (("a",), True, 11, 6)
    assert result.counts == (("a", 6), ("b", 3), ("c", 2))
    result = count(vote, opt(a=5, b=3, c=2), members=20, present=15)
    assert (result.elected, result.passed) == ((), False)
    members = make_vote(VoteKind.CHOICE, R.MEMBERS_MAJORITY, options="abc")
    assert count(members, opt(a=10, b=1), members=20, present=15).elected == ()
    assert count(members, opt(a=11), members=20, present=15).elected == ("a",)


def test_an_election_of_k_elects_the_most_voted_who_reach_the_threshold() -> None:
    vote = make_vote(VoteKind.CHOICE, options="abcde", max_choices=2)
    votes = [("a", "b")] * 4 + [("a", "c")] * 3 + [("c", "d")] * 2 + [("e",)]
    result = count(vote, votes, members=20, present=12)
    # 10 ballots: more than half is 6; a 7, c 5, b 4.
    assert (result.ballots, result.required, result.elected) == (10, 6, ("a",))
    votes = [("b", "c")] * 4 + [("c", "b")] * 3 + [("a", "c")] * 2
    result = count(vote, votes, members=20, present=12)
    assert result.elected == ("c", "b")  # most votes first
    assert result.tie is TieBreak.NONE
    assert result.percent("c") == 100.0


def test_a_tie_for_the_last_place() -> None:
    # One place; a and b both have 6 of 8 ballots (above half).
    elect_one = make_vote(VoteKind.CHOICE, options="abc", max_choices=2)
    votes = [("a", "b")] * 4 + [("a",)] * 2 + [("b",)] * 2
    two = count(elect_one, votes, members=9, present=9)
    assert two.elected == ("a", "b")  # both places filled: no tie
    one = make_vote(VoteKind.CHOICE, options="abc", max_choices=1)
    votes = [("a",)] * 3 + [("b",)] * 3
    fails = count(one, votes, members=9, present=9, chair_choice=("a",))
    assert fails.required == 4 and fails.elected == ()  # nobody reached 4
    three = make_vote(VoteKind.CHOICE, options="abc", max_choices=2)
    votes = [("a", "b")] * 3 + [("a", "c")] * 3 + [("b", "c")] * 3 + [("a",)]
    # 10 ballots, 6 needed: a 7, b 6, c 6 -> a elected, b and c tie for the last place.
    fails = count(three, votes, members=10, present=10, chair_choice=("c",))
    assert (fails.elected, fails.tie, fails.passed) == (("a",), TieBreak.FAILED, True)
    chair = make_vote(VoteKind.CHOICE, options="abc", max_choices=2, tie=TieRule.CHAIR)
    decided = count(chair, votes, members=10, present=10, chair_choice=("a", "c"))
    assert (decided.elected, decided.tie) == (("a", "c"), TieBreak.CHAIR)
    for undecided in (("b", "c"), ("a",), None):  # both tied ones, neither, no ballot
        result = count(chair, votes, members=10, present=10, chair_choice=undecided)
        assert (result.elected, result.tie) == (("a",), TieBreak.FAILED)


def test_one_place_cannot_be_tied() -> None:
    """With one choice per ballot, two options cannot both reach more than half: an
    even split elects nobody, whatever the chair chose."""
    one = make_vote(VoteKind.CHOICE, options="abc", max_choices=1, tie=TieRule.CHAIR)
    votes = [("a",)] * 6 + [("b",)] * 6
    result = count(one, votes, members=12, present=12, chair_choice=("a",))
    assert (result.elected, result.tie, result.passed) == ((), TieBreak.NONE, False)


def test_bad_ballots_are_refused_when_counting() -> None:
    with pytest.raises(Invalid):
        count(make_vote(VoteKind.YES_NO), ballots(yes=1, abstain=1), members=3, present=3)
