"""Short join links through the server: the link and its QR code, following it as
typed or scanned, a new link, and the one meeting it opens."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.clients import ADMIN_PASSWORD, Site, login, page_csrf

# Meetings dated from the clock: run again 400 days ahead (make test-later).
pytestmark = pytest.mark.dates

BASE = "https://meet.ministry.lan"
LINK = re.compile(rf"^{re.escape(BASE)}/j/([0-9a-hjkmnp-tv-z]{{26}})$")
# server/qr.py draws each module 4 px wide, with a quiet zone of 2 modules.
QR_SCALE, QR_BORDER = 4, 2


async def new_meeting(site: Site, csrf: str, title: str) -> str:
    start = site.clock.now() + timedelta(days=1)
    resp = await site.client.post(
        "/api/meetings",
        json={
            "title": title,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def add_guest(site: Site, csrf: str, meeting_id: str) -> dict[str, Any]:
    resp = await site.client.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"name": "Võ Văn Khách", "role": "guest"},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 201, await resp.text()
    return dict(await resp.json())


async def test_the_link_is_short_and_its_qr_code_small(make_site: Any) -> None:
    site: Site = await make_site("sqlite", public_url=BASE)
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    mid = await new_meeting(site, csrf, "Budget")
    guest = await add_guest(site, csrf, mid)
    resp = await site.client.get(f"/api/meetings/{mid}/participants/{guest['id']}/qr.svg")
    assert resp.status == 200 and resp.content_type == "image/svg+xml"
    size = re.search(r'<svg[^>]* width="(\d+)"', await resp.text())
    assert size
    modules = int(size.group(1)) // QR_SCALE - 2 * QR_BORDER
    # Version 4 (33 modules) at most; the signed links of earlier versions needed 73-81.
    assert modules <= 33, modules
    assert LINK.match(guest["join_url"]), guest["join_url"]
    # The meeting page, the API and give the same link each time.
    page = await (await site.client.get(f"/meetings/{mid}")).text()
    assert f'value="{guest["join_url"]}"' in page
    listed = await (await site.client.get(f"/api/meetings/{mid}/participants")).json()
    assert [p["join_url"] for p in listed] == [guest["join_url"]]


async def test_following_the_link_as_typed_or_scanned(any_site: Site) -> None:
    """It opens its meeting, and that one only."""
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    mid = await new_meeting(site, csrf, "Budget")
    other = await new_meeting(site, csrf, "Other")
    token = (await add_guest(site, csrf, mid))["join_url"].rsplit("/", 1)[1]
    for typed in (token, token.upper(), f"{token[:13]}-{token[13:]}"):
        tablet = await site.new_client()
        resp = await tablet.get(f"/j/{typed}", allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"] == f"/m/{mid}", typed
        assert (await tablet.get(f"/m/{mid}")).status == 200
        for path in (f"/m/{other}", f"/meetings/{other}", f"/api/meetings/{other}"):
            assert (await tablet.get(path, allow_redirects=False)).status == 403, path

    for bad in ("0" * 26, token[:-2], token + "x"):
        resp = await (await site.new_client()).get(f"/j/{bad}")
        assert resp.status == 400, bad
        text = await resp.text()
        assert "This join link is not valid." in text and "<html" in text


async def test_new_link_on_the_meeting_page_revokes_the_old_one(any_site: Site) -> None:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    mid = await new_meeting(site, csrf, "Budget")
    guest = await add_guest(site, csrf, mid)
    old = guest["join_url"].rsplit("/", 1)[1]
    tablet = await site.new_client()
    assert (await tablet.get(f"/j/{old}", allow_redirects=False)).status == 303

    page = f"/meetings/{mid}"
    resp = await site.client.post(
        f"{page}/participants/{guest['id']}/link",
        data={"_csrf": await page_csrf(site.client, page)},
        allow_redirects=False,
    )
    assert resp.status == 303
    text = await (await site.client.get(page)).text()
    new = re.findall(r'<input class="link" readonly value="[^"]+/j/(\w+)"', text)
    assert len(new) == 1 and new[0] != old

    resp = await (await site.new_client()).get(f"/j/{old}")
    assert resp.status == 403
    assert "This join link was replaced by a newer one." in await resp.text()
    resp = await (await site.new_client()).get(f"/j/{new[0]}", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/m/{mid}"
