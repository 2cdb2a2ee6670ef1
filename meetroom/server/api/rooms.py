"""Meeting rooms."""

from __future__ import annotations

from datetime import time
from typing import Any

from aiohttp import web

from meetroom.ids import RoomId, UserId
from meetroom.protocol.api import RoomCreate, RoomOut, RoomUpdate
from meetroom.protocol.codec import UNSET
from meetroom.records.rooms import Room
from meetroom.server.api.registry import Endpoint
from meetroom.server.context import principal, services
from meetroom.server.paths import path_id


def room_out(request: web.Request, room: Room) -> RoomOut:
    return RoomOut(
        id=room.id,
        name=room.name,
        location=room.location,
        seats=room.seats,
        tablets=room.tablets,
        has_video_endpoint=room.has_video_endpoint,
        virtual_only=room.virtual_only,
        available_from=room.available_from.strftime("%H:%M") if room.available_from else None,
        available_until=room.available_until.strftime("%H:%M") if room.available_until else None,
        available_days=sorted(room.available_days),
        bookers=None if room.bookers is None else sorted(room.bookers),
        can_book=services(request).rooms.may_book(principal(request), room),
    )


def _fields(body: RoomCreate | RoomUpdate) -> dict[str, Any]:
    """The body's fields that were given, as the domain takes them."""
    fields: dict[str, Any] = {}
    for name in RoomUpdate.__struct_fields__:
        value = getattr(body, name)
        if value is UNSET:
            continue
        if name in ("available_from", "available_until"):
            value = time.fromisoformat(value) if value is not None else None
        elif name == "available_days":
            value = frozenset(value)
        elif name == "bookers":
            value = None if value is None else frozenset(UserId(u) for u in value)
        fields[name] = value
    return fields


async def list_rooms(request: web.Request) -> list[RoomOut]:
    rooms = await services(request).rooms.list(principal(request))
    return [room_out(request, r) for r in rooms]


async def create_room(request: web.Request, body: RoomCreate) -> RoomOut:
    fields = _fields(body)
    name = fields.pop("name")
    room = await services(request).rooms.create(principal(request), name, **fields)
    return room_out(request, room)


async def get_room(request: web.Request) -> RoomOut:
    room = await services(request).rooms.get(principal(request), path_id(request, RoomId))
    return room_out(request, room)


async def update_room(request: web.Request, body: RoomUpdate) -> RoomOut:
    room = await services(request).rooms.update(
        principal(request), path_id(request, RoomId), **_fields(body)
    )
    return room_out(request, room)


async def delete_room(request: web.Request) -> None:
    await services(request).rooms.delete(principal(request), path_id(request, RoomId))


R = "/api/rooms/{room_id}"
ENDPOINTS = [
    Endpoint(
        "GET", "/api/rooms", list_rooms, "Meeting rooms", "rooms",
        response=list[RoomOut], errors=(401, 403),
    ),
    Endpoint(
        "POST", "/api/rooms", create_room, "Add a meeting room (admin)", "rooms",
        body=RoomCreate, response=RoomOut, status=201, errors=(400, 401, 403, 409),
    ),
    Endpoint(
        "GET", R, get_room, "A meeting room", "rooms",
        response=RoomOut, errors=(401, 403, 404),
    ),
    Endpoint(
        "PATCH", R, update_room, "Change a meeting room (admin)", "rooms",
        body=RoomUpdate, response=RoomOut, errors=(400, 401, 403, 404, 409),
    ),
    Endpoint(
        "DELETE", R, delete_room,
        "Delete a meeting room (admin); refused with 409 naming the meetings still to "
        "come that book it", "rooms",
        status=204, errors=(401, 403, 404, 409),
    ),
]  # fmt: skip
