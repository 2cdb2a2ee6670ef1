"""The live session in a real browser: a chair and a delegate who joined by link open
the meeting page; the chair turns a page and the delegate's tablet follows; the chair's
shared stroke appears on the delegate's page; the delegate browses on their own and
comes back to the presenter; the delegate's private stroke stays theirs; a reload
shows what was drawn; the projector shows the presenter's page with the shared ink.

Every context is watched (see conftest): nothing may leave 127.0.0.1, and there must be
no console errors, CSP violations, uncaught exceptions, failed requests or HTTP errors.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import (
    BrowserContext,
    Dialog,
    Locator,
    Page,
    expect,
)

from meetroom.server.pages.live_protocol import client_protocol
from tests.browser.harness import ADMIN_PASSWORD, Watch
from tests.browser.live_page import (
    LOADING,
    annotation_count,
    connected,
    cuttable_sockets,
    draw,
    shows_page,
)
from tests.browser.scenario import CHAIR, DELEGATE, Scenario
from tests.ink import store_strokes_sync
from tests.processes import ServerProcess


def requested(page: Page, requests: list[str], url: str) -> None:
    """The page has asked for this URL (within the default wait)."""
    for _ in range(100):
        if url in requests:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{url} was not requested; requests: {requests}")


def all_sent(page: Page) -> None:
    """Nothing of this page's waits for an acknowledgement."""
    expect(page.locator(".live-conn-count")).to_be_hidden()


# How many pixels of a canvas are not transparent.
COUNT_PIXELS = """c => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""


def inked_pixels(page: Page) -> int:
    """Pixels of the stored annotations' canvas."""
    return int(page.locator("canvas.live-ink").evaluate(COUNT_PIXELS))


def wet_pixels(page: Page) -> int:
    """Pixels of the canvas of strokes being drawn."""
    return int(page.locator("canvas.live-wet").evaluate(COUNT_PIXELS))


def test_follow_draw_browse_reload_projector(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    base = server.base_url
    meeting = scenario(base, "Budget 2030")
    meeting_id, document_id = meeting.meeting_id, meeting.document_id

    chair_context = new_context()
    chair = meeting.open("chair", chair_context.new_page())
    expect(chair).to_have_url(f"{base}/m/{meeting_id}")
    delegate = new_context().new_page()
    delegate_requests: list[str] = []
    delegate.on("request", lambda request: delegate_requests.append(request.url))
    meeting.open("delegate", delegate)
    expect(delegate).to_have_url(f"{base}/m/{meeting_id}")
    for page in (chair, delegate):
        connected(page)
        shows_page(page, document_id, 1)
        expect(page.locator(".live-doc-title")).to_have_text("Budget 2030")
    # The next page is loaded ahead, so that a turn shows it at once.
    image = f"{base}/api/documents/{document_id}/pages/{{}}?w=1600"
    requested(delegate, delegate_requests, image.format(2))
    # No page turned yet: the first document's first page; the chair presents.
    expect(delegate.locator(".live-follow")).to_have_text(f"{CHAIR} is presenting")
    expect(chair.locator(".live-follow")).to_have_text("You are presenting")

    # The chair sees who is here.
    chair.get_by_role("tab", name="Participants").click()
    expect(chair.locator(".live-people")).to_contain_text(DELEGATE)
    chair.get_by_role("tab", name="Agenda").click()

    # The chair turns to page 2: the delegate's tablet follows.
    chair.get_by_role("button", name="Next page").click()
    shows_page(chair, document_id, 2)
    shows_page(delegate, document_id, 2)
    requested(delegate, delegate_requests, image.format(3))
    expect(delegate.locator(".live-follow")).to_have_text(f"{CHAIR} is presenting")
    expect(delegate.locator(".live-thumb.is-presenter")).to_have_attribute("data-page", "2")

    # The chair draws on the shared layer: it appears on the delegate's page.
    chair.get_by_role("button", name="Pen", exact=True).click()
    expect(chair.locator(".live-tools")).to_have_attribute("data-layer", "shared")
    draw(chair, [(0.2, 0.2), (0.4, 0.3), (0.6, 0.25)])
    annotation_count(chair, 1)
    all_sent(chair)
    annotation_count(delegate, 1)
    assert inked_pixels(delegate) > 100

    # The delegate browses to page 3 on their own, then back to the presenter.
    delegate.get_by_role("button", name="Next page").click()
    shows_page(delegate, document_id, 3)
    expect(delegate.locator("#live")).to_have_attribute("data-following", "false")
    annotation_count(delegate, 0)
    shows_page(chair, document_id, 2)  # the presenter stays where they were
    delegate.get_by_role("button", name="Back to presenter").click()
    shows_page(delegate, document_id, 2)
    expect(delegate.locator("#live")).to_have_attribute("data-following", "true")
    expect(delegate.get_by_role("button", name="Back to presenter")).to_be_hidden()
    annotation_count(delegate, 1)

    # The delegate may not draw on the shared layer; a private stroke stays theirs.
    delegate.get_by_role("button", name="Pen", exact=True).click()
    expect(delegate.locator(".live-tools")).to_have_attribute("data-layer", "private")
    expect(delegate.locator('[data-layer="shared"]')).to_have_attribute("aria-disabled", "true")
    draw(delegate, [(0.3, 0.6), (0.5, 0.7), (0.7, 0.65)])
    annotation_count(delegate, 2)
    all_sent(delegate)
    chair.wait_for_timeout(300)
    annotation_count(chair, 1)

    # After a reload the delegate still sees the chair's stroke and their own.
    delegate.wait_for_load_state("networkidle")  # nothing in flight that a reload aborts
    delegate.reload()
    connected(delegate)
    shows_page(delegate, document_id, 2)
    annotation_count(delegate, 2)

    # The projector: the presenter's page with the shared layer.
    projector = chair_context.new_page()
    projector.goto(f"{base}/m/{meeting_id}/projector")
    expect(projector.locator("#live")).to_have_attribute("data-connection", "connected")
    expect(projector.locator("#live")).to_have_attribute("data-page", "2")
    expect(projector.locator("img.live-page")).to_have_attribute(
        "src", f"/api/documents/{document_id}/pages/2?w=1600"
    )
    annotation_count(projector, 1)
    expect(projector.locator(".live-sheet")).not_to_have_class(LOADING)
    assert inked_pixels(projector) > 100

    for page in (chair, delegate, projector):
        page.wait_for_load_state("networkidle")
    watch.assert_clean()


def taken_away_then_given_back(
    new_context: Callable[[], BrowserContext], base: str, meeting_id: str, document_id: str,
    chair: Page, delegate: Page,
) -> None:  # fmt: skip
    """The document the chair presents is taken from the delegate mid-session: their
    page closes it, takes it off the agenda and says that the presenter shows a
    document they may not see; given back, it is listed and followed again."""
    api = new_context().request  # an admin session of its own, whose CSRF token we keep
    resp = api.post(
        f"{base}/api/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    headers = {"X-CSRF-Token": resp.json()["csrf_token"]}
    people = api.get(f"{base}/api/meetings/{meeting_id}/participants").json()
    delegate_id = next(p["id"] for p in people if p["role"] == "delegate")
    listed = delegate.locator(f'li.live-doc[data-document="{document_id}"]')
    expect(listed).to_have_count(1)
    page = delegate.locator(".live-pageno").get_attribute("data-page")

    url = f"{base}/api/documents/{document_id}"
    assert api.patch(url, data={"access": []}, headers=headers).ok
    expect(delegate.locator(".live-follow")).to_have_text(
        "The presenter is showing a document you do not have access to."
    )
    expect(delegate.locator("#live")).to_have_attribute("data-presenter-hidden", "true")
    expect(delegate.locator("#live")).to_have_attribute("data-document", "")
    expect(listed).to_have_count(0)
    expect(delegate.get_by_role("alert")).to_contain_text(
        "You no longer have access to this document."
    )
    expect(chair.locator(".live-follow")).to_have_text("You are presenting")

    assert api.patch(url, data={"access": [delegate_id]}, headers=headers).ok
    shows_page(delegate, document_id, int(page or 0))
    expect(listed).to_have_count(1)
    expect(delegate.locator("#live")).to_have_attribute("data-presenter-hidden", "false")
    expect(delegate.locator(".live-follow")).to_have_text(f"{CHAIR} is presenting")


def test_tools_hand_over_and_everyone_back(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    base = server.base_url
    meeting = scenario(base, "Plan 2030")
    meeting_id, document_id = meeting.meeting_id, meeting.document_id
    chair, delegate = meeting.on_pages("chair", "delegate")
    for page in (chair, delegate):
        shows_page(page, document_id, 1)

    # A stroke being drawn shows on the other tablet before the pen lifts, and is
    # replaced by the stored stroke when it does.
    chair.get_by_role("button", name="Pen", exact=True).click()
    box = chair.locator(".live-sheet").bounding_box()
    assert box is not None
    chair.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.2 * box["height"])
    chair.mouse.down()
    for step in range(1, 11):
        chair.mouse.move(box["x"] + (0.2 + step * 0.03) * box["width"],
                         box["y"] + (0.2 + step * 0.01) * box["height"])  # fmt: skip
        chair.wait_for_timeout(20)
    delegate.wait_for_function(
        f"() => ({COUNT_PIXELS})(document.querySelector('canvas.live-wet')) > 0"
    )
    annotation_count(delegate, 0)
    chair.mouse.up()
    annotation_count(delegate, 1)
    assert wet_pixels(delegate) == 0 and inked_pixels(delegate) > 100

    # The eraser takes a whole stroke away, for everyone.
    chair.get_by_role("button", name="Eraser").click()
    chair.mouse.click(box["x"] + 0.35 * box["width"], box["y"] + 0.25 * box["height"])
    annotation_count(chair, 0)
    annotation_count(delegate, 0)

    # Undo and redo one's own strokes.
    chair.get_by_role("button", name="Straight line").click()
    draw(chair, [(0.1, 0.5), (0.9, 0.5)])
    chair.get_by_role("button", name="Arrow").click()
    draw(chair, [(0.1, 0.7), (0.6, 0.8)])
    annotation_count(delegate, 2)
    chair.get_by_role("button", name="Undo").click()
    annotation_count(chair, 1)
    annotation_count(delegate, 1)
    chair.get_by_role("button", name="Redo").click()
    annotation_count(chair, 2)
    annotation_count(delegate, 2)

    # A text note, placed then typed.
    chair.get_by_role("button", name="Note").click()
    chair.mouse.click(box["x"] + 0.6 * box["width"], box["y"] + 0.3 * box["height"])
    chair.get_by_placeholder("Write a note…").fill("Xem lại số liệu quý 4")
    chair.get_by_role("button", name="Add note").click()
    expect(delegate.locator(".live-note")).to_have_text("Xem lại số liệu quý 4")
    annotation_count(delegate, 3)

    # The chair hands presentation over: the delegate turns everyone's pages.
    chair.get_by_role("tab", name="Participants").click()
    chair.locator(".live-person", has_text=DELEGATE).get_by_role(
        "button", name="Make presenter"
    ).click()
    expect(delegate.locator(".live-follow")).to_have_text("You are presenting")
    expect(delegate.locator('[data-layer="shared"]')).to_have_attribute("aria-disabled", "false")
    delegate.get_by_role("button", name="Next page").click()
    shows_page(delegate, document_id, 2)
    shows_page(chair, document_id, 2)
    expect(chair.locator(".live-follow")).to_have_text(f"{DELEGATE} is presenting")
    # ... and takes it back.
    chair.locator("select.live-presenter").select_option(label="The chair")
    expect(delegate.locator(".live-follow")).to_have_text(f"{CHAIR} is presenting")
    expect(delegate.locator('[data-layer="shared"]')).to_have_attribute("aria-disabled", "true")

    # The delegate browses; "Everyone back to me" brings them back.
    delegate.get_by_role("button", name="Next page").click()
    shows_page(delegate, document_id, 3)
    expect(chair.locator(".live-person", has_text=DELEGATE)).to_contain_text("Page 3")
    chair.get_by_role("button", name="Everyone back to me").click()
    shows_page(delegate, document_id, 2)
    expect(delegate.locator("#live")).to_have_attribute("data-following", "true")
    expect(chair.locator(".live-person", has_text=DELEGATE)).to_contain_text("Following")
    taken_away_then_given_back(new_context, base, meeting_id, document_id, chair, delegate)

    for page in (chair, delegate):
        page.wait_for_load_state("networkidle")
    watch.assert_clean()


def test_one_presenter_an_admin_takes_over(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    """The chair's page and an admin's page on the same meeting: only the chair presents
    until the admin takes over (after confirming); then the tablet follows the admin,
    and the chair's page says so."""
    base = server.base_url
    admin_context = new_context()  # signed in by the scenario, not a participant
    meeting = scenario(base, "Estimate 2030", admin=admin_context)
    meeting_id, document_id = meeting.meeting_id, meeting.document_id
    chair = meeting.open("chair")
    admin = admin_context.new_page()
    admin.goto(f"{base}/m/{meeting_id}")
    tablet = meeting.open("delegate")
    for page in (chair, admin, tablet):
        connected(page)
        shows_page(page, document_id, 1)
    presenting = "You are presenting"
    expect(chair.locator(".live-follow")).to_have_text(presenting)
    for page in (admin, tablet):
        expect(page.locator(".live-follow")).to_have_text(f"{CHAIR} is presenting")
    expect(admin.locator("#live")).to_have_attribute("data-presenting", "false")
    expect(chair.get_by_role("button", name="Take over presenting")).to_be_hidden()
    expect(tablet.get_by_role("button", name="Take over presenting")).to_be_hidden()

    # The admin turns a page: their own page moves, nobody else's.
    admin.get_by_role("button", name="Next page").click()
    shows_page(admin, document_id, 2)
    expect(admin.locator("#live")).to_have_attribute("data-following", "false")
    tablet.wait_for_timeout(500)
    shows_page(tablet, document_id, 1)
    shows_page(chair, document_id, 1)

    # Declining the confirmation changes nothing.
    asked: list[str] = []

    def answer(accept: bool) -> Callable[[Dialog], None]:
        def on_dialog(dialog: Dialog) -> None:
            asked.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        return on_dialog

    admin.once("dialog", answer(False))
    admin.get_by_role("button", name="Take over presenting").click()
    assert asked == [f"{CHAIR} is presenting. Take over presenting?"]
    tablet.wait_for_timeout(500)
    expect(chair.locator(".live-follow")).to_have_text(presenting)
    shows_page(tablet, document_id, 1)

    # Accepting it: the admin presents from their page; the tablet follows, and the
    # chair's page says who presents (and follows too).
    admin.once("dialog", answer(True))
    admin.get_by_role("button", name="Take over presenting").click()
    expect(admin.locator(".live-follow")).to_have_text(presenting)
    shows_page(tablet, document_id, 2)
    for page in (chair, tablet):
        expect(page.locator(".live-follow")).to_have_text("Administrator is presenting")
    shows_page(chair, document_id, 2)
    expect(admin.get_by_role("button", name="Take over presenting")).to_be_hidden()
    expect(chair.get_by_role("button", name="Take over presenting")).to_be_visible()
    admin.get_by_role("button", name="Next page").click()
    shows_page(tablet, document_id, 3)
    shows_page(chair, document_id, 3)
    # The chair's own page turn now moves only the chair's page.
    chair.get_by_role("button", name="Previous page").click()
    shows_page(chair, document_id, 2)
    tablet.wait_for_timeout(500)
    shows_page(tablet, document_id, 3)

    for page in (chair, admin, tablet):
        page.wait_for_load_state("networkidle")
    watch.assert_clean()


# The page's waits before reconnecting after each of 7 tries closed with 4008 before
# their welcome (Math.random stubbed to 1: the longest wait of each).
WAITS_AFTER_4008 = """async () => {
  const { LiveSocket } = await import("/static/js/live/socket.js");
  const { protocol } = JSON.parse(document.getElementById("live-data").textContent);
  const socket = new LiveSocket("/nowhere", protocol, {});
  socket.connect = () => {};
  const random = Math.random;
  Math.random = () => 1;
  const waits = [];
  try {
    for (let i = 0; i < 7; i += 1) {
      socket.dropped(4008);
      waits.push(socket.retryAt - Date.now());
    }
  } finally {
    Math.random = random;
    clearTimeout(socket.timer);
  }
  return waits;
}"""


def test_a_long_meeting_opens_and_a_dropped_page_backs_off(
    server: ServerProcess, scenario: Callable[..., Scenario], watch: Watch
) -> None:
    """A meeting whose annotations are 2 MB (twice what the socket's queue holds) opens
    with all of them drawn; a page whose socket is closed before its welcome waits
    longer each time."""
    meeting = scenario(server.base_url, "Long")
    document_id = meeting.document_id
    data_dir = server.command[server.command.index("--data-dir") + 1]
    store_strokes_sync(f"sqlite:///{data_dir}/meetroom.db", meeting.meeting_id, "p:bulk",
                       document_id, 2100, 20)  # fmt: skip

    [delegate] = meeting.on_pages("delegate")
    shows_page(delegate, document_id, 1)
    annotation_count(delegate, 2100)
    assert inked_pixels(delegate) > 1000

    # The page's protocol constants are the server's (page data, not copies in the JS).
    page_data = delegate.evaluate("JSON.parse(document.getElementById('live-data').textContent)")
    assert page_data["protocol"] == client_protocol()
    assert page_data["protocol"]["close"]["too_slow"] == 4008
    waits = delegate.evaluate(WAITS_AFTER_4008)
    for wait, expected in zip(waits, [500, 1000, 2000, 4000, 8000, 10_000, 10_000], strict=True):
        assert expected - 50 <= wait <= expected, waits
    delegate.wait_for_load_state("networkidle")
    watch.assert_clean()


def test_strokes_drawn_offline_are_sent_when_back(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    meeting = scenario(server.base_url, "Report 2030")
    meeting_id, document_id = meeting.meeting_id, meeting.document_id
    chair_context = new_context()
    # The browser's offline mode alone leaves an open socket open: the test cuts it.
    sockets = cuttable_sockets(chair_context)
    chair = meeting.open("chair", chair_context.new_page())
    delegate = meeting.open("delegate")
    for page in (chair, delegate):
        connected(page)
        shows_page(page, document_id, 1)

    # The Wi-Fi drops.
    chair_context.set_offline(True)
    for ws in sockets:
        ws.close(code=4000, reason="wifi lost")
    expect(chair.locator("#live")).to_have_attribute("data-connection", "offline")
    expect(chair.locator(".live-conn")).to_contain_text("Offline")

    # The chair draws two strokes meanwhile: they show on the chair's page, counted as
    # not sent yet; the delegate has nothing.
    chair.get_by_role("button", name="Pen", exact=True).click()
    draw(chair, [(0.2, 0.2), (0.4, 0.3), (0.6, 0.25)])
    draw(chair, [(0.2, 0.6), (0.4, 0.7), (0.6, 0.65)])
    annotation_count(chair, 2)
    expect(chair.locator(".live-conn-count")).to_have_text("2")
    # They are kept in the tablet's storage, so that closing the page loses nothing.
    assert (
        chair.evaluate(
            f"() => JSON.parse(localStorage.getItem('meetroom.outbox.{meeting_id}')).items.length"
        )
        == 2
    )
    delegate.wait_for_timeout(300)
    annotation_count(delegate, 0)

    # The Wi-Fi is back: the tablet reconnects by itself and sends what it queued, once.
    chair_context.set_offline(False)
    connected(chair)
    all_sent(chair)
    annotation_count(delegate, 2)
    assert inked_pixels(delegate) > 100
    assert chair.evaluate(f"() => localStorage.getItem('meetroom.outbox.{meeting_id}')") is None
    delegate.reload()
    connected(delegate)
    annotation_count(delegate, 2)

    for page in (chair, delegate):
        page.wait_for_load_state("networkidle")
    watch.assert_clean()


class Fingers:
    """Touch input as a tablet's screen gives it (Chromium's DevTools protocol), which
    the page receives as pointer events of type "touch"."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.cdp = page.context.new_cdp_session(page)

    def _touch(self, kind: str, points: list[tuple[float, float]]) -> None:
        self.cdp.send(
            "Input.dispatchTouchEvent",
            {
                "type": kind,
                "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)],
            },
        )

    def swipe(self, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
        (x0, y0), (x1, y1) = start, end
        self._touch("touchStart", [start])
        for i in range(1, steps + 1):
            self._touch("touchMove", [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)])
            self.page.wait_for_timeout(16)
        self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def tap(self, target: Locator) -> None:
        box = target.bounding_box()
        assert box is not None
        self._touch("touchStart", [(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)])
        self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def pinch(
        self, center: tuple[float, float], from_gap: float, to_gap: float, steps: int = 8
    ) -> None:
        cx, cy = center
        for i in range(steps + 1):
            gap = from_gap + (to_gap - from_gap) * i / steps
            self._touch(
                "touchStart" if i == 0 else "touchMove", [(cx - gap / 2, cy), (cx + gap / 2, cy)]
            )
            self.page.wait_for_timeout(16)
        self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_on_a_tablet_in_portrait_and_landscape(
    server: ServerProcess,
    new_context: Callable[..., BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    meeting = scenario(server.base_url, "Proposal 2030")
    document_id = meeting.document_id
    # A 10" tablet held upright (CSS pixels), with a touch screen.
    tablet = new_context(
        viewport={"width": 800, "height": 1280}, has_touch=True, is_mobile=True
    ).new_page()
    meeting.open("delegate", tablet)
    connected(tablet)
    shows_page(tablet, document_id, 1)

    # The thumbnails are a strip under the page, and the agenda a drawer behind its
    # button.
    sheet = tablet.locator(".live-sheet").bounding_box()
    thumbs = tablet.locator(".live-thumbs").bounding_box()
    assert sheet is not None and thumbs is not None
    # Portrait: the whole page, as large as the screen allows, centred.
    assert sheet["width"] > 0.75 * 800 and sheet["x"] >= 0 and sheet["x"] + sheet["width"] <= 800
    assert abs((sheet["x"] + sheet["width"] / 2) - 400) < 20
    assert thumbs["y"] >= sheet["y"] + sheet["height"] - 1 and thumbs["width"] > 0.9 * 800
    expect(tablet.locator(".live-agenda")).not_to_be_visible()
    tablet.get_by_role("button", name="Agenda").click()
    expect(tablet.locator(".live-agenda")).to_be_visible()
    expect(tablet.locator(".live-agenda")).to_contain_text("Proposal 2030")
    tablet.locator(".live-side-close").click()
    expect(tablet.locator(".live-agenda")).not_to_be_visible()

    # A swipe to the left turns to the next page, one to the right back.
    fingers = Fingers(tablet)
    middle = (sheet["x"] + sheet["width"] / 2, sheet["y"] + sheet["height"] / 2)
    fingers.swipe((middle[0] + 250, middle[1]), (middle[0] - 250, middle[1] + 10))
    shows_page(tablet, document_id, 2)
    fingers.swipe((middle[0] - 250, middle[1]), (middle[0] + 250, middle[1]))
    shows_page(tablet, document_id, 1)

    # Two fingers spread: the page zooms in around them; a swipe then pans, not turns.
    view = tablet.locator(".live-view")
    fingers.pinch(middle, 100, 300)
    assert float(view.get_attribute("data-zoom") or 0) > 2.5
    fingers.swipe((middle[0] + 150, middle[1]), (middle[0] - 150, middle[1]))
    shows_page(tablet, document_id, 1)
    # (Through the same input channel as the gestures, so that it comes after them.)
    # A synthetic tap that the renderer, busy on a loaded machine, takes for a long
    # press makes no click; a person would tap again, and so does the test.
    for attempt in range(3):
        fingers.tap(tablet.get_by_role("button", name="Fit the page"))
        try:
            expect(view).to_have_attribute("data-zoom", "1.00", timeout=3000)
            break
        except AssertionError:
            if attempt == 2:
                raise

    # Turned to landscape: the agenda is at the side, the thumbnails a column beside
    # the page.
    tablet.set_viewport_size({"width": 1280, "height": 800})
    expect(tablet.locator(".live-agenda")).to_be_visible()
    side = tablet.locator(".live-side").bounding_box()
    thumbs = tablet.locator(".live-thumbs").bounding_box()
    sheet = tablet.locator(".live-sheet").bounding_box()
    assert side is not None and thumbs is not None and sheet is not None
    assert side["x"] + side["width"] <= sheet["x"] + 1
    assert thumbs["x"] >= sheet["x"] + sheet["width"] - 1 and thumbs["height"] > 0.5 * 800
    tablet.locator(".live-thumb[data-page='3']").tap()
    shows_page(tablet, document_id, 3)

    tablet.wait_for_load_state("networkidle")
    watch.assert_clean()
