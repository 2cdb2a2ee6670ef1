"""Meetings and their participants in SQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.errors import N_, Conflict
from meetroom.ids import MeetingId, ParticipantId, UserId
from meetroom.records import Grant, Meeting, MeetingRole, Participant
from meetroom.store.database import Database
from meetroom.store.schema import app_state, meetings, participants

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
    }


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
        async with self.db.begin() as conn:
            await conn.execute(
                meetings.insert().values(
                    id=meeting.id,
                    created_by=meeting.created_by,
                    created_at=meeting.created_at,
                    **_meeting_values(meeting),
                )
            )

    async def get_meeting(self, meeting_id: MeetingId) -> Meeting | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(meetings.select().where(meetings.c.id == meeting_id))).first()
        return _meeting(row) if row else None

    async def list_meetings(self, user_id: UserId | None = None) -> list[Meeting]:
        """All meetings, or only those `user_id` takes part in."""
        query = meetings.select().order_by(meetings.c.starts_at, meetings.c.id)
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
        async with self.db.begin() as conn:
            result = await conn.execute(
                meetings.update()
                .where(meetings.c.id == meeting.id)
                .values(_meeting_values(meeting))
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
