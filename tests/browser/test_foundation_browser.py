"""The foundation in a real browser: sign in, create a meeting with the form, add a
guest, follow the guest's join link in another browser, switch the language.

Every context is watched (see conftest): nothing may leave 127.0.0.1, and there must be
no console errors, CSP violations, uncaught exceptions, failed requests or HTTP errors.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta

from playwright.sync_api import BrowserContext, expect

from tests.browser.harness import Watch
from tests.browser.scenario import sign_in
from tests.processes import ServerProcess

GUEST = "Phạm Quốc Dũng"
TITLE = "Họp giao ban quý 3"
SERVER_ZONE = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")  # the default `timezone` setting


def test_meeting_guest_and_join_link(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    watch: Watch,
) -> None:
    base = server.base_url
    admin = new_context().new_page()
    sign_in(admin, base)

    # A meeting through the "New meeting" form; the times are wall-clock times in the
    # server's zone.
    admin.get_by_role("link", name="New meeting").click()
    expect(admin).to_have_url(base + "/meetings/new")
    day = (datetime.now(SERVER_ZONE) + timedelta(days=2)).date()
    admin.locator("input[name=title]").fill(TITLE)
    admin.locator("input[name=starts_at]").fill(f"{day.isoformat()}T09:00")
    admin.locator("input[name=ends_at]").fill(f"{day.isoformat()}T11:30")
    admin.locator("input[name=location]").fill("Phòng họp 2")
    admin.locator("textarea[name=description]").fill("1. Báo cáo\n2. Kế hoạch")
    admin.get_by_role("button", name="Create meeting").click()

    expect(admin).to_have_url(re.compile(re.escape(base) + r"/meetings/(\w+)\?notice=created$"))
    match = re.search(r"/meetings/(\w+)\?", admin.url)
    assert match, admin.url
    meeting_id = match.group(1)
    expect(admin.locator("h1")).to_have_text(TITLE)
    expect(admin.locator(".notice")).to_have_text("The meeting was created.")
    expect(admin.locator(".facts")).to_contain_text("Phòng họp 2")
    expect(admin.locator(".description")).to_contain_text("Kế hoạch")

    # What was stored: the entered times, read in the server's time zone.
    resp = admin.request.get(f"{base}/api/meetings/{meeting_id}")
    assert resp.ok, resp.text()
    stored = resp.json()["meeting"]
    starts = datetime.fromisoformat(stored["starts_at"])
    ends = datetime.fromisoformat(stored["ends_at"])
    assert starts == datetime(day.year, day.month, day.day, 9, 0, tzinfo=SERVER_ZONE), stored
    assert ends - starts == timedelta(hours=2, minutes=30), stored
    assert stored["title"] == TITLE and stored["location"] == "Phòng họp 2"

    # A guest by name, with a role.
    admin.locator("form.addparticipant input[name=name]").fill(GUEST)
    admin.locator("form.addparticipant select[name=role]").select_option("observer")
    admin.get_by_role("button", name="Add participant").click()
    expect(admin).to_have_url(f"{base}/meetings/{meeting_id}?notice=participant_added#participants")
    row = admin.locator("table.participants tbody tr", has_text=GUEST)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("Observer")
    expect(row).to_contain_text("guest, no account")

    # Its join link and QR code, behind "Show link and QR code".
    link_input = row.locator("details input.link")
    expect(link_input).to_be_hidden()
    row.locator("details summary").click()
    expect(link_input).to_be_visible()
    expect(link_input).to_have_attribute("readonly", "")
    join_link = link_input.input_value()
    assert join_link.startswith(f"{base}/j/"), join_link
    qr = row.locator("img.qr")
    expect(qr).to_be_visible()
    admin.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert qr.evaluate("img => img.naturalWidth") > 0

    # The link in another browser (no cookies): lands on the meeting page as the guest,
    # with the token gone from the address bar.
    guest = new_context().new_page()
    guest.goto(join_link)
    expect(guest).to_have_url(f"{base}/m/{meeting_id}")
    expect(guest.locator("h1")).to_have_text(TITLE)
    expect(guest.locator(".me")).to_contain_text(GUEST)
    expect(guest.locator(".me")).to_contain_text("Observer")
    expect(guest.locator("header .who")).to_have_text(GUEST)
    # The guest is confined to this meeting: other pages lead back to it, and nothing
    # of the management page is shown.
    guest.goto(base + "/meetings")
    expect(guest).to_have_url(f"{base}/m/{meeting_id}")
    guest.goto(f"{base}/meetings/{meeting_id}")
    expect(guest).to_have_url(f"{base}/m/{meeting_id}")
    expect(guest.locator("input.link")).to_have_count(0)
    expect(guest.get_by_role("link", name="Manage this meeting")).to_have_count(0)

    # The guest switches to Vietnamese: the same page, now in Vietnamese; the admin's
    # browser is not affected.
    expect(guest.locator("html")).to_have_attribute("lang", "en")
    guest.get_by_role("button", name="Tiếng Việt").click()
    expect(guest).to_have_url(f"{base}/m/{meeting_id}")
    expect(guest.locator("html")).to_have_attribute("lang", "vi")
    expect(guest.get_by_role("button", name="Tiếng Việt")).to_have_attribute("aria-current", "true")
    expect(guest.locator(".me")).to_contain_text(GUEST)
    nav = guest.locator("nav.mainnav a")
    expect(nav).to_have_count(1)
    assert nav.inner_text().strip() != "My meeting", "the navigation was not translated"
    admin.reload()
    expect(admin.locator("html")).to_have_attribute("lang", "en")
    expect(admin.get_by_role("link", name="Meetings")).to_be_visible()

    watch.assert_clean()


def test_language_switcher_on_the_login_page(
    server: ServerProcess, new_context: Callable[[], BrowserContext], watch: Watch
) -> None:
    base = server.base_url
    context = new_context()
    page = context.new_page()
    page.goto(base + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sign in")

    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page).to_have_url(base + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("button", name="Tiếng Việt")).to_have_attribute("aria-current", "true")
    # Needs the Vietnamese catalog (meetroom/locale/vi/LC_MESSAGES/messages.po).
    expect(page.locator("h1")).to_have_text("Đăng nhập")

    # The choice is remembered by this browser.
    assert {c["name"]: c["value"] for c in context.cookies()}.get("mr_lang") == "vi"
    other_tab = context.new_page()
    other_tab.goto(base + "/login")
    expect(other_tab.locator("h1")).to_have_text("Đăng nhập")
    # ... and only by this one.
    stranger = new_context().new_page()
    stranger.goto(base + "/login")
    expect(stranger.locator("h1")).to_have_text("Sign in")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sign in")

    watch.assert_clean()
