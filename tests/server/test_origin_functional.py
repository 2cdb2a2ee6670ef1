"""`Origin: null`, which any site can make a browser send (a sandboxed frame, a data:
page), is refused on the meeting socket and on cookie-authenticated changes."""

from __future__ import annotations

import base64
import os

import aiohttp
import pytest

from tests.clients import ADMIN_PASSWORD, Site, local_path, login, page_csrf
from tests.dates import days_ahead, stamp
from tests.server.meetings import create_meeting

pytestmark = pytest.mark.dates

NULL = {"Origin": "null"}


def _upgrade(origin: str) -> dict[str, str]:
    return {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Origin": origin,
    }


async def test_origin_null_is_refused(any_site: Site) -> None:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    meeting = await create_meeting(site, csrf, "Origins")
    resp = await site.client.post(
        f"/api/meetings/{meeting}/participants",
        json={"name": "Đại biểu", "role": "delegate"},
        headers={"X-CSRF-Token": csrf},
    )
    tablet = await site.new_client()
    assert (await tablet.get(local_path((await resp.json())["join_url"]))).status == 200
    url = f"/m/{meeting}/socket"

    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await tablet.ws_connect(url, headers=NULL)
    assert info.value.status == 403
    # The refusal says why, in the tablet's language, and nothing was upgraded.
    resp = await tablet.get(url, headers={**_upgrade("null"), "Accept": "application/json"})
    assert resp.status == 403 and "Upgrade" not in resp.headers
    error = (await resp.json())["error"]
    assert error["code"] == "bad_origin" and "Origin: null" in error["message"]
    resp = await tablet.get(url, headers={**_upgrade("null"), "Accept-Language": "vi"})
    assert resp.status == 403 and "<html" in (page := await resp.text())
    assert "Origin: null" in page and "Mở MeetRoom" in page

    # From the server's own page, the same tablet connects.
    ws = await tablet.ws_connect(url, headers={"Origin": site.url("").rstrip("/")})
    await ws.send_json({"type": "hello", "version": 1})
    assert (await ws.receive_json(timeout=10))["type"] == "welcome"
    await ws.close()

    # Cookie-authenticated changes.
    client = site.client
    day = days_ahead(site.clock.now(), 7)
    body = {"title": "Null", "starts_at": stamp(day, 9), "ends_at": stamp(day, 10)}
    # A valid CSRF token does not make up for it: the API...
    resp = await client.post("/api/meetings", json=body, headers={"X-CSRF-Token": csrf, **NULL})
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "bad_origin"
    meeting = await create_meeting(site, csrf, "Kept")
    for method, path in (
        ("PATCH", f"/api/meetings/{meeting}"),
        ("DELETE", f"/api/meetings/{meeting}"),
        ("PUT", "/api/groups/any/members"),
    ):
        resp = await client.request(
            method, path, json={"title": "Changed"}, headers={"X-CSRF-Token": csrf, **NULL}
        )
        assert resp.status == 403, method
        assert (await resp.json())["error"]["code"] == "bad_origin"
    # ...and the pages' forms (here the sign-out, which would otherwise be forced).
    token = await page_csrf(client, "/meetings")
    resp = await client.post("/logout", data={"_csrf": token}, headers=NULL, allow_redirects=False)
    assert resp.status == 403 and "Origin: null" in await resp.text()
    resp = await client.get("/api/meetings")
    # Still signed in; nothing made, changed or deleted.
    titles = sorted(m["title"] for m in await resp.json())
    assert resp.status == 200 and titles == ["Kept", "Origins"]

    # An API token is no cookie a browser sends by itself: its calls are not refused.
    token = await site.services.accounts.create_api_token("admin", "origin-test")
    bare = await site.new_client()
    resp = await bare.post(
        "/api/meetings", json=body, headers={"Authorization": f"Bearer {token}", **NULL}
    )
    assert resp.status == 201, await resp.text()
    # Nor are the pages' own requests: they name the server (Referrer-Policy same-origin
    # makes browsers send it, where no-referrer made them send null).
    resp = await client.post(
        "/api/meetings",
        json=body,
        headers={"X-CSRF-Token": csrf, "Origin": site.url("").rstrip("/")},
    )
    assert resp.status == 201
    assert resp.headers["Referrer-Policy"] == "same-origin"
