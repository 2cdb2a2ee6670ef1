"""A join link followed in a browser signed in as someone else asks before signing
them out: a planted link (in an e-mail, an image, another site) signs no one out."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from meetroom.records.accounts import AccountRole
from tests.clients import ADMIN_PASSWORD, CSRF_META, Site, login, login_page
from tests.server.meetings import create_meeting

pytestmark = pytest.mark.dates

GUEST = "Võ Văn <Khách>"  # escaped on the page like any name
FORM = re.compile(r'<form method="post" action="([^"]+)" class="actions">')


async def add(site: Site, csrf: str, meeting: str, **participant: Any) -> str:
    resp = await site.client.post(
        f"/api/meetings/{meeting}/participants", json=participant, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 201, await resp.text()
    return "/j/" + str((await resp.json())["join_url"]).rsplit("/j/", 1)[1]


async def who(client: TestClient) -> dict[str, Any]:
    resp = await client.get("/api/me")
    return dict(await resp.json()) if resp.status == 200 else {}


async def test_a_link_followed_as_another_account_asks_first(any_site: Site) -> None:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    meeting = await create_meeting(site, csrf, "Budget")
    link = await add(site, csrf, meeting, name=GUEST, role="guest")
    await site.services.accounts.create_user(
        "tam", "Lê Minh Tâm", AccountRole.SECRETARY, password="tam-pass-123",
        must_change_password=False,
    )  # fmt: skip
    browser = await site.new_client()
    assert (await login_page(browser, "tam", "tam-pass-123")).status == 303
    tam_cookie = browser.session.cookie_jar.filter_cookies(browser.make_url("/"))[
        "mr_session"
    ].value

    # As before: the participant's own account goes straight to the meeting, still
    # signed in as itself; a browser with no session, straight in as the participant.
    admin = await who(site.client)
    own = await add(site, csrf, meeting, user_id=admin["user"]["id"], role="chair")
    resp = await site.client.get(own, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/m/{meeting}"
    assert (await who(site.client))["user"]["username"] == "admin"
    fresh = await site.new_client()
    resp = await fresh.get(link, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/m/{meeting}"
    assert (await who(fresh))["participant"]["name"] == GUEST

    # Following the link (as an <img>, a redirect or a click would) asks, and changes nothing.
    resp = await browser.get(link, allow_redirects=False)
    assert resp.status == 200
    page = await resp.text()
    assert "You are signed in as Lê Minh Tâm." in page
    assert "“Budget” as Võ Văn &lt;Khách&gt;" in page and "<Khách>" not in page
    assert "Continue as Võ Văn &lt;Khách&gt; (signs Lê Minh Tâm out)" in page
    assert 'href="/">Stay signed in as Lê Minh Tâm</a>' in page
    form = FORM.search(page)
    assert form and form.group(1) == link
    assert (await who(browser))["user"]["username"] == "tam"

    # The switch is a form post with the page's CSRF token: without it (a post from
    # another site), or from another site's page, it is refused.
    resp = await browser.post(link, data={}, allow_redirects=False)
    assert resp.status == 403 and "security token" in await resp.text()
    token = CSRF_META.search(page)
    assert token
    resp = await browser.post(
        link,
        data={"_csrf": token.group(1)},
        headers={"Origin": "http://evil.example"},
        allow_redirects=False,
    )
    assert resp.status == 403
    assert (await who(browser))["user"]["username"] == "tam"

    # Continuing: the meeting, as the guest; Tâm's session is over, and says so.
    resp = await browser.post(link, data={"_csrf": token.group(1)}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/m/{meeting}"
    me = await who(browser)
    assert me["participant"]["name"] == GUEST and "user" not in me
    stale = await site.new_client()
    stale.session.cookie_jar.update_cookies({"mr_session": tam_cookie})
    assert await who(stale) == {}
    log = (await (await site.client.get("/api/audit?action=logout")).json())["entries"]
    assert [e["actor_name"] for e in log] == ["Lê Minh Tâm (tam)"]

    # A guest of this meeting following another participant's link is asked too.
    other = await add(site, csrf, meeting, name="Phạm Hoa", role="delegate")
    page = await (await browser.get(other)).text()
    assert f"You are signed in as {html.escape(GUEST)}." in page
    assert "Continue as Phạm Hoa" in page
    assert (await who(browser))["participant"]["name"] == GUEST

    # In Vietnamese, for an account that reads it.
    await site.services.accounts.create_user(
        "hoa", "Nguyễn Hoa", AccountRole.DELEGATE, password="hoa-pass-123", locale="vi",
        must_change_password=False,
    )  # fmt: skip
    browser = await site.new_client()
    await login_page(browser, "hoa", "hoa-pass-123")
    resp = await browser.get(other)
    assert resp.status == 200
    page = await resp.text()
    assert '<html lang="vi">' in page
    assert "<title>Chuyển sang liên kết tham gia này?" in page
    assert "Bạn đang đăng nhập với tư cách Nguyễn Hoa." in page
    assert "Liên kết này mở cuộc họp “Budget” với tư cách Phạm Hoa." in page
    assert "Tiếp tục với tư cách Phạm Hoa (đăng xuất Nguyễn Hoa)" in page
    assert "Giữ đăng nhập với tư cách Nguyễn Hoa" in page
    for english in ("You are signed in", "Continue as", "Stay signed in", "Switch to"):
        assert english not in page, english
