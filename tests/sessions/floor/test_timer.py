"""Speaking time, pure: countdown, the warning 30 s before the end, overrun."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from meetroom.ids import MeetingId
from meetroom.records.floor import FloorState
from meetroom.sessions.floor.timer import ends_at, timer, warning_at

T0 = datetime.now(UTC)
S = timedelta(seconds=1)


def speaking(limit: int | None) -> FloorState:
    return FloorState(MeetingId("m" * 26), current_id="r", speech_started_at=T0, speech_limit=limit)


def test_nobody_speaking() -> None:
    assert timer(FloorState(MeetingId("m" * 26)), T0) is None
    assert warning_at(FloorState(MeetingId("m" * 26))) is None


def test_countdown_warning_and_overrun() -> None:
    state = speaking(120)
    at = timer(state, T0 + 60 * S)
    assert at is not None and (at.elapsed, at.remaining, at.warning, at.overrun) == (
        60,
        60,
        False,
        0,
    )
    at = timer(state, T0 + 90 * S)
    assert at is not None and (at.remaining, at.warning) == (30, True)
    at = timer(state, T0 + 119 * S)
    assert at is not None and (at.remaining, at.warning, at.overrun) == (1, True, 0)
    at = timer(state, T0 + 135 * S)
    assert at is not None and (at.remaining, at.warning, at.overrun) == (0, False, 15)
    assert warning_at(state) == T0 + 90 * S
    assert ends_at(state) == T0 + 120 * S


def test_no_limit_and_short_limit() -> None:
    at = timer(speaking(None), T0 + 500 * S)
    assert at is not None and (at.remaining, at.warning, at.overrun) == (None, False, 0)
    assert warning_at(speaking(None)) is None
    assert warning_at(speaking(20)) == T0  # shorter than the warning: at once
    assert warning_at(dataclasses.replace(speaking(20), current_id=None)) is None
