"""The clients the tests talk to a server with: the in-process server (`Site`) and
signing in to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.server.context import SERVICES, Services

ADMIN_PASSWORD = "admin-pass-1234"


@dataclass
class Site:
    """A running server and ways to talk to it."""

    client: TestClient
    settings: Settings
    clock: SettableClock
    extra_clients: list[TestClient] = field(default_factory=list)

    @property
    def services(self) -> Services:
        return self.client.server.app[SERVICES]

    async def new_client(self) -> TestClient:
        """Another browser: its own cookie jar, the same server."""
        client = TestClient(self.client.server)
        await client.start_server()
        self.extra_clients.append(client)
        return client

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))


CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


async def page_csrf(client: TestClient, path: str = "/login") -> str:
    """Fetch a page the way a browser would and read its CSRF token."""
    resp = await client.get(path)
    text = await resp.text()
    match = CSRF_META.search(text)
    assert match, f"no CSRF token on {path} ({resp.status})"
    return match.group(1)


async def login(client: TestClient, username: str, password: str) -> str:
    """Sign in through the JSON API; returns the CSRF token for later calls."""
    resp = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return str(body["csrf_token"])


async def login_page(client: TestClient, username: str, password: str) -> Any:
    """Sign in through the login form, as a person would."""
    token = await page_csrf(client, "/login")
    return await client.post(
        "/login",
        data={"username": username, "password": password, "_csrf": token, "next": "/meetings"},
        allow_redirects=False,
    )
