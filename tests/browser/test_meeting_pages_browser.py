"""The meeting form and the meeting page in a real browser, measured as laid out: the
Repeats part shows what the chosen frequency needs, with its boxes beside their labels;
the meeting page's buttons (one primary, starting early asks first), the status badge
beside the title, roles that do not wrap in Vietnamese; the top navigation on one line
at 1280 px in Vietnamese, a menu on narrow screens."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import ADMIN_PASSWORD, Watch
from tests.processes import ServerProcess


def open_signed_in(page: Page, base: str, language: str = "English") -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/meetings")
    if language != "English":
        page.get_by_role("button", name=language).click()
        expect(page.locator("html")).to_have_attribute("lang", "vi")


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not laid out"
    return found


def beside(check: Locator, label: Locator) -> None:
    """A small box, on the line of its label's text, left of it."""
    b = box(check)
    assert b["height"] < 24 and b["width"] < 24, b
    text = label.evaluate(
        """label => {
            const range = document.createRange();
            range.selectNodeContents(label);
            const input = label.querySelector("input");
            range.setStartAfter(input);
            const r = range.getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height};
        }"""
    )
    assert text["width"] > 0, text
    middle = b["y"] + b["height"] / 2
    assert text["y"] <= middle <= text["y"] + text["height"], (b, text)
    assert b["x"] + b["width"] <= text["x"] + 1, (b, text)


def test_repeats_shows_what_the_frequency_needs(
    server: ServerProcess, new_context: Callable[..., BrowserContext], watch: Watch
) -> None:
    base = server.base_url
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    open_signed_in(page, base)
    page.goto(base + "/meetings/new")
    repeats = page.locator("fieldset.repeats")
    frequency = repeats.locator("select[name=repeat]")
    days = repeats.locator("input[type=checkbox][name^=repeat_day_]")
    monthly = repeats.locator("input[name=repeat_monthly]")
    end = repeats.locator("input[name=repeat_end]")
    interval = repeats.locator("input[name=repeat_interval]")

    # Does not repeat: nothing but the choice.
    expect(frequency).to_have_value("")
    for hidden in (days, monthly, end):
        for i in range(hidden.count()):
            expect(hidden.nth(i)).to_be_hidden()
    expect(interval).to_be_hidden()

    # Weekly: the interval in weeks, the seven days in a row with their names, the end.
    frequency.select_option("weekly")
    expect(interval).to_be_visible()
    expect(repeats.locator(".unit-weekly")).to_be_visible()
    expect(repeats.locator(".unit-any")).to_be_hidden()
    expect(days).to_have_count(7)
    tops = set()
    for i in range(7):
        day = days.nth(i)
        expect(day).to_be_visible()
        beside(day, day.locator("xpath=.."))
        tops.add(round(box(day)["y"]))
    assert len(tops) == 1, f"the days are not in one row: {tops}"
    for i in range(monthly.count()):
        expect(monthly.nth(i)).to_be_hidden()
    for i in range(end.count()):
        expect(end.nth(i)).to_be_visible()
        beside(end.nth(i), end.nth(i).locator("xpath=.."))
    # Each end's field is on the line of its radio button.
    until = box(repeats.locator("input[name=repeat_until]"))
    radio = box(end.nth(0))
    assert until["y"] <= radio["y"] + radio["height"] / 2 <= until["y"] + until["height"]

    # Monthly: the three ways, each a radio button beside its text; no days.
    frequency.select_option("monthly")
    expect(repeats.locator(".unit-monthly")).to_be_visible()
    for i in range(3):
        expect(monthly.nth(i)).to_be_visible()
        beside(monthly.nth(i), monthly.nth(i).locator("xpath=.."))
    expect(days.first).to_be_hidden()

    # Daily: the interval and the end only.
    frequency.select_option("daily")
    expect(repeats.locator(".unit-daily")).to_be_visible()
    expect(days.first).to_be_hidden()
    expect(monthly.first).to_be_hidden()
    expect(end.first).to_be_visible()

    # What was chosen is what is saved.
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    page.locator("input[name=title]").fill("Giao ban")
    page.locator("input[name=starts_at]").fill(f"{day}T09:00")
    page.locator("input[name=ends_at]").fill(f"{day}T10:00")
    frequency.select_option("weekly")
    days.nth(day.weekday()).check()
    end.nth(1).check()
    repeats.locator("input[name=repeat_count]").fill("4")
    page.get_by_role("button", name="Create meeting").click()
    expect(page).to_have_url(re.compile(r"/meetings/\w+\?notice=created$"))
    expect(page.locator("dd.repeats")).to_contain_text("4 times")
    watch.assert_clean()


def test_navigation_fits_at_1280_in_vietnamese_and_is_a_menu_when_narrow(
    server: ServerProcess, new_context: Callable[..., BrowserContext], watch: Watch
) -> None:
    base = server.base_url
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    open_signed_in(page, base, "Tiếng Việt")
    nav = page.locator("nav.mainnav")
    links = nav.locator("a")
    toggle = page.locator("header .menu-toggle")
    expect(links).to_have_count(7)  # the administrator's: the longest

    def one_line() -> None:
        expect(toggle).to_be_hidden()
        line = box(links.first)["height"]
        assert line < 30, line
        assert box(nav)["height"] < 1.5 * line, (box(nav), line)
        assert {round(box(links.nth(i))["y"]) for i in range(7)} == {round(box(links.first)["y"])}
        assert box(page.locator("header.topbar"))["height"] < 80

    one_line()

    for width in (800, 390):
        page.set_viewport_size({"width": width, "height": 800})
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(links.first).to_be_hidden()
        expect(page.get_by_role("button", name="English")).to_be_hidden()
        # By keyboard: Enter opens it, the links stacked; Escape closes it.
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        for i in range(7):
            expect(links.nth(i)).to_be_visible()
        tops = [box(links.nth(i))["y"] for i in range(7)]
        assert tops == sorted(tops) and len(set(tops)) == 7, tops
        expect(page.get_by_role("button", name="English")).to_be_visible()
        page.keyboard.press("Tab")
        expect(links.first).to_be_focused()
        page.keyboard.press("Escape")
        expect(links.first).to_be_hidden()
        expect(toggle).to_be_focused()
        expect(toggle).to_have_attribute("aria-expanded", "false")

    # A click opens it, a link leads on.
    toggle.click()
    nav.get_by_role("link", name="Lịch").click()
    expect(page).to_have_url(re.compile(r"/calendar"))
    expect(toggle).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    one_line()
    watch.assert_clean()
