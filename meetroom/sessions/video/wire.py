"""What the video gateways of two nodes say to each other over the bus: a viewer, a
typed error, a room's state, as JSON-able builtins (see video/relay.py)."""

from __future__ import annotations

from typing import Any

from meetroom import errors
from meetroom.errors import Category, MeetRoomError
from meetroom.protocol import video as v
from meetroom.protocol.codec import convert, to_builtins
from meetroom.protocol.live import ClientMessage
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Grant
from meetroom.sessions.live.meeting import Viewer
from meetroom.sessions.video.service import RoomView

_ERRORS: dict[str, type[MeetRoomError]] = {
    Category.INVALID.value: errors.Invalid,
    Category.UNAUTHENTICATED.value: errors.Unauthenticated,
    Category.FORBIDDEN.value: errors.Forbidden,
    Category.NOT_FOUND.value: errors.NotFound,
    Category.CONFLICT.value: errors.Conflict,
    Category.TOO_LARGE.value: errors.TooLarge,
    Category.RATE_LIMITED.value: errors.RateLimited,
    Category.UNAVAILABLE.value: errors.Unavailable,
}


def viewer_out(viewer: Viewer) -> dict[str, Any]:
    return {
        "key": viewer.key,
        "name": viewer.name,
        "role": viewer.role,
        "grants": sorted(g.value for g in viewer.grants),
    }


def viewer_in(data: dict[str, Any]) -> Viewer:
    # The owner needs who it is and what it may do; the principal stays at the origin
    # (who may be in the meeting at all was checked there, when the socket opened).
    return Viewer(
        key=str(data["key"]),
        name=str(data["name"]),
        role=str(data["role"]),
        grants=frozenset(Grant(g) for g in data["grants"]),
        principal=Principal(),
    )


def error_out(exc: MeetRoomError) -> dict[str, Any]:
    return {
        "category": exc.category.value,
        "code": exc.code,
        "message": exc.message,
        "params": exc.params,
        "retry_after": exc.retry_after,
        "details": exc.details,
    }


def error_in(data: dict[str, Any]) -> MeetRoomError:
    kind = _ERRORS.get(str(data.get("category")), MeetRoomError)
    return kind(
        str(data["code"]),
        str(data["message"]),
        retry_after=data.get("retry_after"),
        details=data.get("details") or None,
        **(data.get("params") or {}),
    )


def message_out(message: ClientMessage) -> dict[str, Any]:
    found: dict[str, Any] = to_builtins(message)
    return found


def message_in(data: dict[str, Any]) -> v.VideoClientMessages:
    return convert(data, v.VideoClientMessages)  # type: ignore[arg-type]


def room_out(view: RoomView) -> dict[str, Any]:
    return {"meeting": view.meeting_id, "room": to_builtins(view.room), "peers": view.peers}


def room_in(data: dict[str, Any]) -> RoomView:
    return RoomView(
        str(data["meeting"]),
        convert(data["room"], v.VideoRoom),
        {str(k): bool(x) for k, x in data["peers"].items()},
    )


def empty_room(meeting_id: str) -> RoomView:
    return RoomView(meeting_id, v.VideoRoom(people=[]), {})
