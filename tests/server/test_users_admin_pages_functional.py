"""The administrators' pages: the CSV import (upload, preview with errors at their
row and column, confirm, passwords once), the user and group forms, inviting a group
from the meeting page, and one's own e-mail address on the account page."""

from __future__ import annotations

import base64
import html
import re
from datetime import timedelta

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from meetroom.records.accounts import AccountRole, Principal
from tests.clients import ADMIN_PASSWORD, Site, login, page_csrf
from tests.dates import at, days_ahead


async def upload(client: TestClient, token: str, data: bytes) -> tuple[int, str]:
    form = FormData()
    form.add_field("file", data, filename="users.csv", content_type="text/csv")
    resp = await client.post(f"/admin/users/import?_csrf={token}", data=form)
    return resp.status, await resp.text()


def hidden(text: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', text)
    assert match, f"no field {name}"
    return html.unescape(match.group(1))


async def test_import_preview_page(site: Site) -> None:
    client = site.client
    await login(client, "admin", ADMIN_PASSWORD)
    token = await page_csrf(client, "/admin/users/import")

    bad = "username;display_name;role;email\nan;An;delegate;an@so.gov.vn\nb c;Bê;boss;x\n"
    status, text = await upload(client, token, bad.encode())
    assert status == 400
    # The row of line 3 is marked, with each faulty cell and its message.
    row = text[text.index('<tr data-line="3"') :]
    row = row[: row.index("</tr>")]
    assert 'class="cell-error" data-column="username"' in row
    assert 'class="cell-error" data-column="role"' in row
    assert 'class="cell-error" data-column="email"' in row
    assert "is not a valid username" in row and "Unknown role “boss”" in row
    line2 = text[text.index('<tr data-line="2"') :]
    assert "cell-error" not in line2[: line2.index("</tr>")]
    assert "3 errors" in text and "/admin/users/import/confirm" not in text
    assert [u.username for u in await site.services.accounts.users.list_users()] == ["admin"]

    # A file that is not UTF-8: said at the top, no table.
    status, text = await upload(client, token, "username\nnguyễn\n".encode("utf-16"))
    assert status == 400 and "The file is not UTF-8 text." in text

    # A clean file: the confirm button carries the file back, byte for byte.
    good = "username,display_name\r\nan,Nguyễn An\r\nbinh,Bình\r\n".encode()
    status, text = await upload(client, token, good)
    assert status == 200 and "2 users, no errors." in text and "Create 2 users" in text
    confirm = {
        "_csrf": token,
        "token": hidden(text, "token"),
        "file_data": hidden(text, "file_data"),
    }
    resp = await client.post("/admin/users/import/confirm", data=confirm)
    text = await resp.text()
    assert resp.status == 200 and "2 users created" in text
    passwords = dict(
        re.findall(r'<tr data-user="([^"]+)">.*?<code class="password">([^<]+)<', text, re.S)
    )
    assert sorted(passwords) == ["an", "binh"]
    link = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download', text)
    assert link
    download = base64.b64decode(link.group(1)).decode("utf-8")
    assert f"binh,Bình,,{passwords['binh']}" in download
    await site.services.accounts.authenticate("an", passwords["an"], "10.0.0.9")

    # Confirming the same form again: the names are taken now; the preview says where.
    resp = await client.post("/admin/users/import/confirm", data=confirm)
    text = await resp.text()
    assert resp.status == 409 and "error(s) now" in text
    assert text.count('data-column="username"') == 2
    # A form whose file was tampered with is refused.
    resp = await client.post("/admin/users/import/confirm", data={**confirm, "file_data": "AAAA"})
    assert resp.status == 400


async def test_user_and_group_pages(site: Site) -> None:
    client = site.client
    await login(client, "admin", ADMIN_PASSWORD)
    token = await page_csrf(client, "/admin/users")
    text = await (await client.get("/meetings")).text()
    assert 'href="/admin/users"' in text and 'href="/admin/groups"' in text

    # A bad e-mail: the form comes back with what was typed.
    form = {"_csrf": token, "username": "hanh", "display_name": "Hạnh", "role": "secretary",
            "email": "bad", "locale": "vi", "time_zone": "", "password": ""}  # fmt: skip
    resp = await client.post("/admin/users/new", data=form)
    text = await resp.text()
    assert resp.status == 400 and 'value="Hạnh"' in text and 'value="bad"' in text
    assert '<option value="secretary" selected>' in text
    resp = await client.post("/admin/users/new", data={**form, "email": "hanh@so.gov.vn"})
    text = await resp.text()
    assert resp.status == 200 and "Temporary password of hanh" in text
    temporary = re.search(r'<code class="password" id="temporary-password">([^<]+)<', text)
    assert temporary
    hanh = await site.services.accounts.get_by_username("hanh")
    assert hanh.email == "hanh@so.gov.vn" and hanh.role is AccountRole.SECRETARY

    text = await (await client.get("/admin/users?q=HẠNH")).text()
    assert 'data-user="hanh"' in text and 'data-user="admin"' not in text
    text = await (await client.get("/admin/users?status=disabled")).text()
    assert "data-user=" not in text

    # Disabling oneself is refused on the page too; disabling another works.
    me = await site.services.accounts.get_by_username("admin")
    resp = await client.post(f"/admin/users/{me.id}/disable", data={"_csrf": token})
    assert resp.status == 409 and "You cannot disable your own account." in await resp.text()
    resp = await client.post(
        f"/admin/users/{hanh.id}/disable", data={"_csrf": token}, allow_redirects=False
    )
    assert resp.status == 303
    assert (await site.services.accounts.get_user(hanh.id)).disabled
    text = await (await client.get("/admin/users?status=disabled")).text()
    assert 'data-user="hanh"' in text
    resp = await client.post(f"/admin/users/{hanh.id}/reset-password", data={"_csrf": token})
    assert "Temporary password of hanh" in await resp.text()

    # Groups: a name taken keeps the ticked members.
    resp = await client.post(
        "/admin/groups/new",
        data={"_csrf": token, "name": "Ban Giám đốc", "description": "", "members": hanh.id},
        allow_redirects=False,
    )
    assert resp.status == 303
    data = FormData({"_csrf": token, "name": "ban giám đốc", "description": "x"})
    data.add_field("members", me.id)
    resp = await client.post("/admin/groups/new", data=data)
    text = await resp.text()
    assert resp.status == 409 and f'value="{me.id}" checked' in text
    [group] = await site.services.groups.list(Principal(user=me))
    assert group.members == {hanh.id}

    # A secretary sees none of these pages.
    other = await site.new_client()
    await site.services.accounts.create_user(
        "sec", "Sec", AccountRole.SECRETARY, "sec-pass-123", must_change_password=False
    )
    await login(other, "sec", "sec-pass-123")
    for path in ("/admin/users", "/admin/users/import", f"/admin/users/{me.id}", "/admin/groups"):
        assert (await other.get(path)).status == 403
    text = await (await other.get("/meetings")).text()
    assert 'href="/admin/users"' not in text


@pytest.mark.dates
async def test_invite_a_group_from_the_meeting_page(site: Site) -> None:
    client = site.client
    await login(client, "admin", ADMIN_PASSWORD)
    me = Principal(user=await site.services.accounts.get_by_username("admin"))
    people = [
        (await site.services.accounts.create_user(n, n.title(), AccountRole.DELEGATE))[0]
        for n in ("an", "binh")
    ]
    group = await site.services.groups.create(me, "Board", members=[u.id for u in people])
    svc = site.services.meetings
    start = at(days_ahead(site.clock.now(), 7), 9)
    meeting = await svc.create(me, title="Budget", starts_at=start, ends_at=start + timedelta(1))
    token = await page_csrf(client, f"/meetings/{meeting.id}")
    text = await (await client.get(f"/meetings/{meeting.id}")).text()
    assert f'<option value="{group.id}"' in text
    resp = await client.post(
        f"/meetings/{meeting.id}/participants",
        data={"_csrf": token, "user_id": "", "name": "", "group_id": group.id, "role": "delegate"},
        allow_redirects=False,
    )
    assert resp.status == 303 and "notice=group_added" in resp.headers["Location"]
    assert sorted(p.name for p in await svc.participants.all(me, meeting.id)) == ["An", "Binh"]


async def test_own_email_on_account_page(site: Site) -> None:
    client = site.client
    await login(client, "admin", ADMIN_PASSWORD)
    token = await page_csrf(client, "/account")
    form = {"_csrf": token, "display_name": "Admin", "locale": "", "email": "not-mail"}
    resp = await client.post("/account", data=form)
    text = await resp.text()
    assert resp.status == 400 and 'value="not-mail"' in text
    resp = await client.post("/account", data={**form, "email": "admin@so.gov.vn"})
    assert resp.status == 200  # followed to the page
    assert 'value="admin@so.gov.vn"' in await resp.text()
    assert (await site.services.accounts.get_by_username("admin")).email == "admin@so.gov.vn"
    await client.post("/account", data={**form, "email": ""})
    assert (await site.services.accounts.get_by_username("admin")).email is None
