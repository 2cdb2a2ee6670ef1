"""Series of meetings and their exceptions in SQL, and booking transactions that
serialise the bookings of a room.

The exclusion constraint (PostgreSQL) and triggers (SQLite) of migration 0004 see
rows, not the occurrences a series' RRULE describes, so a booking that may meet a
series runs in one transaction that first locks the rooms' rows: `SELECT … FOR
UPDATE` on PostgreSQL; on SQLite a write to the row, which takes the database's only
write lock before anything is read. The domain then reads the bookings, expands
them, and writes, while a rival booking of the same room waits."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.ids import MeetingId, ParticipantId, RoomId, UserId, new_id
from meetroom.records.meetings import Meeting, MeetingOverride, Participant
from meetroom.store.database import Database
from meetroom.store.meetings import (
    SqlMeetingStore,
    _meeting,
    _meeting_values,
    _participant,
    is_room_violation,
    lock_rooms,
    room_taken,
)
from meetroom.store.schema import meeting_overrides, meetings, participants, rooms


def _override(row: Any) -> MeetingOverride:
    return MeetingOverride(
        meeting_id=MeetingId(row.meeting_id),
        recurrence_id=row.recurrence_id,
        cancelled=bool(row.cancelled),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        title=row.title,
        room_id=RoomId(row.room_id) if row.room_id else None,
    )


def _spanning(start: datetime, end: datetime) -> Any:
    """Meetings or series whose time (first start to last end) meets [start, end)."""
    return sa.and_(
        meetings.c.starts_at < end,
        sa.func.coalesce(meetings.c.series_until, meetings.c.ends_at) > start,
    )


def _moved_into(start: datetime, end: datetime) -> Any:
    """Ids of series with an occurrence moved into [start, end)."""
    return sa.select(meeting_overrides.c.meeting_id).where(
        meeting_overrides.c.starts_at < end, meeting_overrides.c.ends_at > start
    )


async def _overrides(
    conn: Any, meeting_ids: Collection[MeetingId]
) -> dict[MeetingId, list[MeetingOverride]]:
    result: dict[MeetingId, list[MeetingOverride]] = {m: [] for m in meeting_ids}
    if not meeting_ids:
        return result
    rows = await conn.execute(
        meeting_overrides.select()
        .where(meeting_overrides.c.meeting_id.in_(list(meeting_ids)))
        .order_by(meeting_overrides.c.recurrence_id)
    )
    for row in rows:
        result[MeetingId(row.meeting_id)].append(_override(row))
    return result


class SqlSeriesWriter:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        # The meetings written, to name the one holding the room if the database's own
        # check (migration 0004) refuses a single meeting.
        self.written: list[Meeting] = []

    async def lock(self, room_ids: Collection[RoomId]) -> None:
        await lock_rooms(self.conn, room_ids)

    async def room_is_exclusive(self, room_id: RoomId) -> bool:
        virtual = await self.conn.scalar(
            sa.select(rooms.c.virtual_only).where(rooms.c.id == room_id)
        )
        return virtual is not None and not virtual

    async def room_bookings(
        self, room_id: RoomId, start: datetime, end: datetime, exclude: Collection[MeetingId]
    ) -> list[Meeting]:
        """Meetings and series that may hold the room in [start, end): those booking
        it, and those with an occurrence moved into it."""
        in_room = sa.or_(
            meetings.c.room_id == room_id,
            meetings.c.id.in_(
                sa.select(meeting_overrides.c.meeting_id).where(
                    meeting_overrides.c.room_id == room_id
                )
            ),
        )
        query = (
            meetings.select()
            .where(
                in_room,
                sa.or_(_spanning(start, end), meetings.c.id.in_(_moved_into(start, end))),
                meetings.c.id.not_in(list(exclude)),
            )
            .order_by(meetings.c.starts_at, meetings.c.id)
        )
        return [_meeting(r) for r in await self.conn.execute(query)]

    async def overrides(
        self, meeting_ids: Collection[MeetingId]
    ) -> dict[MeetingId, list[MeetingOverride]]:
        return await _overrides(self.conn, meeting_ids)

    async def create_meeting(self, meeting: Meeting) -> None:
        self.written.append(meeting)
        await self.conn.execute(
            meetings.insert().values(
                id=meeting.id,
                created_by=meeting.created_by,
                created_at=meeting.created_at,
                status=meeting.status.value,
                **_meeting_values(meeting),
            )
        )

    async def save_meeting(self, meeting: Meeting) -> bool:
        self.written.append(meeting)
        result = await self.conn.execute(
            meetings.update().where(meetings.c.id == meeting.id).values(_meeting_values(meeting))
        )
        return bool(result.rowcount)

    async def replace_overrides(
        self, meeting_id: MeetingId, overrides: Collection[MeetingOverride]
    ) -> None:
        await self.conn.execute(
            meeting_overrides.delete().where(meeting_overrides.c.meeting_id == meeting_id)
        )
        for o in overrides:
            await self.conn.execute(
                meeting_overrides.insert().values(
                    meeting_id=meeting_id,
                    recurrence_id=o.recurrence_id,
                    cancelled=o.cancelled,
                    starts_at=o.starts_at,
                    ends_at=o.ends_at,
                    title=o.title,
                    room_id=o.room_id,
                )
            )

    async def copy_participants(self, source: MeetingId, target: MeetingId, now: datetime) -> None:
        rows = await self.conn.execute(
            participants.select()
            .where(participants.c.meeting_id == source)
            .order_by(participants.c.created_at, participants.c.id)
        )
        for row in list(rows):
            p = _participant(row)
            await self.conn.execute(
                participants.insert().values(
                    id=ParticipantId(new_id()),
                    meeting_id=target,
                    user_id=p.user_id,
                    name=row.name,
                    role=row.role,
                    grants=row.grants,
                    link_version=1,
                    created_at=now,
                )
            )


class SqlSeriesStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.meetings = SqlMeetingStore(db)

    @contextlib.asynccontextmanager
    async def transaction(self, lock_rooms: Collection[RoomId]) -> AsyncIterator[SqlSeriesWriter]:
        writer: SqlSeriesWriter | None = None
        try:
            async with self.db.begin() as conn:
                writer = SqlSeriesWriter(conn)
                await writer.lock(lock_rooms)
                yield writer
        except IntegrityError as exc:
            # Two single meetings: the database's own check (migration 0004) refused.
            if writer is None or not is_room_violation(exc):
                raise
            for meeting in writer.written:
                other = await self.meetings.room_conflict(meeting)
                if other is not None:
                    raise room_taken(other) from None
            raise room_taken(
                dataclasses.replace(writer.written[0], id=MeetingId(""), title="?")
            ) from None

    async def overrides(
        self, meeting_ids: Collection[MeetingId]
    ) -> dict[MeetingId, list[MeetingOverride]]:
        async with self.db.connect() as conn:
            return await _overrides(conn, meeting_ids)

    async def meetings_between(
        self, start: datetime, end: datetime, user_id: UserId | None
    ) -> list[Meeting]:
        """Meetings and series with something in [start, end): all, or `user_id`'s."""
        query = (
            meetings.select()
            .where(sa.or_(_spanning(start, end), meetings.c.id.in_(_moved_into(start, end))))
            .order_by(meetings.c.starts_at, meetings.c.id)
        )
        if user_id is not None:
            query = query.where(
                meetings.c.id.in_(
                    sa.select(participants.c.meeting_id).where(participants.c.user_id == user_id)
                )
            )
        async with self.db.connect() as conn:
            return [_meeting(r) for r in await conn.execute(query)]

    async def participant_bookings(
        self,
        user_ids: Collection[UserId],
        start: datetime,
        end: datetime,
        exclude: Collection[MeetingId],
    ) -> list[tuple[Meeting, Participant]]:
        """These users' participations in meetings or series with something in
        [start, end), other than `exclude`."""
        if not user_ids:
            return []
        query = (
            sa.select(meetings, participants.c.id.label("p_id"))
            .join(participants, participants.c.meeting_id == meetings.c.id)
            .where(
                participants.c.user_id.in_(list(user_ids)),
                meetings.c.id.not_in(list(exclude)),
                sa.or_(_spanning(start, end), meetings.c.id.in_(_moved_into(start, end))),
            )
            .order_by(meetings.c.starts_at, meetings.c.id)
        )
        async with self.db.connect() as conn:
            rows = list(await conn.execute(query))
            result = []
            for row in rows:
                p_row = (
                    await conn.execute(participants.select().where(participants.c.id == row.p_id))
                ).first()
                if p_row is not None:
                    result.append((_meeting(row), _participant(p_row)))
        return result
