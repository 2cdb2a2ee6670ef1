"""What scheduling needs from the layers below it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from meetroom.ids import MeetingId, RoomId, UserId
from meetroom.records.accounts import User
from meetroom.records.rooms import Room


class RoomStore(Protocol):
    async def create_room(self, room: Room) -> None: ...
    async def get_room(self, room_id: RoomId) -> Room | None: ...
    async def list_rooms(self) -> list[Room]: ...
    async def save_room(self, room: Room) -> bool: ...
    async def delete_room(self, room_id: RoomId, now: datetime) -> bool: ...
    async def future_meetings(
        self, room_id: RoomId, now: datetime
    ) -> list[tuple[MeetingId, str]]: ...


class UserDirectory(Protocol):
    async def get_user(self, user_id: UserId) -> User | None: ...
