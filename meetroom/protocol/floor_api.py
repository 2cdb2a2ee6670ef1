"""JSON bodies of the floor's API: the quorum and its log, attendance marked by hand,
the speakers' queue and the chair's actions, the speech log (see docs/api.md, "Floor
and quorum"). The meeting socket's messages for the same are in `protocol.floor`."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from meetroom.protocol.api import Id, Request
from meetroom.protocol.formats import Instant

Rule = Literal["none", "majority", "two_thirds", "at_least"]
Mark = Literal["present", "excused", "absent"]
Kind = Literal["ordinary", "point_of_order", "for", "against"]
Seconds = Annotated[int, msgspec.Meta(ge=0, le=24 * 3600)]
# As the roll's REASON_MAX and quorum's MAX_AT_LEAST.
Reason = Annotated[str, msgspec.Meta(max_length=500)]
AtLeast = Annotated[int, msgspec.Meta(ge=1, le=10_000)]
PerPerson = Annotated[int, msgspec.Meta(ge=0, le=1000)]

# -- quorum and attendance ------------------------------------------------------------


class QuorumOut(msgspec.Struct):
    """The live quorum: voting members (`can_vote`) present of all, and how many the
    rule requires."""

    rule: Rule
    value: int | None  # N, for "at_least"
    members: int
    present: int
    required: int
    reached: bool


class QuorumRuleIn(Request):
    rule: Rule
    value: AtLeast | None = None  # N, required for "at_least" and ignored otherwise


class QuorumChangeOut(msgspec.Struct):
    """The quorum's state from `at` on (an entry of its log, kept for the minutes)."""

    at: Instant
    rule: Rule
    value: int | None
    members: int
    present: int
    required: int
    reached: bool


class QuorumLog(msgspec.Struct):
    meeting_id: str
    changes: list[QuorumChangeOut]


class AttendanceMarkIn(Request):
    state: Mark
    reason: Reason = ""  # why excused (kept for any state)


class AttendanceMarkOut(msgspec.Struct):
    participant_id: str
    state: Mark
    reason: str
    set_by_name: str
    set_at: Instant


# -- the speakers -----------------------------------------------------------------------


class SpeakerOut(msgspec.Struct):
    id: str
    participant_id: str
    name: str
    kind: Kind
    subject: str
    agenda_item_id: str | None
    asked_at: Instant
    # waiting | speaking | done | withdrawn | removed
    status: str
    position: int  # in the queue, 1 first, while waiting; 0 otherwise
    mic_consent: bool
    closed_at: Instant | None


class FloorOut(msgspec.Struct):
    """The floor now: who speaks since when and for how long, the queue in order."""

    meeting_id: str
    version: int
    now: Instant  # the server's clock, for a countdown
    current: SpeakerOut | None
    started_at: Instant | None  # of the current speech
    limit: int | None  # seconds for the current speech (null: no limit)
    queue: list[SpeakerOut]
    # The requests no longer open (spoken, withdrawn, removed), oldest first.
    done: list[SpeakerOut]
    list_closed: bool
    default_limit: int | None
    per_person_limit: int | None
    warning_seconds: int


class AskIn(Request):
    """`client_id`: chosen by the client; asking again with it is the same request
    (left out: the server chooses one, and a repeated call is a second request, refused
    while the first is open)."""

    client_id: Id | None = None
    kind: Kind = "ordinary"
    subject: Annotated[str, msgspec.Meta(max_length=200)] = ""  # a point of order's
    agenda_item_id: Id | None = None
    mic_consent: bool = False


class GiveIn(Request):
    """To `request_id`, or (left out or null) the next in the queue; `limit`: seconds
    for this speech, null for none, left out for the meeting's default."""

    request_id: Id | None = None
    limit: Seconds | None | UnsetType = UNSET


class OrderIn(Request):
    """Every waiting request's id, first to speak first."""

    order: Annotated[list[Id], msgspec.Meta(max_length=1000)]


class FloorSettingsIn(Request):
    """Each field left out is left as it is; null: no limit."""

    list_closed: bool | UnsetType = UNSET  # closed: only points of order are taken
    speech_limit: Seconds | None | UnsetType = UNSET  # the current speech's
    default_limit: Seconds | None | UnsetType = UNSET
    per_person_limit: PerPerson | None | UnsetType = UNSET  # requests per agenda item


# -- the speech log ---------------------------------------------------------------------


class SpeechOut(msgspec.Struct):
    request_id: str
    participant_id: str
    name: str
    agenda_item_id: str | None
    agenda_item_title: str
    kind: Kind
    started_at: Instant
    seconds: int
    limit: int | None
    overrun: int  # seconds beyond the limit


class SpeechLog(msgspec.Struct):
    meeting_id: str
    speeches: list[SpeechOut]
