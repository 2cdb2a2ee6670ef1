"""The event bus between the clients of a meeting: in-process here, Redis when several
nodes serve the same meetings (a later issue)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event, encoded once, for every subscriber of a topic.

    `audience`: None for everyone, else the viewer keys that may receive it (a private
    annotation reaches its author's devices only). `seq`: the event's sequence number
    in its meeting, 0 for events that are not stored (page turns, live drawing)."""

    data: bytes
    seq: int = 0
    audience: frozenset[str] | None = None
    # The connection that caused it, which may not need it back.
    origin: str | None = None
