"""Notes, action items, My tasks and decisions over the JSON API, against a real server
on SQLite and on PostgreSQL: the secretary's notes saved over their revision (the
conflict keeps both texts), who may do what (chair, secretary, a delegate, an owner,
an account across meetings, a removed participant), bad input, frozen minutes, and
the decisions as JSON and CSV with Vietnamese text. What the sockets are told is in
test_notes_functional.py."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest

from meetroom.records.accounts import AccountRole
from tests.clients import ADMIN_PASSWORD, Api, Site, login
from tests.dates import days_ahead, stamp
from tests.minutes.world import FrozenLock
from tests.server.meetings import Room, create_meeting

pytestmark = pytest.mark.dates  # due dates from the server's clock


@pytest.fixture
async def room(any_site: Site) -> Any:
    csrf = await login(any_site.client, "admin", ADMIN_PASSWORD)
    r = Room(any_site, await create_meeting(any_site, csrf, "Họp giao ban tháng 12"), "", csrf)
    yield r
    for tablet in r.tablets:
        await tablet.close()


def admin(room: Room) -> Api:
    return Api(room.site.client, room.csrf)


def code(body: dict[str, Any]) -> str:
    return str(body["error"]["code"])


async def agenda(room: Room, *titles: str) -> list[str]:
    return [
        (await admin(room).post(f"/api/meetings/{room.id}/agenda", {"title": t}, status=201))["id"]
        for t in titles
    ]


async def another_meeting(room: Room, title: str) -> str:
    """A meeting the day after the room's (so that its people are free then)."""
    day = days_ahead(room.site.clock.now(), 8)
    body = {"title": title, "starts_at": stamp(day, 9), "ends_at": stamp(day, 11)}
    return str((await admin(room).post("/api/meetings", body, status=201))["id"])


async def account(room: Room, username: str, name: str) -> tuple[Api, str]:
    """A delegate account, signed in in its own browser: its API and user id."""
    user, _ = await room.site.services.accounts.create_user(
        username, name, AccountRole.DELEGATE, password=f"{username}-pass-123"
    )
    browser = await room.site.new_client()
    return await Api.sign_in(browser, username, f"{username}-pass-123"), user.id


async def test_notes_saved_over_their_revision_and_who_keeps_them(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    first, _second = await agenda(room, "Báo cáo tài chính", "Kế hoạch năm 2027")
    chair = await room.join("Chủ tọa", "chair")
    secretary = await room.join("Thư ký", "secretary")
    delegate = await room.join("Đại biểu", "delegate")
    promoted = await room.join("Phó chủ tọa", "delegate", ["moderator"])

    empty = await secretary.api.get(f"{m}/notes")
    assert [(i["item_id"], i["position"], i["title"], i["notes"]["revision"])
            for i in empty["items"]] == [
        ("general", 0, "", 0), (first, 1, "Báo cáo tài chính", 0),
        (_second, 2, "Kế hoạch năm 2027", 0)]  # fmt: skip
    saved = await secretary.api.put(f"{m}/notes/{first}", {"notes": "Ông A trình bày",
                                                           "revision": 0})  # fmt: skip
    assert (saved["item_id"], saved["revision"], saved["notes"], saved["conclusion"]) == (
        first, 1, "Ông A trình bày", "")  # fmt: skip
    assert saved["updated_by_name"] == "Thư ký" and saved["updated_at"]
    by_chair = await chair.api.put(f"{m}/notes/{first}", {"conclusion": "Thông qua",
                                                          "revision": 1})  # fmt: skip
    assert (by_chair["revision"], by_chair["notes"]) == (2, "Ông A trình bày")
    late = await secretary.api.put(f"{m}/notes/{first}", {"notes": "Ông A trình bày; bà B hỏi",
                                                          "revision": 1}, status=409)  # fmt: skip
    assert code(late) == "notes_conflict"
    assert late["error"]["details"] == {"revision": 2, "notes": "Ông A trình bày",
                                        "conclusion": "Thông qua",
                                        "updated_by_name": "Chủ tọa"}  # fmt: skip
    # The same save again (its answer lost): no conflict.
    again = await chair.api.put(f"{m}/notes/{first}", {"conclusion": "Thông qua", "revision": 1})
    assert again["revision"] == 2
    general = await promoted.api.put(f"{m}/notes/general", {"notes": "Khai mạc", "revision": 0})
    assert general["item_id"] == "general"
    await admin(room).put(f"{m}/notes/general", {"notes": "Khai mạc (admin)", "revision": 1})
    listed = {i["item_id"]: i["notes"] for i in (await chair.api.get(f"{m}/notes"))["items"]}
    assert listed["general"]["notes"] == "Khai mạc (admin)"
    assert listed[first]["conclusion"] == "Thông qua"
    # A delegate neither reads nor writes notes.
    assert code(await delegate.api.get(f"{m}/notes", status=403)) == "not_moderator"
    refused = await delegate.api.put(f"{m}/notes/general", {"notes": "x", "revision": 2},
                                     status=403)  # fmt: skip
    assert code(refused) == "not_moderator"
    # Bad input: an unknown item, an item of another meeting, too long, unknown fields.
    other = await create_meeting(room.site, room.csrf, "Khác")
    foreign = (await admin(room).post(f"/api/meetings/{other}/agenda", {"title": "X"},
                                      status=201))["id"]  # fmt: skip
    for item in ("nope", foreign):
        body = await secretary.api.put(f"{m}/notes/{item}", {"notes": "x", "revision": 0},
                                       status=404)  # fmt: skip
        assert code(body) == "bad_agenda_item"
    await secretary.api.put(f"{m}/notes/general", {"notes": "x" * 100_001, "revision": 3},
                            status=400)  # fmt: skip
    await secretary.api.put(f"{m}/notes/general", {"revision": -1}, status=400)
    await secretary.api.put(f"{m}/notes/general", {"text": "x", "revision": 3}, status=400)
    # Frozen minutes refuse the edit.
    room.site.services.notes.notes.lock = lock = FrozenLock()
    lock.frozen_meetings.add(room.id)
    frozen = await secretary.api.put(f"{m}/notes/general", {"notes": "y", "revision": 3},
                                     status=409)  # fmt: skip
    assert code(frozen) == "minutes_frozen"
    assert (await chair.api.get(f"{m}/notes"))["items"][0]["notes"]["notes"] == "Khai mạc (admin)"


async def test_action_items_rights_and_bad_input(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    (item,) = await agenda(room, "Báo cáo tài chính")
    secretary = await room.join("Thư ký", "secretary")
    delegate = await room.join("Đại biểu Lan", "delegate")
    guest = await room.join("Khách", "guest")
    due = (room.site.clock.now() + timedelta(days=7)).date().isoformat()
    task = await secretary.api.post(f"{m}/actions", {
        "title": " Hoàn thiện báo cáo ", "item_id": item, "owner_participant_id": delegate.id,
        "due": due}, status=201)  # fmt: skip
    assert (task["title"], task["owner_name"], task["due"], task["status"], task["item_id"]) == (
        "Hoàn thiện báo cáo", "Đại biểu Lan", due, "open", item)  # fmt: skip
    assert task["may_mark"] is True  # a moderator
    body = {"title": "Gọi Sở Tài chính", "owner_name": "Ông Dũng"}
    free = await secretary.api.post(f"{m}/actions", body, status=201)
    assert free["owner_participant_id"] is None and free["due"] is None
    seen = (await delegate.api.get(f"{m}/actions"))["actions"]
    assert [(a["id"], a["may_mark"]) for a in seen] == [(task["id"], True), (free["id"], False)]
    a = f"{m}/actions/{task['id']}"
    for who in (delegate, guest):
        assert code(await who.api.post(f"{m}/actions", {"title": "x"}, status=403)) == (
            "not_moderator")  # fmt: skip
        await who.api.put(a, {"title": "x"}, status=403)
        await who.api.delete(a, status=403)
    assert code(await guest.api.post(f"{a}/done", status=403)) == "not_action_owner"
    done = await delegate.api.post(f"{a}/done")
    assert done["status"] == "done" and done["done_by_name"] == "Đại biểu Lan" and done["done_at"]
    assert (await delegate.api.post(f"{a}/reopen"))["status"] == "open"
    assert (await secretary.api.post(f"{m}/actions/{free['id']}/done"))["status"] == "done"
    changed = await secretary.api.put(f"{m}/actions/{free['id']}", {"title": "Gọi Sở TC",
                                                                    "due": due})  # fmt: skip
    assert (changed["title"], changed["owner_name"], changed["status"]) == ("Gọi Sở TC", "", "done")
    bad = [
        ({"title": "  "}, 400, "action_title_required"),
        ({"title": "x" * 501}, 400, None),
        ({"title": "x", "due": "31/12/2030"}, 400, None),
        ({"title": "x", "due": "1900-01-01"}, 400, None),
        ({"title": "x", "owner_participant_id": str(uuid.uuid4())}, 400, "unknown_owner"),
        ({"title": "x", "owner_name": "x" * 201}, 400, None),
        ({"title": "x", "item_id": "nope"}, 404, "bad_agenda_item"),
        ({"title": "x", "owner": "y"}, 400, None),
    ]
    for body, status, expected in bad:
        answer = await secretary.api.post(f"{m}/actions", body, status=status)
        assert expected is None or code(answer) == expected, (body, answer)
    await secretary.api.post(f"/api/meetings/{room.id}/actions/nope/done", status=404)
    other = await create_meeting(room.site, room.csrf, "Khác")
    await admin(room).post(f"/api/meetings/{other}/actions/{task['id']}/done", status=404)
    await secretary.api.delete(f"{m}/actions/{free['id']}", status=204)
    assert [x["id"] for x in (await secretary.api.get(f"{m}/actions"))["actions"]] == [task["id"]]
    room.site.services.notes.notes.lock = lock = FrozenLock()
    lock.frozen_meetings.add(room.id)
    assert code(await secretary.api.post(f"{m}/actions", {"title": "x"}, status=409)) == (
        "minutes_frozen")  # fmt: skip
    await secretary.api.delete(a, status=409)
    assert (await delegate.api.post(f"{a}/done"))["status"] == "done"  # its follow-up goes on


async def test_my_tasks_across_meetings_and_a_removed_participant(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    (item,) = await agenda(room, "Kế hoạch")
    lan, lan_id = await account(room, "lan", "Nguyễn Thị Lan")
    other = await another_meeting(room, "Họp chuyên đề")
    ids = {}
    for mid in (room.id, other):
        added = await admin(room).post(f"/api/meetings/{mid}/participants",
                                       {"user_id": lan_id}, status=201)  # fmt: skip
        ids[mid] = added["id"]
    secretary = await room.join("Thư ký", "secretary")
    now = room.site.clock.now()
    late = (now - timedelta(days=3)).date().isoformat()
    soon = (now + timedelta(days=2)).date().isoformat()
    overdue = await secretary.api.post(f"{m}/actions", {
        "title": "Nộp báo cáo", "item_id": item, "owner_participant_id": ids[room.id],
        "due": late}, status=201)  # fmt: skip
    await admin(room).post(f"/api/meetings/{other}/actions", {
        "title": "Chuẩn bị tờ trình", "owner_participant_id": ids[other], "due": soon},
        status=201)  # fmt: skip
    await secretary.api.post(f"{m}/actions", {"title": "Không phải của Lan",
                                              "owner_name": "Lan"}, status=201)  # fmt: skip
    mine = (await lan.get("/api/me/actions"))["actions"]
    assert [(x["action"]["title"], x["meeting_title"], x["item_title"], x["overdue"])
            for x in mine] == [
        ("Nộp báo cáo", "Họp giao ban tháng 12", "Kế hoạch", True),
        ("Chuẩn bị tờ trình", "Họp chuyên đề", "", False)]  # fmt: skip
    assert all(x["action"]["may_mark"] for x in mine)
    done = await lan.post(f"{m}/actions/{overdue['id']}/done")
    assert done["status"] == "done"
    opened = (await lan.get("/api/me/actions?status=open"))["actions"]
    assert [x["action"]["title"] for x in opened] == ["Chuẩn bị tờ trình"]
    finished = (await lan.get("/api/me/actions?status=done"))["actions"]
    assert [(x["action"]["title"], x["overdue"]) for x in finished] == [("Nộp báo cáo", False)]
    assert code(await lan.get("/api/me/actions?status=later", status=400)) == "bad_status"
    # A join link is no account: no tasks across meetings.
    assert code(await secretary.api.get("/api/me/actions", status=403)) == "account_required"
    # Removed from the meeting: its tasks, notes and decisions are gone for her at once.
    await admin(room).delete(f"{m}/participants/{ids[room.id]}", status=204)
    assert [x["action"]["title"] for x in (await lan.get("/api/me/actions"))["actions"]] == [
        "Chuẩn bị tờ trình"]  # fmt: skip
    assert code(await lan.post(f"{m}/actions/{overdue['id']}/reopen", status=403)) == (
        "not_a_participant")  # fmt: skip
    await lan.get(f"{m}/decisions", status=403)
    await lan.get(f"{m}/actions", status=403)


async def test_decisions_as_json_and_csv(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    first, second = await agenda(room, "Báo cáo tài chính", "Bầu tổ thư ký")
    chair = await room.join("Chủ tọa", "chair")
    delegate = await room.join("Đại biểu Hương", "delegate")
    secretary = await room.join("Thư ký", "secretary")
    await admin(room).post(f"{m}/open")
    await secretary.api.put(f"{m}/notes/{first}", {
        "notes": "…", "conclusion": "=Thông qua báo cáo, giao Sở Tài chính hoàn thiện",
        "revision": 0})  # fmt: skip

    async def vote(body: dict[str, Any], choice: Any) -> dict[str, Any]:
        v = await chair.api.post(f"{m}/votes", body, status=201)
        await chair.api.post(f"/api/votes/{v['id']}/open", {})
        for who in (chair, delegate):
            ballot = {"ballot_id": str(uuid.uuid4()), "choice": choice}
            await who.api.post(f"/api/votes/{v['id']}/ballots", ballot, status=201)
        return dict(await chair.api.post(f"/api/votes/{v['id']}/close"))

    await vote({"title": "Thông qua báo cáo", "item_id": first}, "yes")
    await vote({"title": "Bầu thư ký", "item_id": second, "kind": "choice",
                "options": ["Bà Hằng", "Ông Phúc"]}, ["o1"])  # fmt: skip
    due = (room.site.clock.now() + timedelta(days=10)).date().isoformat()
    await secretary.api.post(f"{m}/actions", {
        "title": "Gửi báo cáo lên UBND", "item_id": first, "owner_participant_id": delegate.id,
        "due": due}, status=201)  # fmt: skip
    decided = await delegate.api.get(f"{m}/decisions")
    assert decided["title"] == "Họp giao ban tháng 12"
    items = decided["items"]
    assert [(i["position"], i["title"]) for i in items] == [(1, "Báo cáo tài chính"),
                                                            (2, "Bầu tổ thư ký")]  # fmt: skip
    one, two = items
    assert one["conclusion"] == "=Thông qua báo cáo, giao Sở Tài chính hoàn thiện"
    assert [(v["title"], v["passed"]) for v in one["votes"]] == [("Thông qua báo cáo", True)]
    counts = {c["choice"]: c["count"] for c in one["votes"][0]["result"]["counts"]}
    assert counts == {"yes": 2, "no": 0, "abstain": 0}
    assert [(a["title"], a["owner_name"], a["may_mark"]) for a in one["actions"]] == [
        ("Gửi báo cáo lên UBND", "Đại biểu Hương", True)]  # fmt: skip
    assert two["votes"][0]["labels"] == {"o1": "Bà Hằng", "o2": "Ông Phúc"}
    assert two["votes"][0]["result"]["elected"] == ["o1"]

    resp = await delegate.api.http.get(f"{m}/decisions.csv")
    assert resp.status == 200 and resp.content_type == "text/csv"
    raw = await resp.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [
        ["position", "item", "conclusion", "votes", "action_items"],
        ["1", "Báo cáo tài chính", "'=Thông qua báo cáo, giao Sở Tài chính hoàn thiện",
         "Thông qua báo cáo: passed (yes 2, no 0, abstain 0)",
         f"Gửi báo cáo lên UBND | Đại biểu Hương | {due} | open"],
        ["2", "Bầu tổ thư ký", "", "Bầu thư ký: elected: Bà Hằng (Bà Hằng 2, Ông Phúc 0)", ""],
    ]  # fmt: skip
    outsider, _ = await account(room, "khach", "Khách")
    await outsider.get(f"{m}/decisions", status=403)
    outsider_csv = await outsider.http.get(f"{m}/decisions.csv")
    assert outsider_csv.status == 403
