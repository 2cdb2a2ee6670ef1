"""User administration through the JSON API on SQLite and PostgreSQL: editing,
disabling (sessions end, sign-in refused), password resets, the guard rails, the CSV
import (preview, confirm, a changed file, a name taken meanwhile), groups and
inviting them to a meeting, and 403 for everyone but admins."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from meetroom.records.accounts import AccountRole
from tests.conftest import ADMIN_PASSWORD, Site, login
from tests.dates import days_ahead, stamp

CSV = "text/csv"


class Api:
    def __init__(self, client: TestClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        resp = await self.client.request(
            method, path, json=body, headers={"X-CSRF-Token": self.csrf}
        )
        data = await resp.json() if resp.status != 204 else None
        return resp.status, data

    async def send_csv(self, path: str, data: bytes) -> tuple[int, Any]:
        resp = await self.client.post(
            path, data=data, headers={"X-CSRF-Token": self.csrf, "Content-Type": CSV}
        )
        return resp.status, await resp.json()


async def admin_api(site: Site) -> Api:
    return Api(site.client, await login(site.client, "admin", ADMIN_PASSWORD))


async def signed_in(site: Site, username: str, password: str) -> Api:
    client = await site.new_client()
    return Api(client, await login(client, username, password))


async def can_sign_in(site: Site, username: str, password: str) -> int:
    client = await site.new_client()
    resp = await client.post("/api/auth/login", json={"username": username, "password": password})
    return resp.status


async def usernames(admin: Api) -> list[str]:
    status, body = await admin.call("GET", "/api/users")
    assert status == 200
    return sorted(u["username"] for u in body)


async def import_users(admin: Api, text: str) -> dict[str, Any]:
    """Preview then confirm; returns the created users by username."""
    data = text.encode()
    status, preview = await admin.send_csv("/api/users/import?dry_run=1", data)
    assert status == 200 and preview["errors"] == [], preview
    status, result = await admin.send_csv(f"/api/users/import?token={preview['token']}", data)
    assert status == 201, result
    return {c["user"]["username"]: c for c in result["created"]}


async def test_edit_disable_enable_reset(any_site: Site) -> None:
    admin = await admin_api(any_site)
    status, created = await admin.call(
        "POST", "/api/users",
        {"username": "lan", "display_name": "Lan", "password": "lan-pass-123"},
    )  # fmt: skip
    assert status == 201
    uid = created["user"]["id"]
    # Created with a password of one's own: no change needed.
    lan = await signed_in(any_site, "lan", "lan-pass-123")

    status, body = await admin.call(
        "PATCH", f"/api/users/{uid}",
        {"role": "secretary", "email": "lan@so.gov.vn", "display_name": "Nguyễn Thị Lan",
         "locale": "vi", "time_zone": "Asia/Ho_Chi_Minh"},
    )  # fmt: skip
    assert status == 200, body
    assert (body["role"], body["email"], body["display_name"]) == (
        "secretary", "lan@so.gov.vn", "Nguyễn Thị Lan",
    )  # fmt: skip
    status, body = await admin.call("PATCH", f"/api/users/{uid}", {"email": "nope"})
    assert status == 400 and body["error"]["code"] == "bad_email"
    status, body = await admin.call("PATCH", f"/api/users/{uid}", {"username": "x"})
    assert status == 400
    status, body = await admin.call("PATCH", "/api/users/nobody", {"display_name": "x"})
    assert status == 404

    # Disabled: the open session ends at once and signing in is refused.
    status, body = await admin.call("POST", f"/api/users/{uid}/disable")
    assert status == 200 and body["disabled"]
    status, _ = await lan.call("GET", "/api/me")
    assert status == 401
    assert await can_sign_in(any_site, "lan", "lan-pass-123") == 403
    status, body = await admin.call("POST", f"/api/users/{uid}/enable")
    assert status == 200 and not body["disabled"]
    assert await can_sign_in(any_site, "lan", "lan-pass-123") == 200

    # A reset: the old password fails, the temporary one works and must be changed.
    lan = await signed_in(any_site, "lan", "lan-pass-123")
    status, body = await admin.call("POST", f"/api/users/{uid}/reset-password")
    assert status == 200
    temporary = body["temporary_password"]
    status, _ = await lan.call("GET", "/api/me")
    assert status == 401
    assert await can_sign_in(any_site, "lan", "lan-pass-123") == 401
    lan = await signed_in(any_site, "lan", temporary)
    status, body = await lan.call("GET", "/api/meetings")
    assert status == 403 and body["error"]["code"] == "password_change_required"
    status, _ = await lan.call(
        "POST", "/api/me/password",
        {"current_password": temporary, "new_password": "lan-new-pass-1"},
    )  # fmt: skip
    assert status == 204
    status, _ = await lan.call("GET", "/api/meetings")
    assert status == 200


async def test_guard_rails_and_admins_only(any_site: Site) -> None:
    admin = await admin_api(any_site)
    status, me = await admin.call("GET", "/api/me")
    my_id = me["user"]["id"]
    status, body = await admin.call("POST", f"/api/users/{my_id}/disable")
    assert status == 409 and body["error"]["code"] == "cannot_disable_self"
    status, body = await admin.call("PATCH", f"/api/users/{my_id}", {"role": "delegate"})
    assert status == 409 and body["error"]["code"] == "cannot_demote_self"
    assert "own administrator role" in body["error"]["message"]

    await any_site.services.accounts.create_user(
        "sec", "Sec", AccountRole.SECRETARY, "sec-pass-123", must_change_password=False
    )
    secretary = await signed_in(any_site, "sec", "sec-pass-123")
    status, group = await admin.call("POST", "/api/groups", {"name": "Board"})
    assert status == 201
    g = f"/api/groups/{group['id']}"
    for method, path, body in [
        ("PATCH", f"/api/users/{my_id}", {"display_name": "x"}),
        ("POST", f"/api/users/{my_id}/disable", None),
        ("POST", f"/api/users/{my_id}/enable", None),
        ("POST", f"/api/users/{my_id}/reset-password", None),
        ("POST", "/api/groups", {"name": "Mine"}),
        ("PATCH", g, {"name": "Mine"}),
        ("PUT", g + "/members", {"members": []}),
        ("DELETE", g, None),
    ]:
        status, answer = await secretary.call(method, path, body)
        assert status == 403, (method, path, answer)
    status, _ = await secretary.send_csv("/api/users/import?dry_run=1", b"username\nx1\n")
    assert status == 403
    # A secretary sees the groups, to invite them; a delegate does not.
    status, _ = await secretary.call("GET", "/api/groups")
    assert status == 200
    await any_site.services.accounts.create_user(
        "del", "Del", AccountRole.DELEGATE, "del-pass-123", must_change_password=False
    )
    delegate = await signed_in(any_site, "del", "del-pass-123")
    for path in ("/api/groups", g):
        status, _ = await delegate.call("GET", path)
        assert status == 403
    assert await usernames(admin) == ["admin", "del", "sec"]


async def test_csv_import(any_site: Site) -> None:
    admin = await admin_api(any_site)
    status, _ = await admin.call("POST", "/api/groups", {"name": "Phòng Tài chính"})
    assert status == 201
    bad = (
        "\ufeffusername;display_name;role;email;locale;groups\n"
        "an;An;delegate;an@so.gov.vn;vi;Phòng Tài chính\n"
        "an;An again;;;;\n"
        "admin;;;;;\n"
        "b c;;;;;\n"
        "chi;;president;chi@;xx;Nowhere\n"
    )
    status, preview = await admin.send_csv("/api/users/import?dry_run=1", bad.encode())
    assert status == 200 and preview["rows"] == 5
    found = [(e["line"], e["column"], e["code"]) for e in preview["errors"]]
    assert found == [
        (3, "username", "duplicate_username"),
        (4, "username", "username_taken"),
        (5, "username", "bad_username"),
        (6, "role", "unknown_role"),
        (6, "email", "bad_email"),
        (6, "locale", "unknown_locale"),
        (6, "groups", "unknown_group"),
    ]
    assert preview["errors"][0]["message"] == "an is already on line 2 of the file."
    assert await usernames(admin) == ["admin"]
    # Nor can it be confirmed.
    status, body = await admin.send_csv(f"/api/users/import?token={preview['token']}", bad.encode())
    assert status == 409 and body["error"]["code"] == "import_has_errors"
    assert await usernames(admin) == ["admin"]

    # The preview's messages follow the caller's language.
    resp = await admin.client.post(
        "/api/users/import", data=b"", headers={
            "X-CSRF-Token": admin.csrf, "Content-Type": CSV, "Accept-Language": "vi",
        },
    )  # fmt: skip
    body = await resp.json()
    assert body["errors"][0]["code"] == "empty_file"
    assert body["errors"][0]["message"] != "The file is empty."

    good = "username,display_name,groups\nan,An,Phòng Tài chính\nbinh,Bình,\n"
    form = FormData()
    form.add_field("file", good.encode(), filename="users.csv", content_type=CSV)
    resp = await admin.client.post(
        "/api/users/import?dry_run=1", data=form, headers={"X-CSRF-Token": admin.csrf}
    )
    preview = await resp.json()
    assert resp.status == 200 and preview["errors"] == [] and preview["rows"] == 2
    token = preview["token"]
    status, body = await admin.send_csv(
        f"/api/users/import?token={token}", good.replace("Bình", "Binh").encode()
    )
    assert status == 409 and body["error"]["code"] == "import_changed"
    assert await usernames(admin) == ["admin"]

    status, result = await admin.send_csv(f"/api/users/import?token={token}", good.encode())
    assert status == 201
    created = {c["user"]["username"]: c for c in result["created"]}
    assert sorted(created) == ["an", "binh"]
    assert created["an"]["groups"] == ["Phòng Tài chính"]
    assert created["an"]["user"]["must_change_password"]
    assert await usernames(admin) == ["admin", "an", "binh"]
    assert await can_sign_in(any_site, "binh", created["binh"]["temporary_password"]) == 200
    status, groups = await admin.call("GET", "/api/groups")
    assert [m["username"] for m in groups[0]["members"]] == ["an"]


async def test_import_name_taken_meanwhile_writes_nothing(any_site: Site) -> None:
    admin = await admin_api(any_site)
    data = b"username\ndung\ngiang\n"
    status, preview = await admin.send_csv("/api/users/import", data)
    assert status == 200 and preview["errors"] == []
    status, _ = await admin.call("POST", "/api/users", {"username": "giang"})
    assert status == 201
    status, body = await admin.send_csv(f"/api/users/import?token={preview['token']}", data)
    assert status == 409 and body["error"]["code"] == "import_has_errors"
    assert body["error"]["details"]["errors"] == [
        {"line": 3, "column": "username", "code": "username_taken"}
    ]
    assert await usernames(admin) == ["admin", "giang"]


async def test_import_answers_a_csv_of_passwords(site: Site) -> None:
    admin = await admin_api(site)
    data = b"username,display_name\nhung,=HYPERLINK(1)\n"
    status, preview = await admin.send_csv("/api/users/import", data)
    resp = await admin.client.post(
        f"/api/users/import?token={preview['token']}&format=csv",
        data=data,
        headers={"X-CSRF-Token": admin.csrf, "Content-Type": CSV},
    )
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    lines = (await resp.text()).lstrip("\ufeff").splitlines()
    assert lines[0] == "username,display_name,email,temporary_password"
    username, name, email, password = lines[1].split(",")
    # A spreadsheet must not run a name as a formula.
    assert (username, name, email) == ("hung", "'=HYPERLINK(1)", "")
    assert await can_sign_in(site, "hung", password) == 200


@pytest.mark.dates
async def test_groups_and_inviting_one(any_site: Site) -> None:
    admin = await admin_api(any_site)
    users = await import_users(admin, "username,display_name\nan,An\nbinh,Bình\nchi,Chi\nduc,Đức\n")
    ids = {name: c["user"]["id"] for name, c in users.items()}

    status, group = await admin.call(
        "POST", "/api/groups",
        {"name": "Hội đồng", "description": "Council", "members": [ids["an"], ids["binh"]]},
    )  # fmt: skip
    assert status == 201 and [m["username"] for m in group["members"]] == ["an", "binh"]
    g = f"/api/groups/{group['id']}"
    status, body = await admin.call("POST", "/api/groups", {"name": "hội đồng"})
    assert status == 409 and body["error"]["code"] == "group_name_taken"
    status, body = await admin.call("PUT", g + "/members", {"members": list(ids.values())})
    assert status == 200 and len(body["members"]) == 4
    status, body = await admin.call("PATCH", g, {"description": "The council"})
    assert status == 200 and body["description"] == "The council"
    status, body = await admin.call("PUT", g + "/members", {"members": ["nobody"]})
    assert status == 400
    status, body = await admin.call("GET", g)
    assert status == 200 and len(body["members"]) == 4
    status, _ = await admin.call("POST", f"/api/users/{ids['duc']}/disable")
    assert status == 200

    day = days_ahead(any_site.clock.now(), 7)

    async def meeting(title: str, start: float, end: float) -> str:
        status, body = await admin.call(
            "POST", "/api/meetings",
            {"title": title, "starts_at": stamp(day, start), "ends_at": stamp(day, end)},
        )  # fmt: skip
        assert status == 201, body
        return str(body["id"])

    budget = await meeting("Budget", 9, 10)
    p = f"/api/meetings/{budget}/participants"
    status, _ = await admin.call("POST", p, {"user_id": ids["an"], "role": "chair"})
    assert status == 201
    status, added = await admin.call("POST", p, {"group_id": group["id"], "role": "observer"})
    assert status == 201
    # Each member once; the disabled one left out; each with a join link.
    assert sorted(a["name"] for a in added) == ["Bình", "Chi"]
    assert all(a["role"] == "observer" and a["join_url"] for a in added)
    status, added = await admin.call("POST", p, {"group_id": group["id"]})
    assert status == 201 and added == []
    status, people = await admin.call("GET", p)
    assert sorted((x["name"], x["role"]) for x in people) == [
        ("An", "chair"), ("Bình", "observer"), ("Chi", "observer"),
    ]  # fmt: skip

    # Members busy at that time: nobody of the group is added.
    audit = await meeting("Audit", 9.5, 11)
    p = f"/api/meetings/{audit}/participants"
    status, body = await admin.call("POST", p, {"group_id": group["id"]})
    assert status == 409 and body["error"]["code"] == "participant_busy"
    assert body["error"]["details"]["title"] == "Budget"
    assert "Budget" in body["error"]["message"]
    status, people = await admin.call("GET", p)
    assert people == []
    status, body = await admin.call("POST", p, {"group_id": "nothing"})
    assert status == 400 and body["error"]["code"] == "group_not_found"
    status, body = await admin.call("POST", p, {"group_id": group["id"], "user_id": ids["an"]})
    assert status == 400 and body["error"]["code"] == "group_or_user"

    status, _ = await admin.call("DELETE", g)
    assert status == 204
    status, _ = await admin.call("GET", g)
    assert status == 404
    # The invited members stay in the meeting.
    status, people = await admin.call("GET", f"/api/meetings/{budget}/participants")
    assert len(people) == 3
