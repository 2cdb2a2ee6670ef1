"""Fixtures for the documents tests: limits, a running worker pool, the page pipeline
with the real file store, sample PDFs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from meetroom.clock import SystemClock
from meetroom.config import Settings
from meetroom.pdf.limits import Limits
from meetroom.pdf.pipeline import Pipeline
from meetroom.pdf.pool import WorkerPool
from meetroom.pdf.storage import BlobStore
from meetroom.sessions.papers.ports import FileProgress
from meetroom.store.database import Database
from meetroom.store.files import SqlFileStore
from tests.pdf import corpus
from tests.pdf.files import Files
from tests.pdf.pdfs import make_pdf


@pytest.fixture
def limits() -> Limits:
    # Lowered so that the corpus can break them cheaply; 1 GiB still renders A4 at 4000 px.
    return Limits(max_pages=corpus.MAX_PAGES, memory_bytes=1024**3)


@pytest.fixture
async def pool(limits: Limits) -> AsyncIterator[WorkerPool]:
    workers = WorkerPool(2, limits)
    await workers.start()
    try:
        yield workers
    finally:
        await workers.close()


@pytest.fixture
def sample_pdf(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "sample.pdf", pages=3)


@pytest.fixture
async def files(
    make_settings: Callable[..., Awaitable[Settings]], tmp_path: Path
) -> AsyncIterator[Files]:
    limits = Limits(memory_bytes=1024**3)
    settings = await make_settings()
    db = Database.open(settings.effective_database_url)
    await db.migrate()
    store = SqlFileStore(db)
    pipeline = Pipeline(
        WorkerPool(2, limits), BlobStore(tmp_path / "docs"), limits,
        FileProgress(store, SystemClock()),
    )  # fmt: skip
    await pipeline.start()
    try:
        yield Files(pipeline, store)
    finally:
        await pipeline.close()
        await db.close()
