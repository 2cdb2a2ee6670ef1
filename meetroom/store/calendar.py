"""Calendar feeds in SQL: each user's feed token (its digest), the meetings a feed
shows, and the cancellations it keeps for a while."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from meetroom.ids import MeetingId, UserId
from meetroom.records.meetings import CalendarCancellation, Meeting, Participant
from meetroom.store.database import Database
from meetroom.store.meetings import _meeting, _participant
from meetroom.store.schema import calendar_cancellations, calendar_feeds, meetings, participants


def _cancellation(row: Any) -> CalendarCancellation:
    return CalendarCancellation(
        user_id=UserId(row.user_id),
        meeting_id=MeetingId(row.meeting_id),
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        sequence=row.sequence,
        cancelled_at=row.cancelled_at,
    )


class SqlCalendarStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- feed tokens -------------------------------------------------------------

    async def get_feed_nonce(self, user_id: UserId) -> str | None:
        async with self.db.connect() as conn:
            value = await conn.scalar(
                sa.select(calendar_feeds.c.nonce).where(calendar_feeds.c.user_id == user_id)
            )
        return str(value) if value is not None else None

    async def put_feed(self, user_id: UserId, nonce: str, token_hash: str, now: datetime) -> None:
        """Set (or replace) the user's feed: the old token stops working at once."""
        async with self.db.begin() as conn:
            await conn.execute(calendar_feeds.delete().where(calendar_feeds.c.user_id == user_id))
            await conn.execute(
                calendar_feeds.insert().values(
                    user_id=user_id, nonce=nonce, token_hash=token_hash, created_at=now
                )
            )

    async def feed_user(self, token_hash: str) -> UserId | None:
        async with self.db.connect() as conn:
            value = await conn.scalar(
                sa.select(calendar_feeds.c.user_id).where(calendar_feeds.c.token_hash == token_hash)
            )
        return UserId(value) if value is not None else None

    # -- what a feed shows -------------------------------------------------------

    async def user_meetings(
        self, user_id: UserId, since: datetime, until: datetime
    ) -> list[tuple[Meeting, Participant | None]]:
        """Meetings the user takes part in or created that end after `since` and start
        before `until`, each with the user's participant record (None: creator only)."""
        mine = participants.alias("mine")
        query = (
            sa.select(meetings, mine.c.id.label("p_id"))
            .outerjoin(mine, sa.and_(mine.c.meeting_id == meetings.c.id, mine.c.user_id == user_id))
            .where(
                sa.or_(mine.c.id.is_not(None), meetings.c.created_by == user_id),
                # A series runs until its last occurrence.
                sa.func.coalesce(meetings.c.series_until, meetings.c.ends_at) > since,
                meetings.c.starts_at < until,
            )
            .order_by(meetings.c.starts_at, meetings.c.id)
        )
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
            ids = [r.p_id for r in rows if r.p_id]
            found = {}
            if ids:
                p_rows = await conn.execute(participants.select().where(participants.c.id.in_(ids)))
                found = {r.id: _participant(r) for r in p_rows}
        return [(_meeting(r), found.get(r.p_id) if r.p_id else None) for r in rows]

    # -- cancellations -----------------------------------------------------------

    async def add_cancellations(self, rows: Sequence[CalendarCancellation]) -> None:
        if not rows:
            return
        async with self.db.begin() as conn:
            for c in rows:
                await conn.execute(
                    calendar_cancellations.delete().where(
                        calendar_cancellations.c.user_id == c.user_id,
                        calendar_cancellations.c.meeting_id == c.meeting_id,
                    )
                )
            await conn.execute(
                calendar_cancellations.insert(),
                [
                    {
                        "user_id": c.user_id,
                        "meeting_id": c.meeting_id,
                        "title": c.title[:300],
                        "starts_at": c.starts_at,
                        "ends_at": c.ends_at,
                        "sequence": c.sequence,
                        "cancelled_at": c.cancelled_at,
                    }
                    for c in rows
                ],
            )

    async def drop_cancellation(self, user_id: UserId, meeting_id: MeetingId) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                calendar_cancellations.delete().where(
                    calendar_cancellations.c.user_id == user_id,
                    calendar_cancellations.c.meeting_id == meeting_id,
                )
            )

    async def cancellations(self, user_id: UserId, since: datetime) -> list[CalendarCancellation]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                calendar_cancellations.select()
                .where(
                    calendar_cancellations.c.user_id == user_id,
                    calendar_cancellations.c.cancelled_at >= since,
                )
                .order_by(calendar_cancellations.c.starts_at, calendar_cancellations.c.meeting_id)
            )
        return [_cancellation(r) for r in rows]

    async def purge_cancellations(self, before: datetime) -> int:
        async with self.db.begin() as conn:
            result = await conn.execute(
                calendar_cancellations.delete().where(
                    calendar_cancellations.c.cancelled_at < before
                )
            )
        return int(result.rowcount or 0)
