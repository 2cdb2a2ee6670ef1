"""The cluster of each test: nodes on a fresh PostgreSQL schema and the test Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from tests.cluster.harness import Cluster


@pytest.fixture
async def cluster(
    tmp_path: Path, pg_schemas: Callable[[], Awaitable[str]], redis_url: str
) -> AsyncIterator[Cluster]:
    c = Cluster(tmp_path, await pg_schemas(), redis_url)
    try:
        yield c
    finally:
        await c.close()
