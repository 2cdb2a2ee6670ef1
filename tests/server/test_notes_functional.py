"""The secretary's notes over the meeting WebSocket, against a real server: a save and
an action item told to the moderators (the chair, the secretary, an administrator's
account, a delegate given the grant while connected), never to a delegate or a guest,
nor to a chair demoted meanwhile."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients import ADMIN_PASSWORD, RIGHTS_BOUND, Api, Site, Tablet, login
from tests.server.meetings import Room, create_meeting


@pytest.fixture
async def room(any_site: Site) -> Any:
    csrf = await login(any_site.client, "admin", ADMIN_PASSWORD)
    r = Room(any_site, await create_meeting(any_site, csrf, "Notes"), "", csrf)
    yield r
    for tablet in r.tablets:
        await tablet.close()


async def person(room: Room, name: str, role: str) -> tuple[Tablet, Api, str]:
    """Their tablet, their API, their participant id."""
    browser = await room.person(name, role)
    tablet, welcome = await room.tablet(browser)
    me = await (await browser.get("/api/me")).json()
    return tablet, Api(browser, me["csrf_token"]), welcome["you"].removeprefix("p:")


async def test_notes_reach_the_moderators_only(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    admin = Api(room.site.client, room.csrf)
    chair, _, chair_id = await person(room, "Chủ tọa", "chair")
    secretary, secretary_api, secretary_id = await person(room, "Thư ký", "secretary")
    delegate, _, _ = await person(room, "Đại biểu", "delegate")
    guest, _, _ = await person(room, "Khách", "guest")
    later, _, later_id = await person(room, "Phó chủ tọa", "delegate")
    manager, welcome = await room.tablet(room.site.client)  # the administrator's account
    assert welcome["you"].startswith("u:")

    await secretary_api.put(f"{m}/notes/general", {"notes": "Khai mạc lúc 8 giờ", "revision": 0})
    for moderator in (chair, secretary, manager):
        told = await moderator.next("notes_saved")
        assert (told["item_id"], told["revision"], told["notes"], told["conclusion"]) == (
            "general", 1, "Khai mạc lúc 8 giờ", "")  # fmt: skip
        assert (told["by"], told["by_name"]) == (f"p:{secretary_id}", "Thư ký") and told["at"]
    body = {"title": "Gửi biên bản", "owner_name": "Văn phòng"}
    task = await secretary_api.post(f"{m}/actions", body, status=201)
    changed = await chair.next("action_changed")
    assert changed["action"]["id"] == task["id"] and changed["deleted"] is False

    # A delegate given the moderator grant while connected hears the next save.
    await admin.patch(f"{m}/participants/{later_id}", {"grants": ["moderator"]})
    await later.next("rights", timeout=RIGHTS_BOUND)
    # The chair demoted to observer no longer does.
    await admin.patch(f"{m}/participants/{chair_id}", {"role": "observer"})
    await chair.next("rights", timeout=RIGHTS_BOUND)
    await secretary_api.put(f"{m}/notes/general", {"conclusion": "Đủ số lượng", "revision": 1})
    for moderator in (secretary, manager, later):
        told = await moderator.next_where("notes_saved", lambda t: t["revision"] == 2)
        assert told["conclusion"] == "Đủ số lượng"
    await secretary_api.delete(f"{m}/actions/{task['id']}", status=204)
    gone = await later.next("action_changed")
    assert gone["deleted"] is True and gone["action"]["id"] == task["id"]

    await delegate.none("notes_saved", within=0.3)
    for bystander in (delegate, guest):
        assert not bystander.of_type("notes_saved") and not bystander.of_type("action_changed")
    assert [t["revision"] for t in chair.of_type("notes_saved")] == [1]
    assert len(chair.of_type("action_changed")) == 1
