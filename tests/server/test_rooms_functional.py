"""Rooms and booking them through the JSON API, on SQLite and PostgreSQL: room
management and its permissions, the conflict rules, and two requests racing for one
room (the database refuses the second, so exactly one wins)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from meetroom.records.accounts import AccountRole
from tests.conftest import ADMIN_PASSWORD, Site, login, page_csrf
from tests.dates import MONDAY, SATURDAY, TUESDAY, stamp, wall, week_ahead
from tests.server.meetings import admin_principal

pytestmark = pytest.mark.dates


class Api:
    """One signed-in client; its meetings are on `day` (a Tuesday of next week unless
    given) at hours in the server's zone."""

    def __init__(self, client: TestClient, csrf: str, day: date) -> None:
        self.client = client
        self.csrf = csrf
        self.day = day

    def at(self, hour: float) -> str:
        return stamp(self.day, hour)

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        resp = await self.client.request(
            method, path, json=body, headers={"X-CSRF-Token": self.csrf}
        )
        data = await resp.json() if resp.status != 204 else None
        return resp.status, data

    async def room(self, name: str, **fields: Any) -> str:
        status, body = await self.call("POST", "/api/rooms", {"name": name, **fields})
        assert status == 201, body
        return str(body["id"])

    async def meeting(
        self,
        title: str,
        start: float,
        end: float,
        room_id: str | None = None,
        day: date | None = None,
    ) -> tuple[int, Any]:
        day = day or self.day
        return await self.call(
            "POST",
            "/api/meetings",
            {
                "title": title,
                "starts_at": stamp(day, start),
                "ends_at": stamp(day, end),
                "room_id": room_id,
            },
        )


def next_tuesday(site: Site) -> date:
    return week_ahead(site.clock.now(), TUESDAY)


async def admin_api(site: Site) -> Api:
    return Api(site.client, await login(site.client, "admin", ADMIN_PASSWORD), next_tuesday(site))


async def user_api(site: Site, username: str, role: AccountRole) -> tuple[Api, str]:
    user, _ = await site.services.accounts.create_user(
        username, username.title(), role, password="pass-word-1234", must_change_password=False
    )
    client = await site.new_client()
    return Api(client, await login(client, username, "pass-word-1234"), next_tuesday(site)), user.id


async def test_rooms_crud_and_permissions(any_site: Site) -> None:
    admin = await admin_api(any_site)
    room_id = await admin.room(
        "Phòng họp 1",
        location="Building A, 2nd floor",
        seats=30,
        tablets=25,
        has_video_endpoint=True,
        available_from="07:30",
        available_until="18:00",
        available_days=[1, 2, 3, 4, 5],
    )
    status, room = await admin.call("GET", f"/api/rooms/{room_id}")
    assert status == 200
    assert room == {
        "id": room_id, "name": "Phòng họp 1", "location": "Building A, 2nd floor",
        "seats": 30, "tablets": 25, "has_video_endpoint": True, "virtual_only": False,
        "available_from": "07:30", "available_until": "18:00",
        "available_days": [1, 2, 3, 4, 5], "bookers": None, "can_book": True,
    }  # fmt: skip
    status, body = await admin.call("POST", "/api/rooms", {"name": "Phòng họp 1"})
    assert status == 409 and body["error"]["code"] == "room_name_taken"
    status, body = await admin.call("POST", "/api/rooms", {"name": "X", "available_from": "9am"})
    assert status == 400
    status, body = await admin.call(
        "POST", "/api/rooms", {"name": "X", "available_from": "12:00", "available_until": "08:00"}
    )
    assert status == 400 and body["error"]["code"] == "hours_reversed"

    status, room = await admin.call("PATCH", f"/api/rooms/{room_id}", {"seats": 40})
    assert status == 200 and room["seats"] == 40 and room["tablets"] == 25

    secretary, _ = await user_api(any_site, "thu_ky", AccountRole.SECRETARY)
    delegate, _ = await user_api(any_site, "dai_bieu", AccountRole.DELEGATE)
    status, rooms = await secretary.call("GET", "/api/rooms")
    assert status == 200 and [r["id"] for r in rooms] == [room_id] and rooms[0]["can_book"]
    status, rooms = await delegate.call("GET", "/api/rooms")
    assert status == 200 and rooms[0]["can_book"] is False
    for api in (secretary, delegate):
        assert (await api.call("POST", "/api/rooms", {"name": "Mine"}))[0] == 403
        assert (await api.call("PATCH", f"/api/rooms/{room_id}", {"seats": 1}))[0] == 403
        assert (await api.call("DELETE", f"/api/rooms/{room_id}"))[0] == 403

    # A room that meetings still to come book cannot be deleted: 409 naming them.
    status, meeting = await admin.meeting("Budget review", 9, 11, room_id)
    assert status == 201 and meeting["room_id"] == room_id
    status, body = await admin.call("DELETE", f"/api/rooms/{room_id}")
    assert status == 409 and body["error"]["code"] == "room_in_use"
    assert body["error"]["details"]["meetings"] == [
        {"meeting_id": meeting["id"], "title": "Budget review"}
    ]
    assert "Budget review" in body["error"]["message"]

    # Once the meeting is over, the room can go; the meeting keeps its record.
    any_site.clock.advance(admin.day - any_site.clock.now().date() + timedelta(days=1))
    admin = await admin_api(any_site)  # signed in again: the session expired meanwhile
    status, _ = await admin.call("DELETE", f"/api/rooms/{room_id}")
    assert status == 204
    assert (await admin.call("GET", f"/api/rooms/{room_id}"))[0] == 404
    status, body = await admin.call("GET", f"/api/meetings/{meeting['id']}")
    assert status == 200 and body["meeting"]["room_id"] is None


async def test_booking_conflicts(any_site: Site) -> None:
    admin = await admin_api(any_site)
    a = await admin.room("A")
    b = await admin.room("B")
    online = await admin.room("Online", virtual_only=True)

    status, first = await admin.meeting("Budget review", 9, 11, a)
    assert status == 201, first
    # Overlapping, same room: 409 naming the meeting that holds it.
    status, body = await admin.meeting("Overlap", 10, 12, a)
    assert status == 409
    assert body["error"]["code"] == "room_taken"
    assert body["error"]["details"] == {"meeting_id": first["id"], "title": "Budget review"}
    assert "Budget review" in body["error"]["message"]
    # Inside, around: also taken.
    assert (await admin.meeting("Inside", 9.5, 10, a))[0] == 409
    assert (await admin.meeting("Around", 8, 12, a))[0] == 409
    # Touching ends do not overlap; another room is free.
    status, after = await admin.meeting("After", 11, 12, a)
    assert status == 201, after
    assert (await admin.meeting("Before", 8, 9, a))[0] == 201
    status, other = await admin.meeting("Other room", 10, 12, b)
    assert status == 201, other
    # A virtual-only room never conflicts.
    assert (await admin.meeting("Online 1", 9, 11, online))[0] == 201
    assert (await admin.meeting("Online 2", 9, 11, online))[0] == 201
    # No room: no conflict.
    assert (await admin.meeting("Nowhere", 9, 11))[0] == 201

    # Moving a meeting onto a taken slot, or into a taken room.
    status, body = await admin.call(
        "PATCH", f"/api/meetings/{after['id']}", {"starts_at": admin.at(10.5)}
    )
    assert status == 409 and body["error"]["details"]["meeting_id"] == first["id"]
    status, body = await admin.call("PATCH", f"/api/meetings/{other['id']}", {"room_id": a})
    assert status == 409 and body["error"]["details"]["title"] == "Budget review"
    # Giving the room up, then taking it once it is free.
    status, body = await admin.call("PATCH", f"/api/meetings/{first['id']}", {"room_id": None})
    assert status == 200 and body["room_id"] is None
    status, body = await admin.call(
        "PATCH",
        f"/api/meetings/{other['id']}",
        {"room_id": a, "starts_at": admin.at(9), "ends_at": admin.at(11)},
    )
    assert status == 200 and body["room_id"] == a

    # A virtual-only room becoming physical while its bookings overlap: refused.
    status, body = await admin.call("PATCH", f"/api/rooms/{online}", {"virtual_only": False})
    assert status == 409 and body["error"]["code"] == "room_bookings_overlap"

    # Unknown room.
    status, body = await admin.meeting("Ghost", 9, 10, "0" * 26)
    assert status == 400 and body["error"]["code"] == "room_not_found"


async def test_room_hours_and_who_may_book(any_site: Site) -> None:
    admin = await admin_api(any_site)
    office = await admin.room(
        "Office hours", available_from="08:00", available_until="17:00",
        available_days=[1, 2, 3, 4, 5],
    )  # fmt: skip
    assert (await admin.meeting("In hours", 8, 17, office))[0] == 201
    status, body = await admin.meeting("Late", 16, 18, office)
    assert status == 400 and body["error"]["code"] == "outside_room_hours"
    assert "08:00" in body["error"]["message"] and "17:00" in body["error"]["message"]
    saturday = admin.day + timedelta(days=SATURDAY - TUESDAY)
    status, body = await admin.meeting("Saturday", 9, 10, office, day=saturday)
    assert status == 400 and body["error"]["code"] == "outside_room_days"

    secretary, _ = await user_api(any_site, "thu_ky", AccountRole.SECRETARY)
    other_secretary, other_id = await user_api(any_site, "thu_ky_2", AccountRole.SECRETARY)
    board = await admin.room("Board room", bookers=[other_id])
    status, body = await secretary.meeting("Not mine", 9, 10, board)
    assert status == 403 and body["error"]["code"] == "room_not_bookable"
    assert (await other_secretary.meeting("Mine", 9, 10, board))[0] == 201
    assert (await admin.meeting("Admin may", 10, 11, board))[0] == 201


async def test_participant_busy(any_site: Site) -> None:
    admin = await admin_api(any_site)
    user, _ = await any_site.services.accounts.create_user(
        "dung", "Phạm Quốc Dũng", AccountRole.DELEGATE, password="pass-word-1234"
    )
    _, first = await admin.meeting("Budget review", 9, 11)
    _, second = await admin.meeting("Planning", 10, 12)
    _, later = await admin.meeting("Later", 11, 12)

    def add(meeting: dict[str, Any], **body: Any) -> Any:
        return admin.call("POST", f"/api/meetings/{meeting['id']}/participants", body)

    assert (await add(first, user_id=user.id))[0] == 201
    status, body = await add(second, user_id=user.id)
    assert status == 409 and body["error"]["code"] == "participant_busy"
    assert body["error"]["details"] == {
        "meeting_id": first["id"], "title": "Budget review", "user_id": user.id
    }  # fmt: skip
    assert "Phạm Quốc Dũng" in body["error"]["message"]
    assert "Budget review" in body["error"]["message"]
    # Guests typed by name are not checked; touching ends are no overlap.
    assert (await add(second, name="Phạm Quốc Dũng"))[0] == 201
    assert (await add(later, user_id=user.id))[0] == 201
    # Moving a meeting so that one of its users would be in two places at once.
    status, body = await admin.call(
        "PATCH", f"/api/meetings/{later['id']}", {"starts_at": admin.at(10)}
    )
    assert status == 409 and body["error"]["code"] == "participant_busy"
    assert body["error"]["details"]["meeting_id"] == first["id"]
    # Changing something else keeps it.
    status, _ = await admin.call("PATCH", f"/api/meetings/{later['id']}", {"title": "Later on"})
    assert status == 200


async def test_simultaneous_bookings_of_one_room(any_site: Site) -> None:
    """Ten requests at once for overlapping slots of one room: the database lets one
    through, the others get 409 naming it."""
    admin = await admin_api(any_site)
    room = await admin.room("Hall")
    clients = [await any_site.new_client() for _ in range(10)]
    apis = [Api(c, await login(c, "admin", ADMIN_PASSWORD), admin.day) for c in clients]
    results = await asyncio.gather(
        *(api.meeting(f"Race {i}", 9 + i * 0.1, 11 + i * 0.1, room) for i, api in enumerate(apis))
    )
    created = [body for status, body in results if status == 201]
    refused = [body for status, body in results if status == 409]
    assert len(created) == 1, results
    assert len(refused) == 9, results
    winner = created[0]
    for body in refused:
        assert body["error"]["code"] == "room_taken"
        assert body["error"]["details"] == {"meeting_id": winner["id"], "title": winner["title"]}
    status, meetings = await admin.call("GET", "/api/meetings")
    assert [m["id"] for m in meetings if m["room_id"] == room] == [winner["id"]]


async def test_rooms_page(site: Site) -> None:
    """Admins add, edit and delete rooms from /rooms; others only see the list."""
    client = site.client
    await login(client, "admin", ADMIN_PASSWORD)
    token = await page_csrf(client, "/rooms/new")
    form = {
        "_csrf": token, "name": "Phòng họp 2", "location": "Nhà B", "seats": "12",
        "tablets": "10", "has_video_endpoint": "on", "available_from": "08:00",
        "available_until": "17:00", "available_days": "1",
    }  # fmt: skip
    resp = await client.post("/rooms/new", data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    resp = await client.get("/rooms")
    text = await resp.text()
    assert resp.status == 200 and "Phòng họp 2" in text and "08:00–17:00" in text
    [room] = await site.services.rooms.list(await admin_principal(site))
    assert room.seats == 12 and room.available_days == frozenset({1}) and room.has_video_endpoint

    resp = await client.post(f"/rooms/{room.id}/edit", data={**form, "available_until": "07:00"})
    assert resp.status == 400
    assert "The room must close after it opens." in await resp.text()
    resp = await client.post(
        f"/rooms/{room.id}/edit", data={**form, "name": "Renamed"}, allow_redirects=False
    )
    assert resp.status == 303
    resp = await client.post(
        f"/rooms/{room.id}/delete", data={"_csrf": token}, allow_redirects=False
    )
    assert resp.status == 303
    assert await site.services.rooms.list(await admin_principal(site)) == []

    other = await site.new_client()
    await site.services.accounts.create_user(
        "thu_ky", "Thu Ky", AccountRole.SECRETARY, password="pass-word-1234"
    )
    await login(other, "thu_ky", "pass-word-1234")
    assert (await other.get("/rooms")).status == 200
    assert (await other.get("/rooms/new")).status == 403


async def test_booking_a_room_from_the_meeting_form(site: Site) -> None:
    """The meeting form offers the rooms one may book; a taken room is refused in the
    form, naming the other meeting, with everything typed kept."""
    client = site.client
    await login(client, "admin", ADMIN_PASSWORD)
    room = (await site.services.rooms.create(await admin_principal(site), "Phòng 301")).id
    token = await page_csrf(client, "/meetings/new")
    text = await (await client.get("/meetings/new")).text()
    assert f'<option value="{room}"' in text and "Phòng 301" in text
    monday = week_ahead(site.clock.now(), MONDAY)
    form = {
        "_csrf": token, "title": "Giao ban", "starts_at": wall(monday, 9),
        "ends_at": wall(monday, 10), "location": "", "description": "", "room_id": room,
    }  # fmt: skip
    resp = await client.post("/meetings/new", data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    first = resp.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    assert (await site.services.meetings.store.get_meeting(first)).room_id == room  # type: ignore[union-attr]

    clash = {**form, "title": "Họp trùng giờ", "starts_at": wall(monday, 9.5)}
    resp = await client.post("/meetings/new", data=clash, allow_redirects=False)
    assert resp.status == 409
    text = await resp.text()
    assert "Giao ban" in text  # the meeting in the way
    assert "Họp trùng giờ" in text and wall(monday, 9.5) in text  # nothing typed is lost
    assert f'<option value="{room}" selected' in text
    # Without the room it goes through.
    resp = await client.post("/meetings/new", data={**clash, "room_id": ""}, allow_redirects=False)
    assert resp.status == 303
