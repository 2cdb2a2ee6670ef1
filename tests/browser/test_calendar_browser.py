"""Booking from the calendar in a real browser: a secretary whose own time zone is
Europe/Berlin (her browser runs in Asia/Ho_Chi_Minh, so only the page's zone may count)
clicks a free slot, drags across several, books, sees the meeting in the grid and in
the API at the right UTC times, then books an overlapping time and reads the server's
409 inside the dialog, naming the first meeting, with her title still typed."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.harness import ADMIN_PASSWORD, Watch
from tests.processes import Http, ServerProcess, sign_in

# The days are chosen from the clock (the server's, which is this machine's).
pytestmark = pytest.mark.dates

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
PASSWORD = "secretary-pass-1234"
FIRST = "Họp giao ban tuần"
SECOND = "Họp chồng giờ"


def prepare(base: str, username: str, room: str) -> tuple[str, date]:
    """A secretary in Europe/Berlin and a room; a weekday at least a week ahead."""
    admin = Http(base)
    csrf = sign_in(admin, "admin", ADMIN_PASSWORD)["csrf_token"]
    status, body = admin.json(
        "POST", "/api/users",
        {"username": username, "display_name": username.title(), "role": "secretary",
         "password": PASSWORD, "time_zone": "Europe/Berlin"},
        **{"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert status == 201, body
    status, room = admin.json("POST", "/api/rooms", {"name": room}, **{"X-CSRF-Token": csrf})
    assert status == 201, room
    day = datetime.now(BERLIN).date() + timedelta(days=8)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return str(room["id"]), day


def open_as(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/meetings")


def slot(page: Page, room_id: str, local: str) -> Locator:
    return page.locator(f'button.slot.free[data-room="{room_id}"][data-local-start="{local}"]')


def test_secretary_books_a_meeting_from_the_calendar(
    server: ServerProcess, new_context: Callable[..., BrowserContext], watch: Watch
) -> None:
    base = server.base_url
    room_id, day = prepare(base, "thu", "Phòng 301")
    page = new_context(viewport={"width": 1400, "height": 1000}).new_page()
    open_as(page, base, "thu")

    page.get_by_role("link", name="Calendar").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"/calendar/week$"))
    page.goto(f"{base}/calendar/week?date={day}")
    expect(page.locator(".cal-zone")).to_contain_text("Europe/Berlin")
    dialog = page.locator("#book-dialog")

    # A click on a free half hour opens the dialog with it; Cancel closes it.
    slot(page, room_id, f"{day}T09:00").click()
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=starts_at]")).to_have_value(f"{day}T09:00")
    expect(dialog.locator("input[name=ends_at]")).to_have_value(f"{day}T09:30")
    expect(dialog.locator("select[name=room_id]")).to_have_value(room_id)
    more = dialog.get_by_role("link", name="More options")
    expect(more).to_have_attribute("href", re.compile(rf"starts_at={day}T09%3A00"))
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    # The keyboard: a slot is a button.
    slot(page, room_id, f"{day}T13:00").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=ends_at]")).to_have_value(f"{day}T13:30")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Dragging from 10:00 across to the 11:30 slot chooses 10:00-12:00.
    start_box = slot(page, room_id, f"{day}T10:00").bounding_box()
    end_box = slot(page, room_id, f"{day}T11:30").bounding_box()
    assert start_box and end_box
    page.mouse.move(start_box["x"] + start_box["width"] / 2, start_box["y"] + 8)
    page.mouse.down()
    page.mouse.move(end_box["x"] + end_box["width"] / 2, end_box["y"] + 8, steps=8)
    page.mouse.up()
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=starts_at]")).to_have_value(f"{day}T10:00")
    expect(dialog.locator("input[name=ends_at]")).to_have_value(f"{day}T12:00")
    dialog.get_by_label("Title").fill(FIRST)
    dialog.get_by_role("button", name="Book").click()

    # The page comes back with the meeting in the grid, in her room's row, that day.
    expect(page).to_have_url(re.compile(r"booked=\w+"))
    match = re.search(r"booked=(\w+)", page.url)
    assert match
    meeting_id = match.group(1)
    row = page.locator(f'tr[data-room="{room_id}"] td[data-day="{day}"]')
    chip = row.locator(f'ul.chips a[data-meeting="{meeting_id}"]')
    expect(chip).to_contain_text(FIRST)
    block = row.locator(f'a.block[data-meeting="{meeting_id}"]')
    expect(block).to_have_attribute("data-local-start", f"{day}T10:00")
    expect(block).to_have_attribute("data-local-end", f"{day}T12:00")
    expect(slot(page, room_id, f"{day}T10:30")).to_have_count(0)  # no longer free

    # What was stored: 10:00-12:00 in Berlin, whatever the browser's own zone.
    resp = page.request.get(f"{base}/api/meetings/{meeting_id}")
    assert resp.ok, resp.text()
    stored = resp.json()["meeting"]
    assert stored["title"] == FIRST and stored["room_id"] == room_id
    wall = datetime.combine(day, datetime.min.time())
    assert datetime.fromisoformat(stored["starts_at"]) == (wall + timedelta(hours=10)).replace(
        tzinfo=BERLIN
    )
    assert datetime.fromisoformat(stored["ends_at"]) == (wall + timedelta(hours=12)).replace(
        tzinfo=BERLIN
    )

    # An overlapping booking: from the free 09:30 slot, stretched in the dialog to 10:30.
    slot(page, room_id, f"{day}T09:30").click()
    expect(dialog).to_be_visible()
    dialog.get_by_label("Title").fill(SECOND)
    dialog.locator("input[name=ends_at]").fill(f"{day}T10:30")
    with page.expect_response(lambda r: r.url.endswith("/api/meetings")) as answer:
        dialog.get_by_role("button", name="Book").click()
    assert answer.value.status == 409
    error = dialog.locator(".error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(f"for the meeting “{FIRST}”")
    expect(dialog.get_by_label("Title")).to_have_value(SECOND)
    expect(dialog.locator("input[name=ends_at]")).to_have_value(f"{day}T10:30")
    expect(page).to_have_url(re.compile(r"booked=" + meeting_id))  # no reload

    # Nothing else went wrong: the one HTTP error (and Chromium's console line about
    # it) is the expected refusal.
    assert watch.http_errors == [f"POST {base}/api/meetings: 409"], watch.http_errors
    assert len(watch.console_errors) == 1 and "409" in watch.console_errors[0]
    watch.http_errors.clear()
    watch.console_errors.clear()
    watch.assert_clean()


def test_a_touch_drag_in_the_day_view(
    server: ServerProcess, new_context: Callable[..., BrowserContext], watch: Watch
) -> None:
    base = server.base_url
    room_id, day = prepare(base, "lan", "Phòng 302")
    page = new_context(viewport={"width": 1024, "height": 1366}, has_touch=True).new_page()
    open_as(page, base, "lan")
    page.goto(f"{base}/calendar/day?date={day}&room={room_id}")
    start = slot(page, room_id, f"{day}T14:00").bounding_box()
    end = slot(page, room_id, f"{day}T15:30").bounding_box()
    assert start and end
    cdp = page.context.new_cdp_session(page)
    x = start["x"] + start["width"] / 2
    ys = [start["y"] + 5 + (end["y"] - start["y"]) * i / 6 for i in range(7)]
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": ys[0]}]}
    )
    for y in ys[1:]:
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    dialog = page.locator("#book-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=starts_at]")).to_have_value(f"{day}T14:00")
    expect(dialog.locator("input[name=ends_at]")).to_have_value(f"{day}T16:00")
    dialog.get_by_label("Title").fill("Trên máy tính bảng")
    dialog.get_by_role("button", name="Book").click()
    expect(page).to_have_url(re.compile(r"booked=\w+"))
    block = page.locator(f'section[data-room="{room_id}"] a.block')
    expect(block).to_contain_text("Trên máy tính bảng")
    expect(block).to_have_attribute("data-local-end", f"{day}T16:00")
    watch.assert_clean()
