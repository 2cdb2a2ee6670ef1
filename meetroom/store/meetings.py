"""Meetings and their participants in SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.errors import N_, Conflict
from meetroom.ids import MeetingId, ParticipantId, RoomId, UserId
from meetroom.records.meetings import Grant, Meeting, MeetingRole, MeetingStatus, Participant
from meetroom.store.database import Database
from meetroom.store.schema import app_state, meetings, participants, rooms

_GRANT_ORDER = list(Grant)


def encode_grants(grants: frozenset[Grant]) -> str:
    return ",".join(g.value for g in _GRANT_ORDER if g in grants)


def decode_grants(text: str) -> frozenset[Grant]:
    return frozenset(Grant(g) for g in text.split(",") if g)


def _meeting(row: Any) -> Meeting:
    return Meeting(
        id=MeetingId(row.id),
        title=row.title,
        description=row.description,
        location=row.location,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_by=UserId(row.created_by) if row.created_by else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
        room_id=RoomId(row.room_id) if row.room_id else None,
        rrule=row.rrule,
        series_zone=row.series_zone,
        series_until=row.series_until,
        status=MeetingStatus(row.status),
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        archived_at=row.archived_at,
    )


def _participant(row: Any) -> Participant:
    return Participant(
        id=ParticipantId(row.id),
        meeting_id=MeetingId(row.meeting_id),
        user_id=UserId(row.user_id) if row.user_id else None,
        name=row.name,
        role=MeetingRole(row.role),
        grants=decode_grants(row.grants),
        link_version=row.link_version,
        created_at=row.created_at,
    )


def _meeting_values(m: Meeting) -> dict[str, Any]:
    return {
        "title": m.title,
        "description": m.description,
        "location": m.location,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "updated_at": m.updated_at,
        "room_id": m.room_id,
        "rrule": m.rrule,
        "series_zone": m.series_zone,
        "series_until": m.series_until,
        # Whether this booking takes the room, read from the room in the same statement.
        # A series never does: its occurrences are checked under a lock on the room.
        "room_exclusive": sa.func.coalesce(
            sa.select(sa.not_(rooms.c.virtual_only))
            .where(rooms.c.id == m.room_id)
            .scalar_subquery(),
            sa.false(),
        )
        if m.room_id is not None and not m.rrule
        else False,
    }


def is_room_violation(exc: IntegrityError) -> bool:
    """The database refused an overlapping booking of a room (migration 0004)."""
    text = str(exc.orig)
    return "ex_meetings_room_slot" in text or "room_taken" in text


async def lock_rooms(conn: Any, room_ids: Collection[RoomId]) -> None:
    """Hold these rooms' rows until the transaction ends, so bookings of one room are
    written one at a time. On PostgreSQL, two transactions inserting overlapping rows
    each wait in the exclusion check for the other and one is killed as a deadlock
    instead of being refused as room_taken; on SQLite the write takes the lock."""
    for room_id in sorted(set(room_ids)):  # one order everywhere: no deadlock
        if conn.dialect.name == "postgresql":
            await conn.execute(sa.select(rooms.c.id).where(rooms.c.id == room_id).with_for_update())
        else:
            await conn.execute(
                rooms.update().where(rooms.c.id == room_id).values(name=rooms.c.name)
            )


def room_taken(other: Meeting) -> Conflict:
    return Conflict(
        "room_taken",
        N_("The room is already booked at that time, for the meeting “{title}”."),
        details={"meeting_id": other.id, "title": other.title},
        title=other.title,
    )


def overlapping(starts_at: datetime, ends_at: datetime) -> Any:
    """Meetings sharing some time with [starts_at, ends_at): touching ends do not count."""
    return sa.and_(meetings.c.starts_at < ends_at, meetings.c.ends_at > starts_at)


def _participant_values(p: Participant) -> dict[str, Any]:
    return {
        "name": p.name,
        "role": p.role.value,
        "grants": encode_grants(p.grants),
        "link_version": p.link_version,
    }


class SqlMeetingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_meeting(self, meeting: Meeting) -> None:
        try:
            async with self.db.begin() as conn:
                if meeting.room_id is not None:
                    await lock_rooms(conn, [meeting.room_id])
                await conn.execute(
                    meetings.insert().values(
                        id=meeting.id,
                        created_by=meeting.created_by,
                        created_at=meeting.created_at,
                        status=meeting.status.value,
                        **_meeting_values(meeting),
                    )
                )
        except IntegrityError as exc:
            await self._raise_room_taken(exc, meeting)
            raise

    async def _raise_room_taken(self, exc: IntegrityError, meeting: Meeting) -> None:
        """Turn the database's refusal of an overlapping booking into a Conflict that
        names the meeting holding the room."""
        if not is_room_violation(exc) or meeting.room_id is None:
            return
        other = await self.room_conflict(meeting)
        if other is None:  # cancelled meanwhile: say so without a name
            other = dataclasses.replace(meeting, id=MeetingId(""), title="?")
        raise room_taken(other) from None

    async def room_conflict(self, meeting: Meeting) -> Meeting | None:
        """Another meeting holding `meeting`'s room at an overlapping time, if any."""
        if meeting.room_id is None:
            return None
        query = (
            meetings.select()
            .where(
                meetings.c.room_id == meeting.room_id,
                meetings.c.room_exclusive.is_(True),
                meetings.c.id != meeting.id,
                overlapping(meeting.starts_at, meeting.ends_at),
            )
            .order_by(meetings.c.starts_at, meetings.c.id)
            .limit(1)
        )
        async with self.db.connect() as conn:
            row = (await conn.execute(query)).first()
        return _meeting(row) if row else None

    async def busy_participant(
        self,
        user_ids: Collection[UserId],
        starts_at: datetime,
        ends_at: datetime,
        exclude: MeetingId,
    ) -> tuple[Meeting, Participant] | None:
        """One of these users' participation in another meeting at an overlapping time."""
        if not user_ids:
            return None
        query = (
            sa.select(meetings, participants.c.id.label("p_id"))
            .join(participants, participants.c.meeting_id == meetings.c.id)
            .where(
                participants.c.user_id.in_(list(user_ids)),
                meetings.c.id != exclude,
                overlapping(starts_at, ends_at),
            )
            .order_by(meetings.c.starts_at, meetings.c.id)
            .limit(1)
        )
        async with self.db.connect() as conn:
            row = (await conn.execute(query)).first()
            if row is None:
                return None
            p_row = (
                await conn.execute(participants.select().where(participants.c.id == row.p_id))
            ).first()
        assert p_row is not None
        return _meeting(row), _participant(p_row)

    async def get_meeting(self, meeting_id: MeetingId) -> Meeting | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(meetings.select().where(meetings.c.id == meeting_id))).first()
        return _meeting(row) if row else None

    async def list_meetings(
        self, user_id: UserId | None = None, status: MeetingStatus | None = None
    ) -> list[Meeting]:
        """All meetings, or only those `user_id` takes part in (and in this status)."""
        query = meetings.select().order_by(meetings.c.starts_at, meetings.c.id)
        if status is not None:
            query = query.where(meetings.c.status == status.value)
        if user_id is not None:
            query = query.where(
                meetings.c.id.in_(
                    sa.select(participants.c.meeting_id).where(participants.c.user_id == user_id)
                )
            )
        async with self.db.connect() as conn:
            rows = await conn.execute(query)
        return [_meeting(r) for r in rows]

    async def save_meeting(self, meeting: Meeting) -> bool:
        try:
            async with self.db.begin() as conn:
                if meeting.room_id is not None:
                    await lock_rooms(conn, [meeting.room_id])
                result = await conn.execute(
                    meetings.update()
                    .where(meetings.c.id == meeting.id)
                    .values(_meeting_values(meeting))
                )
        except IntegrityError as exc:
            await self._raise_room_taken(exc, meeting)
            raise
        return bool(result.rowcount)

    async def set_status(self, meeting: Meeting, expected: MeetingStatus) -> bool:
        """Save `meeting`'s status and its times if it is still in `expected` (False if
        it changed meanwhile): two chairs pressing at once make one transition."""
        async with self.db.begin() as conn:
            result = await conn.execute(
                meetings.update()
                .where(meetings.c.id == meeting.id, meetings.c.status == expected.value)
                .values(
                    status=meeting.status.value,
                    opened_at=meeting.opened_at,
                    closed_at=meeting.closed_at,
                    archived_at=meeting.archived_at,
                    updated_at=meeting.updated_at,
                )
            )
        return bool(result.rowcount)

    async def delete_meeting(self, meeting_id: MeetingId) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(meetings.delete().where(meetings.c.id == meeting_id))
        return bool(result.rowcount)

    async def add_participant(self, p: Participant) -> None:
        try:
            async with self.db.begin() as conn:
                await conn.execute(
                    participants.insert().values(
                        id=p.id,
                        meeting_id=p.meeting_id,
                        user_id=p.user_id,
                        created_at=p.created_at,
                        **_participant_values(p),
                    )
                )
        except IntegrityError:
            raise Conflict(
                "already_participant",
                N_("This user already takes part in the meeting."),
            ) from None

    async def add_participants(self, people: list[Participant]) -> None:
        """All in one transaction, or none (a group invited at once)."""
        if not people:
            return
        try:
            async with self.db.begin() as conn:
                await conn.execute(
                    participants.insert(),
                    [
                        {
                            "id": p.id,
                            "meeting_id": p.meeting_id,
                            "user_id": p.user_id,
                            "created_at": p.created_at,
                            **_participant_values(p),
                        }
                        for p in people
                    ],
                )
        except IntegrityError:
            raise Conflict(
                "already_participant",
                N_("This user already takes part in the meeting."),
            ) from None

    async def get_participant(self, participant_id: ParticipantId) -> Participant | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(participants.select().where(participants.c.id == participant_id))
            ).first()
        return _participant(row) if row else None

    async def find_participant(self, meeting_id: MeetingId, user_id: UserId) -> Participant | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    participants.select().where(
                        participants.c.meeting_id == meeting_id, participants.c.user_id == user_id
                    )
                )
            ).first()
        return _participant(row) if row else None

    async def list_participants(self, meeting_id: MeetingId) -> list[Participant]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                participants.select()
                .where(participants.c.meeting_id == meeting_id)
                .order_by(participants.c.created_at, participants.c.id)
            )
        return [_participant(r) for r in rows]

    async def participations(self, user_id: UserId) -> list[Participant]:
        """Every participant record of one user, across meetings."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                participants.select().where(participants.c.user_id == user_id)
            )
        return [_participant(r) for r in rows]

    async def save_participant(self, p: Participant) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(
                participants.update()
                .where(participants.c.id == p.id)
                .values(_participant_values(p))
            )
        return bool(result.rowcount)

    async def delete_participant(self, participant_id: ParticipantId) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(
                participants.delete().where(participants.c.id == participant_id)
            )
        return bool(result.rowcount)


class SqlAppState:
    """Small key/value facts about this installation (e.g. the demo was loaded)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        async with self.db.connect() as conn:
            value = await conn.scalar(sa.select(app_state.c.value).where(app_state.c.key == key))
        return str(value) if value is not None else None

    async def set(self, key: str, value: str) -> None:
        async with self.db.begin() as conn:
            updated = await conn.execute(
                app_state.update().where(app_state.c.key == key).values(value=value)
            )
            if not updated.rowcount:
                await conn.execute(app_state.insert().values(key=key, value=value))
