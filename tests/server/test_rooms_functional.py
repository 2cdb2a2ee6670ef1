"""Rooms and booking them through the JSON API, on SQLite and PostgreSQL: room
management and its permissions, the conflict rules, and two requests racing for one
room (the database refuses the second, so exactly one wins)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from meetroom.records.accounts import AccountRole
from tests.clients import ADMIN_PASSWORD, Api, Site, Status, login, page_csrf
from tests.dates import MONDAY, SATURDAY, TUESDAY, stamp, wall, week_ahead
from tests.server.meetings import add_room, admin_principal

pytestmark = pytest.mark.dates


class Booker(Api):
    """One signed-in client; its meetings are on `day` (a Tuesday of next week unless
    given) at hours in the server's zone."""

    def __init__(self, api: Api, day: date) -> None:
        super().__init__(api.http, api.csrf)
        self.day = day

    def at(self, hour: float) -> str:
        return stamp(self.day, hour)

    async def meeting(
        self,
        title: str,
        start: float,
        end: float,
        room_id: str | None = None,
        day: date | None = None,
        *,
        status: Status = 201,
    ) -> Any:
        day = day or self.day
        return await self.post(
            "/api/meetings",
            {
                "title": title,
                "starts_at": stamp(day, start),
                "ends_at": stamp(day, end),
                "room_id": room_id,
            },
            status=status,
        )


def next_tuesday(site: Site) -> date:
    return week_ahead(site.clock.now(), TUESDAY)


async def admin_api(site: Site) -> Booker:
    return Booker(await Api.sign_in(site.client, "admin", ADMIN_PASSWORD), next_tuesday(site))


async def user_api(site: Site, username: str, role: AccountRole) -> tuple[Booker, str]:
    user, _ = await site.services.accounts.create_user(
        username, username.title(), role, password="pass-word-1234", must_change_password=False
    )
    api = await Api.sign_in(await site.new_client(), username, "pass-word-1234")
    return Booker(api, next_tuesday(site)), user.id


async def test_rooms_crud_and_permissions(any_site: Site) -> None:
    admin = await admin_api(any_site)
    room_id = await add_room(
        admin,
        "Phòng họp 1",
        location="Building A, 2nd floor",
        seats=30,
        tablets=25,
        has_video_endpoint=True,
        available_from="07:30",
        available_until="18:00",
        available_days=[1, 2, 3, 4, 5],
    )
    room = await admin.get(f"/api/rooms/{room_id}")
    assert room == {
        "id": room_id, "name": "Phòng họp 1", "location": "Building A, 2nd floor",
        "seats": 30, "tablets": 25, "has_video_endpoint": True, "virtual_only": False,
        "available_from": "07:30", "available_until": "18:00",
        "available_days": [1, 2, 3, 4, 5], "bookers": None, "can_book": True,
    }  # fmt: skip
    body = await admin.post("/api/rooms", {"name": "Phòng họp 1"}, status=409)
    assert body["error"]["code"] == "room_name_taken"
    await admin.post("/api/rooms", {"name": "X", "available_from": "9am"}, status=400)
    body = await admin.post(
        "/api/rooms", {"name": "X", "available_from": "12:00", "available_until": "08:00"},
        status=400,
    )  # fmt: skip
    assert body["error"]["code"] == "hours_reversed"

    room = await admin.patch(f"/api/rooms/{room_id}", {"seats": 40})
    assert room["seats"] == 40 and room["tablets"] == 25

    secretary, _ = await user_api(any_site, "thu_ky", AccountRole.SECRETARY)
    delegate, _ = await user_api(any_site, "dai_bieu", AccountRole.DELEGATE)
    rooms = await secretary.get("/api/rooms")
    assert [r["id"] for r in rooms] == [room_id] and rooms[0]["can_book"]
    rooms = await delegate.get("/api/rooms")
    assert rooms[0]["can_book"] is False
    for api in (secretary, delegate):
        await api.post("/api/rooms", {"name": "Mine"}, status=403)
        await api.patch(f"/api/rooms/{room_id}", {"seats": 1}, status=403)
        await api.delete(f"/api/rooms/{room_id}", status=403)

    # A room that meetings still to come book cannot be deleted: 409 naming them.
    meeting = await admin.meeting("Budget review", 9, 11, room_id)
    assert meeting["room_id"] == room_id
    body = await admin.delete(f"/api/rooms/{room_id}", status=409)
    assert body["error"]["code"] == "room_in_use"
    assert body["error"]["details"]["meetings"] == [
        {"meeting_id": meeting["id"], "title": "Budget review"}
    ]
    assert "Budget review" in body["error"]["message"]

    # Once the meeting is over, the room can go; the meeting keeps its record.
    any_site.clock.advance(admin.day - any_site.clock.now().date() + timedelta(days=1))
    admin = await admin_api(any_site)  # signed in again: the session expired meanwhile
    await admin.delete(f"/api/rooms/{room_id}", status=204)
    await admin.get(f"/api/rooms/{room_id}", status=404)
    body = await admin.get(f"/api/meetings/{meeting['id']}")
    assert body["meeting"]["room_id"] is None


async def test_booking_conflicts(any_site: Site) -> None:
    admin = await admin_api(any_site)
    a = await add_room(admin, "A")
    b = await add_room(admin, "B")
    online = await add_room(admin, "Online", virtual_only=True)

    first = await admin.meeting("Budget review", 9, 11, a)
    # Overlapping, same room: 409 naming the meeting that holds it.
    body = await admin.meeting("Overlap", 10, 12, a, status=409)
    assert body["error"]["code"] == "room_taken"
    assert body["error"]["details"] == {"meeting_id": first["id"], "title": "Budget review"}
    assert "Budget review" in body["error"]["message"]
    # Inside, around: also taken.
    await admin.meeting("Inside", 9.5, 10, a, status=409)
    await admin.meeting("Around", 8, 12, a, status=409)
    # Touching ends do not overlap; another room is free.
    after = await admin.meeting("After", 11, 12, a)
    await admin.meeting("Before", 8, 9, a)
    other = await admin.meeting("Other room", 10, 12, b)
    # A virtual-only room never conflicts.
    await admin.meeting("Online 1", 9, 11, online)
    await admin.meeting("Online 2", 9, 11, online)
    # No room: no conflict.
    await admin.meeting("Nowhere", 9, 11)

    # Moving a meeting onto a taken slot, or into a taken room.
    body = await admin.patch(
        f"/api/meetings/{after['id']}", {"starts_at": admin.at(10.5)}, status=409
    )
    assert body["error"]["details"]["meeting_id"] == first["id"]
    body = await admin.patch(f"/api/meetings/{other['id']}", {"room_id": a}, status=409)
    assert body["error"]["details"]["title"] == "Budget review"
    # Giving the room up, then taking it once it is free.
    body = await admin.patch(f"/api/meetings/{first['id']}", {"room_id": None})
    assert body["room_id"] is None
    body = await admin.patch(
        f"/api/meetings/{other['id']}",
        {"room_id": a, "starts_at": admin.at(9), "ends_at": admin.at(11)},
    )
    assert body["room_id"] == a

    # A virtual-only room becoming physical while its bookings overlap: refused.
    body = await admin.patch(f"/api/rooms/{online}", {"virtual_only": False}, status=409)
    assert body["error"]["code"] == "room_bookings_overlap"

    # Unknown room.
    body = await admin.meeting("Ghost", 9, 10, "0" * 26, status=400)
    assert body["error"]["code"] == "room_not_found"


async def test_room_hours_and_who_may_book(any_site: Site) -> None:
    admin = await admin_api(any_site)
    office = await add_room(
        admin, "Office hours", available_from="08:00", available_until="17:00",
        available_days=[1, 2, 3, 4, 5],
    )  # fmt: skip
    await admin.meeting("In hours", 8, 17, office)
    body = await admin.meeting("Late", 16, 18, office, status=400)
    assert body["error"]["code"] == "outside_room_hours"
    assert "08:00" in body["error"]["message"] and "17:00" in body["error"]["message"]
    saturday = admin.day + timedelta(days=SATURDAY - TUESDAY)
    body = await admin.meeting("Saturday", 9, 10, office, day=saturday, status=400)
    assert body["error"]["code"] == "outside_room_days"

    secretary, _ = await user_api(any_site, "thu_ky", AccountRole.SECRETARY)
    other_secretary, other_id = await user_api(any_site, "thu_ky_2", AccountRole.SECRETARY)
    board = await add_room(admin, "Board room", bookers=[other_id])
    body = await secretary.meeting("Not mine", 9, 10, board, status=403)
    assert body["error"]["code"] == "room_not_bookable"
    await other_secretary.meeting("Mine", 9, 10, board)
    await admin.meeting("Admin may", 10, 11, board)


async def test_participant_busy(any_site: Site) -> None:
    admin = await admin_api(any_site)
    user, _ = await any_site.services.accounts.create_user(
        "dung", "Phạm Quốc Dũng", AccountRole.DELEGATE, password="pass-word-1234"
    )
    first = await admin.meeting("Budget review", 9, 11)
    second = await admin.meeting("Planning", 10, 12)
    later = await admin.meeting("Later", 11, 12)

    def add(meeting: dict[str, Any], status: int = 201, **body: Any) -> Any:
        return admin.post(f"/api/meetings/{meeting['id']}/participants", body, status=status)

    await add(first, user_id=user.id)
    body = await add(second, 409, user_id=user.id)
    assert body["error"]["code"] == "participant_busy"
    assert body["error"]["details"] == {
        "meeting_id": first["id"], "title": "Budget review", "user_id": user.id
    }  # fmt: skip
    assert "Phạm Quốc Dũng" in body["error"]["message"]
    assert "Budget review" in body["error"]["message"]
    # Guests typed by name are not checked; touching ends are no overlap.
    await add(second, name="Phạm Quốc Dũng")
    await add(later, user_id=user.id)
    # Moving a meeting so that one of its users would be in two places at once.
    body = await admin.patch(
        f"/api/meetings/{later['id']}", {"starts_at": admin.at(10)}, status=409
    )
    assert body["error"]["code"] == "participant_busy"
    assert body["error"]["details"]["meeting_id"] == first["id"]
    # Changing something else keeps it.
    await admin.patch(f"/api/meetings/{later['id']}", {"title": "Later on"})


async def test_simultaneous_bookings_of_one_room(any_site: Site) -> None:
    """Ten requests at once for overlapping slots of one room: the database lets one
    through, the others get 409 naming it."""
    admin = await admin_api(any_site)
    room = await add_room(admin, "Hall")
    clients = [await any_site.new_client() for _ in range(10)]
    apis = [Booker(await Api.sign_in(c, "admin", ADMIN_PASSWORD), admin.day) for c in clients]
    results = await asyncio.gather(
        *(
            api.meeting(f"Race {i}", 9 + i * 0.1, 11 + i * 0.1, room, status=(201, 409))
            for i, api in enumerate(apis)
        )
    )
    # (a 201 has the meeting, a 409 the error)
    created = [body for body in results if "error" not in body]
    refused = [body for body in results if "error" in body]
    assert len(created) == 1, results
    assert len(refused) == 9, results
    winner = created[0]
    for body in refused:
        assert body["error"]["code"] == "room_taken"
        assert body["error"]["details"] == {"meeting_id": winner["id"], "title": winner["title"]}
    meetings = await admin.get("/api/meetings")
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
