"""What the live session needs from the layers below it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from meetroom.bus import Envelope
from meetroom.ids import DocumentId, MeetingId
from meetroom.records import LiveOp, Principal


class LiveStore(Protocol):
    async def append(
        self, meeting_id: MeetingId, op: LiveOp, now: datetime
    ) -> tuple[LiveOp, bool]: ...
    async def ops(self, meeting_id: MeetingId, after: int = 0) -> list[LiveOp]: ...
    async def state(self, meeting_id: MeetingId) -> tuple[int, dict[str, Any] | None]: ...
    async def save_presenter(
        self, meeting_id: MeetingId, presenter: dict[str, Any], now: datetime
    ) -> None: ...


class LiveBus(Protocol):
    def subscribe(
        self, topic: str, subscriber: Callable[[Envelope], None]
    ) -> Callable[[], None]: ...
    def publish(self, topic: str, envelope: Envelope) -> None: ...


class DocumentPages(Protocol):
    """How many pages a document of the meeting has, if `actor` may see it (raises
    NotFound or Forbidden otherwise)."""

    async def pages_for(
        self, actor: Principal, meeting_id: MeetingId, document_id: DocumentId
    ) -> int: ...
