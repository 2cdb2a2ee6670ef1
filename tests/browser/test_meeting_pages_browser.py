"""The meeting form and the meeting page in a real browser, measured as laid out: the
Repeats part shows what the chosen frequency needs, with its boxes beside their labels;
the meeting page's buttons (one primary, starting early asks first), the status badge
beside the title, roles that do not wrap in Vietnamese; the top navigation on one line
at 1280 px in Vietnamese, a menu on narrow screens."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import BrowserContext, Dialog, Locator, Page, expect

from tests.browser.harness import ADMIN_PASSWORD, Watch
from tests.processes import Http, ServerProcess, sign_in


def open_signed_in(page: Page, base: str, language: str = "English") -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/meetings")
    # Explicitly: the switcher also keeps the choice in the account, for later sign-ins.
    page.get_by_role("button", name=language).click()
    expect(page.locator("html")).to_have_attribute("lang", "en" if language == "English" else "vi")


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


def meeting_tomorrow(base: str, title: str, people: tuple[tuple[str, str], ...] = ()) -> str:
    """A scheduled meeting that starts tomorrow, with these people (name, role)."""
    admin = Http(base)
    csrf = {"X-CSRF-Token": sign_in(admin, "admin", ADMIN_PASSWORD)["csrf_token"]}
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    status, body = admin.json(
        "POST", "/api/meetings",
        {"title": title, "starts_at": starts.isoformat(),
         "ends_at": (starts + timedelta(hours=2)).isoformat()},
        **csrf,
    )  # fmt: skip
    assert status == 201, body
    for name, role in people:
        status, _ = admin.json(
            "POST", f"/api/meetings/{body['id']}/participants", {"name": name, "role": role},
            **csrf,
        )  # fmt: skip
        assert status == 201
    return str(body["id"])


def text_lines(locator: Locator) -> int:
    """How many lines the element's text takes."""
    return int(
        locator.evaluate(
            """el => {
                const range = document.createRange();
                range.selectNodeContents(el);
                return new Set([...range.getClientRects()].map((r) => Math.round(r.bottom))).size;
            }"""
        )
    )


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


def test_meeting_page_buttons_badge_and_roles(
    server: ServerProcess, new_context: Callable[..., BrowserContext], watch: Watch
) -> None:
    base = server.base_url
    people = (("Nguyễn Văn An", "chair"), ("Trần Thị Bình", "delegate"), ("Lê Minh Châu", "guest"))
    mid = meeting_tomorrow(base, "Họp giao ban tháng", people)
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    open_signed_in(page, base, "Tiếng Việt")
    page.goto(f"{base}/meetings/{mid}")
    head = page.locator("section.card").first

    # The status badge beside the title, not floating mid-header.
    title, badge = box(head.locator("h1")), box(head.locator(".status-badge"))
    assert 0 <= badge["x"] - (title["x"] + title["width"]) < 30, (title, badge)
    assert title["y"] <= badge["y"] + badge["height"] / 2 <= title["y"] + title["height"]

    # One primary button: going to the meeting room. Starting is not primary.
    primary = head.locator(".primary")
    expect(primary).to_have_count(1)
    expect(primary).to_have_text("Vào phòng họp")
    expect(primary).to_have_attribute("href", f"/m/{mid}")
    start = head.locator('button[data-transition="open"]')
    expect(start).to_have_text("Bắt đầu cuộc họp")
    accent = primary.evaluate("el => getComputedStyle(el).backgroundColor")
    for button in head.locator(".status-actions button").all():
        assert button.evaluate("el => getComputedStyle(el).backgroundColor") != accent

    # The administrator's role, and roles that stay on one line in Vietnamese.
    expect(head.locator("dd.my-role")).to_have_text("Người tổ chức")
    guest_role = page.locator("table.participants tbody tr", has_text="Lê Minh Châu")
    expect(guest_role.locator("td.role")).to_have_text("Khách mời")
    assert text_lines(guest_role.locator("td.role")) == 1
    assert text_lines(page.locator("table.participants th.role")) == 1

    # A join link can be read in full, not only copied.
    guest_role.get_by_text("Hiển thị liên kết và mã QR").click()
    link = guest_role.locator("input.link")
    expect(link).to_have_value(re.compile(r"/j/[0-9a-z]{26}$"))
    assert link.evaluate("el => el.scrollWidth <= el.clientWidth"), box(link)
    page.goto(f"{base}/meetings")
    row = page.locator("table.list tbody tr", has_text="Họp giao ban tháng")
    expect(row.locator("td.role")).to_have_text("Người tổ chức")
    watch.assert_clean()


def test_starting_a_meeting_before_its_time_asks_first(
    server: ServerProcess, new_context: Callable[..., BrowserContext], watch: Watch
) -> None:
    base = server.base_url
    mid = meeting_tomorrow(base, "Họp sớm")
    page = new_context().new_page()
    open_signed_in(page, base)
    page.goto(f"{base}/meetings/{mid}")
    start = page.get_by_role("button", name="Start the meeting")
    status = page.locator("section.card").first.locator(".status-badge")
    asked: list[str] = []

    def answer(accept: bool) -> Callable[[Dialog], None]:
        def on_dialog(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return on_dialog

    # A dialog asks; "no" changes nothing.
    page.once("dialog", answer(False))
    start.click()
    expect(status).to_have_attribute("data-status", "scheduled")
    assert len(asked) == 1 and asked[0].startswith("This meeting is scheduled to start at")
    # "Yes" starts it, without a second question from the server.
    page.once("dialog", answer(True))
    start.click()
    expect(page).to_have_url(f"{base}/meetings/{mid}?notice=status_open")
    expect(status).to_have_attribute("data-status", "in_progress")
    assert len(asked) == 2

    # Without JavaScript, the server asks on a page of its own.
    later = meeting_tomorrow(base, "Họp sớm không có JavaScript")
    plain = new_context(java_script_enabled=False).new_page()
    open_signed_in(plain, base)
    plain.goto(f"{base}/meetings/{later}")
    plain.get_by_role("button", name="Start the meeting").click()
    expect(plain.locator("h1")).to_have_text("Start the meeting now?")
    plain.get_by_role("link", name="Not now").click()
    expect(plain).to_have_url(f"{base}/meetings/{later}")
    expect(plain.locator(".status-badge").first).to_have_attribute("data-status", "scheduled")
    plain.get_by_role("button", name="Start the meeting").click()
    plain.get_by_role("button", name="Start the meeting now").click()
    expect(plain).to_have_url(f"{base}/meetings/{later}?notice=status_open")
    expect(plain.locator(".status-badge").first).to_have_attribute("data-status", "in_progress")
    watch.assert_clean()
