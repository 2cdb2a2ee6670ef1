"""The rooms page: every signed-in user sees the rooms; admins add, edit and delete
them (the same rules as /api/rooms)."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from aiohttp import web

from meetroom.accounts.service import require_account_role, require_user
from meetroom.errors import N_, Category, Invalid, MeetRoomError
from meetroom.ids import RoomId, UserId
from meetroom.records.accounts import AccountRole
from meetroom.records.rooms import Room
from meetroom.server.bodies import read_form
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import form_fields, redirect, refusal
from meetroom.server.paths import path_id
from meetroom.server.render import render

routes = web.RouteTableDef()


def _values(room: Room | None) -> dict[str, Any]:
    if room is None:
        return {
            "name": "", "location": "", "seats": "", "tablets": "0", "has_video_endpoint": False,
            "virtual_only": False, "available_from": "", "available_until": "",
            "available_days": list(range(1, 8)), "bookers": "",
        }  # fmt: skip
    return {
        "name": room.name,
        "location": room.location,
        "seats": "" if room.seats is None else str(room.seats),
        "tablets": str(room.tablets),
        "has_video_endpoint": room.has_video_endpoint,
        "virtual_only": room.virtual_only,
        "available_from": room.available_from.strftime("%H:%M") if room.available_from else "",
        "available_until": room.available_until.strftime("%H:%M") if room.available_until else "",
        "available_days": sorted(room.available_days),
        "bookers": "" if room.bookers is None else " ".join(sorted(room.bookers)),
    }


def _number(text: str, default: int | None) -> int | None:
    text = text.strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise Invalid("bad_number", N_("Seats and tablets are whole numbers.")) from None


def _clock(text: str) -> time | None:
    text = text.strip()
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise Invalid("bad_time", N_("Enter hours as HH:MM, e.g. 07:30.")) from None


async def _parsed(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form as typed (to show it again) and as the domain takes it."""
    data = await read_form(request)
    form = await form_fields(request)
    # The domain refuses a day out of 1-7; "²" is a digit to str.isdigit, not to int().
    days = sorted(
        int(str(d)) for d in data.getall("available_days", []) if re.fullmatch("[0-9]{1,2}", str(d))
    )
    typed: dict[str, Any] = {
        **form,
        "has_video_endpoint": "has_video_endpoint" in form,
        "virtual_only": "virtual_only" in form,
        "available_days": days,
    }
    bookers = form.get("bookers", "").split()
    fields = {
        "name": form.get("name", ""),
        "location": form.get("location", ""),
        "seats": _number(form.get("seats", ""), None),
        "tablets": _number(form.get("tablets", ""), 0),
        "has_video_endpoint": typed["has_video_endpoint"],
        "virtual_only": typed["virtual_only"],
        "available_from": _clock(form.get("available_from", "")),
        "available_until": _clock(form.get("available_until", "")),
        "available_days": frozenset(days),
        "bookers": frozenset(UserId(u) for u in bookers) if bookers else None,
    }
    return typed, fields


@routes.get("/rooms")
async def room_list(request: web.Request) -> web.StreamResponse:
    who = principal(request)
    user = require_user(who)
    rooms = await services(request).rooms.list(who)
    return render(
        request,
        "rooms/list.html",
        rooms=rooms,
        is_admin=user.role is AccountRole.ADMIN,
        notice=request.query.get("notice"),
    )


@routes.get("/rooms/new")
async def room_new(request: web.Request) -> web.StreamResponse:
    require_account_role(principal(request), AccountRole.ADMIN)
    return render(request, "rooms/form.html", room=None, values=_values(None))


@routes.get("/rooms/{room_id}/edit")
async def room_edit(request: web.Request) -> web.StreamResponse:
    who = principal(request)
    require_account_role(who, AccountRole.ADMIN)
    room = await services(request).rooms.get(who, path_id(request, RoomId))
    return render(request, "rooms/form.html", room=room, values=_values(room))


async def _save(request: web.Request, room: Room | None) -> web.StreamResponse:
    who = principal(request)
    require_account_role(who, AccountRole.ADMIN)
    rooms = services(request).rooms
    typed: dict[str, Any] = {}
    try:
        typed, fields = await _parsed(request)
        if room is None:
            name = fields.pop("name")
            await rooms.create(who, name, **fields)
        else:
            await rooms.update(who, room.id, **fields)
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.INVALID, Category.CONFLICT))
        return render(
            request,
            "rooms/form.html",
            status=refused.status,
            room=room,
            values={**_values(room), **typed},
            error=refused.message,
        )
    raise redirect("/rooms?notice=saved")


@routes.post("/rooms/new")
async def room_create(request: web.Request) -> web.StreamResponse:
    return await _save(request, None)


@routes.post("/rooms/{room_id}/edit")
async def room_update(request: web.Request) -> web.StreamResponse:
    room = await services(request).rooms.get(principal(request), path_id(request, RoomId))
    return await _save(request, room)


@routes.post("/rooms/{room_id}/delete")
async def room_delete(request: web.Request) -> web.StreamResponse:
    who = principal(request)
    try:
        await services(request).rooms.delete(who, path_id(request, RoomId))
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.CONFLICT,))
        rooms = await services(request).rooms.list(who)
        return render(
            request,
            "rooms/list.html",
            status=refused.status,
            rooms=rooms,
            is_admin=True,
            error=refused.message,
        )
    raise redirect("/rooms?notice=room_deleted")
