"""Stored files for the documents tests: through the page pipeline (real workers) into
the real file store; the `files` fixture of tests/pdf/conftest.py makes one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from meetroom.pdf.pipeline import Pipeline
from meetroom.store.files import SqlFileStore


class Files:
    """Stored files through the page pipeline (real workers) into the real file store."""

    def __init__(self, pipeline: Pipeline, store: SqlFileStore) -> None:
        self.pipeline = pipeline
        self.store = store

    async def add(self, path: Path) -> str:
        async def chunks() -> AsyncIterator[bytes]:
            yield path.read_bytes()

        sha, size = await self.pipeline.blobs.receive(chunks(), 10**9)
        await self.store.claim_file(sha, size, datetime.now(UTC))
        return sha
