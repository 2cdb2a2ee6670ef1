"""JSON bodies of the votes' API: preparing votes, their lifecycle, ballots and their
receipts, the ballot board and the check of a receipt on it, proxies and the meeting's
defaults (see docs/api.md, "Votes"). The meeting socket's messages for the same are in
`protocol.votes`, whose pieces (options, counts, results, quorum) these reuse."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from meetroom.protocol.api import Id, Request, Title
from meetroom.protocol.formats import Instant
from meetroom.protocol.votes import OptionIds, OptionView, QuorumAt, ResultView

Kind = Literal["yes_no_abstain", "yes_no", "choice"]
Rule = Literal["cast_majority", "members_majority", "members_two_thirds", "present_two_thirds"]
Tie = Literal["fails", "chair"]
Status = Literal["draft", "open", "closed", "cancelled"]
# As the domain's bounds (sessions/votes/drafts.py), which check them again and say why.
Label = Annotated[str, msgspec.Meta(max_length=200)]
Labels = Annotated[list[Label], msgspec.Meta(max_length=100)]
MaxChoices = Annotated[int, msgspec.Meta(ge=1, le=100)]
Duration = Annotated[int, msgspec.Meta(ge=10, le=24 * 3600)]
Reason = Annotated[str, msgspec.Meta(max_length=500)]
BallotId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, extra_json_schema={
    "format": "uuid"})]  # fmt: skip
ReceiptCode = Annotated[str, msgspec.Meta(max_length=64)]

# -- votes ------------------------------------------------------------------------------


class VoteIn(Request):
    """A vote to prepare, or a draft's settings (PUT: all of them again). Null: the
    meeting's default (rule, tie, require_quorum); `options` for kind "choice" only,
    2 to 100 labels, their ids "o1", "o2"... in this order; `max_choices` above 1 makes
    it an election; `duration_seconds`: a countdown that closes the vote (null: the
    chair closes it)."""

    title: Title
    item_id: Id | None = None  # an agenda item of the meeting
    document_id: Id | None = None  # a document of the meeting
    kind: Kind = "yes_no_abstain"
    options: Labels = []
    max_choices: MaxChoices = 1
    secret: bool = False
    rule: Rule | None = None
    tie: Tie | None = None  # "chair" is refused for a secret vote
    duration_seconds: Duration | None = None
    require_quorum: bool | None = None


class NamedBallotOut(msgspec.Struct):
    """A ballot of an open (not secret) vote, shown once it is closed."""

    participant_id: str  # whose vote
    name: str
    cast_by: str  # the participant, or their proxy
    cast_by_name: str
    choice: list[str]


class VoteOut(msgspec.Struct):
    id: str
    meeting_id: str
    title: str
    kind: Kind
    options: list[OptionView]
    max_choices: int
    secret: bool
    rule: Rule
    tie: Tie
    duration_seconds: int | None
    require_quorum: bool
    status: Status
    item_id: str | None
    document_id: str | None
    created_at: Instant
    opened_at: Instant | None
    closes_at: Instant | None
    closed_at: Instant | None
    eligible: int  # voting members (at the close, once closed)
    voted: int
    counts: dict[str, int] | None  # once closed: choice -> ballots
    passed: bool | None  # once closed
    result: ResultView | None  # once closed
    quorum_at_open: QuorumAt | None
    quorum_at_close: QuorumAt | None
    override_reason: str  # why the chair opened it without quorum
    board_head: str | None  # the ballot board's hash chain head, fixed at the close
    rerun_of: str | None  # the cancelled vote this one runs again
    ballots: list[NamedBallotOut]  # an open vote's, once closed; never a secret vote's


class VoteDefaultsOut(msgspec.Struct):
    rule: Rule
    tie: Tie
    require_quorum: bool


class VoteDefaultsIn(Request):
    """Each field left out stays as it is."""

    rule: Rule | UnsetType = UNSET
    tie: Tie | UnsetType = UNSET
    require_quorum: bool | UnsetType = UNSET


class MeetingVotes(msgspec.Struct):
    meeting_id: str
    defaults: VoteDefaultsOut
    votes: list[VoteOut]  # oldest first


class OpenIn(Request):
    """`override_reason`: to open a vote that requires quorum without it (recorded)."""

    override_reason: Reason = ""


class CancelIn(Request):
    reason: Reason = ""


# -- ballots ----------------------------------------------------------------------------


class BallotIn(Request):
    """`ballot_id`: a random UUID the client chooses and keeps until it has the
    receipt (sent again, it is the same ballot). `choice`: "yes", "no", "abstain", or
    option ids. `for_participant_id`: the principal, when voting as their proxy."""

    ballot_id: BallotId
    choice: Id | OptionIds
    for_participant_id: Id | None = None


class BallotOut(msgspec.Struct):
    vote_id: str
    ballot_id: str
    receipt: str  # shown to the voter, to find their ballot on the board
    for_participant_id: str


class VoterOut(msgspec.Struct):
    participant_id: str
    name: str
    voted: bool
    proxy: bool  # cast as their proxy


class MyVoters(msgspec.Struct):
    """Whom the caller may cast ballots for in this vote: themselves, their principals."""

    vote_id: str
    voters: list[VoterOut]


class BoardEntryOut(msgspec.Struct):
    ballot_hash: str
    choice: list[str]
    receipt_hash: str  # hex sha256 of the receipt code


class BoardOut(msgspec.Struct):
    """A closed vote's ballots, ordered by ballot hash (nothing of who or when), with
    the chain's head and what the count was made against."""

    vote_id: str
    head: str
    members: int
    present: int
    result: ResultView | None
    entries: list[BoardEntryOut]


class CheckIn(Request):
    receipt: ReceiptCode  # as shown, or typed (any case, with or without dashes)


class CheckOut(msgspec.Struct):
    found: bool
    ballot_hash: str
    choice: list[str]


# -- proxies ----------------------------------------------------------------------------


class ProxyIn(Request):
    principal_id: Id  # who hands on their vote
    proxy_id: Id  # who casts it (while present)


class ProxyOut(msgspec.Struct):
    principal_id: str
    principal_name: str
    proxy_id: str
    proxy_name: str
    set_at: Instant


class MeetingProxies(msgspec.Struct):
    meeting_id: str
    proxies: list[ProxyOut]
