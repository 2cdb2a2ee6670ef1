"""Votes over the meeting WebSocket: a ballot and its receipt, and what every client is
told of the meeting's vote (see `meetroom.sessions.votes`).

Every client gets the meeting's current vote (`vote`) on joining (the open one, else
the last one closed or cancelled) and whenever it opens, closes or is cancelled; while
it is open, `vote_count` says how many have voted out of how many may, at most every
half second. Results come with the closing `vote`. The chair prepares, opens and closes
votes through the API (`/api/meetings/{id}/votes`, `/api/votes/{id}/...`)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from meetroom.protocol.live import ClientMessage, Id, ServerMessage

OptionIds = Annotated[list[Id], msgspec.Meta(min_length=1, max_length=100)]

# -- client to server --------------------------------------------------------------------


class VoteCast(ClientMessage, tag="vote_cast"):
    """A ballot. `ballot_id`: a random UUID the client chooses and keeps until it has
    the receipt, so that sending it again (a lost answer, a reconnection) is the same
    ballot. `choice`: "yes", "no", "abstain", or option ids. `for_participant_id`: the
    principal, when voting as their proxy (null: for oneself)."""

    vote_id: Id
    ballot_id: Id
    choice: Id | OptionIds
    for_participant_id: Id | None = None


VoteClientMessages = VoteCast


# -- server to client --------------------------------------------------------------------


class OptionView(msgspec.Struct, frozen=True):
    id: str
    label: str


class CountView(msgspec.Struct, frozen=True):
    choice: str  # "yes", "no", "abstain" or an option id
    count: int
    percent: float  # of the rule's base, 0 when the base is 0


class ResultView(msgspec.Struct, frozen=True, omit_defaults=True):
    counts: list[CountView]
    ballots: int  # cast, abstentions included
    base: int  # what the rule counts against (yes + no, members, or present)
    required: int  # votes needed to pass (or to be elected)
    passed: bool
    elected: list[str] = []  # option ids, most votes first
    tie: str = "none"  # "none", "failed" or "chair"


class QuorumAt(msgspec.Struct, frozen=True):
    members: int
    present: int
    required: int
    reached: bool


class ProxyView(msgspec.Struct, frozen=True):
    principal_id: str
    principal_name: str
    proxy_id: str


class VoteView(ServerMessage, tag="vote"):
    """The meeting's vote as it is. `now`: the server's clock, for the countdown."""

    id: str
    title: str
    kind: str  # "yes_no_abstain", "yes_no" or "choice"
    status: str  # "draft", "open", "closed" or "cancelled"
    secret: bool
    rule: str
    tie: str
    now: str
    voted: int
    eligible: int
    options: list[OptionView] = []
    max_choices: int = 1
    agenda_item_id: str | None = None
    document_id: str | None = None
    opened_at: str | None = None
    closes_at: str | None = None
    closed_at: str | None = None
    quorum_at_open: QuorumAt | None = None
    quorum_at_close: QuorumAt | None = None
    override_reason: str = ""
    result: ResultView | None = None
    board_head: str | None = None
    proxies: list[ProxyView] = []  # who votes for whom in this meeting


class VoteCount(ServerMessage, tag="vote_count"):
    """How many have voted out of how many may (never how). `at`: when counted; a
    client keeps the latest."""

    vote_id: str
    voted: int
    eligible: int
    at: str


class VoteReceipt(ServerMessage, tag="vote_receipt"):
    """The reply to `vote_cast`: the ballot is stored. The same `receipt` again for a
    resent ballot (`resent` true)."""

    vote_id: str
    ballot_id: str
    receipt: str
    for_participant_id: str
    resent: bool = False
