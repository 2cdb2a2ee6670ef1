"""A priority queue of tasks that can show its head, so that a worker can take several
neighbouring pages in one call without passing over anything more urgent."""

from __future__ import annotations

import asyncio
import heapq
from typing import Generic, TypeVar

T = TypeVar("T")
# (priority, arrival number, task): the number keeps equal priorities in arrival order.
Entry = tuple[tuple[int, int, int, int], int, T]


class TaskQueue(Generic[T]):
    def __init__(self) -> None:
        self._heap: list[Entry[T]] = []
        self._ready = asyncio.Event()

    def put(self, entry: Entry[T]) -> None:
        heapq.heappush(self._heap, entry)
        self._ready.set()

    def peek(self) -> Entry[T] | None:
        return self._heap[0] if self._heap else None

    def pop_now(self) -> Entry[T]:
        entry = heapq.heappop(self._heap)
        if not self._heap:
            self._ready.clear()
        return entry

    async def pop(self) -> Entry[T]:
        while not self._heap:
            await self._ready.wait()
        return self.pop_now()
