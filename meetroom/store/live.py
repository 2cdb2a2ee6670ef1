"""The live session's durable part in SQL: operations in per-meeting sequence, and
where the presenter is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.ids import MeetingId
from meetroom.records import LiveOp
from meetroom.store.database import Database
from meetroom.store.schema import live_ops, live_state


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


class SqlLiveStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def append(self, meeting_id: MeetingId, op: LiveOp, now: datetime) -> tuple[LiveOp, bool]:
        """Store an operation with the meeting's next sequence number; returns it and
        True, or the operation stored before under the same op_id and False."""
        try:
            async with self.db.begin() as conn:
                seq = await conn.scalar(
                    live_state.update()
                    .where(live_state.c.meeting_id == meeting_id)
                    .values(last_seq=live_state.c.last_seq + 1, updated_at=now)
                    .returning(live_state.c.last_seq)
                )
                if seq is None:
                    seq = 1
                    await conn.execute(
                        live_state.insert().values(
                            meeting_id=meeting_id, last_seq=1, presenter=None, updated_at=now
                        )
                    )
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

    async def ops(self, meeting_id: MeetingId, after: int = 0) -> list[LiveOp]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                live_ops.select()
                .where(live_ops.c.meeting_id == meeting_id, live_ops.c.seq > after)
                .order_by(live_ops.c.seq)
            )
        return [_op(r) for r in rows]

    async def state(self, meeting_id: MeetingId) -> tuple[int, dict[str, Any] | None]:
        """The meeting's last sequence number and the stored presenter state."""
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(live_state.c.last_seq, live_state.c.presenter).where(
                        live_state.c.meeting_id == meeting_id
                    )
                )
            ).first()
        if row is None:
            return 0, None
        return int(row.last_seq), (dict(row.presenter) if row.presenter else None)

    async def save_presenter(
        self, meeting_id: MeetingId, presenter: dict[str, Any], now: datetime
    ) -> None:
        async with self.db.begin() as conn:
            updated = await conn.execute(
                live_state.update()
                .where(live_state.c.meeting_id == meeting_id)
                .values(presenter=presenter, updated_at=now)
            )
            if not updated.rowcount:
                try:
                    async with conn.begin_nested():
                        await conn.execute(
                            live_state.insert().values(
                                meeting_id=meeting_id,
                                last_seq=0,
                                presenter=presenter,
                                updated_at=now,
                            )  # fmt: skip
                        )
                except IntegrityError:
                    await conn.execute(
                        live_state.update()
                        .where(live_state.c.meeting_id == meeting_id)
                        .values(presenter=presenter, updated_at=now)
                    )
