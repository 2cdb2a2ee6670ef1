"""Where the browser tests start from: the admin signed in on a page, and a meeting
with a ready three-page document and people with join links (by default a chair and
a delegate), on their pages:

    meeting = scenario(server.base_url, title="Budget 2030")  # the conftest fixture
    chair, delegate = meeting.on_pages("chair", "delegate")  # opened, connected
    shows_page(delegate, meeting.document_id, 1)

A test that needs more of a page (its own context options, listeners before it
loads, sockets it can cut) makes the page and has `meeting.open(role, page)` follow
the join link on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import APIRequestContext, BrowserContext, Page, expect

from tests.browser.harness import ADMIN_PASSWORD
from tests.browser.live_page import connected
from tests.dates import days_ahead, local_stamp, system_now
from tests.waiting import until_sync

CHAIR = "Chủ tọa Nguyễn An"
DELEGATE = "Đại biểu Trần Bình"
CHAIR_AND_DELEGATE = ((CHAIR, "chair"), (DELEGATE, "delegate"))


def prepare_meeting(
    api: APIRequestContext,
    base: str,
    pdf: Path,
    people: Sequence[tuple[str, str]] = CHAIR_AND_DELEGATE,
) -> tuple[str, str, dict[str, str]]:
    """A meeting with a ready three-page document and `people` (name, role): returns
    the meeting id, the document id and each role's join link."""
    resp = api.post(
        f"{base}/api/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert resp.ok, resp.text()
    headers = {"X-CSRF-Token": resp.json()["csrf_token"]}
    day = days_ahead(system_now(), 7)
    resp = api.post(
        f"{base}/api/meetings",
        data={"title": "Phiên họp trực tiếp", "starts_at": local_stamp(day, 9),
              "ends_at": local_stamp(day, 11)},
        headers=headers,
    )  # fmt: skip
    assert resp.status == 201, resp.text()
    meeting_id = resp.json()["id"]
    resp = api.post(
        f"{base}/api/meetings/{meeting_id}/documents",
        multipart={"file": {"name": "ngan-sach.pdf", "mimeType": "application/pdf",
                            "buffer": pdf.read_bytes()}},
        headers=headers,
    )  # fmt: skip
    assert resp.status == 202, resp.text()
    document_id = resp.json()["id"]

    def processed() -> dict[str, Any] | None:
        doc = api.get(f"{base}/api/documents/{document_id}").json()
        return dict(doc) if doc["status"] != "processing" else None

    doc = until_sync(processed, 30, "the document still processing", interval=0.1)
    assert doc["status"] == "ready" and doc["pages"] == 3, doc
    links = {}
    for name, role in people:
        resp = api.post(
            f"{base}/api/meetings/{meeting_id}/participants",
            data={"name": name, "role": role},
            headers=headers,
        )
        assert resp.ok, resp.text()
        links[role] = resp.json()["join_url"]
    return meeting_id, document_id, links


@dataclass
class Scenario:
    """A meeting prepared by `prepare_meeting`, and the people's pages on it, each in
    a browser context of its own (from the `new_context` fixture)."""

    new_context: Callable[..., BrowserContext]
    base: str
    meeting_id: str
    document_id: str
    links: dict[str, str]  # role -> join link

    @classmethod
    def prepare(
        cls,
        new_context: Callable[..., BrowserContext],
        base: str,
        pdf: Path,
        people: Sequence[tuple[str, str]] = CHAIR_AND_DELEGATE,
        admin: BrowserContext | None = None,
    ) -> Scenario:
        """`admin`: the context to sign the admin in with (a context of its own unless
        given, e.g. for the admin's own page on the meeting)."""
        api = (admin or new_context()).request
        meeting_id, document_id, links = prepare_meeting(api, base, pdf, people)
        return cls(new_context, base, meeting_id, document_id, links)

    def open(self, role: str, page: Page | None = None, base: str = "") -> Page:
        """The page `role` opens with their join link: `page`, or a new one in a fresh
        context; `base`: through another node (the same link on another server)."""
        page = page or self.new_context().new_page()
        page.goto(self.links[role].replace(self.base, base or self.base))
        return page

    def open_meeting(self) -> None:
        """The admin opens the meeting (in progress: the floor takes requests)."""
        api = self.new_context().request
        resp = api.post(
            f"{self.base}/api/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert resp.ok, resp.text()
        headers = {"X-CSRF-Token": resp.json()["csrf_token"]}
        resp = api.post(f"{self.base}/api/meetings/{self.meeting_id}/open", headers=headers)
        assert resp.ok, resp.text()

    def on_pages(self, *roles: str) -> list[Page]:
        """Each role's page, opened in a fresh context, once all are connected."""
        pages = [self.open(role) for role in roles]
        for page in pages:
            connected(page)
        return pages


def sign_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(re.escape(base_url) + r"/login(\?.*)?$"))
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + "/meetings")
    expect(page.locator("header .who")).to_have_text("Administrator")
