"""Accessibility of the main pages: axe-core (WCAG 2.1 A and AA, and best practices) on
each page as the role that uses it sees it, in English and, for some, Vietnamese.

One server and one data set for the module; one browser context per role and language,
whose page is reused from visit to visit. Each visit loads its page under the server's
real Content-Security-Policy (checked), brings it to the state to check (a panel open,
the video joined, ...), runs axe, and fails with the list of violations. The Watch
(see conftest) fails a visit on console errors, CSP violations (injecting axe must not
cause one), failed requests and HTTP errors.

Run it alone: `.venv/bin/pytest tests/browser/test_accessibility_browser.py`; one page:
`-k en-meeting-details`. README.md ("Accessibility", under "The two commands") says how
to read a failure.
"""

from __future__ import annotations

import re
import time
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from meetroom.server.edge import CONTENT_SECURITY_POLICY
from tests.browser.accessibility import axe_run, describe
from tests.browser.harness import ADMIN_PASSWORD, REPORT_CSP_VIOLATIONS, TIMEOUT_MS, Watch
from tests.pdf.pdfs import make_pdf
from tests.processes import ServerProcess
from tests.waiting import until_sync

SERVER_ZONE = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")  # the default `timezone` setting
DESKTOP = {"width": 1440, "height": 900}
TABLET = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
LOADING = re.compile(r"\bis-loading\b")


@dataclass
class Site:
    """The server, its data (ids by name) and a page per (role, language)."""

    base: str
    browser: Browser
    watch: Watch
    ids: dict[str, str] = field(default_factory=dict)
    pages: dict[tuple[str, str], Page] = field(default_factory=dict)

    def page(self, role: str, lang: str) -> Page:
        if (role, lang) not in self.pages:
            self.pages[role, lang] = self._context(role, lang).new_page()
        return self.pages[role, lang]

    def _context(self, role: str, lang: str) -> BrowserContext:
        tablet = role == "delegate"
        context = self.browser.new_context(
            locale="en-US",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport=TABLET if tablet else DESKTOP,
            has_touch=tablet,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        self.watch.attach(context)
        context.add_cookies([{"name": "mr_lang", "value": lang, "url": self.base}])
        if role == "admin":
            sign_in_api(context.request, self.base)
        elif role in ("chair", "delegate"):
            # In by their join link (the join-link visit follows it again, in the page).
            resp = context.request.get(self.ids[f"{role}_link"])
            assert resp.ok, resp.status
        return context


def sign_in_api(api: APIRequestContext, base: str) -> dict[str, str]:
    """Signs the context in as the admin; the headers for the API's writes."""
    resp = api.post(
        f"{base}/api/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert resp.ok, resp.text()
    return {"X-CSRF-Token": resp.json()["csrf_token"]}


class Api:
    """The admin's writes through the JSON API."""

    def __init__(self, api: APIRequestContext, base: str) -> None:
        self.api, self.base = api, base
        self.headers = sign_in_api(api, base)

    def post(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        resp = self.api.post(self.base + path, data=body, headers=self.headers, **kw)
        assert resp.ok, f"POST {path}: {resp.status} {resp.text()}"
        return resp.json()

    def get(self, path: str) -> Any:
        return self.api.get(self.base + path).json()


def prepare(admin: Api, pdfs: list[Path]) -> dict[str, str]:
    """A room, a secretary in a group, a meeting tomorrow in that room (in progress, so
    the live room is live) with an agenda, two documents (one confidential), a chair,
    a delegate and the secretary, and a weekly series."""
    ids: dict[str, str] = {}
    ids["room"] = admin.post("/api/rooms", {
        "name": "Phòng họp 301", "location": "Tầng 3", "seats": 20, "tablets": 12,
        "has_video_endpoint": True, "available_from": "07:30", "available_until": "17:30",
    })["id"]  # fmt: skip
    ids["user"] = admin.post("/api/users", {
        "username": "thu", "display_name": "Nguyễn Thị Thu", "role": "secretary",
        "password": "secretary-pass-1234", "email": "thu@example.test",
    })["user"]["id"]  # fmt: skip
    ids["group"] = admin.post("/api/groups", {
        "name": "Văn phòng", "description": "Thư ký các cuộc họp", "members": [ids["user"]],
    })["id"]  # fmt: skip

    day = (datetime.now(SERVER_ZONE) + timedelta(days=1)).date()
    ids["day"] = day.isoformat()
    m = ids["meeting"] = admin.post("/api/meetings", {
        "title": "Họp giao ban quý 4", "starts_at": f"{day}T09:00:00",
        "ends_at": f"{day}T11:00:00", "location": "Phòng họp 301", "room_id": ids["room"],
        "description": "1. Báo cáo\n2. Kế hoạch",
    })["id"]  # fmt: skip
    first_item = admin.post(f"/api/meetings/{m}/agenda", {
        "title": "Báo cáo ngân sách", "presenter": "Trần Bình", "duration_minutes": 30,
        "notes": "Số liệu quý 4",
    })["id"]  # fmt: skip
    admin.post(f"/api/meetings/{m}/agenda", {"title": "Kế hoạch năm mới"})
    documents = []
    for pdf, fields in (
        (pdfs[0], {"agenda_item_id": first_item}),
        (pdfs[1], {"classification": "confidential"}),
    ):
        upload = {"name": pdf.name, "mimeType": "application/pdf", "buffer": pdf.read_bytes()}
        path = f"/api/meetings/{m}/documents"
        documents.append(admin.post(path, multipart={"file": upload, **fields})["id"])
    ids["document"], ids["confidential"] = documents
    for name, role in (("Chủ tọa Nguyễn An", "chair"), ("Đại biểu Trần Bình", "delegate")):
        body = {"name": name, "role": role}
        ids[f"{role}_link"] = admin.post(f"/api/meetings/{m}/participants", body)["join_url"]
    admin.post(f"/api/meetings/{m}/participants", {"user_id": ids["user"], "role": "secretary"})
    admin.post(f"/api/meetings/{m}/open")

    monday = day + timedelta(days=7 - day.weekday())
    ids["series"] = admin.post("/api/meetings", {
        "title": "Giao ban tuần", "starts_at": f"{monday}T08:00:00",
        "ends_at": f"{monday}T09:00:00",
        "recurrence": {"freq": "weekly", "weekdays": ["MO"], "count": 10},
    })["id"]  # fmt: skip

    def processed(document: str) -> dict[str, Any] | None:
        state = admin.get(f"/api/documents/{document}")
        return dict(state) if state["status"] != "processing" else None

    deadline = time.monotonic() + 60  # for all of them
    for document in documents:
        left = deadline - time.monotonic()
        message = f"document {document} still processing"
        state = until_sync(partial(processed, document), left, message, interval=0.1)
        assert state["status"] == "ready", state
    return ids


@pytest.fixture(scope="module")
def site(
    server: ServerProcess, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("a11y")
    pdfs = [
        make_pdf(tmp / "bao-cao.pdf", pages=3, title="Budget report"),
        make_pdf(tmp / "phu-luc.pdf", pages=2, title="Annex"),
    ]
    site = Site(server.base_url, browser, Watch())
    setup = browser.new_context()
    try:
        site.ids = prepare(Api(setup.request, server.base_url), pdfs)
    finally:
        setup.close()
    yield site
    for page in site.pages.values():
        page.context.close()


# -- bringing a page to the state to check ------------------------------------------------


def live_ready(page: Page) -> None:
    """The meeting page is connected and shows a page of the document."""
    expect(page.locator("#live")).to_have_attribute("data-connection", "connected")
    expect(page.locator(".live-sheet")).to_be_visible()
    expect(page.locator(".live-sheet")).not_to_have_class(LOADING)


def participants_tab(page: Page) -> None:
    live_ready(page)
    page.locator("#live-tab-people").click()
    expect(page.locator("#live-chair")).to_be_visible()


def video_open(page: Page) -> None:
    """The pre-join panel, with the (fake) camera's preview running."""
    live_ready(page)
    page.locator(".live-bar .vid-open[data-tab=video]").click()
    expect(page.locator("#vid-panel .vid-preview")).to_have_attribute("data-camera", "on")


def video_joined(page: Page) -> None:
    """In the video, with the list of who is in it open beside the tiles."""
    video_open(page)
    page.locator("#vid-panel .vid-join").click()
    expect(page.locator("#live")).to_have_attribute("data-video", "in")
    mine = page.locator(".vid-tile[data-local=true][data-kind=camera]")
    expect(mine).to_have_attribute("data-video", "on")
    page.locator(".vid-controls [data-action=people]").click()
    expect(page.locator(".vid-people")).to_be_visible()


def chat_open(page: Page) -> None:
    """The chat, with a message of one's own sent."""
    live_ready(page)
    page.locator(".live-bar .vid-open[data-tab=chat]").click()
    expect(page.locator("#vid-chat")).to_be_visible()
    page.locator("#chat-text").fill("Tôi đồng ý với báo cáo.")
    page.locator(".chat-form button[type=submit]").click()
    sent = page.locator(".chat-msg.is-mine").last
    expect(sent).to_be_visible()
    expect(sent).not_to_have_class(re.compile(r"\bis-pending\b"))


def projector_ready(page: Page) -> None:
    """Connected, and the full-screen hint has faded as it does after a few seconds (half
    faded, its contrast would depend on the moment axe looks)."""
    expect(page.locator("#live")).to_have_attribute("data-connection", "connected")
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.live-projector-hint')).opacity === '0'"
    )


def details_open(page: Page) -> None:
    """Every <details> open: the join links and QR codes, the forms behind them."""
    for summary in page.locator("details > summary").all():
        summary.click()
    page.wait_for_load_state("networkidle")  # the QR images


def weekly_repeat(page: Page) -> None:
    page.locator("select[name=repeat]").select_option("weekly")


def booking_dialog(page: Page) -> None:
    page.locator("button.slot.free").first.click()
    expect(page.locator("#book-dialog")).to_be_visible()


def document_pages(page: Page) -> None:
    """The first page image has arrived (the others load as they are scrolled to)."""
    image = page.locator("figure.page img").first
    expect(image).to_have_js_property("complete", True)


# -- the visits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    name: str
    role: str  # anonymous, admin, chair (by join link, desktop), delegate (tablet)
    path: str  # with {ids} of Site.ids
    lang: str = "en"
    then: Callable[[Page], None] | None = None
    status: int = 200
    viewport: dict[str, int] | None = None  # another size than the role's for this visit
    # CSS selectors axe leaves out: only a proven false positive, with a comment why.
    exclude: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.lang}-{self.name}"


PAGES = [
    Visit("login", "anonymous", "/login"),
    Visit("error-page", "anonymous", "/no-such-page", status=404),
    Visit("meetings", "admin", "/meetings"),
    Visit("meetings-phone", "admin", "/meetings", viewport=PHONE),
    Visit("meeting-details", "admin", "/meetings/{meeting}", then=details_open),
    Visit("meeting-series", "admin", "/meetings/{series}"),
    Visit("meeting-new", "admin", "/meetings/new", then=weekly_repeat),
    Visit("meeting-edit-series", "admin", "/meetings/{series}/edit"),
    Visit("calendar-week", "admin", "/calendar/week?date={day}"),
    Visit("calendar-booking", "admin", "/calendar/week?date={day}", then=booking_dialog),
    Visit("calendar-day", "admin", "/calendar/day?date={day}"),
    Visit("calendar-list", "admin", "/calendar/list?date={day}"),
    Visit("rooms", "admin", "/rooms"),
    Visit("room-new", "admin", "/rooms/new"),
    Visit("room-edit", "admin", "/rooms/{room}/edit"),
    Visit("users", "admin", "/admin/users"),
    Visit("user-new", "admin", "/admin/users/new"),
    Visit("user-edit", "admin", "/admin/users/{user}"),
    Visit("users-import", "admin", "/admin/users/import"),
    Visit("groups", "admin", "/admin/groups"),
    Visit("group-new", "admin", "/admin/groups/new"),
    Visit("group-edit", "admin", "/admin/groups/{group}"),
    Visit("audit", "admin", "/admin/audit"),
    Visit("account", "admin", "/account"),
    Visit("account-password", "admin", "/account/password"),
    Visit("document", "admin", "/documents/{document}", then=document_pages),
    Visit("document-audit", "admin", "/documents/{document}/audit"),
    Visit("admin-error-page", "admin", "/meetings/no-such-meeting", status=404),
    # The guest's path: the join link leads to the meeting page, here on a tablet.
    Visit("tablet-join-link", "delegate", "{delegate_link}", then=live_ready),
    Visit("tablet-video-open", "delegate", "/m/{meeting}", then=video_open),
    Visit("tablet-chat", "delegate", "/m/{meeting}", then=chat_open),
    Visit("tablet-document", "delegate", "/documents/{confidential}", then=document_pages),
    Visit("room-chair", "chair", "/m/{meeting}", then=live_ready),
    Visit("room-chair-participants", "chair", "/m/{meeting}", then=participants_tab),
    Visit("room-chair-in-video", "chair", "/m/{meeting}", then=video_joined),
    Visit("projector", "chair", "/m/{meeting}/projector", then=projector_ready),
    Visit("login", "anonymous", "/login", lang="vi"),
    Visit("error-page", "anonymous", "/no-such-page", lang="vi", status=404),
    Visit("meetings", "admin", "/meetings", lang="vi"),
    Visit("meeting-details", "admin", "/meetings/{meeting}", lang="vi", then=details_open),
    Visit("meeting-new", "admin", "/meetings/new", lang="vi", then=weekly_repeat),
    Visit("calendar-week", "admin", "/calendar/week?date={day}", lang="vi"),
    Visit("users", "admin", "/admin/users", lang="vi"),
    Visit("account", "admin", "/account", lang="vi"),
    Visit("tablet-join-link", "delegate", "{delegate_link}", lang="vi", then=live_ready),
    Visit("tablet-video-open", "delegate", "/m/{meeting}", lang="vi", then=video_open),
    Visit("room-chair-participants", "chair", "/m/{meeting}", lang="vi", then=participants_tab),
]


@pytest.mark.parametrize("visit", [pytest.param(v, id=v.id) for v in PAGES])
def test_page_passes_axe(site: Site, visit: Visit) -> None:
    page = site.page(visit.role, visit.lang)
    url = visit.path.format(**site.ids)
    url = url if url.startswith("http") else site.base + url
    site.watch.clear()
    role_viewport = page.viewport_size
    if visit.viewport is not None:
        page.set_viewport_size(visit.viewport)
    try:
        response = page.goto(url)
        assert response is not None, url
        assert response.status == visit.status, f"{url}: {response.status}"
        # Under the server's own policy: axe must work without loosening it.
        assert response.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY
        expect(page.locator("html")).to_have_attribute("lang", visit.lang)
        if visit.then is not None:
            visit.then(page)
        results = axe_run(page, visit.exclude)
        where = f"{visit.id} ({visit.role}: {page.url.removeprefix(site.base)})"
        if results["violations"]:
            pytest.fail(describe(results, where), pytrace=False)
    finally:
        # Leave the page: nothing of it (a socket, the video) goes on into the next visit.
        page.goto("about:blank")
        if role_viewport is not None:
            page.set_viewport_size(role_viewport)
    if visit.status >= 400:
        expected = f"GET {url}: {visit.status}"
        assert site.watch.http_errors == [expected], site.watch.http_errors
        site.watch.http_errors.clear()
        site.watch.console_errors[:] = [
            e for e in site.watch.console_errors if f"status of {visit.status}" not in e
        ]
    site.watch.assert_clean()


def test_axe_runs_under_the_real_csp(site: Site) -> None:
    """The page's policy is in force (an inline script is refused, and the Watch sees
    it), and axe still runs without a violation: it is evaluated through the browser's
    debugger protocol, which CSP does not govern."""
    page = site.page("anonymous", "en")
    site.watch.clear()
    page.goto(site.base + "/login")
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.inlineRan = true;")
    assert page.evaluate("window.inlineRan") is None
    for _ in range(100):  # the report is an event: it may arrive just after
        if any("CSP violation: script-src" in e for e in site.watch.console_errors):
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError(f"no CSP violation reported: {site.watch.console_errors}")

    errors_before = len(site.watch.console_errors)
    results = axe_run(page)
    assert results["testEngine"]["name"] == "axe-core"
    assert results["passes"], "axe checked nothing"
    assert site.watch.console_errors[errors_before:] == []
    assert site.watch.page_errors == []
    page.goto("about:blank")
