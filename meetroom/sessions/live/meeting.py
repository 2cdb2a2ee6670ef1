"""A meeting's live session as one node holds it: its connections, where the presenter
is, the annotations, and the last sequence number applied.

Operations are applied strictly in sequence order, each exactly once, whether this
node stored them or heard of them from another node or read them from the store: a
client sees every node's operations in the same order, with no gap and no duplicate."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meetroom.bus import Envelope
from meetroom.ids import MeetingId
from meetroom.protocol import live as p
from meetroom.protocol.codec import convert, replace
from meetroom.records.accounts import Principal
from meetroom.records.live import LiveOp
from meetroom.records.meetings import Grant, MeetingStatus
from meetroom.sessions.live.state import Annotations

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Someone connected to a meeting's live session."""

    key: str  # "p:<participant id>", or "u:<user id>" for an admin or secretary account
    name: str
    role: str
    grants: frozenset[Grant]
    principal: Principal


@dataclass
class Connection:
    viewer: Viewer
    deliver: Callable[[Envelope], None]
    following: bool = True
    where: p.Where | None = None
    drawing: dict[str, p.StrokeStart] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)  # document id -> page count


@dataclass
class RemotePart:
    """Who is connected through another node, as it last said."""

    heard: float  # loop time
    people: list[p.PresenceEntry]


@dataclass
class LiveMeeting:
    id: MeetingId
    # Held while anything below changes, and while a client joins (its snapshot, then
    # its place among the connections), so that a join is exact.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_seq: int = 0
    state: p.PresenterState = p.PresenterState()
    state_version: int = 0
    annotations: Annotations = field(default_factory=Annotations)
    # Document id -> the viewer keys its access list names (None: everyone); see
    # live/visibility.py.
    documents: dict[str, frozenset[str] | None] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)
    status: MeetingStatus = MeetingStatus.SCHEDULED
    # Presence: the chair's list, at most one per interval; the parts of other nodes.
    presence_at: float = float("-inf")  # loop time of the last presence list sent
    presence_due: asyncio.TimerHandle | None = None
    presence_changed: bool = True  # this node's part changed since it was published
    remote: dict[str, RemotePart] = field(default_factory=dict)  # node -> its part
    held_since: float = 0.0  # loop time this node loaded it
    # Other nodes: what they published, applied in order by one task under the lock.
    inbox: asyncio.Queue[Envelope | None] = field(default_factory=asyncio.Queue)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    presenter_watch: set[str] = field(default_factory=set)  # presenters who left, watched
    unsubscribe: Callable[[], None] | None = None

    def moderators(self) -> frozenset[str]:
        return frozenset(
            c.viewer.key for c in self.connections.values() if Grant.MODERATOR in c.viewer.grants
        )


# An audience that names this reaches every moderator (the `moderator` grant as their
# connection has it now) on every node, besides the viewer keys it names: the
# secretary's notes go to the chair and the secretary, whoever connects.
MODERATORS = "@moderators"


def reaches(audience: frozenset[str] | None, viewer: Viewer) -> bool:
    """Whether an envelope for `audience` (None: everyone) is for this viewer."""
    return (
        audience is None
        or viewer.key in audience
        or (MODERATORS in audience and Grant.MODERATOR in viewer.grants)
    )


def participant_key(participant_id: str) -> str:
    """How a participant is known in the live session (`Viewer.key`, the presenter,
    annotations' authors); an account that is not a participant is `u:<user id>`."""
    return f"p:{participant_id}"


def stored_state(stored: dict[str, Any]) -> p.PresenterState:
    """The presenter state as stored. Before presenters were keyed, `presenter` was a
    bare participant id (and null meant "the chair")."""
    state = convert(stored, p.PresenterState)
    if state.presenter is not None and ":" not in state.presenter:
        state = replace(state, presenter=participant_key(state.presenter))
    return state


def topic(meeting_id: MeetingId) -> str:
    return f"meeting:{meeting_id}"


def deliver_local(meeting: LiveMeeting, envelope: Envelope) -> None:
    """To this node's clients of the meeting (each one filters what is not for it)."""
    for connection in list(meeting.connections.values()):
        try:
            connection.deliver(envelope)
        except Exception:
            logger.exception("delivering to a client of %s failed", meeting.id)


def apply_op(
    meeting: LiveMeeting, op: LiveOp, origin: str | None = None, heard: Envelope | None = None
) -> Envelope | None:
    """Apply the operation that comes next (`op.seq == last_seq + 1`) and deliver its
    event to this node's clients; returns the event. `heard`: the event as the node that
    stored the operation encoded it (the same bytes: every node applies the same
    operations in the same order)."""
    assert op.seq == meeting.last_seq + 1, (op.seq, meeting.last_seq)
    meeting.last_seq = op.seq
    meeting.annotations.apply(op)
    about = meeting.annotations.document_of(op)  # as this node sees it, whatever was heard
    envelope: Envelope | None
    if heard is not None:
        envelope = dataclasses.replace(heard, document_id=about) if heard.data else None
    else:
        event = meeting.annotations.event_of(op)
        envelope = None if event is None else Envelope(
            event[0], seq=op.seq, audience=event[1], origin=origin, document_id=about
        )  # fmt: skip
    if envelope is not None:
        deliver_local(meeting, envelope)
    return envelope
