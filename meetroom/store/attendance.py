"""Attendance in SQL: one row per person and meeting, intervals merged as they go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from meetroom.ids import MeetingId, ParticipantId, UserId
from meetroom.records.meetings import Attendance
from meetroom.store.database import Database
from meetroom.store.schema import attendance


def _how(text: str) -> frozenset[str]:
    return frozenset(h for h in text.split(",") if h)


def _attendance(row: Any) -> Attendance:
    return Attendance(
        meeting_id=MeetingId(row.meeting_id),
        person=row.person,
        participant_id=ParticipantId(row.participant_id) if row.participant_id else None,
        user_id=UserId(row.user_id) if row.user_id else None,
        name=row.name,
        role=row.role,
        first_joined_at=row.first_joined_at,
        last_left_at=row.last_left_at,
        seconds=int(row.seconds),
        joins=int(row.joins),
        how=_how(row.how),
        present_since=row.present_since,
    )


def _elapsed(since: datetime, now: datetime) -> int:
    return max(0, int((now - since).total_seconds()))


class SqlAttendanceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _key(self, meeting_id: MeetingId, person: str) -> Any:
        return sa.and_(attendance.c.meeting_id == meeting_id, attendance.c.person == person)

    async def arrive(self, entry: Attendance, now: datetime) -> None:
        """`entry.person` is present from `now` (a new interval unless one is open)."""
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    attendance.select().where(self._key(entry.meeting_id, entry.person))
                )
            ).first()
            how = ",".join(sorted(entry.how))
            if row is None:
                await conn.execute(
                    attendance.insert().values(
                        meeting_id=entry.meeting_id,
                        person=entry.person,
                        participant_id=entry.participant_id,
                        user_id=entry.user_id,
                        name=entry.name,
                        role=entry.role,
                        first_joined_at=now,
                        last_left_at=None,
                        seconds=0,
                        joins=1,
                        how=how,
                        present_since=now,
                    )
                )
                return
            values: dict[str, Any] = {
                "name": entry.name,
                "role": entry.role,
                "how": ",".join(sorted(_how(row.how) | entry.how)),
            }
            if row.present_since is None:
                values.update(present_since=now, joins=row.joins + 1)
            await conn.execute(
                attendance.update().where(self._key(entry.meeting_id, entry.person)).values(values)
            )

    async def add_how(self, meeting_id: MeetingId, person: str, how: str) -> None:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(attendance.select().where(self._key(meeting_id, person)))
            ).first()
            if row is not None and how not in _how(row.how):
                await conn.execute(
                    attendance.update()
                    .where(self._key(meeting_id, person))
                    .values(how=",".join(sorted(_how(row.how) | {how})))
                )

    async def depart(self, meeting_id: MeetingId, person: str | None, now: datetime) -> int:
        """Close the open interval of `person` (None: of everyone present); returns how
        many were closed."""
        query = attendance.select().where(
            attendance.c.meeting_id == meeting_id, attendance.c.present_since.is_not(None)
        )
        if person is not None:
            query = query.where(attendance.c.person == person)
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
            for row in rows:
                await conn.execute(
                    attendance.update()
                    .where(self._key(meeting_id, row.person))
                    .values(
                        seconds=row.seconds + _elapsed(row.present_since, now),
                        present_since=None,
                        last_left_at=now,
                    )
                )
        return len(rows)

    async def list_attendance(self, meeting_id: MeetingId) -> list[Attendance]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                attendance.select()
                .where(attendance.c.meeting_id == meeting_id)
                .order_by(attendance.c.first_joined_at, attendance.c.name, attendance.c.person)
            )
        return [_attendance(r) for r in rows]

    async def open_intervals(self, meeting_id: MeetingId) -> dict[str, datetime]:
        """Everyone with an open interval (participants and accounts), since when."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(attendance.c.person, attendance.c.present_since).where(
                    attendance.c.meeting_id == meeting_id, attendance.c.present_since.is_not(None)
                )
            )
        return {r.person: r.present_since for r in rows}

    async def connected_since(self, meeting_id: MeetingId) -> dict[ParticipantId, datetime]:
        """Participants with an open interval (connected now, on any node), since when:
        the floor's live presence for the quorum."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(attendance.c.participant_id, attendance.c.present_since).where(
                    attendance.c.meeting_id == meeting_id,
                    attendance.c.present_since.is_not(None),
                    attendance.c.participant_id.is_not(None),
                )
            )
        return {ParticipantId(r.participant_id): r.present_since for r in rows}
