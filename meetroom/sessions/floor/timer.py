"""Speaking time: the countdown of the current speech, its warning and its overrun.
Nobody is cut off: past the limit the time is counted up as overrun, and the chair
ends the speech. Clients count down on their own from the start and the limit (so a
slow network does not slow the clock); this is the server's view of the same, for the
API, the projector and the warning event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from meetroom.records.floor import FloorState

WARNING_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Timer:
    started_at: datetime
    limit: int | None  # seconds; None: no limit
    elapsed: int
    remaining: int | None  # None without a limit; 0 once it is up
    warning: bool  # within the last WARNING_SECONDS before the end
    overrun: int  # seconds past the limit


def timer(state: FloorState, now: datetime) -> Timer | None:
    """The current speech's time at `now` (None: nobody speaks)."""
    started = state.speech_started_at
    if state.current_id is None or started is None:
        return None
    elapsed = max(0, int((now - started).total_seconds()))
    limit = state.speech_limit
    if limit is None:
        return Timer(started, None, elapsed, None, False, 0)
    remaining = max(0, limit - elapsed)
    return Timer(
        started_at=started, limit=limit, elapsed=elapsed, remaining=remaining,
        warning=0 < remaining <= WARNING_SECONDS, overrun=max(0, elapsed - limit),
    )  # fmt: skip


def warning_at(state: FloorState) -> datetime | None:
    """When the current speech's warning is due (None: no limit, or nobody speaks); a
    limit shorter than the warning warns at once."""
    started = state.speech_started_at
    if state.current_id is None or started is None or state.speech_limit is None:
        return None
    return started + timedelta(seconds=max(0, state.speech_limit - WARNING_SECONDS))


def ends_at(state: FloorState) -> datetime | None:
    """When the current speech's time is up (None: no limit, or nobody speaks)."""
    started = state.speech_started_at
    if state.current_id is None or started is None or state.speech_limit is None:
        return None
    return started + timedelta(seconds=state.speech_limit)
