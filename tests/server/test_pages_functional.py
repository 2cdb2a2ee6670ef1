"""The server-rendered pages, used as a person with a browser would."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from meetroom.records.accounts import AccountRole
from tests.clients import ADMIN_PASSWORD, Site, login_page, page_csrf
from tests.dates import days_ahead, wall
from tests.server.forms import meeting_form, post_form, signed_in
from tests.server.meetings import admin_principal

pytestmark = pytest.mark.dates


async def test_anonymous_visitors_are_sent_to_login(site: Site) -> None:
    client = site.client
    resp = await client.get("/", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/login")
    resp = await client.get("/meetings", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/login?next=/meetings")
    resp = await client.get("/no/such/page")
    assert resp.status == 404 and "text/html" in resp.content_type
    assert "There is nothing at this address." in await resp.text()


async def test_wrong_password_keeps_username_and_says_so(site: Site) -> None:
    resp = await login_page(site.client, "admin", "wrong-password")
    assert resp.status == 401
    text = await resp.text()
    assert "Wrong username or password." in text
    assert 'value="admin"' in text
    assert "mr_session" not in resp.headers.get("Set-Cookie", "")


async def test_lockout_on_the_login_page(make_site: Any) -> None:
    site = await make_site(login_max_failures=2, login_lockout_seconds=60)
    for expected in (401, 429):
        resp = await login_page(site.client, "admin", "nope")
        assert resp.status == expected
    text = await resp.text()
    assert "Too many failed sign-ins from your address. Try again in 1 min." in text
    assert resp.headers["Retry-After"] == "60"
    resp = await login_page(site.client, "admin", ADMIN_PASSWORD)
    assert resp.status == 429
    site.clock.advance(timedelta(seconds=61))
    resp = await login_page(site.client, "admin", ADMIN_PASSWORD)
    assert resp.status == 303


async def test_forms_without_csrf_token_are_refused(site: Site) -> None:
    client = site.client
    await client.get("/login")
    resp = await client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert resp.status == 403
    text = await resp.text()
    assert "security token is missing or outdated" in text and "Traceback" not in text
    signed = await signed_in(site)
    form = meeting_form(site)
    resp = await signed.post("/meetings/new", data=form, allow_redirects=False)
    assert resp.status == 403
    resp = await signed.post(
        "/meetings/new", data={**form, "_csrf": "f" * 64}, allow_redirects=False
    )
    assert resp.status == 403
    assert (await site.services.meetings.list_for(await admin_principal(site))) == []


async def test_login_redirects_only_to_local_pages(site: Site) -> None:
    client = site.client
    token = await page_csrf(client, "/login")
    resp = await client.post(
        "/login",
        data={"username": "admin", "password": ADMIN_PASSWORD, "_csrf": token,
              "next": "//evil.example/steal"},
        allow_redirects=False,
    )  # fmt: skip
    assert (resp.status, resp.headers["Location"]) == (303, "/meetings")


async def test_create_meeting_with_a_mistake_then_fix_it(site: Site) -> None:
    client = await signed_in(site)
    form = meeting_form(site)
    day = days_ahead(site.clock.now(), 7)
    bad = {**form, "ends_at": wall(day, 8)}
    resp = await post_form(client, "/meetings/new", "/meetings/new", bad)
    assert resp.status == 400
    text = await resp.text()
    assert "The meeting must end after it starts." in text
    # Nothing typed is lost.
    for value in (
        "Weekly briefing",
        wall(day, 8.5),
        wall(day, 8),
        "Hall A",
        "Agenda to follow",
    ):
        assert value in text
    resp = await post_form(
        client, "/meetings/new", "/meetings/new", {**bad, "ends_at": "not a date"}
    )
    assert resp.status == 400 and "enter a date and time" in await resp.text()

    resp = await post_form(client, "/meetings/new", "/meetings/new", form)
    assert resp.status == 303
    location = resp.headers["Location"]
    meeting_id = re.match(r"/meetings/(\w+)\?notice=created", location).group(1)  # type: ignore[union-attr]
    resp = await client.get(location)
    text = await resp.text()
    assert "The meeting was created." in text and "Weekly briefing" in text and "Hall A" in text
    meeting = (await site.services.meetings.open(await admin_principal(site), meeting_id)).meeting
    # 08:30 in Asia/Ho_Chi_Minh is 01:30 UTC.
    assert meeting.starts_at.isoformat() == f"{day}T01:30:00+00:00"

    resp = await client.get(f"/meetings/{meeting_id}/edit")
    assert f'value="{wall(day, 8.5)}"' in await resp.text()
    resp = await post_form(
        client, f"/meetings/{meeting_id}/edit", f"/meetings/{meeting_id}/edit",
        {**form, "title": "Weekly briefing (moved)"},
    )  # fmt: skip
    assert resp.status == 303
    assert "Weekly briefing (moved)" in await (await client.get(f"/meetings/{meeting_id}")).text()


async def test_participants_links_and_qr_on_the_detail_page(site: Site) -> None:
    client = await signed_in(site)
    resp = await post_form(client, "/meetings/new", "/meetings/new", meeting_form(site))
    detail = resp.headers["Location"].split("?")[0]
    mid = detail.rsplit("/", 1)[1]
    await site.services.accounts.create_user(
        "hoa", "Đỗ Thị Hoa", AccountRole.DELEGATE, "hoapass123"
    )

    resp = await post_form(
        client, detail, f"{detail}/participants", {"user_id": "", "name": "", "role": "guest"}
    )
    assert resp.status == 400
    assert "Choose an existing user or type a guest&#39;s name." in await resp.text()

    resp = await post_form(
        client,
        detail,
        f"{detail}/participants",
        {"user_id": "", "name": "Võ Văn Khách", "role": "guest"},
    )
    assert resp.status == 303
    hoa = await site.services.accounts.get_by_username("hoa")
    resp = await post_form(
        client, detail, f"{detail}/participants", {"user_id": hoa.id, "name": "", "role": "chair"}
    )
    assert resp.status == 303
    resp = await post_form(
        client, detail, f"{detail}/participants", {"user_id": hoa.id, "name": "", "role": "guest"}
    )
    assert resp.status == 400
    assert "already takes part" in await resp.text()

    text = await (await client.get(detail)).text()
    assert "Võ Văn Khách" in text and "Đỗ Thị Hoa" in text
    links = re.findall(r'<input class="link" readonly value="([^"]+)"', text)
    assert len(links) == 2 and all("/j/" in link for link in links)
    qrs = re.findall(r'<img class="qr" src="([^"]+)"', text)
    assert len(qrs) == 2
    resp = await client.get(qrs[0])
    assert resp.status == 200 and resp.content_type == "image/svg+xml"

    # The guest follows the link and lands on the meeting page.
    guest = await site.new_client()
    resp = await guest.get("/" + links[0].split("/", 3)[3])
    assert str(resp.url).endswith(f"/m/{mid}")
    text = await resp.text()
    assert "Võ Văn Khách" in text and "Weekly briefing" in text
    # The guest's session is for this meeting only: no list, no management pages.
    resp = await guest.get("/meetings", allow_redirects=False)
    assert resp.headers["Location"] == f"/m/{mid}"
    resp = await guest.get(f"/meetings/{mid}/edit")
    assert resp.status == 403

    # Removing the guest ends their link and their session.
    page = await (await client.get(detail)).text()
    pid = re.findall(r'<tr data-participant="(\w+)">\s*<td>Võ Văn Khách', page)[0]
    resp = await post_form(client, detail, f"{detail}/participants/{pid}/delete", {})
    assert resp.status == 303
    resp = await guest.get(f"/m/{mid}", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/login")
    fresh = await site.new_client()
    resp = await fresh.get("/" + links[0].split("/", 3)[3])
    assert resp.status == 403
    assert "participant was removed" in await resp.text()

    resp = await post_form(client, detail, f"{detail}/delete", {})
    assert resp.headers["Location"] == "/meetings?notice=deleted"
    assert (await client.get(detail)).status == 404


async def test_bad_join_links_get_a_clear_page(site: Site) -> None:
    browser = site.client
    for token, status, words in [
        ("not-a-token", 400, "This join link is not valid."),
        ("eyJhbGciOiJIUzI1NiJ9.eyJtaWQiOiJ4In0.c2lnbmF0dXJl", 400, "This join link is not valid."),
    ]:
        resp = await browser.get(f"/j/{token}")
        assert resp.status == status
        text = await resp.text()
        assert words in text and "Traceback" not in text and "<html" in text


async def test_expired_join_link(site: Site) -> None:
    client = await signed_in(site)
    resp = await post_form(client, "/meetings/new", "/meetings/new", meeting_form(site))
    detail = resp.headers["Location"].split("?")[0]
    await post_form(
        client, detail, f"{detail}/participants", {"name": "Late", "role": "guest", "user_id": ""}
    )
    link = re.findall(
        r'<input class="link" readonly value="([^"]+)"', await (await client.get(detail)).text()
    )[0]
    site.clock.advance(timedelta(days=400))
    resp = await site.client.get("/" + link.split("/", 3)[3])
    assert resp.status == 403
    assert "This join link has expired." in await resp.text()


async def test_one_time_password_must_be_changed_first(site: Site) -> None:
    _, generated = await site.services.accounts.create_user("tam", "Tâm", AccountRole.SECRETARY)
    assert generated
    client = await site.new_client()
    resp = await login_page(client, "tam", generated)
    assert resp.headers["Location"] == "/account/password?first=1"
    resp = await client.get("/meetings", allow_redirects=False)
    assert resp.headers["Location"] == "/account/password?first=1"
    page = "/account/password?first=1"
    form = {"current_password": generated, "new_password": "newpass-123"}
    resp = await post_form(
        client, page, "/account/password", {**form, "new_password_repeat": "other-123"}
    )
    assert resp.status == 400 and "The two new passwords are not the same." in await resp.text()
    resp = await post_form(
        client, page, "/account/password", {**form, "new_password_repeat": "newpass-123"}
    )
    assert resp.headers["Location"] == "/meetings?notice=password_changed"
    resp = await client.get("/meetings?notice=password_changed")
    assert resp.status == 200 and "Your password was changed." in await resp.text()
    again = await site.new_client()
    assert (await login_page(again, "tam", "newpass-123")).headers["Location"] == "/meetings"


async def test_delegates_cannot_prepare_meetings(site: Site) -> None:
    await site.services.accounts.create_user("del", "Delegate", AccountRole.DELEGATE, "delpass123")
    client = await signed_in(site, "del", "delpass123")
    text = await (await client.get("/meetings")).text()
    assert "No meetings yet." in text and "/meetings/new" not in text
    resp = await client.get("/meetings/new")
    assert resp.status == 403
    assert "Only an administrator or secretary" in await resp.text()


async def test_account_language_setting(site: Site) -> None:
    client = await signed_in(site)
    resp = await post_form(
        client, "/account", "/account", {"display_name": "Quản trị", "locale": "vi"}
    )
    assert resp.headers["Location"] == "/account?notice=saved"
    user = await site.services.accounts.get_by_username("admin")
    assert (user.display_name, user.locale) == ("Quản trị", "vi")
    resp = await client.get("/meetings", headers={"Accept-Language": "en"})
    assert '<html lang="vi">' in await resp.text()
    resp = await post_form(client, "/account", "/account", {"display_name": "", "locale": ""})
    assert resp.status == 400
    resp = await post_form(client, "/account", "/account", {"display_name": "Admin", "locale": ""})
    assert (await site.services.accounts.get_by_username("admin")).locale is None


async def test_logout(site: Site) -> None:
    client = await signed_in(site)
    resp = await post_form(client, "/meetings", "/logout", {})
    assert resp.headers["Location"] == "/login"
    resp = await client.get("/meetings", allow_redirects=False)
    assert resp.status == 303


async def test_own_join_link_keeps_the_account_session(site: Site) -> None:
    """Someone signed in with their account who opens their own join link stays signed
    in; a different account's browser is asked, and switched to the link's participant
    once it says so (tests/server/test_join_switch_functional.py has the details)."""
    await site.services.accounts.create_user(
        "hoa", "Đỗ Thị Hoa", AccountRole.DELEGATE, "hoapass123"
    )
    admin = await signed_in(site)
    resp = await post_form(admin, "/meetings/new", "/meetings/new", meeting_form(site))
    detail = resp.headers["Location"].split("?")[0]
    hoa = await site.services.accounts.get_by_username("hoa")
    await post_form(
        admin, detail, f"{detail}/participants", {"user_id": hoa.id, "name": "", "role": "delegate"}
    )
    link = re.findall(
        r'<input class="link" readonly value="([^"]+)"', await (await admin.get(detail)).text()
    )[0]
    path = "/" + link.split("/", 3)[3]

    hoa_browser = await signed_in(site, "hoa", "hoapass123")
    resp = await hoa_browser.get(path, allow_redirects=False)
    assert resp.status == 303 and "mr_session" not in resp.headers.get("Set-Cookie", "")
    assert (await hoa_browser.get("/meetings")).status == 200  # still her account session

    resp = await admin.get(path)
    assert resp.status == 200 and "Continue as Đỗ Thị Hoa" in await resp.text()
    resp = await post_form(admin, path, path, {})
    assert resp.headers["Location"] == detail.replace("/meetings/", "/m/")
    me = await (await admin.get("/api/me")).json()
    assert "user" not in me and me["participant"]["name"] == "Đỗ Thị Hoa"


async def test_my_role_on_the_meetings_list_and_the_meeting_page(site: Site) -> None:
    client = await signed_in(site)
    resp = await post_form(client, "/meetings/new", "/meetings/new", meeting_form(site))
    detail = resp.headers["Location"].split("?")[0]

    def my_role(page: str) -> list[str]:
        return [r.strip() for r in re.findall(r'<td class="role">([^<]*)</td>', page)]

    # The administrator sees every meeting by their account: the organiser.
    assert my_role(await (await client.get("/meetings")).text()) == ["Organiser"]
    text = await (await client.get(detail)).text()
    assert '<dt>My role</dt><dd class="my-role">Organiser</dd>' in text
    # Once a participant: their role in the meeting.
    admin = await site.services.accounts.get_by_username("admin")
    resp = await post_form(
        client, detail, f"{detail}/participants", {"user_id": admin.id, "role": "chair"}
    )
    assert resp.status == 303
    assert my_role(await (await client.get("/meetings")).text()) == ["Chair"]
    text = await (await client.get(detail)).text()
    assert '<dt>My role</dt><dd class="my-role">Chair</dd>' in text
