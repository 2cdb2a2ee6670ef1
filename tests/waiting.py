"""Waiting for what happens in its own time (in another task, worker, process, node or
browser): `until` asks again and again until the answer is yes, and fails saying what
did not happen if the time runs out first. `until_sync` is the same for code without an
event loop (the browser tests, under Playwright's sync API).

    await until(lambda: len(tablet.messages) >= 3, timeout=10, message="three messages")
    body = await until(ready, timeout=60)  # an async function: its first true answer

A condition that raises fails at once: assertions about what must hold on the way go
into the condition itself.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

T = TypeVar("T")

Message = str | Callable[[], object]


def _failure(timeout: float, message: Message) -> AssertionError:
    what = message() if callable(message) else message
    return AssertionError(f"not within {timeout} s: {what}" if what else f"not within {timeout} s")


@overload
async def until(
    condition: Callable[[], Awaitable[T]],
    timeout: float = ...,
    message: Message = ...,
    interval: float = ...,
) -> T: ...


@overload
async def until(
    condition: Callable[[], T],
    timeout: float = ...,
    message: Message = ...,
    interval: float = ...,
) -> T: ...


async def until(
    condition: Callable[[], object],
    timeout: float = 5.0,
    message: Message = "",
    interval: float = 0.01,
) -> object:
    """Call `condition` (a function or an async one) every `interval` seconds until it
    returns something true, and return that. After `timeout` seconds fail, with
    `message`: a text, or a function that says then what was seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        answer = condition()
        if inspect.isawaitable(answer):
            answer = await answer
        if answer:
            return answer
        if loop.time() >= deadline:
            raise _failure(timeout, message)
        await asyncio.sleep(interval)


def until_sync(
    condition: Callable[[], T], timeout: float = 5.0, message: Message = "", interval: float = 0.05
) -> T:
    """`until` without an event loop: blocks between the calls."""
    deadline = time.monotonic() + timeout
    while True:
        answer = condition()
        if answer:
            return answer
        if time.monotonic() >= deadline:
            raise _failure(timeout, message)
        time.sleep(interval)
