"""Meeting rooms: what admins manage, and the rules a meeting booking a room meets.

That two meetings do not hold one physical room at once is enforced by the store
(atomically, in the database); this module checks everything else: the room exists,
the person may book it, and the meeting falls within the room's hours.
"""

from __future__ import annotations

import dataclasses
import logging
import zoneinfo
from datetime import datetime, time
from typing import Any

from meetroom.accounts.service import require_account_role, require_user
from meetroom.bounds import MAX_SEATS
from meetroom.clock import Clock
from meetroom.errors import N_, Forbidden, Invalid, NotFound
from meetroom.ids import MeetingId, RoomId, UserId, new_id
from meetroom.meetings.roles import MANAGER_ROLES
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.meetings import Meeting
from meetroom.records.rooms import Room
from meetroom.scheduling.ports import RoomStore, UserDirectory

logger = logging.getLogger(__name__)

MAX_NAME = 200
MAX_LOCATION = 300
ALL_DAYS = frozenset(range(1, 8))
FIELDS = {
    "name", "location", "seats", "tablets", "has_video_endpoint", "virtual_only",
    "available_from", "available_until", "available_days", "bookers",
}  # fmt: skip


def _not_found() -> NotFound:
    return NotFound("room_not_found", N_("This room does not exist (any more)."))


class RoomService:
    def __init__(
        self,
        store: RoomStore,
        users: UserDirectory,
        clock: Clock,
        timezone: str,
        *,
        audit: AuditTrail,
    ) -> None:
        self.audit = audit
        self.store = store
        self.users = users
        self.clock = clock
        self.zone = zoneinfo.ZoneInfo(timezone)

    # -- rooms -----------------------------------------------------------------

    async def list(self, actor: Principal) -> list[Room]:
        require_user(actor)
        return await self.store.list_rooms()

    async def get(self, actor: Principal, room_id: RoomId) -> Room:
        require_user(actor)
        room = await self.store.get_room(room_id)
        if room is None:
            raise _not_found()
        return room

    async def create(self, actor: Principal, name: str, **fields: Any) -> Room:
        _require_admin(actor)
        unknown = set(fields) - FIELDS
        if unknown:
            raise Invalid("unknown_field", N_("Unknown field: {field}."), field=sorted(unknown)[0])
        now = self.clock.now()
        values: dict[str, Any] = {
            "location": "", "seats": None, "tablets": 0, "has_video_endpoint": False,
            "virtual_only": False, "available_from": None, "available_until": None,
            "available_days": ALL_DAYS, "bookers": None,
        }  # fmt: skip
        values.update(fields)
        room = await self._validated(
            Room(id=RoomId(new_id()), name=name, created_at=now, updated_at=now, **values)
        )
        await self.store.create_room(room)
        logger.info("room %s (%s) created", room.id, room.name)
        await self.audit.record(
            actor, AuditAction.ROOM_CREATED, target_type="room", target_id=room.id,
            details={"name": room.name},
        )  # fmt: skip
        return room

    async def update(self, actor: Principal, room_id: RoomId, **changes: Any) -> Room:
        _require_admin(actor)
        unknown = set(changes) - FIELDS
        if unknown:
            raise Invalid("unknown_field", N_("Unknown field: {field}."), field=sorted(unknown)[0])
        current = await self.get(actor, room_id)
        room = await self._validated(
            dataclasses.replace(current, updated_at=self.clock.now(), **changes)
        )
        if not await self.store.save_room(room):
            raise _not_found()
        changed = {
            f: [getattr(current, f), getattr(room, f)]
            for f in sorted(FIELDS)
            if getattr(current, f) != getattr(room, f)
        }
        await self.audit.record(
            actor, AuditAction.ROOM_CHANGED, target_type="room", target_id=room.id,
            details={"name": room.name, "fields": sorted(changed), "changes": changed},
        )  # fmt: skip
        return room

    async def delete(self, actor: Principal, room_id: RoomId) -> None:
        """Refused (room_in_use, naming them) while meetings still to come book it."""
        _require_admin(actor)
        room = await self.get(actor, room_id)
        if not await self.store.delete_room(room_id, self.clock.now()):
            raise _not_found()
        logger.info("room %s deleted", room_id)
        await self.audit.record(
            actor, AuditAction.ROOM_DELETED, target_type="room", target_id=room_id,
            details={"name": room.name},
        )  # fmt: skip

    # -- booking ---------------------------------------------------------------

    def may_book(self, actor: Principal, room: Room) -> bool:
        user = actor.user
        if user is None or user.disabled:
            return False
        if user.role is AccountRole.ADMIN:
            return True
        if room.bookers is None:
            return user.role in MANAGER_ROLES
        return user.id in room.bookers

    async def check_booking(self, actor: Principal, meeting: Meeting) -> None:
        if meeting.room_id is None:
            return
        room = await self.store.get_room(meeting.room_id)
        if room is None:
            raise Invalid("room_not_found", N_("This room does not exist (any more)."))
        if not self.may_book(actor, room):
            raise Forbidden(
                "room_not_bookable", N_("You may not book the room “{room}”."), room=room.name
            )
        self._check_hours(room, meeting)

    def is_open(self, room: Room, starts_at: datetime, ends_at: datetime) -> bool:
        """Whether the room's days and hours allow a meeting at that time (the
        calendar shades what is not)."""
        probe = Meeting(
            id=MeetingId(""), title="", description="", location="", starts_at=starts_at,
            ends_at=ends_at, created_by=None, created_at=starts_at, updated_at=starts_at,
            room_id=room.id,
        )  # fmt: skip
        try:
            self._check_hours(room, probe)
        except Invalid:
            return False
        return True

    def _check_hours(self, room: Room, meeting: Meeting) -> None:
        start = meeting.starts_at.astimezone(self.zone)
        end = meeting.ends_at.astimezone(self.zone)
        days = {start.isoweekday(), end.isoweekday()}
        if not days <= room.available_days:
            raise Invalid(
                "outside_room_days",
                N_("The room “{room}” cannot be booked on that day of the week."),
                details={"available_days": sorted(room.available_days)},
                room=room.name,
            )
        if room.available_from is None or room.available_until is None:
            return
        if (
            start.date() != end.date()
            or start.time() < room.available_from
            or end.time() > room.available_until
        ):
            opens = room.available_from.strftime("%H:%M")
            closes = room.available_until.strftime("%H:%M")
            raise Invalid(
                "outside_room_hours",
                N_("The room “{room}” can only be booked between {opens} and {closes}."),
                details={"available_from": opens, "available_until": closes},
                room=room.name,
                opens=opens,
                closes=closes,
            )

    # -- validation ------------------------------------------------------------

    async def _validated(self, room: Room) -> Room:
        name = room.name.strip()
        if not name:
            raise Invalid("name_required", N_("The room needs a name."))
        if len(name) > MAX_NAME:
            raise Invalid("name_too_long", N_("The name is too long (200 characters at most)."))
        location = room.location.strip()
        if len(location) > MAX_LOCATION:
            raise Invalid(
                "location_too_long", N_("The location is too long (300 characters at most).")
            )
        if (room.seats is not None and room.seats < 0) or room.tablets < 0:
            raise Invalid("negative_count", N_("Seats and tablets cannot be negative."))
        if max(room.seats or 0, room.tablets) > MAX_SEATS:
            raise Invalid("count_too_large", N_("Seats and tablets: {n} at most."), n=MAX_SEATS)
        if (room.available_from is None) != (room.available_until is None):
            raise Invalid(
                "hours_incomplete", N_("Give both the opening and the closing hour, or neither.")
            )
        if _ordered(room.available_from, room.available_until) is False:
            raise Invalid("hours_reversed", N_("The room must close after it opens."))
        days = frozenset(room.available_days)
        if not days or not days <= ALL_DAYS:
            raise Invalid(
                "bad_days",
                N_("Available days are weekday numbers from 1 (Monday) to 7 (Sunday)."),
            )
        bookers = None if room.bookers is None else frozenset(room.bookers)
        for user_id in sorted(bookers or ()):
            if await self.users.get_user(UserId(user_id)) is None:
                raise Invalid("user_not_found", N_("No such user."), details={"user_id": user_id})
        return dataclasses.replace(
            room, name=name, location=location, available_days=days, bookers=bookers
        )


def _ordered(opens: time | None, closes: time | None) -> bool | None:
    if opens is None or closes is None:
        return None
    return opens < closes


def _require_admin(actor: Principal) -> None:
    require_account_role(actor, AccountRole.ADMIN)
