"""The minutes' page through its forms, as people use it: the secretary edits the draft
(only what changed is saved, so the chair's save of another part meanwhile is kept), a
refused form shows the page again with the reason and what was typed, the chair and
the secretary approve, the frozen page offers the files and the signing form; a
delegate sees nothing of the draft (only that the minutes are being written); a new
version."""

from __future__ import annotations

import re

import aiohttp

from tests.clients import Site
from tests.server.minutes import CONCLUSION, hold_meeting


async def page(client: object, path: str, status: int = 200) -> str:
    resp = await client.get(path)  # type: ignore[attr-defined]
    text = str(await resp.text())
    assert resp.status == status, f"{path}: {resp.status} {text[:500]}"
    return text


async def post(client: object, path: str, fields: dict[str, str], status: int = 303) -> str:
    resp = await client.post(path, data=fields, allow_redirects=False)  # type: ignore[attr-defined]
    text = str(await resp.text())
    assert resp.status == status, f"{path}: {resp.status} {text[:800]}"
    return resp.headers.get("Location", "") if status == 303 else text


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


async def test_the_secretary_and_the_chair_finish_the_minutes_on_the_page(site: Site) -> None:
    held = await hold_meeting(site)
    path = f"/meetings/{held.id}/minutes"
    secretary = held.room.browsers["Trần Thị Bình"]
    chair = held.room.browsers["Nguyễn Văn An"]
    delegate = held.room.browsers["Lê Văn Cường"]
    csrf = {name: held.people[name].api.csrf for name in ("An", "Bình", "Cường")}

    # A delegate is told the minutes are being written, and nothing of the draft.
    pending = await page(delegate, path)
    assert "The minutes are being written" in pending
    assert CONCLUSION not in pending and 'name="opening"' not in pending
    meeting_page = await page(site.client, f"/meetings/{held.id}")
    assert f'href="{path}"' in meeting_page  # the meeting page links them once it ended
    html = await page(secretary, path)
    assert CONCLUSION in html and "Phạm Thị Dung" in html and 'name="opening"' in html
    key = held.item_id
    # The chair changes the closing meanwhile (through the API): the secretary's form,
    # which leaves the closing as it was shown, keeps it.
    minutes = await held.people["An"].api.get(held.minutes)
    await held.people["An"].api.put(held.minutes, {"revision": minutes["revision"],
                                                   "closing": "Kết thúc lúc 11 giờ."})  # fmt: skip
    fields = {
        "_csrf": csrf["Bình"], "revision": str(minutes["revision"] + 1), "template": "vi",
        "opening": "", "closing": "", f"notes_{key}": "Bà Bình trình bày báo cáo.",
        f"revision_{key}": field(html, f"revision_{key}"),
        f"conclusion_{key}": "Kết luận đã sửa: thông qua.",
        "new_action_title": "Gửi biên bản cho đại biểu", "new_action_item": key,
        "new_action_owner": "", "new_action_owner_name": "Văn phòng", "new_action_due": "",
    }  # fmt: skip
    # A stale revision: the page again, with the reason and what was typed.
    refused = await post(secretary, path, {**fields, "revision": "1"}, status=409)
    assert "Kết luận đã sửa: thông qua." in refused and 'role="alert"' in refused
    fields["closing"] = "Kết thúc lúc 11 giờ."
    assert (await post(secretary, path, fields)).endswith("notice=minutes_saved")
    saved = await held.people["Bình"].api.get(held.minutes)
    assert saved["document"]["items"][0]["conclusion"] == "Kết luận đã sửa: thông qua."
    assert saved["closing"] == "Kết thúc lúc 11 giờ."
    assert ("Gửi biên bản cho đại biểu", "Văn phòng") in {
        (a["title"], a["owner_name"]) for a in saved["actions"]}  # fmt: skip

    approve = f"{path}/approve"
    revision = str(saved["revision"])
    assert "minutes_approved" in await post(chair, approve, {"_csrf": csrf["An"],
                                                             "revision": revision})  # fmt: skip
    assert "minutes_frozen" in await post(secretary, approve, {"_csrf": csrf["Bình"],
                                                               "revision": revision})  # fmt: skip
    frozen = await page(delegate, path)
    assert "1/BB-" in frozen and 'data-file="pdf"' in frozen and 'data-file="docx"' in frozen
    assert 'name="opening"' not in frozen and "Kết luận đã sửa: thông qua." in frozen
    chair_page = await page(chair, path)
    assert f'action="{path}/sign?_csrf=' in chair_page  # the chair signs (the default)
    assert f'action="{path}/sign' not in await page(secretary, path)

    # A signing form sent without a file: the page again, saying so.
    form = aiohttp.FormData()
    form.add_field("_csrf", csrf["An"])
    form.add_field("password", "x")
    resp = await chair.post(f"{path}/sign", data=form, allow_redirects=False)
    assert resp.status == 400 and "(.p12)" in await resp.text()

    blank = {"_csrf": csrf["Bình"], "change_note": "  "}
    refused = await post(secretary, f"{path}/versions", blank, status=400)
    assert 'role="alert"' in refused
    assert "minutes_version" in await post(secretary, f"{path}/versions", {
        "_csrf": csrf["Bình"], "change_note": "Bổ sung ý kiến của đại biểu"})  # fmt: skip
    draft = await page(secretary, path)
    assert "Bổ sung ý kiến của đại biểu" in draft and 'name="opening"' in draft
    assert "1/BB-" in await page(delegate, path)  # the delegate still reads version 1
