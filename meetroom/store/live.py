"""The live session's durable part in SQL: operations in per-meeting sequence, and
where the presenter is.

Both numbers are allocated by the database (one row per meeting, updated in the
transaction that uses it), so nodes sharing it agree on the order. A database that
cannot be reached raises `Unavailable` (see database.py): nothing is acknowledged
that was not stored."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.ids import MeetingId
from meetroom.records.live import LiveOp
from meetroom.store.database import Database
from meetroom.store.schema import live_ops, live_state

logger = logging.getLogger(__name__)


def _op(row: Any) -> LiveOp:
    return LiveOp(
        seq=int(row.seq),
        op_id=row.op_id,
        author=row.author,
        kind=row.kind,
        layer=row.layer,
        document_id=row.document_id,
        page=row.page,
        target=row.target,
        body=dict(row.body),
    )


async def _bump(conn: Any, bump: Any, meeting_id: MeetingId, now: datetime) -> int:
    """Run `bump` (an UPDATE of the meeting's row RETURNING the new number), making the
    row first if the meeting has none yet. The row lock orders the nodes' writers."""
    number = await conn.scalar(bump)
    if number is None:
        try:
            async with conn.begin_nested():
                await conn.execute(
                    live_state.insert().values(
                        meeting_id=meeting_id,
                        last_seq=0,
                        presenter=None,
                        updated_at=now,
                        state_version=0,
                    )  # fmt: skip
                )
        except IntegrityError:
            pass  # another node's first write made the row meanwhile
        number = await conn.scalar(bump)
    return int(number)


class SqlLiveStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def append(self, meeting_id: MeetingId, op: LiveOp, now: datetime) -> tuple[LiveOp, bool]:
        """Store an operation with the meeting's next sequence number; returns it and
        True, or the operation stored before under the same op_id and False."""
        bump = (
            live_state.update()
            .where(live_state.c.meeting_id == meeting_id)
            .values(last_seq=live_state.c.last_seq + 1, updated_at=now)
            .returning(live_state.c.last_seq)
        )
        try:
            async with self.db.begin() as conn:
                seq = await _bump(conn, bump, meeting_id, now)
                await conn.execute(
                    live_ops.insert().values(
                        meeting_id=meeting_id,
                        seq=seq,
                        op_id=op.op_id,
                        author=op.author,
                        kind=op.kind,
                        layer=op.layer,
                        document_id=op.document_id,
                        page=op.page,
                        target=op.target,
                        body=op.body,
                        created_at=now,
                    )
                )
        except IntegrityError:
            existing = await self.find(meeting_id, op.op_id)
            if existing is None:
                raise
            return existing, False
        return LiveOp(int(seq), op.op_id, op.author, op.kind, op.layer, op.document_id,
                        op.page, op.target, op.body), True  # fmt: skip

    async def find(self, meeting_id: MeetingId, op_id: str) -> LiveOp | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    live_ops.select().where(
                        live_ops.c.meeting_id == meeting_id, live_ops.c.op_id == op_id
                    )
                )
            ).first()
        return _op(row) if row else None

    async def ops(
        self, meeting_id: MeetingId, after: int = 0, limit: int | None = None
    ) -> list[LiveOp]:
        query = (
            live_ops.select()
            .where(live_ops.c.meeting_id == meeting_id, live_ops.c.seq > after)
            .order_by(live_ops.c.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        async with self.db.connect() as conn:
            rows = await conn.execute(query)
        return [_op(r) for r in rows]

    async def state(self, meeting_id: MeetingId) -> tuple[int, dict[str, Any] | None, int]:
        """The meeting's last sequence number, the stored presenter state and its version."""
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(
                        live_state.c.last_seq, live_state.c.presenter, live_state.c.state_version
                    ).where(live_state.c.meeting_id == meeting_id)
                )
            ).first()
        if row is None:
            return 0, None, 0
        presenter = dict(row.presenter) if row.presenter else None
        return int(row.last_seq), presenter, int(row.state_version)

    async def save_presenter(
        self, meeting_id: MeetingId, presenter: dict[str, Any], now: datetime
    ) -> int:
        """Store the presenter state; returns its version (one more than the last)."""
        bump = (
            live_state.update()
            .where(live_state.c.meeting_id == meeting_id)
            .values(
                presenter=presenter,
                updated_at=now,
                state_version=live_state.c.state_version + 1,
            )
            .returning(live_state.c.state_version)
        )
        async with self.db.begin() as conn:
            return await _bump(conn, bump, meeting_id, now)
