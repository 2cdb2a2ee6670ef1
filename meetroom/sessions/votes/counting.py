"""What a ballot may say, and what the ballots decide. Pure: the caller hands in the
vote, the ballots' choices, the number of voting members M and of those present at the
close P, and the chair's choice (for ties).

Yes/no kinds. The rule sets a base and the yes votes required of it:

- cast_majority: base yes + no (abstentions are not counted), passes when yes > no,
  that is yes >= floor(base/2) + 1;
- members_majority: base M, yes > M/2, that is yes >= floor(M/2) + 1 (the rule of
  Vietnamese Government meetings);
- members_two_thirds: base M, 3·yes >= 2·M, that is yes >= ceil(2M/3);
- present_two_thirds: base P, 3·yes >= 2·P, that is yes >= ceil(2P/3).

Nothing passes without a single yes (a base of 0 requires 1). Percentages are of the
base. A tie is yes == no when the rule is not met: under `TieRule.FAILS` the motion
fails; under `TieRule.CHAIR` the side of the chair's ballot wins (as in the
Government's working regulation: equal votes, the side the Prime Minister voted for);
a chair who did not vote or abstained decides nothing, and the motion fails. A tie of
0 to 0 is not a tie (nobody voted either way).

Choice kind (one option, or up to k = max_choices in an election): a ballot names 1..k
distinct options; each option's votes are held against the rule's threshold, with the
base of the rule where cast_majority's base is the ballots cast (an option needs more
than half of the ballots). Elected: the options meeting it, most votes first, at most
k. When more options meet it than places remain and some tie for the last places,
under `TieRule.CHAIR` the chair's ballot decides if it names exactly as many of the
tied options as there are places left (one, usually): those are elected; otherwise,
and under `TieRule.FAILS`, none of the tied options is elected (the meeting votes
again on them).

The chair's choice of a secret vote is the caller's to find: this module only says
how it decides a tie."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from meetroom.errors import N_, Invalid
from meetroom.records.votes import (
    ABSTAIN,
    NO,
    YES,
    Choice,
    Result,
    TieBreak,
    TieRule,
    Vote,
    VoteKind,
    VoteRule,
)


def choices_of(vote: Vote) -> tuple[str, ...]:
    """Every choice a ballot may make, in the order results show them."""
    match vote.kind:
        case VoteKind.YES_NO_ABSTAIN:
            return (YES, NO, ABSTAIN)
        case VoteKind.YES_NO:
            return (YES, NO)
        case VoteKind.CHOICE:
            return tuple(option.id for option in vote.options)


def check_choice(vote: Vote, choice: str | Sequence[str]) -> Choice:
    """The ballot's choice as stored and published: ("yes",), ("no",), ("abstain",),
    or the named option ids in the options' order (so the board shows no order of
    clicks). A yes/no vote takes the word alone or a list of one."""
    if isinstance(choice, str):
        choice = [choice]
    if vote.kind is not VoteKind.CHOICE:
        allowed = choices_of(vote)
        if len(choice) != 1 or choice[0] not in allowed:
            raise Invalid(
                "bad_choice",
                N_("Choose one of: {allowed}."),
                allowed=", ".join(allowed),
            )
        return (choice[0],)
    if not choice:
        raise Invalid("choice_empty", N_("Choose at least one option."))
    if len(set(choice)) != len(choice):
        raise Invalid("choice_repeated", N_("An option is chosen twice."))
    if len(choice) > vote.max_choices:
        raise Invalid(
            "too_many_choices",
            N_("Choose at most {most} options."),
            most=vote.max_choices,
        )
    order = {option_id: i for i, option_id in enumerate(choices_of(vote))}
    unknown = [c for c in choice if c not in order]
    if unknown:
        raise Invalid(
            "unknown_option", N_("This vote has no option “{option}”."), option=unknown[0]
        )
    return tuple(sorted(choice, key=order.__getitem__))


def base_and_required(rule: VoteRule, cast: int, members: int, present: int) -> tuple[int, int]:
    """The base the rule counts against and the votes it requires. `cast` is yes + no
    for the yes/no kinds and the ballots cast for the choice kind."""
    match rule:
        case VoteRule.CAST_MAJORITY:
            base, need = cast, cast // 2 + 1
        case VoteRule.MEMBERS_MAJORITY:
            base, need = members, members // 2 + 1
        case VoteRule.MEMBERS_TWO_THIRDS:
            base, need = members, -(-2 * members // 3)
        case VoteRule.PRESENT_TWO_THIRDS:
            base, need = present, -(-2 * present // 3)
    return base, max(1, need)


def count(
    vote: Vote,
    ballots: Iterable[Choice],
    *,
    members: int,
    present: int,
    chair_choice: Choice | None = None,
) -> Result:
    """The result of these ballots (each checked as `check_choice` does)."""
    tally = dict.fromkeys(choices_of(vote), 0)
    cast = 0
    for ballot in ballots:
        for choice in check_choice(vote, ballot):
            tally[choice] += 1
        cast += 1
    counts = tuple(tally.items())
    if vote.kind is VoteKind.CHOICE:
        return _elect(vote, counts, cast, members, present, chair_choice)
    yes, no = tally[YES], tally[NO]
    base, need = base_and_required(vote.rule, yes + no, members, present)
    passed, tie = yes >= need, TieBreak.NONE
    if not passed and yes == no > 0:
        if vote.tie is TieRule.CHAIR and chair_choice in ((YES,), (NO,)):
            passed, tie = chair_choice == (YES,), TieBreak.CHAIR
        else:
            tie = TieBreak.FAILED
    return Result(counts, cast, base, need, passed, tie=tie)


def _elect(
    vote: Vote,
    counts: tuple[tuple[str, int], ...],
    cast: int,
    members: int,
    present: int,
    chair_choice: Choice | None,
) -> Result:
    base, need = base_and_required(vote.rule, cast, members, present)
    order = {option_id: i for i, (option_id, _) in enumerate(counts)}
    # Most votes first; equal votes in the options' order (only for showing them).
    qualified = sorted(
        ((n, option_id) for option_id, n in counts if n >= need),
        key=lambda pair: (-pair[0], order[pair[1]]),
    )
    places = vote.max_choices
    tie = TieBreak.NONE
    if len(qualified) <= places:
        elected = [option_id for _, option_id in qualified]
    else:
        last = qualified[places - 1][0]
        elected = [option_id for n, option_id in qualified if n > last]
        tied = [option_id for n, option_id in qualified if n == last]
        left = places - len(elected)
        named = [option_id for option_id in tied if chair_choice and option_id in chair_choice]
        if vote.tie is TieRule.CHAIR and len(named) == left:
            elected += named
            tie = TieBreak.CHAIR
        else:
            tie = TieBreak.FAILED
    return Result(counts, cast, base, need, bool(elected), tuple(elected), tie)
