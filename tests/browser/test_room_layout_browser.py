"""The meeting room's layout in a real browser, measured: a 10" tablet (1280x800 held
sideways, 800x1280 upright) with the video open keeps the document page the main thing,
the tools on one row and the title readable; the video is a strip beside the stage
(sideways) or between its bar and the page (upright), resized by dragging its edge with
the mouse or a finger, collapsed to its controls, and its size remembered. A desktop
keeps the agenda beside the video. The "not opened yet" band is above the page, never
over it, and says where the chair opens the meeting; the chair's has the button.

Screenshots of every step are written to $MEETROOM_SCREENSHOTS if set, else to the
test's temporary directory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import APIRequestContext, BrowserContext, Page, expect

from tests.browser.harness import ADMIN_PASSWORD, Watch, screenshot_dir
from tests.browser.live_page import connected
from tests.browser.scenario import Scenario
from tests.processes import ServerProcess

LONG_TITLE = "Socio-economic report for the fourth quarter of 2030 and the plan for 2031"
# The parts of the page that must never cover each other.
BOXES = """() => {
  const box = (s) => {
    const e = document.querySelector(s);
    if (!e || !e.getClientRects().length) return null;
    const r = e.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  };
  return { sheet: box(".live-sheet"), bar: box(".live-bar"), tools: box(".live-tools"),
           panel: box("#vid-panel"), banner: box(".live-lifecycle"), side: box("#live-side"),
           tile: box(".vid-tile[data-local=true]"), title: box(".live-doc-title") };
}"""
Box = dict[str, float]


def boxes(page: Page) -> dict[str, Box | None]:
    page.wait_for_timeout(300)  # the page's view settles on its new size
    result: dict[str, Box | None] = page.evaluate(BOXES)
    return result


def overlap(a: Box, b: Box) -> bool:
    return (
        a["x"] + a["width"] > b["x"] + 1
        and b["x"] + b["width"] > a["x"] + 1
        and a["y"] + a["height"] > b["y"] + 1
        and b["y"] + b["height"] > a["y"] + 1
    )


def one_row(page: Page, selector: str) -> None:
    """Every visible button of the bar is on the same line (their middles agree)."""
    middles = page.locator(selector).evaluate(
        """el => [...el.querySelectorAll("button")].filter(b => b.getClientRects().length)
                 .map(b => { const r = b.getBoundingClientRect(); return r.y + r.height / 2; })"""
    )
    assert middles and max(middles) - min(middles) < 3, f"{selector} wraps: {middles}"


def open_meeting(api: APIRequestContext, base: str, meeting_id: str) -> None:
    resp = api.post(
        f"{base}/api/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert resp.ok, resp.text()
    headers = {"X-CSRF-Token": resp.json()["csrf_token"]}
    resp = api.post(f"{base}/api/meetings/{meeting_id}/open", headers=headers)
    assert resp.ok, resp.text()


def join_video(page: Page) -> None:
    page.locator(".vid-open[data-tab=video]").click()
    page.locator(".vid-join").click()
    expect(page.locator("#live")).to_have_attribute("data-video", "in")
    expect(page.locator(".vid-tile[data-local=true]")).to_have_attribute("data-video", "on")


def drag(page: Page, start: tuple[float, float], end: tuple[float, float], touch: bool) -> None:
    """Drags with the mouse, or with a finger (touch events from Chromium's DevTools
    protocol, which the page receives as pointer events of type "touch")."""
    (x0, y0), (x1, y1) = start, end
    steps = 8
    if not touch:
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x1, y1, steps=steps)
        page.mouse.up()
        return
    cdp = page.context.new_cdp_session(page)
    for i in range(steps + 1):
        point = {"x": x0 + (x1 - x0) * i / steps, "y": y0 + (y1 - y0) * i / steps, "id": 0}
        kind = "touchStart" if i == 0 else "touchMove"
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [point]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def strip_size(page: Page, upright: bool) -> float:
    box = page.locator("#vid-panel").bounding_box()
    assert box is not None
    return box["height"] if upright else box["width"]


def grip_centre(page: Page) -> tuple[float, float]:
    box = page.locator(".vid-grip").bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def check_layout(
    page: Page, width: int, height: int, resized: bool = False
) -> dict[str, Box | None]:
    """The video open beside (sideways) or above (upright) the page, nothing covering
    anything, the page the largest thing, the bar and tools on one row each; at the
    strip's first size, the page keeps most of the screen."""
    upright = height > width
    b = boxes(page)
    sheet, panel, bar, tools, tile, title = (
        b["sheet"], b["panel"], b["bar"], b["tools"], b["tile"], b["title"]
    )  # fmt: skip
    assert sheet and panel and bar and tools and tile and title, b
    for name in ("bar", "tools", "banner"):
        other = b[name]
        if other is not None:
            assert not overlap(sheet, other), (name, b)
    assert not overlap(panel, sheet) and not overlap(panel, tools) and not overlap(panel, bar), b
    one_row(page, ".live-tools")
    one_row(page, ".live-bar")
    assert tools["height"] < 56 and bar["height"] < 56, b
    # The title: in full, or at least a reasonable width of it before its "…".
    full = page.locator(".live-doc-title").evaluate("e => e.scrollWidth")
    assert title["width"] >= min(full, 240), (title, full)
    assert page.locator(".live-doc-title").evaluate(
        "e => getComputedStyle(e).textOverflow === 'ellipsis'"
    )
    if upright:
        # A strip across the screen between the bar and the page; the page below it
        # keeps most of the width, the pictures are a row as high as the strip.
        assert panel["width"] >= width - 1 and panel["y"] >= bar["y"] + bar["height"] - 1, b
        assert sheet["y"] >= panel["y"] + panel["height"] - 1, b
        if not resized:
            assert sheet["width"] >= 0.6 * width and sheet["height"] >= 0.5 * height, b
            assert tile["height"] >= 180 and tile["width"] >= 320, tile
    else:
        # A strip at the right; the page keeps most of the height (a page is upright:
        # its height is what limits it on a screen held sideways).
        assert panel["x"] >= sheet["x"] + sheet["width"] and panel["height"] > 0.9 * height, b
        assert sheet["height"] >= 0.79 * height, (sheet, height)
        if not resized:
            assert tile["width"] >= 320 and tile["height"] >= 180, tile
    # The page is the main thing: larger than a picture (twice, at first).
    assert sheet["width"] * sheet["height"] > tile["width"] * tile["height"] * (1 if resized else 2)
    return b


@pytest.mark.parametrize(
    ("width", "height", "lang"),
    [(1280, 800, "en"), (1280, 800, "vi"), (800, 1280, "en"), (800, 1280, "vi")],
)
def test_a_tablet_with_the_video_open(
    server: ServerProcess,
    new_context: Callable[..., BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
    tmp_path: Path,
    width: int,
    height: int,
    lang: str,
) -> None:
    base = server.base_url
    shots = screenshot_dir(tmp_path)
    name = f"room-{width}x{height}-{lang}"
    upright = height > width
    meeting = scenario(base, LONG_TITLE)
    open_meeting(new_context().request, base, meeting.meeting_id)
    context = new_context(viewport={"width": width, "height": height}, has_touch=True)
    context.add_cookies([{"name": "mr_lang", "value": lang, "url": base}])
    page = meeting.open("chair", context.new_page())
    connected(page)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(".live-sheet")).to_be_visible()
    before = boxes(page)["sheet"]
    page.screenshot(path=shots / f"{name}-1-page.png")

    join_video(page)
    layout = check_layout(page, width, height)
    sheet = layout["sheet"]
    assert sheet and before
    if not upright:
        # Sideways, the page keeps its height with the video open.
        assert sheet["height"] >= before["height"] - 1, (before, sheet)
    else:
        # Upright, a second person's picture fits beside the first, not cut at the edge.
        other = new_context(viewport={"width": width, "height": height}).new_page()
        meeting.open("delegate", other)
        connected(other)
        join_video(other)
        tiles = page.locator(".vid-tile")
        expect(tiles).to_have_count(2)
        grid = page.locator(".vid-grid").bounding_box()
        assert grid
        for tile in tiles.all():
            t = tile.bounding_box()
            assert (
                t and grid["x"] <= t["x"] and t["x"] + t["width"] <= grid["x"] + grid["width"] + 1
            )
            assert t["width"] >= 240, t
        check_layout(page, width, height, resized=True)  # (two smaller pictures)
    page.screenshot(path=shots / f"{name}-2-video.png")

    # Larger, by dragging its edge with the mouse: the page makes room, nothing overlaps.
    size = strip_size(page, upright)
    x, y = grip_centre(page)
    drag(page, (x, y), (x, y + 80) if upright else (x - 80, y), touch=False)
    larger = strip_size(page, upright)
    assert larger >= size + 70, (size, larger)
    check_layout(page, width, height, resized=True)
    page.screenshot(path=shots / f"{name}-3-larger.png")

    # Smaller, with a finger.
    x, y = grip_centre(page)
    drag(page, (x, y), (x, y - 120) if upright else (x + 120, y), touch=True)
    smaller = strip_size(page, upright)
    assert smaller <= larger - 100, (larger, smaller)
    check_layout(page, width, height, resized=True)
    kept = page.evaluate("() => JSON.parse(localStorage.getItem('meetroom.video.strip'))")
    assert abs(kept["portrait" if upright else "landscape"] - smaller) < 2, kept

    # Collapsed: the controls only, and the page has the room; still in the call.
    page.locator(".vid-collapse").click()
    expect(page.locator("#vid-panel")).to_have_attribute("data-collapsed", "true")
    collapsed = strip_size(page, upright)
    assert collapsed < 64, collapsed
    expect(page.locator('.vid-controls [data-action="mic"]')).to_be_visible()
    expect(page.locator(".vid-grid")).to_be_hidden()
    expect(page.locator("#live")).to_have_attribute("data-video", "in")
    after = boxes(page)["sheet"]
    assert after and sheet and after["height"] >= sheet["height"] - 1
    page.screenshot(path=shots / f"{name}-4-collapsed.png")
    page.locator(".vid-collapse").click()
    expect(page.locator("#vid-panel")).to_have_attribute("data-collapsed", "false")
    assert abs(strip_size(page, upright) - smaller) < 2

    # The size is remembered: after a reload, the panel opens at it.
    page.reload()
    connected(page)
    page.locator(".vid-open[data-tab=video]").click()
    expect(page.locator(".vid-prejoin")).to_be_visible()
    if not upright:  # (upright, the check before joining takes the height it needs)
        assert abs(strip_size(page, upright) - smaller) < 2
    page.wait_for_load_state("networkidle")
    watch.assert_clean()


def test_a_desktop_keeps_the_agenda_beside_the_video(
    server: ServerProcess,
    new_context: Callable[..., BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
    tmp_path: Path,
) -> None:
    base = server.base_url
    meeting = scenario(base, LONG_TITLE)
    open_meeting(new_context().request, base, meeting.meeting_id)
    page = meeting.open("chair", new_context(viewport={"width": 1920, "height": 1080}).new_page())
    connected(page)
    expect(page.locator(".live-sheet")).to_be_visible()
    before = boxes(page)
    join_video(page)
    b = check_layout(page, 1920, 1080)
    side, sheet, panel, title = b["side"], b["sheet"], b["panel"], b["title"]
    assert side and sheet and panel and title and before["sheet"] and before["side"]
    # The agenda stays where it was, the page keeps its size, the title shows in full.
    assert side == before["side"] and side["x"] + side["width"] <= sheet["x"]
    assert abs(sheet["height"] - before["sheet"]["height"]) < 1
    assert page.locator(".live-doc-title").evaluate("e => e.scrollWidth <= e.clientWidth")
    assert abs(panel["width"] - 384) < 2  # 24rem, as before
    page.screenshot(path=screenshot_dir(tmp_path) / "room-1920x1080-video.png")
    watch.assert_clean()


def test_the_not_opened_band_is_above_the_page_and_says_where_it_opens(
    server: ServerProcess,
    new_context: Callable[..., BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
    tmp_path: Path,
) -> None:
    shots = screenshot_dir(tmp_path)
    meeting = scenario(server.base_url, LONG_TITLE)
    pages = {}
    for role, size in (("delegate", (1280, 800)), ("chair", (800, 1280))):
        page = new_context(viewport={"width": size[0], "height": size[1]}).new_page()
        meeting.open(role, page)
        connected(page)
        expect(page.locator(".live-sheet")).to_be_visible()
        pages[role] = page
    delegate, chair = pages["delegate"], pages["chair"]

    band = delegate.locator(".live-lifecycle")
    expect(band).to_be_visible()
    expect(band.locator(".live-lifecycle-text")).to_have_text(
        "The meeting has not been started yet. The chair starts it with “Start the meeting”"
        " on the meeting page."
    )
    expect(band.get_by_role("button")).to_have_count(0)
    expect(band.get_by_role("link", name="Minutes")).to_be_hidden()  # not before it ended
    chair_band = chair.locator(".live-lifecycle")
    expect(chair_band).to_contain_text("Not started yet: you can prepare.")
    expect(chair_band).to_contain_text("“Start the meeting”")
    for role, page in pages.items():
        b = boxes(page)
        band_box, sheet, bar = b["banner"], b["sheet"], b["bar"]
        assert band_box and sheet and bar, b
        # In the layout: under the bar, the whole page image below it.
        assert not overlap(band_box, sheet) and band_box["y"] + band_box["height"] <= sheet["y"]
        assert band_box["y"] >= bar["y"] + bar["height"] - 1, b
        page.screenshot(path=shots / f"band-{role}.png")

    # The chair starts the meeting from the band (before its time, so the page asks
    # first): it goes, here and on the delegate's page.
    asked: list[str] = []
    chair.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    chair_band.locator("button[data-transition=open]").click()
    connected(chair)
    expect(chair.locator("#live")).to_have_attribute("data-meeting-status", "in_progress")
    expect(chair_band).to_be_hidden()
    expect(band).to_be_hidden()
    expect(delegate.locator(".live-toast")).to_contain_text(["The chair started the meeting."])
    assert len(asked) == 1 and "scheduled to start" in asked[0], asked
    watch.assert_clean()
