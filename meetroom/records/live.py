"""Records of the live session: its stored annotation operations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class LiveOp:
    """One stored annotation operation of a meeting's live session."""

    seq: int
    op_id: str
    author: str  # "p:<participant id>" or "u:<user id>"
    kind: str  # stroke | note | erase | undo | redo
    layer: str | None
    document_id: str | None
    page: int | None
    target: str | None  # of an erase, undo or redo
    body: dict[str, Any]
