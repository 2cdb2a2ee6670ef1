"""The secretary's notes in a real browser: the secretary types in the meeting room's
Notes tab and the chair's tab shows the notes as they are saved (the delegate has no
such tab); the Wi-Fi drops while the secretary types (kept on the device, sent when it
is back), the page is reloaded before a save went out (nothing lost), and a conflict
with the chair's save shows both texts until the secretary keeps theirs. An action
item given to a delegate with an account is marked done on their My tasks page; the
decisions page lists the conclusion and the task.

Screenshots are written to $MEETROOM_SCREENSHOTS if set, else to the test's
temporary directory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import APIRequestContext, Locator, Page, expect

from tests.browser.accessibility import accessible
from tests.browser.harness import ADMIN_PASSWORD, Watch, screenshot_dir
from tests.browser.live_page import connected, cuttable_sockets
from tests.browser.scenario import CHAIR, DELEGATE, Scenario
from tests.processes import ServerProcess

SECRETARY = "Thư ký Lê Thu Hà"
PEOPLE = ((CHAIR, "chair"), (SECRETARY, "secretary"), (DELEGATE, "delegate"))
ITEMS = ("Báo cáo kết quả quý IV", "Kế hoạch công tác năm 2031")
FIRST = "Ông An trình bày báo cáo; doanh thu tăng 12 %."
OFFLINE = " Bà Bình đề nghị bổ sung số liệu chi tiết theo từng quận."
RELOADED = " Chủ tọa đề nghị đơn vị hoàn thiện trước ngày 15."


def admin_api(api: APIRequestContext, base: str) -> dict[str, str]:
    resp = api.post(f"{base}/api/auth/login", data={"username": "admin",
                                                    "password": ADMIN_PASSWORD})  # fmt: skip
    assert resp.ok, resp.text()
    return {"X-CSRF-Token": resp.json()["csrf_token"]}


def notes_of(page: Page, item: str) -> Locator:
    return page.locator(f'#notes-chair .notes-item[data-item="{item}"]')


def saved(page: Page) -> None:
    expect(page.locator("#notes-chair .notes-state")).to_have_attribute("data-state", "saved")


def open_notes(page: Page) -> Locator:
    page.get_by_role("tab", name="Notes").click()
    tab = page.locator("#notes-chair")
    expect(tab).to_be_visible()
    expect(tab.locator(".notes-item")).to_have_count(len(ITEMS) + 1)
    return tab


def test_the_secretarys_notes_are_never_lost_and_reach_the_chair(
    server: ServerProcess, scenario: Callable[..., Scenario], watch: Watch, tmp_path: Path
) -> None:
    shots = screenshot_dir(tmp_path)
    base = server.base_url
    meeting = scenario(base, "Notes", people=PEOPLE)
    m = f"{base}/api/meetings/{meeting.meeting_id}"
    admin = meeting.new_context().request
    headers = admin_api(admin, base)
    items = []
    for title in ITEMS:
        resp = admin.post(f"{m}/agenda", data={"title": title}, headers=headers)
        assert resp.status == 201, resp.text()
        items.append(resp.json()["id"])
    lan_account = {"username": "lan", "display_name": "Nguyễn Thị Lan", "password": "lan-pass-123"}
    resp = admin.post(f"{base}/api/users", headers=headers, data=lan_account)
    assert resp.status == 201, resp.text()
    resp = admin.post(f"{m}/participants", headers=headers,
                      data={"user_id": resp.json()["user"]["id"]})  # fmt: skip
    assert resp.status == 201, resp.text()
    meeting.start()

    secretary_context = meeting.new_context()
    sockets = cuttable_sockets(secretary_context)
    secretary = meeting.open("secretary", secretary_context.new_page())
    chair, delegate = meeting.on_pages("chair", "delegate")
    connected(secretary)
    for page in (secretary, chair):
        page.set_viewport_size({"width": 1280, "height": 900})
    expect(delegate.get_by_role("tab", name="Notes")).to_be_hidden()  # the moderators' only
    tab = open_notes(secretary)
    open_notes(chair)
    mine, theirs = notes_of(secretary, items[0]), notes_of(chair, items[0])

    # Typed, saved a second later, shown in the chair's tab.
    mine.get_by_label("Notes").fill(FIRST)
    saved(secretary)
    expect(theirs.get_by_label("Notes")).to_have_value(FIRST)
    expect(theirs.locator(".notes-item-state")).to_have_text(f"Saved · {SECRETARY}")

    # The Wi-Fi drops: what is typed meanwhile stays on the device, then goes out.
    secretary_context.set_offline(True)
    for ws in sockets:
        ws.close(code=4000, reason="wifi lost")
    mine.get_by_label("Notes").press("End")
    mine.get_by_label("Notes").press_sequentially(OFFLINE)
    expect(tab.locator(".notes-state")).to_have_attribute("data-state", "offline")
    kept = secretary.evaluate(
        f"() => JSON.parse(localStorage.getItem('meetroom.notes.{meeting.meeting_id}'))"
    )
    assert kept[items[0]]["notes"] == FIRST + OFFLINE, kept
    secretary.screenshot(path=shots / "notes-1-offline.png")
    expect(theirs.get_by_label("Notes")).to_have_value(FIRST)
    secretary_context.set_offline(False)
    connected(secretary)
    saved(secretary)
    expect(theirs.get_by_label("Notes")).to_have_value(FIRST + OFFLINE)

    # Reloaded before the save went out: the text is back from the device and sent.
    mine.get_by_label("Conclusion").fill("Thống nhất thông qua báo cáo.")
    mine.get_by_label("Notes").press("End")
    mine.get_by_label("Notes").press_sequentially(RELOADED, delay=0)
    secretary.reload()
    connected(secretary)
    tab = open_notes(secretary)
    mine = notes_of(secretary, items[0])
    expect(mine.get_by_label("Notes")).to_have_value(FIRST + OFFLINE + RELOADED)
    saved(secretary)
    expect(theirs.get_by_label("Notes")).to_have_value(FIRST + OFFLINE + RELOADED)
    expect(theirs.get_by_label("Conclusion")).to_have_value("Thống nhất thông qua báo cáo.")
    assert secretary.evaluate(
        f"() => localStorage.getItem('meetroom.notes.{meeting.meeting_id}')"
    ) is None  # fmt: skip

    # A conflict: the secretary offline edits the conclusion, the chair saves one too;
    # back online, both texts are shown, and the secretary keeps theirs.
    secretary_context.set_offline(True)
    mine.get_by_label("Conclusion").fill("Thông qua báo cáo, giao Văn phòng hoàn thiện.")
    expect(tab.locator(".notes-state")).to_have_attribute("data-state", "offline")
    theirs.get_by_label("Conclusion").fill("Thông qua báo cáo (ý kiến chủ tọa).")
    saved(chair)
    secretary_context.set_offline(False)
    conflict = mine.locator(".notes-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text(f"{CHAIR} saved this item meanwhile")
    expect(conflict.locator(".theirs")).to_contain_text("Thông qua báo cáo (ý kiến chủ tọa).")
    expect(conflict.locator(".yours")).to_contain_text("giao Văn phòng hoàn thiện")
    conflict.scroll_into_view_if_needed()
    secretary.screenshot(path=shots / "notes-2-conflict.png")
    accessible(secretary, "the Notes tab with a conflict")
    conflict.get_by_role("button", name="Keep my text").click()
    expect(conflict).to_be_hidden()
    saved(secretary)
    expect(theirs.get_by_label("Conclusion")).to_have_value(
        "Thông qua báo cáo, giao Văn phòng hoàn thiện."
    )

    # An action item for the delegate with an account, due in a week.
    add = mine.locator(".notes-action-add")
    add.locator("summary").click()
    add.get_by_label("Task").fill("Bổ sung số liệu theo quận")
    add.get_by_label("Owner", exact=True).select_option(label="Nguyễn Thị Lan")
    add.get_by_label("Due date (optional)").fill(secretary.evaluate(
        "() => new Date(Date.now() + 7 * 864e5).toISOString().slice(0, 10)"))  # fmt: skip
    add.get_by_role("button", name="Add").click()
    expect(mine.locator(".notes-action")).to_have_text(re.compile("Bổ sung số liệu theo quận"))
    expect(theirs.locator(".notes-action")).to_contain_text("Nguyễn Thị Lan")  # live
    secretary.screenshot(path=shots / "notes-3-tab.png")
    chair.screenshot(path=shots / "notes-4-chair.png")
    accessible(chair, "the chair's Notes tab")

    # Lan marks it done on My tasks.
    lan = meeting.new_context().new_page()
    lan.goto(base + "/login")
    lan.get_by_label("Username").fill("lan")
    lan.get_by_label("Password").fill("lan-pass-123")
    lan.get_by_role("button", name="Sign in").click()
    lan.get_by_role("link", name="My tasks").click()
    expect(lan).to_have_url(f"{base}/tasks")
    row = lan.locator("table.tasks tr", has_text="Bổ sung số liệu theo quận")
    expect(row).to_contain_text("Phiên họp trực tiếp")
    expect(row).to_contain_text(ITEMS[0])
    lan.screenshot(path=shots / "notes-5-my-tasks.png")
    accessible(lan, "My tasks")
    row.get_by_role("button", name="Mark “Bổ sung số liệu theo quận” done").click()
    expect(lan.locator(".notice")).to_have_text("The task was marked done.")
    expect(lan.get_by_text("No open tasks.")).to_be_visible()
    expect(lan.get_by_role("button", name="Open “Bổ sung số liệu theo quận” again")).to_be_visible()
    expect(theirs.locator(".notes-action")).to_contain_text("done")  # the chair's tab, live

    # The decisions page, from the meeting page.
    lan.goto(f"{base}/meetings/{meeting.meeting_id}")
    lan.get_by_role("link", name="Decisions and action items").click()
    first = lan.locator(f'.decision-item[data-item="{items[0]}"]')
    expect(first.locator(".decision-conclusion")).to_have_text(
        "Thông qua báo cáo, giao Văn phòng hoàn thiện."
    )
    expect(first.locator(".decision-actions")).to_contain_text("Done")
    lan.screenshot(path=shots / "notes-6-decisions.png", full_page=True)
    accessible(lan, "the decisions page")

    for page in (secretary, chair, lan):
        page.wait_for_load_state("networkidle")
    expected_failures(watch)
    watch.assert_clean()


def expected_failures(watch: Watch) -> None:
    """What going offline and the conflict leave in the watch, and only that."""

    def expected(entry: Any) -> bool:
        return bool(
            re.search(
                r"ERR_INTERNET_DISCONNECTED|/notes/\w+: 409$|409 \(Conflict\) \(\S+/notes/\w+\)$",
                str(entry),
            )
        )

    for seen in (watch.failed_requests, watch.console_errors, watch.http_errors):
        kept = [e for e in seen if not expected(e)]
        seen.clear()
        seen.extend(kept)
