"""What the page pipeline reports, and the task that records rendered pages in batches
so that the workers never wait for the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from meetroom.pdf.rejection import PdfRejected
from meetroom.pdf.worker import RenderedPage

logger = logging.getLogger(__name__)

MAX_BATCH = 64
# Pages come every few milliseconds while a file is processed; gathering them for a
# moment makes one transaction of many (each costs the server ~2 ms of CPU).
BATCH_WINDOW_S = 0.05


class IngestProgress(Protocol):
    """Where the pipeline reports what it learns (the file store)."""

    async def set_inspected(
        self, sha256: str, pages: int, title: str | None, outline: Sequence[Any],
        warnings: Sequence[str],
    ) -> None: ...  # fmt: skip
    async def add_pages(self, sha256: str, pages: Sequence[RenderedPage]) -> None: ...
    async def set_ready(self, sha256: str) -> None: ...
    async def set_rejected(self, sha256: str, error: PdfRejected) -> None: ...
    async def page_total(self, sha256: str) -> int: ...


class PageRecorder:
    """Records rendered pages (their size and text) in one transaction per batch; each
    page's future completes once its record is stored."""

    def __init__(self, progress: IngestProgress) -> None:
        self.progress = progress
        self._queue: asyncio.Queue[tuple[str, RenderedPage, asyncio.Future[RenderedPage]]] = (
            asyncio.Queue()
        )
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="page-records")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def record(self, sha256: str, page: RenderedPage, done: asyncio.Future[RenderedPage]) -> None:
        self._queue.put_nowait((sha256, page, done))

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            deadline = asyncio.get_running_loop().time() + BATCH_WINDOW_S
            while len(batch) < MAX_BATCH:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                except TimeoutError:
                    break
            by_file: dict[str, list[tuple[RenderedPage, asyncio.Future[RenderedPage]]]] = {}
            for sha256, page, done in batch:
                by_file.setdefault(sha256, []).append((page, done))
            for sha256, items in by_file.items():
                try:
                    await self.progress.add_pages(sha256, [page for page, _ in items])
                except Exception as exc:
                    logger.exception("recording pages of %s failed", sha256[:12])
                    for _, done in items:
                        if not done.done():
                            done.set_exception(exc)
                            done.exception()
                    continue
                for page, done in items:
                    if not done.done():
                        done.set_result(page)
