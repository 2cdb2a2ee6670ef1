"""A long meeting's ink, written straight into the database in one transaction: what
thousands of strokes drawn one by one over the socket would have stored (the same
rows), in a fraction of a second. Write before any node holds the meeting (before the
first socket joins it): a node reads the operations when it loads the meeting."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from meetroom.store.database import Database
from meetroom.store.schema import live_ops, live_state


def stroke_points(k: int, count: int) -> list[list[float]]:
    """Points of stroke k, with the full double precision a browser's pointer gives."""
    return [[(k % 97 + j) / 131.0 + 1e-9 * k, (k % 89 + 2 * j) / 257.0] for j in range(count)]


async def store_strokes(
    db: Database,
    meeting_id: str,
    author: str,
    document_id: str,
    count: int,
    points: int = 50,
    page: int = 1,
) -> list[str]:
    """Store `count` shared strokes of `points` points by `author` after the meeting's
    last operation; returns their op ids, in order."""
    now = datetime.now(UTC)
    async with db.begin() as conn:
        last = await conn.scalar(
            sa.select(live_state.c.last_seq).where(live_state.c.meeting_id == meeting_id)
        )
        if last is None:
            last = 0
            await conn.execute(
                live_state.insert().values(
                    meeting_id=meeting_id,
                    last_seq=0,
                    presenter=None,
                    updated_at=now,
                    state_version=0,
                )  # fmt: skip
            )
        rows: list[dict[str, Any]] = []
        for k in range(count):
            seq = int(last) + 1 + k
            rows.append({
                "meeting_id": meeting_id, "seq": seq, "op_id": f"bulk-{seq}", "author": author,
                "kind": "stroke", "layer": "shared", "document_id": document_id, "page": page,
                "target": None, "created_at": now,
                "body": {"tool": "pen", "color": "#1f6feb", "width": 0.004,
                         "points": stroke_points(seq, points)},
            })  # fmt: skip
        await conn.execute(live_ops.insert(), rows)
        await conn.execute(
            live_state.update()
            .where(live_state.c.meeting_id == meeting_id)
            .values(last_seq=int(last) + count, updated_at=now)
        )
    return [row["op_id"] for row in rows]


def store_strokes_sync(database_url: str, *args: Any, **kwargs: Any) -> list[str]:
    """The same from synchronous code (the browser tests), in a thread of its own."""
    result: list[list[str]] = []

    async def run() -> None:
        db = Database.open(database_url)
        try:
            result.append(await store_strokes(db, *args, **kwargs))
        finally:
            await db.close()

    thread = threading.Thread(target=lambda: asyncio.run(run()))
    thread.start()
    thread.join()
    assert result, "storing the strokes failed (see the thread's traceback above)"
    return result[0]
