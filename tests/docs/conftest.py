"""Fixtures for the documents tests: limits, a running worker pool, sample PDFs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from meetroom.docs.limits import Limits
from meetroom.docs.pool import WorkerPool
from tests.docs import corpus
from tests.docs.pdfs import make_pdf


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
