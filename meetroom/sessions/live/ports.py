"""What the live session needs from the layers below it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from meetroom.bus import Envelope
from meetroom.ids import DocumentId, MeetingId, ParticipantId
from meetroom.records.accounts import Principal
from meetroom.records.live import LiveOp


class LiveStore(Protocol):
    """Operations in per-meeting sequence, numbered by the store (atomically: nodes
    sharing it agree on the order), and the presenter state with its version. Raises
    `Unavailable` when the database cannot be reached."""

    async def append(
        self, meeting_id: MeetingId, op: LiveOp, now: datetime
    ) -> tuple[LiveOp, bool]: ...

    async def ops(
        self, meeting_id: MeetingId, after: int = 0, limit: int | None = None
    ) -> list[LiveOp]:
        """The operations after `after`, in sequence order (the first `limit` of them)."""
        ...

    async def find(self, meeting_id: MeetingId, op_id: str) -> LiveOp | None:
        """The operation stored under `op_id`, if any."""
        ...

    async def state(self, meeting_id: MeetingId) -> tuple[int, dict[str, Any] | None, int]:
        """The last sequence number, the presenter state and its version."""
        ...

    async def save_presenter(
        self, meeting_id: MeetingId, presenter: dict[str, Any], now: datetime
    ) -> int:
        """Store the presenter state; returns its new version (one more than the last)."""
        ...


class LiveBus(Protocol):
    """The other nodes (see bus/__init__.py). A node delivers its own events to its own
    clients; the bus only carries them to the rest."""

    node: str  # this node's id

    def subscribe(self, topic: str, subscriber: Callable[[Envelope], None]) -> Callable[[], None]:
        """Envelopes other nodes publish on `topic`, on the event loop, one at a time,
        in each node's publishing order; returns the function that stops it."""
        ...

    def publish(self, topic: str, envelope: Envelope) -> None:
        """To the other nodes. Never blocks; while the bus is down the envelope is lost
        (and the nodes resync when it is back)."""
        ...

    def on_resync(self, callback: Callable[[], None]) -> None:
        """`callback` runs when the bus is back after an outage: envelopes may have been
        lost, and what a node holds must be read again from the durable store."""
        ...


class DocumentPages(Protocol):
    async def pages_for(
        self, actor: Principal, meeting_id: MeetingId, document_id: DocumentId
    ) -> int:
        """How many pages a document of the meeting has, if `actor` may see it (raises
        NotFound or Forbidden otherwise)."""
        ...

    async def access_lists(
        self, meeting_id: MeetingId
    ) -> dict[DocumentId, frozenset[ParticipantId] | None]:
        """Every document of the meeting with who may see it: None for every
        participant, else those listed (and always the meeting's chair and secretary,
        and those who manage meetings)."""
        ...
