"""The live meeting page in a browser, as the tests look at it and act on it: connected,
showing a page, its annotations, a stroke drawn with the mouse, and sockets the test
can cut."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, WebSocketRoute, expect

LOADING = re.compile(r"\bis-loading\b")


def cuttable_sockets(context: BrowserContext) -> list[WebSocketRoute]:
    """The context's meeting sockets pass through the test, which can then cut them
    (`ws.close(...)`) as a lost Wi-Fi would."""
    sockets: list[WebSocketRoute] = []

    def through(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    context.route_web_socket(re.compile(r"/socket$"), through)
    return sockets


def connected(page: Page) -> None:
    expect(page.locator("#live")).to_have_attribute("data-connection", "connected")


def shows_page(page: Page, document_id: str, number: int) -> None:
    """The page number shown, and the large image of that page."""
    expect(page.locator(".live-pageno")).to_have_attribute("data-page", str(number))
    expect(page.locator(".live-pageno")).to_have_text(f"Page {number} of 3")
    expect(page.locator("img.live-page")).to_have_attribute(
        "src", f"/api/documents/{document_id}/pages/{number}?w=1600"
    )
    expect(page.locator(".live-sheet")).not_to_have_class(LOADING)


def annotation_count(page: Page, count: int) -> None:
    expect(page.locator("#live")).to_have_attribute("data-annotations", str(count))


def draw(page: Page, points: list[tuple[float, float]]) -> None:
    """A mouse stroke through page-relative points of the large page."""
    box = page.locator(".live-sheet").bounding_box()
    assert box is not None
    at = [(box["x"] + u * box["width"], box["y"] + v * box["height"]) for u, v in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=6)
    page.mouse.up()
