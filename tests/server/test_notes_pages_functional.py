"""The decisions page and My tasks, against a real server: a participant reads the
decisions (conclusions, vote results, action items) and marks their own task done
there or on My tasks (in the top navigation, with the meeting and the item, overdue
marked); another participant's task has no button, and posting it anyway is refused;
someone not in the meeting gets 403; the meeting page links to the decisions; the
room page has the Notes tab."""

from __future__ import annotations

from datetime import timedelta

import pytest

from meetroom.records.accounts import AccountRole
from tests.clients import ADMIN_PASSWORD, Api, Site, login
from tests.server.forms import post_form, signed_in
from tests.server.meetings import Room, create_meeting

pytestmark = pytest.mark.dates  # due dates from the server's clock


@pytest.fixture
async def room(site: Site) -> Room:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    return Room(site, await create_meeting(site, csrf, "Họp giao ban"), "", csrf)


async def test_decisions_page_and_my_tasks(room: Room) -> None:
    site = room.site
    admin = Api(site.client, room.csrf)
    m = f"/api/meetings/{room.id}"
    await site.services.accounts.create_user(
        "lan", "Nguyễn Thị Lan", AccountRole.DELEGATE, password="lan-pass-123"
    )
    lan_user = await site.services.accounts.get_by_username("lan")
    assert lan_user is not None
    lan = (await admin.post(f"{m}/participants", {"user_id": lan_user.id}, status=201))["id"]
    item = (await admin.post(f"{m}/agenda", {"title": "Báo cáo quý IV"}, status=201))["id"]
    await admin.put(f"{m}/notes/{item}", {"conclusion": "Thông qua báo cáo quý IV",
                                          "revision": 0})  # fmt: skip
    now = site.clock.now()
    late = (now - timedelta(days=2)).date().isoformat()
    mine = await admin.post(f"{m}/actions", {"title": "Nộp số liệu", "item_id": item,
                                             "owner_participant_id": lan, "due": late},
                            status=201)  # fmt: skip
    other = await admin.post(f"{m}/actions", {"title": "Việc của người khác",
                                              "owner_name": "Ông Tâm"}, status=201)  # fmt: skip

    browser = await signed_in(site, "lan", "lan-pass-123")
    detail = await (await browser.get(f"/meetings/{room.id}")).text()
    assert f'href="/meetings/{room.id}/decisions"' in detail
    nav = await (await browser.get("/meetings")).text()
    assert 'href="/tasks"' in nav and "My tasks" in nav

    page = await (await browser.get(f"/meetings/{room.id}/decisions")).text()
    assert "Thông qua báo cáo quý IV" in page and "Báo cáo quý IV" in page
    assert "Nộp số liệu" in page and "Việc của người khác" in page and "Overdue" in page
    assert f"/actions/{mine['id']}/done" in page  # hers: a button
    assert f"/actions/{other['id']}/done" not in page  # not hers: none
    assert f"/api/meetings/{room.id}/decisions.csv" in page

    tasks = await (await browser.get("/tasks")).text()
    assert "Nộp số liệu" in tasks and "Họp giao ban" in tasks and "Báo cáo quý IV" in tasks
    assert "Việc của người khác" not in tasks and "is-overdue" in tasks
    done = await post_form(browser, "/tasks", f"/meetings/{room.id}/actions/{mine['id']}/done",
                           {"done": "1", "next": "/tasks"})  # fmt: skip
    assert done.status == 303 and done.headers["Location"] == "/tasks?notice=task_done"
    after = await (await browser.get("/tasks?notice=task_done")).text()
    assert "The task was marked done." in after and "No open tasks." in after
    assert (await site.services.notes.notes.action(mine["id"])).status.value == "done"
    refused = await post_form(browser, "/tasks", f"/meetings/{room.id}/actions/{other['id']}/done",
                              {"done": "1"})  # fmt: skip
    assert refused.status == 403
    page_path = f"/meetings/{room.id}/decisions"
    mark = f"/meetings/{room.id}/actions/{mine['id']}/done"
    again = await post_form(browser, page_path, mark, {"done": "0"})
    assert again.headers["Location"] == f"/meetings/{room.id}/decisions?notice=task_reopened"

    # Someone not in the meeting: refused; the room page holds the Notes tab.
    await site.services.accounts.create_user(
        "khach", "Khách", AccountRole.DELEGATE, password="khach-pass-123"
    )
    outsider = await signed_in(site, "khach", "khach-pass-123")
    assert (await outsider.get(f"/meetings/{room.id}/decisions")).status == 403
    assert "No open tasks." in await (await outsider.get("/tasks")).text()
    room_page = await (await site.client.get(f"/m/{room.id}")).text()
    assert 'id="live-tab-notes"' in room_page and 'id="notes-chair"' in room_page
    # A join link is no account: My tasks asks for one; the decisions page opens.
    guest = await room.person("Đại biểu", "delegate")
    assert (await guest.get("/tasks")).status == 403
    by_link = await guest.get(f"/meetings/{room.id}/decisions")
    assert by_link.status == 200 and "Nộp số liệu" in await by_link.text()
    assert (
        f'href="/meetings/{room.id}/decisions"' in await (await guest.get(f"/m/{room.id}")).text()
    )
