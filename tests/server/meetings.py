"""Meetings to test against, made through the JSON API of an in-process server: a
meeting, its documents, and a live room with people who joined by link."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from meetroom.records.accounts import Principal
from tests.clients import Api, Site, Tablet, local_path
from tests.dates import days_ahead, stamp
from tests.waiting import until


async def create_meeting(site: Site, csrf: str, title: str = "Budget review") -> str:
    """A meeting a week ahead, 09:00-11:00 in the server's zone."""
    day = days_ahead(site.clock.now(), 7)
    body = {"title": title, "starts_at": stamp(day, 9), "ends_at": stamp(day, 11),
            "location": "Room 2"}  # fmt: skip
    return str((await Api(site.client, csrf).post("/api/meetings", body, status=201))["id"])


async def upload(
    client: TestClient, csrf: str, meeting_id: str, data: bytes, name: str = "report.pdf",
    **fields: str,
) -> aiohttp.ClientResponse:  # fmt: skip
    form = aiohttp.FormData()
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", data, filename=name, content_type="application/pdf")
    return await client.post(
        f"/api/meetings/{meeting_id}/documents", data=form, headers={"X-CSRF-Token": csrf}
    )


async def wait_done(client: TestClient, doc_id: str, timeout: float = 60) -> dict[str, Any]:
    """The document once it is no longer processing (ready, or failed)."""

    async def done() -> dict[str, Any] | None:
        body = await (await client.get(f"/api/documents/{doc_id}")).json()
        return dict(body) if body["status"] != "processing" else None

    return await until(done, timeout, f"document {doc_id} still processing", interval=0.1)


async def add_room(api: Api, name: str, **fields: Any) -> str:
    """A room (`fields`: its other settings) added by `api`, an administrator."""
    return str((await api.post("/api/rooms", {"name": name, **fields}, status=201))["id"])


async def admin_principal(site: Site) -> Principal:
    return Principal(user=await site.services.accounts.get_by_username("admin"))


@dataclass
class Joined:
    """A participant who joined by link: their API and their participant id."""

    api: Api
    id: str


class Room:
    """A meeting with a ready three-page document and people who joined by link."""

    def __init__(self, site: Site, meeting_id: str, document_id: str, csrf: str) -> None:
        self.site = site
        self.id = meeting_id
        self.document_id = document_id
        self.csrf = csrf
        self.browsers: dict[str, TestClient] = {}
        self.tablets: list[Tablet] = []

    async def person(self, name: str, role: str, grants: list[str] | None = None) -> TestClient:
        """`grants`: other than the role's."""
        admin = Api(self.site.client, self.csrf)
        body: dict[str, Any] = {"name": name, "role": role}
        if grants is not None:
            body["grants"] = grants
        added = await admin.post(f"/api/meetings/{self.id}/participants", body, status=201)
        join_url = added["join_url"]
        browser = await self.site.new_client()
        assert (await browser.get(local_path(join_url))).status == 200
        self.browsers[name] = browser
        return browser

    async def join(self, name: str, role: str, grants: list[str] | None = None) -> Joined:
        """Added (`grants`: other than the role's) and joined by link, with their API."""
        browser = await self.person(name, role, grants)
        me = await (await browser.get("/api/me")).json()
        return Joined(Api(browser, me["csrf_token"]), me["participant"]["id"])

    async def tablet(self, browser: TestClient, last_seq: int = 0) -> tuple[Tablet, dict[str, Any]]:
        ws = await browser.ws_connect(
            f"/m/{self.id}/socket", headers={"Origin": self.site.url("").rstrip("/")}
        )
        tablet = Tablet(ws)
        self.tablets.append(tablet)
        await tablet.send("hello", version=1, last_seq=last_seq)
        return tablet, await tablet.next("welcome")

    def stroke(self, layer: str = "shared", page: int = 1, **extra: Any) -> dict[str, Any]:
        return {
            "op_id": secrets.token_hex(8),
            "document_id": self.document_id,
            "page": page,
            "layer": layer,
            "tool": "pen",
            "color": "#cc0000",
            "width": 0.004,
            "points": [[0.1, 0.1], [0.2, 0.25], [0.3, 0.3]],
            **extra,
        }
