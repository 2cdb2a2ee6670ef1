"""A secret vote on tablets, in a real browser: the chair's proxy is set and a vote
opened through the API; on three delegates' tablets (1024×768 and 800×1280) the ballot
comes up full screen by itself. One votes Yes; one chooses Abstain, changes it, then
votes Yes; the third, who holds the chair's proxy, votes No for themself and Abstain
for the chair, the first while the Wi-Fi is down: the ballot waits in localStorage with
its random v4 ballot id and goes when the tablet is back. Each gets a receipt. A reload
during the vote shows "already voted" with the same receipt (from localStorage), no
buttons; an observer sees the count and no ballot. The projector shows the count and
countdown, then, closed, the chart with the right counts and percentages; the tablets
show the result; one delegate checks their receipt on the board, and the observer
checks it too."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Locator, Page, WebSocketRoute, expect

from tests.browser.accessibility import accessible
from tests.browser.harness import ADMIN_PASSWORD, Watch
from tests.browser.live_page import connected, cuttable_sockets
from tests.browser.scenario import CHAIR, DELEGATE, Scenario
from tests.processes import ServerProcess

SECOND = "Đại biểu Phạm Thị Dung"
THIRD = "Đại biểu Hoàng Văn Em"
WATCHER = "Quan sát viên Lê Châu"
QUESTION = "Thông qua dự toán ngân sách năm 2030 của Bộ Kế hoạch và Đầu tư?"
RECEIPT = re.compile(r"^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
LANDSCAPE = {"width": 1024, "height": 768}
UPRIGHT = {"width": 800, "height": 1280}


class Admin:
    """The admin's JSON API, in a browser context of its own (its cookie signs it in)."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.request, self.base = context.request, base
        resp = self.request.post(
            f"{base}/api/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert resp.ok, resp.text()
        self.headers = {"X-CSRF-Token": resp.json()["csrf_token"]}

    def call(self, method: str, path: str, data: Any = None) -> Any:
        resp = self.request.fetch(self.base + path, method=method, headers=self.headers, data=data)
        assert resp.ok, f"{method} {path}: {resp.status} {resp.text()}"
        return resp.json() if resp.body() else None


def tablet(
    new_context: Callable[..., BrowserContext], url: str, size: dict[str, int]
) -> tuple[Page, BrowserContext, list[WebSocketRoute]]:
    """A tablet's page on `url` (a join link), connected; its sockets can be cut."""
    context = new_context(viewport=size, has_touch=True)
    sockets = cuttable_sockets(context)
    page = context.new_page()
    page.goto(url)
    connected(page)
    return page, context, sockets


def ballot(page: Page, heading: str = "Your vote") -> Locator:
    return page.locator(".ballot-card", has=page.get_by_role("heading", name=heading))


def vote(card: Locator, choice: str) -> None:
    card.get_by_role("button", name=choice, exact=True).click()
    expect(card.locator(".ballot-confirm-text")).to_contain_text(choice)
    card.get_by_role("button", name="Confirm").click()


def receipt_of(card: Locator) -> str:
    expect(card.locator(".ballot-receipt")).to_have_text(RECEIPT)
    return card.locator(".ballot-receipt").inner_text()


def fits(page: Page) -> None:
    """Nothing of the ballot is wider than the screen (long Vietnamese words wrap)."""
    over = page.evaluate(
        """() => [...document.querySelectorAll('.ballot-dialog *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
            .map((el) => el.className || el.tagName)"""
    )
    assert over == [], over


def band_under_the_bar(page: Page) -> None:
    """The band has its own row: under the bar, above the document, over neither."""
    bar, band, main = (
        page.locator(selector).bounding_box()
        for selector in (".live-bar", ".ballot-band", ".live-main")
    )
    assert bar and band and main
    assert bar["y"] + bar["height"] <= band["y"] + 0.5, (bar, band)
    assert band["y"] + band["height"] <= main["y"] + 0.5, (band, main)


def test_a_secret_vote_on_tablets(
    server: ServerProcess,
    scenario: Callable[..., Scenario],
    new_context: Callable[..., BrowserContext],
    watch: Watch,
) -> None:
    base = server.base_url
    meeting = scenario(base, "Votes")
    meeting.start()
    mid = meeting.meeting_id
    admin_context = new_context()
    admin = Admin(admin_context, base)
    links = {DELEGATE: meeting.links["delegate"]}
    for name, role in ((SECOND, "delegate"), (THIRD, "delegate"), (WATCHER, "observer")):
        person = admin.call(
            "POST", f"/api/meetings/{mid}/participants", {"name": name, "role": role}
        )
        links[name] = person["join_url"]
    people = {p["name"]: p["id"] for p in admin.call("GET", f"/api/meetings/{mid}/participants")}
    # The chair is away and has given their vote to the third delegate.
    admin.call(
        "POST", f"/api/meetings/{mid}/proxies",
        {"principal_id": people[CHAIR], "proxy_id": people[THIRD]},
    )  # fmt: skip

    first, _, _ = tablet(new_context, links[DELEGATE], LANDSCAPE)
    second, _, _ = tablet(new_context, links[SECOND], UPRIGHT)
    third, third_context, third_sockets = tablet(new_context, links[THIRD], LANDSCAPE)
    watcher, _, _ = tablet(new_context, links[WATCHER], LANDSCAPE)
    projector = admin_context.new_page()
    projector.goto(f"{base}/m/{mid}/projector")
    connected(projector)

    created = admin.call(
        "POST", f"/api/meetings/{mid}/votes",
        {"title": QUESTION, "kind": "yes_no_abstain", "secret": True,
         "rule": "cast_majority", "duration_seconds": 600},
    )  # fmt: skip
    vote_id = created["id"]
    admin.call("POST", f"/api/votes/{vote_id}/open")

    # The ballot comes up full screen by itself, the question read first.
    for page in (first, second, third):
        dialog = page.get_by_role("dialog", name=QUESTION)
        expect(dialog).to_be_visible()
        expect(dialog.locator(".ballot-kicker")).to_have_text("Vote open · Secret ballot")
        expect(dialog.locator(".ballot-count")).to_have_text("0 of 4 voted")
        expect(dialog.locator(".ballot-dialog-clock")).to_have_text(
            re.compile(r"^(10:00|9:[0-5]\d)$")
        )
        fits(page)
    expect(first.locator(".ballot-dialog .ballot-title")).to_be_focused()  # read first
    expect(ballot(first).get_by_role("button")).to_have_text(["Yes", "No", "Abstain"])
    expect(ballot(third, f"Vote for {CHAIR}")).to_be_visible()
    accessible(second, "the ballot on an upright tablet")

    # An observer has no ballot: the band with the count only.
    band = watcher.locator(".ballot-band")
    expect(band).to_be_visible()
    expect(band.locator(".ballot-band-summary")).to_have_text("0 of 4 voted")
    expect(watcher.locator(".ballot-dialog")).to_be_hidden()
    expect(band.get_by_role("button", name="Vote")).to_be_hidden()
    band_under_the_bar(watcher)

    # The projector: the question, the count and the countdown.
    panel = projector.locator(".ballot-projector")
    expect(panel.locator(".ballot-title")).to_have_text(QUESTION)
    expect(panel.locator(".ballot-projector-count")).to_have_text("0 of 4 voted")
    expect(panel.locator(".ballot-projector-clock")).to_have_text(re.compile(r"^\d+:\d\d$"))

    # The first votes Yes.
    vote(ballot(first), "Yes")
    expect(ballot(first).locator(".ballot-stored")).to_have_text("Your ballot is stored.")
    expect(ballot(first).locator(".ballot-receipt-note")).to_contain_text("Write this code down")
    first_receipt = receipt_of(ballot(first))
    expect(second.locator(".ballot-count")).to_have_text("1 of 4 voted")

    # The second chooses Abstain, changes their mind, then votes Yes.
    card = ballot(second)
    card.get_by_role("button", name="Abstain", exact=True).click()
    expect(card.locator(".ballot-confirm-text")).to_have_text("You vote: Abstain")
    expect(card.get_by_role("button", name="Confirm")).to_be_focused()
    card.get_by_role("button", name="Change").click()
    expect(card.get_by_role("button", name="Yes", exact=True)).to_be_focused()
    vote(card, "Yes")
    receipt_of(card)

    # The third votes for the chair, then for themself while the Wi-Fi is down: the
    # ballot is kept on the tablet and sent when it is back.
    proxy = ballot(third, f"Vote for {CHAIR}")
    proxy.get_by_role("button", name="Abstain", exact=True).click()
    expect(proxy.locator(".ballot-confirm-text")).to_have_text(f"For {CHAIR} you vote: Abstain")
    proxy.get_by_role("button", name="Confirm").click()
    expect(proxy.locator(".ballot-stored")).to_have_text(f"The ballot for {CHAIR} is stored.")
    third_context.set_offline(True)
    for ws in third_sockets:
        ws.close(code=4000, reason="wifi lost")
    expect(third.locator("#live")).to_have_attribute("data-connection", "offline")
    own = ballot(third)
    vote(own, "No")
    expect(own.locator(".ballot-status")).to_contain_text("Not connected")
    kept = json.loads(third.evaluate(f"localStorage.getItem('meetroom.ballots.{mid}')"))
    mine = next(b for b in kept if b["principal"] == people[THIRD])
    assert (mine["vote_id"], mine["choice"], mine["receipt"]) == (vote_id, "no", None), mine
    assert UUID4.match(mine["ballot_id"]), mine
    third_context.set_offline(False)
    connected(third)
    receipt_of(own)
    kept = json.loads(third.evaluate(f"localStorage.getItem('meetroom.ballots.{mid}')"))
    assert {b["ballot_id"]: b["receipt"] for b in kept}[mine["ballot_id"]] == own.locator(
        ".ballot-receipt"
    ).inner_text()
    expect(panel.locator(".ballot-projector-count")).to_have_text("4 of 4 voted")
    expect(watcher.locator(".ballot-band-summary")).to_have_text("4 of 4 voted")

    # A reload while the vote is open: already voted, the same receipt, no buttons.
    first.reload()
    connected(first)
    card = ballot(first)
    expect(card.locator(".ballot-stored")).to_have_text(
        "You have already voted. Your ballot is stored."
    )
    expect(card.locator(".ballot-receipt")).to_have_text(first_receipt)
    expect(card.locator(".ballot-choice")).to_have_count(0)

    # "Look at the document" hides the ballot; the band's "Vote" brings it back.
    second.get_by_role("button", name="Look at the document").click()
    expect(second.locator(".ballot-dialog")).to_be_hidden()
    band_under_the_bar(second)  # upright
    second.locator(".ballot-band").get_by_role("button", name="Vote").click()
    expect(second.locator(".ballot-dialog")).to_be_visible()

    admin.call("POST", f"/api/votes/{vote_id}/close")

    # The projector: passed, with the counts and the percentages of the base (yes + no).
    expect(panel).to_have_attribute("data-status", "closed")
    result = panel.locator(".ballot-result")
    expect(result.locator(".ballot-verdict")).to_have_text("✓Passed")
    rows = result.locator(".ballot-chart tbody tr")
    expect(rows.locator("th")).to_have_text(["Yes", "No", "Abstain"])
    expect(rows.locator(".ballot-chart-count")).to_have_text(["2", "1", "1"])
    expect(rows.locator(".ballot-chart-percent")).to_have_text(["66.7 %", "33.3 %", "not counted"])
    expect(result.locator(".ballot-notes")).to_contain_text("Needed: 2 of 3 votes for and against")
    expect(result.locator(".ballot-notes")).to_contain_text("Quorum at the close: 3 of 4 present")
    # The bars: as long as their counts against the base, the votes needed marked.
    widths = rows.locator(".ballot-bar-fill").evaluate_all(
        "(bars) => bars.map((b) => Number(b.getAttribute('width')))"
    )
    assert widths == [66.67, 33.33, 33.33], widths

    # The tablets: the result, the band says it too.
    for page in (first, second):
        expect(page.locator(".ballot-dialog .ballot-verdict")).to_have_text("✓Passed")
        expect(page.locator(".ballot-band-state")).to_have_text("✓ Passed")
    expect(watcher.locator(".ballot-band-summary")).to_have_text("Yes 2 · No 1 · Abstain 1")
    accessible(first, "the result on a tablet")

    # The first checks their receipt on the board.
    ballot(first).get_by_role("button", name="Check this receipt").click()
    check = first.get_by_role("dialog", name="Check a ballot on the board")
    expect(check).to_be_visible()
    field = check.get_by_label("Receipt code")
    expect(field).to_have_value(first_receipt)
    field.fill(first_receipt.lower().replace("-", " "))  # as someone types it
    check.get_by_role("button", name="Check", exact=True).click()
    answer = check.locator(".ballot-check-answer")
    expect(answer).to_have_attribute("data-found", "true")
    expect(answer).to_contain_text("This ballot is on the board.")
    expect(answer).to_contain_text("It says: Yes")
    accessible(first, "Check my ballot")

    # Anyone in the meeting may check a receipt: the observer, from the band's result.
    watcher.locator(".ballot-band").get_by_role("button", name="Results").click()
    shown = watcher.get_by_role("dialog", name=QUESTION)
    expect(shown.locator(".ballot-verdict")).to_have_text("✓Passed")
    expect(shown.locator(".ballot-card")).to_have_count(0)
    shown.get_by_role("button", name="Check my ballot").click()
    check = watcher.get_by_role("dialog", name="Check a ballot on the board")
    check.get_by_label("Receipt code").fill(first_receipt)
    check.get_by_role("button", name="Check", exact=True).click()
    expect(check.locator(".ballot-check-answer")).to_contain_text("It says: Yes")
    watch.assert_clean()
