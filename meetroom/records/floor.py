"""Records of the floor: attendance marked by hand, the quorum rule and its changes,
requests to speak, the floor's state and the speech log (see `meetroom.sessions.floor`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from meetroom.ids import AgendaItemId, MeetingId, ParticipantId


class AttendanceMark(enum.StrEnum):
    """What the secretary or chair marked by hand, for someone without a device or
    someone who left while their tablet stayed connected."""

    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class HandMark:
    meeting_id: MeetingId
    participant_id: ParticipantId
    state: AttendanceMark
    reason: str
    set_by: str  # "p:<participant id>" or "u:<user id>"
    set_by_name: str
    set_at: datetime


class QuorumKind(enum.StrEnum):
    NONE = "none"
    MAJORITY = "majority"  # more than half of the voting members
    TWO_THIRDS = "two_thirds"  # at least two thirds
    AT_LEAST = "at_least"  # at least N members


@dataclass(frozen=True, slots=True)
class QuorumRule:
    kind: QuorumKind = QuorumKind.MAJORITY
    value: int | None = None  # N, for AT_LEAST only


@dataclass(frozen=True, slots=True)
class QuorumState:
    rule: QuorumRule
    members: int  # voting members
    present: int  # of them, present
    required: int
    reached: bool


@dataclass(frozen=True, slots=True)
class QuorumChange:
    """One entry of the quorum's log: the state from `at` on."""

    meeting_id: MeetingId
    seq: int
    at: datetime
    rule: QuorumRule
    present: int
    members: int
    required: int
    reached: bool


class SpeechKind(enum.StrEnum):
    ORDINARY = "ordinary"
    POINT_OF_ORDER = "point_of_order"
    FOR = "for"
    AGAINST = "against"


class RequestStatus(enum.StrEnum):
    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # by the person who asked
    REMOVED = "removed"  # by the chair


# A person has at most one of these at a time (also a database constraint).
OPEN_STATUSES = frozenset({RequestStatus.WAITING, RequestStatus.SPEAKING})


@dataclass(frozen=True, slots=True)
class SpeakerRequest:
    id: str  # the server's id (for the API's /speakers/{id})
    client_id: str  # chosen by the client: a repeated ask is the same request
    meeting_id: MeetingId
    participant_id: ParticipantId
    name: str
    kind: SpeechKind
    subject: str  # of a point of order; empty otherwise
    agenda_item_id: AgendaItemId | None
    asked_at: datetime
    # Whether MeetRoom may open their microphone in the video when they get the floor.
    mic_consent: bool
    # Order in the queue (1 first) while waiting; kept as it was once it is not.
    position: int
    status: RequestStatus = RequestStatus.WAITING
    closed_at: datetime | None = None  # when it was done, withdrawn or removed

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class FloorState:
    """A meeting's floor, as stored: every request of the meeting (open and closed, for
    the per-item limits and repeated client ids), who speaks since when, the settings."""

    meeting_id: MeetingId
    version: int = 0  # bumped by every change: clients resume from it
    requests: tuple[SpeakerRequest, ...] = ()
    current_id: str | None = None  # the speaking request
    speech_started_at: datetime | None = None
    speech_limit: int | None = None  # seconds for this speech (None: no limit)
    default_limit: int | None = 180  # seconds, the meeting's default
    per_person_limit: int | None = None  # requests per person and agenda item
    list_closed: bool = False
    updated_at: datetime | None = None
    _by_id: dict[str, SpeakerRequest] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        self._by_id.update((r.id, r) for r in self.requests)

    def get(self, request_id: str) -> SpeakerRequest | None:
        return self._by_id.get(request_id)

    @property
    def current(self) -> SpeakerRequest | None:
        return self._by_id.get(self.current_id) if self.current_id else None

    @property
    def queue(self) -> list[SpeakerRequest]:
        """The waiting requests, first to speak first."""
        waiting = [r for r in self.requests if r.status is RequestStatus.WAITING]
        return sorted(waiting, key=lambda r: (r.position, r.asked_at, r.id))


@dataclass(frozen=True, slots=True)
class Speech:
    """One entry of the speech log (one per request given the floor)."""

    meeting_id: MeetingId
    request_id: str
    participant_id: ParticipantId
    name: str
    agenda_item_id: AgendaItemId | None
    kind: SpeechKind
    started_at: datetime
    seconds: int
    limit: int | None
    overrun: int  # seconds beyond the limit (0 within it, or without a limit)


class FloorAction(enum.StrEnum):
    ASKED = "asked"
    WITHDRAWN = "withdrawn"
    REMOVED = "removed"
    REORDERED = "reordered"
    GIVEN = "given"
    ENDED = "ended"
    CLOSED = "closed"
    REOPENED = "reopened"
    TIME_CHANGED = "time_changed"
    SETTINGS = "settings"


@dataclass(frozen=True, slots=True)
class FloorEvent:
    """What changed, to tell every client (they then show `state`, or ask for it
    again if they missed a version)."""

    action: FloorAction
    version: int
    request: SpeakerRequest | None = None
    speech: Speech | None = None  # the speech that ended with this change


@dataclass(frozen=True, slots=True)
class Outcome:
    state: FloorState
    event: FloorEvent | None  # None: nothing changed (nothing to store or tell)
    request: SpeakerRequest | None = None  # the request the step was about
    speech: Speech | None = None  # a new entry of the speech log

    @property
    def changed(self) -> bool:
        return self.event is not None
