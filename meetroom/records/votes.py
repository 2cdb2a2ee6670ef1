"""Records of votes: a vote as prepared, opened and closed, the entries of its ballot
board, and its result (see `meetroom.sessions.votes`)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from meetroom.ids import AgendaItemId, DocumentId, MeetingId, ParticipantId, VoteId
from meetroom.records.floor import QuorumState

# The choices of the yes/no kinds, as they appear in a ballot's `choice`.
YES = "yes"
NO = "no"
ABSTAIN = "abstain"

# A ballot's choice: ("yes",), ("no",), ("abstain",), or option ids in the options' order.
Choice = tuple[str, ...]


class VoteKind(enum.StrEnum):
    YES_NO_ABSTAIN = "yes_no_abstain"
    YES_NO = "yes_no"
    CHOICE = "choice"  # among options, one or up to `max_choices` (elections)


class VoteRule(enum.StrEnum):
    """What it takes to pass (see `sessions.votes.counting` for the arithmetic)."""

    CAST_MAJORITY = "cast_majority"  # more yes than no
    MEMBERS_MAJORITY = "members_majority"  # more than half of all voting members
    MEMBERS_TWO_THIRDS = "members_two_thirds"  # at least 2/3 of all voting members
    PRESENT_TWO_THIRDS = "present_two_thirds"  # at least 2/3 of those present at the close


class TieRule(enum.StrEnum):
    FAILS = "fails"
    CHAIR = "chair"  # the side of the chair's ballot wins


class VoteStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class VoteOption:
    id: str  # short, unique within the vote; what a ballot names
    label: str


@dataclass(frozen=True, slots=True)
class Vote:
    id: VoteId
    meeting_id: MeetingId
    agenda_item_id: AgendaItemId | None
    document_id: DocumentId | None
    title: str
    kind: VoteKind
    options: tuple[VoteOption, ...]  # for CHOICE only; empty otherwise
    max_choices: int  # 1 but for elections of up to k
    secret: bool
    rule: VoteRule
    tie: TieRule
    duration_seconds: int | None  # a countdown that closes the vote (None: the chair does)
    require_quorum: bool  # may not open without quorum (unless the chair overrides)
    status: VoteStatus
    created_by: str  # "p:<participant id>" or "u:<user id>"
    created_at: datetime
    opened_at: datetime | None = None
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    quorum_at_open: QuorumState | None = None
    quorum_at_close: QuorumState | None = None
    override_reason: str = ""  # why the chair opened it without quorum
    board_head: str | None = None  # the hash chain's head, fixed at the close
    rerun_of: VoteId | None = None  # the cancelled vote this one runs again


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """One ballot on the published board: what was chosen and the hash of its receipt,
    nothing about who, when or in what order."""

    ballot_hash: str  # hex sha256 of the canonical (vote id, choice, receipt hash)
    choice: Choice
    receipt_hash: str  # hex sha256 of the receipt code


class TieBreak(enum.StrEnum):
    """How a tie was decided, if one mattered."""

    NONE = "none"  # no tie decided the result
    FAILED = "failed"  # a tie: the motion fails, or none of the tied options is elected
    CHAIR = "chair"  # a tie, decided by the chair's ballot


@dataclass(frozen=True, slots=True)
class Result:
    """A vote's count. `counts` has every choice that could be made, in order (yes, no,
    abstain; or the options), zeros included."""

    counts: tuple[tuple[str, int], ...]
    ballots: int  # ballots cast (abstentions included)
    base: int  # what the rule counts against: yes + no, members, or present
    required: int  # yes votes (or an option's votes) needed to pass
    passed: bool  # for CHOICE: at least one option elected
    elected: tuple[str, ...] = ()  # for CHOICE: option ids, most votes first
    tie: TieBreak = TieBreak.NONE

    def count(self, choice: str) -> int:
        return dict(self.counts).get(choice, 0)

    def percent(self, choice: str) -> float:
        """The share of the base, in percent (0 when the base is 0)."""
        return 100 * self.count(choice) / self.base if self.base else 0.0


@dataclass(frozen=True, slots=True)
class Proxy:
    """The principal votes through the proxy in this meeting (one proxy per principal;
    a proxy may hold several; a proxy holds no one's vote through someone else)."""

    meeting_id: MeetingId
    principal_id: ParticipantId
    proxy_id: ParticipantId
    set_by: str  # "p:<participant id>" or "u:<user id>"
    set_at: datetime


@dataclass(frozen=True, slots=True)
class VoteDefaults:
    """A meeting's default for its new votes."""

    rule: VoteRule = VoteRule.CAST_MAJORITY
    tie: TieRule = TieRule.FAILS
    require_quorum: bool = False


# A change of a vote's status, decided under its lock from the vote, its board (while
# open) and the chair's ballot's choice (an open vote's, if any): the vote as it
# becomes, and its result when it closes (see `SqlVoteStore.change_status`).
Step = Callable[[Vote, Sequence[BoardEntry], Choice | None], tuple[Vote, Result | None]]
