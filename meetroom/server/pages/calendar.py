"""The calendar of rooms: a week, a day and a list, in the viewer's time zone.

The grid is rendered here, readable without JavaScript; web/static/js/calendar.js only
adds booking (click or drag free slots, a dialog that posts to /api/meetings).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from babel.dates import format_date, format_skeleton, format_time

from meetroom.accounts.service import require_user
from meetroom.errors import N_
from meetroom.ids import RoomId
from meetroom.meetings.access import can_manage_meetings
from meetroom.records.rooms import Room
from meetroom.scheduling.calendar import (
    Block,
    Slot,
    build_grid,
    by_local_day,
    local_midnight,
    week_of,
)
from meetroom.server.calendar_data import check_span, entries_between, parse_day
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import redirect
from meetroom.server.render import gettext_for, locale_of, render
from meetroom.server.zones import zone_of

routes = web.RouteTableDef()

LIST_DAYS = 14
MAX_LIST = timedelta(days=92)


@routes.get("/calendar")
async def calendar_home(request: web.Request) -> web.StreamResponse:
    query = f"?{request.query_string}" if request.query_string else ""
    raise redirect(f"/calendar/week{query}")


@routes.get("/calendar/week")
async def calendar_week(request: web.Request) -> web.StreamResponse:
    day = parse_day(request.query.get("date"), "date", _today(request))
    return await _grid_page(request, "week", week_of(day), day)


@routes.get("/calendar/day")
async def calendar_day(request: web.Request) -> web.StreamResponse:
    day = parse_day(request.query.get("date"), "date", _today(request))
    return await _grid_page(request, "day", [day], day)


@routes.get("/calendar/list")
async def calendar_list(request: web.Request) -> web.StreamResponse:
    ctx = await _common(request)
    zone = zone_of(request)
    first = parse_day(request.query.get("from"), "from", _today(request))
    last = parse_day(request.query.get("to"), "to", first + timedelta(days=LIST_DAYS - 1))
    start, end = local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)
    check_span(start, end, MAX_LIST)
    entries = await entries_between(services(request), principal(request), start, end)
    if ctx["room"] is not None:
        entries = [e for e in entries if e.room_id == ctx["room"].id]
    span = last - first + timedelta(days=1)
    names = {r.id: r.name for r in ctx["all_rooms"]}
    return render(
        request,
        "calendar/list.html",
        **ctx,
        view="list",
        first=first,
        last=last,
        groups=by_local_day(entries, zone),
        room_names=names,
        day_label=lambda d: _day_label(request, d, "full"),
        span_label=f"{_day_label(request, first, 'yMMMd')} – {_day_label(request, last, 'yMMMd')}",
        prev_url=_url(request, "list", ctx, {"from": first - span, "to": first - timedelta(1)}),
        next_url=_url(request, "list", ctx, {"from": last + timedelta(1), "to": last + span}),
        today_url=_url(request, "list", ctx, {}),
    )


def _today(request: web.Request) -> date:
    return services(request).meetings.clock.now().astimezone(zone_of(request)).date()


async def _common(request: web.Request) -> dict[str, Any]:
    """Who looks, the rooms, and the room filter (?room=...)."""
    who = principal(request)
    if who.meeting_scope is not None:
        raise redirect(f"/m/{who.meeting_scope}")
    require_user(who)
    svc = services(request)
    rooms = await svc.rooms.list(who)
    room: Room | None = None
    if request.query.get("room"):
        room = await svc.rooms.get(who, RoomId(request.query["room"]))
    manager = can_manage_meetings(who)
    return {
        "all_rooms": rooms,
        "room": room,
        "can_book": manager,
        # The booking dialog's choice of rooms: those this user may book.
        "bookable_rooms": [r for r in rooms if manager and svc.rooms.may_book(who, r)],
    }


async def _grid_page(
    request: web.Request, view: str, days: list[date], day: date
) -> web.StreamResponse:
    ctx = await _common(request)
    svc = services(request)
    who = principal(request)
    zone = zone_of(request)
    start, end = local_midnight(days[0], zone), local_midnight(days[-1] + timedelta(1), zone)
    entries = await entries_between(svc, who, start, end)
    shown: list[Room] = ctx["all_rooms"] if ctx["room"] is None else [ctx["room"]]
    if ctx["room"] is not None:
        entries = [e for e in entries if e.room_id == ctx["room"].id]
    bookable = {r.id for r in ctx["bookable_rooms"]}
    grid = build_grid(
        days,
        shown,
        entries,
        zone,
        svc.meetings.clock.now(),
        may_book=lambda r: ctx["can_book"] and (r is None or r.id in bookable),
        is_open=svc.rooms.is_open,
    )
    if ctx["room"] is not None:
        grid.rooms = [ctx["room"]]  # no lane for meetings without a room
    step = timedelta(days=len(days))
    if view == "week":
        label = f"{_day_label(request, days[0], 'MMMd')} – {_day_label(request, days[-1], 'yMMMd')}"
    else:
        label = _day_label(request, day, "full")
    return render(
        request,
        f"calendar/{view}.html",
        **ctx,
        view=view,
        day=day,
        grid=grid,
        span_label=label,
        prev_url=_url(request, view, ctx, {"date": day - step}),
        next_url=_url(request, view, ctx, {"date": day + step}),
        today_url=_url(request, view, ctx, {}),
        day_url=lambda d: _url(request, "day", ctx, {"date": d}),
        day_label=lambda d: _day_label(request, d, "MMMEd"),
        clock=lambda t: _clock(request, t),
        slot_label=lambda room, slot: _slot_label(request, room, slot),
        block_time=lambda b: _block_time(request, b),
        bar_hours=(
            _clock(request, time(grid.first_minute // 60)),
            _clock(request, time(grid.last_minute // 60 % 24)),
        ),
    )


def _url(request: web.Request, view: str, ctx: dict[str, Any], params: dict[str, Any]) -> str:
    query = {k: str(v) for k, v in params.items()}
    if ctx["room"] is not None:
        query["room"] = ctx["room"].id
    return f"/calendar/{view}" + (f"?{urlencode(query)}" if query else "")


def _day_label(request: web.Request, day: date, skeleton: str) -> str:
    if skeleton == "full":  # e.g. Tuesday, December 1, 2026
        return str(format_date(day, format="full", locale=locale_of(request)))
    return str(format_skeleton(skeleton, day, locale=locale_of(request)))


def _clock(request: web.Request, value: time | datetime) -> str:
    wall = value.time() if isinstance(value, datetime) else value
    return str(format_time(wall, format="short", locale=locale_of(request)))


def _block_time(request: web.Request, block: Block) -> str:
    start = "…" if block.continues_before else _clock(request, block.local_start)
    end = "…" if block.continues_after else _clock(request, block.local_end)
    return f"{start}–{end}"


def _slot_label(request: web.Request, room: Room | None, slot: Slot) -> str:
    name = room.name if room else gettext_for(request, N_("No room"))
    return gettext_for(
        request,
        N_("Book {room}, {day} {start}–{end}"),
        room=name,
        day=_day_label(request, slot.local_start.date(), "MMMEd"),
        start=_clock(request, slot.local_start),
        end=_clock(request, slot.local_end),
    )
