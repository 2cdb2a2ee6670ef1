"""The server-rendered pages used as a person with a browser would: signed in through
the login form, posting forms with the page's CSRF token."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.clients import ADMIN_PASSWORD, Site, login_page, page_csrf
from tests.dates import days_ahead, wall


async def signed_in(
    site: Site, username: str = "admin", password: str = ADMIN_PASSWORD
) -> TestClient:
    client = await site.new_client()
    resp = await login_page(client, username, password)
    assert resp.status == 303, await resp.text()
    return client


async def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> Any:
    token = await page_csrf(client, page)
    return await client.post(action, data={**data, "_csrf": token}, allow_redirects=False)


def meeting_form(site: Site) -> dict[str, str]:
    """The new-meeting form filled in for a meeting a week ahead, 08:30-10:00."""
    day = days_ahead(site.clock.now(), 7)
    return {
        "title": "Weekly briefing",
        "starts_at": wall(day, 8.5),
        "ends_at": wall(day, 10),
        "location": "Hall A",
        "description": "Agenda to follow",
    }
