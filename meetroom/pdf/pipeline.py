"""Turning stored PDFs into page images, in worker processes, in the order people need
them: any page someone is waiting for first, then the first pages of every new
document, then documents in upload order.

Pages are made in two passes. The first makes every page ready as JPEG (libjpeg-turbo
encodes a tablet page in ~7 ms) so a document is readable seconds after its upload;
the second, when nothing else waits, re-renders the pages as WebP (~70 ms a page,
40 % fewer bytes), which then replaces the JPEG for clients that accept WebP."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from meetroom.pdf.imaging import ImageFormat
from meetroom.pdf.limits import Limits
from meetroom.pdf.pool import WorkerPool
from meetroom.pdf.progress import IngestProgress, PageRecorder
from meetroom.pdf.rejection import PdfRejected, WorkerCrashed
from meetroom.pdf.storage import BlobStore
from meetroom.pdf.task_queue import TaskQueue
from meetroom.pdf.worker import (
    PageOutput,
    PdfInfo,
    RenderedPage,
    inspect_pdf,
    render_page,
    render_pages,
)

logger = logging.getLogger(__name__)

THUMBNAIL = 240
TABLET = 1600
LARGE = 2400
WIDTHS = (THUMBNAIL, TABLET, LARGE)
Outputs = tuple[tuple[int, str], ...]
# First pass: every page at tablet width, fast to encode. Second pass: smaller files,
# and the thumbnails (asked for before then, one is rendered on the spot in ~3 ms).
READY_OUTPUTS: Outputs = ((TABLET, "jpeg"),)
OPTIMIZED_OUTPUTS: Outputs = ((TABLET, "webp"), (THUMBNAIL, "webp"))

URGENT, FIRST_PAGES, BACKGROUND, OPTIMIZE = 0, 1, 2, 3
FIRST_PAGES_COUNT = 2
# Background pages go to a worker a few at a time (~100 ms of work): fewer messages and
# wake-ups, and an urgent page still waits for one batch at most.
BATCH_PAGES = 8


def image_format(fmt: str) -> ImageFormat:
    if fmt in ("webp", "jpeg"):
        return cast(ImageFormat, fmt)
    raise ValueError(f"unknown image format {fmt!r}")


def standard_width(requested: int | None) -> int:
    """The smallest standard width at least as wide as asked (the largest if wider)."""
    if requested is None:
        return TABLET
    return next((w for w in WIDTHS if w >= requested), LARGE)


@dataclass(frozen=True, slots=True)
class PageFile:
    path: Path
    fmt: str
    # False when a JPEG stands in for a WebP not made yet: not to be cached for long.
    final: bool = True


def _new_future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


@dataclass
class _Job:
    sha256: str
    seq: int
    deadline: float
    finished: asyncio.Future[None] = field(default_factory=lambda: _new_future())
    inspected: asyncio.Future[int] = field(default_factory=lambda: _new_future())


@dataclass
class _Task:
    key: tuple[str, int, Outputs]
    future: asyncio.Future[RenderedPage]
    job: _Job | None = None
    started: bool = False


class Pipeline:
    def __init__(
        self, pool: WorkerPool, blobs: BlobStore, limits: Limits, progress: IngestProgress
    ) -> None:
        self.pool = pool
        self.blobs = blobs
        self.limits = limits
        self.progress = progress
        self._records = PageRecorder(progress)
        self._queue: TaskQueue[_Task] = TaskQueue()
        self._counter = itertools.count()
        self._tasks: dict[tuple[str, int, Outputs], _Task] = {}
        self._jobs: dict[str, _Job] = {}
        self._optimizing: set[str] = set()
        self._workers: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        await self.pool.start()
        self._records.start()
        self._workers = [
            asyncio.create_task(self._consume(), name=f"render-{i}") for i in range(self.pool.size)
        ]

    async def close(self) -> None:
        for task in [*self._workers, *self._background]:
            task.cancel()
        await asyncio.gather(*self._workers, *self._background, return_exceptions=True)
        await self._records.close()
        await self.pool.close()

    # -- ingest ----------------------------------------------------------------

    def ingest(self, sha256: str, done_pages: Sequence[int] = ()) -> asyncio.Future[None]:
        """Start processing a stored file (once); the future ends when every page is
        ready, or the file is rejected. `done_pages` were finished before a restart and
        are not redone."""
        job = self._jobs.get(sha256)
        if job is None:
            deadline = time.monotonic() + self.limits.document_timeout_s
            job = _Job(sha256, next(self._counter), deadline)
            self._jobs[sha256] = job
            self._spawn(self._run_job(job, set(done_pages)))
        return job.finished

    def is_ingesting(self, sha256: str) -> bool:
        return sha256 in self._jobs

    async def page_count(self, sha256: str) -> int | None:
        """The number of pages once known; None if the file is not being processed."""
        job = self._jobs.get(sha256)
        return None if job is None else await asyncio.shield(job.inspected)

    async def _run_job(self, job: _Job, done_pages: set[int]) -> None:
        path = str(self.blobs.original(job.sha256))
        try:
            info: PdfInfo = await self.pool.call(
                inspect_pdf, path, self.limits, timeout=self.limits.page_timeout_s
            )
            await self.progress.set_inspected(
                job.sha256, info.pages, info.title, info.outline, info.warnings
            )
            job.inspected.set_result(info.pages)
            todo = sorted(set(range(1, info.pages + 1)) - done_pages)
            # asyncio.wait, not wait_for: the page futures are shared with people waiting
            # for a page, and must not be cancelled by this job's deadline.
            pending = {self._render(job.sha256, p, READY_OUTPUTS, job=job) for p in todo}
            while pending:
                remaining_time = job.deadline - time.monotonic()
                if remaining_time <= 0:
                    raise self._too_slow()
                done, pending = await asyncio.wait(
                    pending, timeout=remaining_time, return_when=asyncio.FIRST_EXCEPTION
                )
                for future in done:
                    future.result()
            await self.progress.set_ready(job.sha256)
            logger.info("file %s ready: %d pages", job.sha256[:12], info.pages)
            self.optimize(job.sha256, info.pages)
        except PdfRejected as error:
            logger.info("file %s rejected: %s", job.sha256[:12], error.code)
            self._reject(job.sha256, error)
            await self.progress.set_rejected(job.sha256, error)
        except Exception:
            logger.exception("processing %s failed", job.sha256[:12])
            broken = PdfRejected("malformed")
            self._reject(job.sha256, broken)
            await self.progress.set_rejected(job.sha256, broken)
        finally:
            self._jobs.pop(job.sha256, None)
            if not job.inspected.done():
                job.inspected.set_exception(PdfRejected("malformed"))
                job.inspected.exception()
            if not job.finished.done():
                job.finished.set_result(None)

    def _too_slow(self) -> PdfRejected:
        return PdfRejected("too_slow", seconds=int(self.limits.document_timeout_s))

    def _reject(self, sha256: str, error: PdfRejected) -> None:
        for key, task in list(self._tasks.items()):
            if key[0] == sha256:
                if not task.future.done():
                    task.future.set_exception(error)
                    task.future.exception()  # retrieved: nobody may be waiting
                del self._tasks[key]
        self.blobs.remove_renders(sha256)

    def optimize(self, sha256: str, pages: int) -> None:
        """Queue the WebP pass for the pages that lack it, behind all other work."""
        if sha256 in self._optimizing:
            return
        self._optimizing.add(sha256)
        futures = [
            self._render(sha256, page, OPTIMIZED_OUTPUTS, klass=OPTIMIZE)
            for page in range(1, pages + 1)
            if not self.blobs.page(sha256, page, TABLET, "webp").exists()
        ]
        self._spawn(self._optimized(sha256, futures))

    async def _optimized(self, sha256: str, futures: list[asyncio.Future[RenderedPage]]) -> None:
        try:
            await asyncio.gather(*futures, return_exceptions=True)
        finally:
            self._optimizing.discard(sha256)

    # -- pages -----------------------------------------------------------------

    async def page_image(self, sha256: str, page: int, width: int, fmt: str) -> PageFile:
        """The rendered page, rendering it now (ahead of the queue) if need be. While
        its WebP is not made yet, a client that accepts WebP gets the tablet JPEG."""
        wanted = self.blobs.page(sha256, page, width, fmt)
        if wanted.exists():
            return PageFile(wanted, fmt)
        if width != TABLET:
            # Thumbnails and large pages are cheap, or rare: made as asked.
            await self._render(sha256, page, ((width, fmt),), klass=URGENT)
            return PageFile(wanted, fmt)
        ready = self.blobs.page(sha256, page, TABLET, "jpeg")
        if not ready.exists():
            await self._render(sha256, page, READY_OUTPUTS, klass=URGENT)
        if fmt == "jpeg":
            return PageFile(ready, "jpeg")
        if not self.is_ingesting(sha256):
            # Made before the WebP pass existed, or the server stopped during it.
            self.optimize(sha256, await self.progress.page_total(sha256))
        return PageFile(ready, "jpeg", final=False)

    def _render(
        self,
        sha256: str,
        page: int,
        outputs: Outputs,
        job: _Job | None = None,
        klass: int | None = None,
    ) -> asyncio.Future[RenderedPage]:
        key = (sha256, page, outputs)
        task = self._tasks.get(key)
        if task is None:
            task = _Task(key, asyncio.get_running_loop().create_future(), job)
            self._tasks[key] = task
        elif job is not None and task.job is None:
            task.job = job
        if klass is None:
            klass = FIRST_PAGES if page <= FIRST_PAGES_COUNT else BACKGROUND
        rank = page if klass == FIRST_PAGES else 0
        seq = job.seq if job else 0
        if not task.started:
            # A task queued twice (background, then urgent) runs once: the first pick wins.
            self._queue.put(((klass, rank, seq, page), next(self._counter), task))
        return task.future

    async def _consume(self) -> None:
        while True:
            priority, _, task = await self._queue.pop()
            if task.started or task.future.done():
                continue
            tasks = [task]
            if priority[0] == BACKGROUND:
                tasks += self._neighbours(task)
            for each in tasks:
                each.started = True
            try:
                results = await self._render_now(tasks)
            except Exception as exc:
                if not isinstance(exc, PdfRejected):  # a bug, not the file: keep serving
                    logger.exception("rendering %s p.%d failed", task.key[0][:12], task.key[1])
                for each in tasks:
                    self._tasks.pop(each.key, None)
                    if not each.future.done():
                        each.future.set_exception(exc)
                        each.future.exception()
                continue
            for each, result in zip(tasks, results, strict=True):
                self._tasks.pop(each.key, None)
                if each.future.done():
                    continue
                if each.job is not None:
                    # Recorded in batches by another task, so this worker takes the next
                    # pages at once; a page counts as done when it is recorded.
                    self._records.record(each.key[0], result, each.future)
                else:
                    each.future.set_result(result)

    def _neighbours(self, first: _Task) -> list[_Task]:
        """The next background pages of the same file, if nothing else comes first."""
        found: list[_Task] = []
        while len(found) < BATCH_PAGES - 1:
            head = self._queue.peek()
            if head is None or head[0][0] != BACKGROUND:
                break
            task = head[2]
            if task.started or task.future.done():
                self._queue.pop_now()
                continue
            if task.key[0] != first.key[0] or task.key[2] != first.key[2]:
                break
            found.append(self._queue.pop_now()[2])
        return found

    async def _render_now(self, tasks: list[_Task]) -> list[RenderedPage]:
        sha256 = tasks[0].key[0]
        job = tasks[0].job
        if job is not None and time.monotonic() > job.deadline:
            raise self._too_slow()
        pages = [
            (
                page,
                [
                    PageOutput(w, image_format(fmt), str(self.blobs.page(sha256, page, w, fmt)))
                    for w, fmt in outputs
                ],
            )
            for _, page, outputs in (task.key for task in tasks)
        ]
        path = str(self.blobs.original(sha256))
        timeout = self.limits.page_timeout_s * len(pages)
        for attempt in (1, 2):
            try:
                if len(pages) == 1:
                    page, outputs = pages[0]
                    one = await self.pool.call(
                        render_page, path, page, outputs, self.limits, timeout=timeout
                    )
                    return [one]
                return await self.pool.call(render_pages, path, pages, self.limits, timeout=timeout)
            except WorkerCrashed:
                if attempt == 2:
                    raise
                # Once more: the worker may have died of something else (e.g. killed).
                logger.warning("worker died on %s pages %s; retrying once", sha256[:12],
                               [p for p, _ in pages])  # fmt: skip
        raise AssertionError("unreachable")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
