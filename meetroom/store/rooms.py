"""Meeting rooms in SQL."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.errors import N_, Conflict
from meetroom.ids import MeetingId, RoomId, UserId
from meetroom.records.rooms import Room
from meetroom.store.database import Database
from meetroom.store.meetings import is_room_violation
from meetroom.store.schema import meeting_overrides, meetings, rooms

# Named in a refusal to delete a room; the details list them all.
_NAMED = 3


def _time(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


def _room(row: Any) -> Room:
    return Room(
        id=RoomId(row.id),
        name=row.name,
        location=row.location,
        seats=row.seats,
        tablets=row.tablets,
        has_video_endpoint=bool(row.has_video_endpoint),
        virtual_only=bool(row.virtual_only),
        available_from=_time(row.available_from),
        available_until=_time(row.available_until),
        available_days=frozenset(int(d) for d in row.available_days.split(",") if d),
        bookers=None if row.bookers is None else frozenset(UserId(u) for u in row.bookers),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(room: Room) -> dict[str, Any]:
    return {
        "name": room.name,
        "location": room.location,
        "seats": room.seats,
        "tablets": room.tablets,
        "has_video_endpoint": room.has_video_endpoint,
        "virtual_only": room.virtual_only,
        "available_from": room.available_from.strftime("%H:%M") if room.available_from else None,
        "available_until": room.available_until.strftime("%H:%M") if room.available_until else None,
        "available_days": ",".join(str(d) for d in sorted(room.available_days)),
        "bookers": None if room.bookers is None else sorted(room.bookers),
        "updated_at": room.updated_at,
    }


def _name_taken() -> Conflict:
    return Conflict("room_name_taken", N_("There is already a room with this name."))


class SqlRoomStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_room(self, room: Room) -> None:
        try:
            async with self.db.begin() as conn:
                await conn.execute(
                    rooms.insert().values(id=room.id, created_at=room.created_at, **_values(room))
                )
        except IntegrityError:
            raise _name_taken() from None

    async def get_room(self, room_id: RoomId) -> Room | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(rooms.select().where(rooms.c.id == room_id))).first()
        return _room(row) if row else None

    async def list_rooms(self) -> list[Room]:
        async with self.db.connect() as conn:
            rows = await conn.execute(rooms.select().order_by(rooms.c.name, rooms.c.id))
        return [_room(r) for r in rows]

    async def save_room(self, room: Room) -> bool:
        """Saves the room; its meetings take it (or stop taking it) as it becomes a
        physical room (or a virtual-only one), in the same transaction."""
        try:
            async with self.db.begin() as conn:
                result = await conn.execute(
                    rooms.update().where(rooms.c.id == room.id).values(_values(room))
                )
                await conn.execute(
                    meetings.update()
                    .where(
                        meetings.c.room_id == room.id,
                        meetings.c.room_exclusive.is_(room.virtual_only),
                        meetings.c.rrule.is_(None),  # series are never exclusive rows
                    )
                    .values(room_exclusive=not room.virtual_only)
                )
        except IntegrityError as exc:
            if is_room_violation(exc):
                raise Conflict(
                    "room_bookings_overlap",
                    N_(
                        "Meetings booked in this room overlap each other, so it cannot "
                        "stop being virtual-only."
                    ),
                ) from None
            raise _name_taken() from None
        return bool(result.rowcount)

    async def future_meetings(self, room_id: RoomId, now: datetime) -> list[tuple[MeetingId, str]]:
        async with self.db.connect() as conn:
            return await self._future(conn, room_id, now)

    async def _future(
        self, conn: Any, room_id: RoomId, now: datetime
    ) -> list[tuple[MeetingId, str]]:
        rows = await conn.execute(
            sa.select(meetings.c.id, meetings.c.title)
            .where(
                sa.or_(
                    meetings.c.room_id == room_id,
                    meetings.c.id.in_(
                        sa.select(meeting_overrides.c.meeting_id).where(
                            meeting_overrides.c.room_id == room_id
                        )
                    ),
                ),
                # A series books its room until its last occurrence ends.
                sa.func.coalesce(meetings.c.series_until, meetings.c.ends_at) > now,
            )
            .order_by(meetings.c.starts_at, meetings.c.id)
        )
        return [(MeetingId(r.id), r.title) for r in rows]

    async def delete_room(self, room_id: RoomId, now: datetime) -> bool:
        """Deletes a room that no meeting still to come (or under way) has booked; its
        past meetings keep their record without the room."""
        try:
            async with self.db.begin() as conn:
                future = await self._future(conn, room_id, now)
                if future:
                    raise room_in_use(future)
                await conn.execute(
                    meetings.update().where(meetings.c.room_id == room_id).values(room_id=None)
                )
                result = await conn.execute(rooms.delete().where(rooms.c.id == room_id))
        except IntegrityError:
            # A booking slipped in between the check and the delete.
            raise room_in_use(await self.future_meetings(room_id, now)) from None
        return bool(result.rowcount)


def room_in_use(future: list[tuple[MeetingId, str]]) -> Conflict:
    titles = ", ".join(f"“{title}”" for _, title in future[:_NAMED])
    if len(future) > _NAMED:
        titles += ", …"
    return Conflict(
        "room_in_use",
        N_("This room is booked by meetings still to come ({titles}); it cannot be deleted."),
        details={"meetings": [{"meeting_id": mid, "title": title} for mid, title in future]},
        titles=titles,
    )
