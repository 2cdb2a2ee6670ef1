"""How much one person may store in a meeting's live session, and a meeting in all.

A meeting keeps every annotation ever added (an undo or redo may bring one back) in
each node's memory and every operation in the database, so what can be stored is
bounded: annotations per person per document page, operations (strokes, notes,
erasures, undo, redo, chat) per person per meeting, and their weight per person and
per meeting. The weight of an operation approximates what it costs a node's memory
(see live/state.py): 16 bytes per point, its text, and a fixed part for the record.
Counted as operations are applied, in sequence order, so every node agrees; checked
before storing (two nodes storing at the same moment may pass a limit by one each)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from meetroom.errors import N_, TooLarge

OP_WEIGHT = 400  # bytes: an operation's record, ids and dictionary entries in memory
POINT_WEIGHT = 16  # bytes: x and y as float64
MB = 1024 * 1024


def cost_of(kind: str, body: dict[str, Any]) -> int:
    """The weight of an operation (its body as stored or about to be)."""
    points = body.get("points")
    text = body.get("text")
    return (
        OP_WEIGHT
        + POINT_WEIGHT * (len(points) if isinstance(points, list) else 0)
        + (len(text.encode()) if isinstance(text, str) else 0)
    )


@dataclass
class Usage:
    """What was stored in a meeting, by whom (the live session's author keys)."""

    on_page: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    weight: Counter[str] = field(default_factory=Counter)
    total: int = 0  # the meeting's weight

    def add(
        self, author: str, kind: str, document_id: str | None, page: int | None, cost: int
    ) -> None:
        if kind in ("stroke", "note"):
            self.on_page[(author, document_id or "", page or 0)] += 1
        self.operations[author] += 1
        self.weight[author] += cost
        self.total += cost


@dataclass(frozen=True)
class Quotas:
    per_page: int = 1000  # annotations one person adds on one page of a document
    per_person: int = 10_000  # operations one person stores in a meeting
    person_mb: float = 16.0  # their weight
    meeting_mb: float = 64.0  # the weight of everything stored in a meeting

    def check(
        self, usage: Usage, author: str, kind: str, document_id: str | None, page: int | None,
        cost: int,
    ) -> None:  # fmt: skip
        """Raises TooLarge (code `annotation_quota`, or `chat_quota` for chat) if
        storing this operation would pass a limit."""
        code = "chat_quota" if kind == "chat" else "annotation_quota"
        if kind in ("stroke", "note"):
            if usage.on_page[(author, document_id or "", page or 0)] >= self.per_page:
                raise TooLarge(
                    code,
                    N_("You have added {n} annotations to this page, the most one person "
                       "may add to a page."),
                    n=self.per_page,
                )  # fmt: skip
        if usage.operations[author] >= self.per_person:
            raise TooLarge(
                code,
                N_("You have stored {n} annotations, changes and chat messages in this "
                   "meeting, the most one person may store."),
                n=self.per_person,
            )  # fmt: skip
        if usage.weight[author] + cost > self.person_mb * MB:
            raise TooLarge(
                code,
                N_("Your annotations and chat messages in this meeting have reached {mb} MB, "
                   "the most one person may store."),
                mb=f"{self.person_mb:g}",
            )  # fmt: skip
        if usage.total + cost > self.meeting_mb * MB:
            raise TooLarge(
                code,
                N_("The annotations and chat messages of this meeting have reached {mb} MB, "
                   "the most a meeting may store."),
                mb=f"{self.meeting_mb:g}",
            )  # fmt: skip
