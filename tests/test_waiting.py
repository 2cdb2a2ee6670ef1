"""tests/waiting.py, the suite's one way of waiting for something: it returns the first
true answer, takes async conditions, and fails in time saying what did not happen."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.waiting import until, until_sync


async def test_until_returns_the_first_true_answer() -> None:
    answers = iter([None, 0, {}, {"status": "ready"}, {"status": "later"}])
    assert await until(lambda: next(answers), timeout=1, interval=0) == {"status": "ready"}


async def test_until_awaits_an_async_condition() -> None:
    calls = 0

    async def third_time() -> str | None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        return "done" if calls == 3 else None

    assert await until(third_time, timeout=1, interval=0) == "done"
    assert calls == 3


async def test_until_fails_after_the_timeout_with_the_message() -> None:
    seen = []
    start = time.monotonic()
    with pytest.raises(AssertionError, match=r"^not within 0.2 s: asked \d+ times$"):
        await until(lambda: seen.append(1), 0.2, lambda: f"asked {len(seen)} times")
    assert 0.2 <= time.monotonic() - start < 2
    assert len(seen) > 2  # asked again and again meanwhile
    with pytest.raises(AssertionError, match=r"^not within 0 s$"):
        await until(lambda: False, 0)


async def test_until_lets_the_conditions_own_failure_through_at_once() -> None:
    def broken() -> bool:
        raise AssertionError("wrong on the way")

    with pytest.raises(AssertionError, match="wrong on the way"):
        await until(broken, timeout=60)


def test_until_sync() -> None:
    answers = iter([False, False, "yes"])
    assert until_sync(lambda: next(answers), timeout=1, interval=0) == "yes"
    with pytest.raises(AssertionError, match=r"^not within 0.1 s: never$"):
        until_sync(lambda: None, 0.1, "never", interval=0.01)
