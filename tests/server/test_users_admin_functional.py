"""User administration through the JSON API on SQLite and PostgreSQL: editing,
disabling (sessions end, sign-in refused), password resets, the guard rails, the CSV
import (preview, confirm, a changed file, a name taken meanwhile), groups and
inviting them to a meeting, and 403 for everyone but admins."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import FormData

from meetroom.records.accounts import AccountRole
from tests.clients import Api, Site, admin_api
from tests.dates import days_ahead, stamp

CSV = "text/csv"


async def signed_in(site: Site, username: str, password: str) -> Api:
    return await Api.sign_in(await site.new_client(), username, password)


async def can_sign_in(site: Site, username: str, password: str) -> int:
    client = await site.new_client()
    resp = await client.post("/api/auth/login", json={"username": username, "password": password})
    return resp.status


async def usernames(admin: Api) -> list[str]:
    body = await admin.get("/api/users")
    return sorted(u["username"] for u in body)


async def import_users(admin: Api, text: str) -> dict[str, Any]:
    """Preview then confirm; returns the created users by username."""
    data = text.encode()
    preview = await admin.post("/api/users/import?dry_run=1", data=data, content_type=CSV)
    assert preview["errors"] == [], preview
    result = await admin.post(
        f"/api/users/import?token={preview['token']}", data=data, content_type=CSV, status=201
    )
    return {c["user"]["username"]: c for c in result["created"]}


async def test_edit_disable_enable_reset(any_site: Site) -> None:
    admin = await admin_api(any_site)
    created = await admin.post(
        "/api/users",
        {"username": "lan", "display_name": "Lan", "password": "lan-pass-123"},
        status=201,
    )
    uid = created["user"]["id"]
    # Created with a password of one's own: no change needed.
    lan = await signed_in(any_site, "lan", "lan-pass-123")

    body = await admin.patch(
        f"/api/users/{uid}",
        {
            "role": "secretary",
            "email": "lan@so.gov.vn",
            "display_name": "Nguyễn Thị Lan",
            "locale": "vi",
            "time_zone": "Asia/Ho_Chi_Minh",
        },
    )
    assert (body["role"], body["email"], body["display_name"]) == (
        "secretary", "lan@so.gov.vn", "Nguyễn Thị Lan",
    )  # fmt: skip
    body = await admin.patch(f"/api/users/{uid}", {"email": "nope"}, status=400)
    assert body["error"]["code"] == "bad_email"
    await admin.patch(f"/api/users/{uid}", {"username": "x"}, status=400)
    await admin.patch("/api/users/nobody", {"display_name": "x"}, status=404)

    # Disabled: the open session ends at once and signing in is refused.
    body = await admin.post(f"/api/users/{uid}/disable")
    assert body["disabled"]
    await lan.get("/api/me", status=401)
    assert await can_sign_in(any_site, "lan", "lan-pass-123") == 403
    body = await admin.post(f"/api/users/{uid}/enable")
    assert not body["disabled"]
    assert await can_sign_in(any_site, "lan", "lan-pass-123") == 200

    # A reset: the old password fails, the temporary one works and must be changed.
    lan = await signed_in(any_site, "lan", "lan-pass-123")
    body = await admin.post(f"/api/users/{uid}/reset-password")
    temporary = body["temporary_password"]
    await lan.get("/api/me", status=401)
    assert await can_sign_in(any_site, "lan", "lan-pass-123") == 401
    lan = await signed_in(any_site, "lan", temporary)
    body = await lan.get("/api/meetings", status=403)
    assert body["error"]["code"] == "password_change_required"
    await lan.post(
        "/api/me/password",
        {"current_password": temporary, "new_password": "lan-new-pass-1"},
        status=204,
    )
    await lan.get("/api/meetings")


async def test_guard_rails_and_admins_only(any_site: Site) -> None:
    admin = await admin_api(any_site)
    me = await admin.get("/api/me")
    my_id = me["user"]["id"]
    body = await admin.post(f"/api/users/{my_id}/disable", status=409)
    assert body["error"]["code"] == "cannot_disable_self"
    body = await admin.patch(f"/api/users/{my_id}", {"role": "delegate"}, status=409)
    assert body["error"]["code"] == "cannot_demote_self"
    assert "own administrator role" in body["error"]["message"]

    await any_site.services.accounts.create_user(
        "sec", "Sec", AccountRole.SECRETARY, "sec-pass-123", must_change_password=False
    )
    secretary = await signed_in(any_site, "sec", "sec-pass-123")
    group = await admin.post("/api/groups", {"name": "Board"}, status=201)
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
        await secretary.request(method, path, body, status=403)
    await secretary.post(
        "/api/users/import?dry_run=1", data=b"username\nx1\n", content_type=CSV, status=403
    )
    # A secretary sees the groups, to invite them; a delegate does not.
    await secretary.get("/api/groups")
    await any_site.services.accounts.create_user(
        "del", "Del", AccountRole.DELEGATE, "del-pass-123", must_change_password=False
    )
    delegate = await signed_in(any_site, "del", "del-pass-123")
    for path in ("/api/groups", g):
        await delegate.get(path, status=403)
    assert await usernames(admin) == ["admin", "del", "sec"]


async def test_csv_import(any_site: Site) -> None:
    admin = await admin_api(any_site)
    await admin.post("/api/groups", {"name": "Phòng Tài chính"}, status=201)
    bad = (
        "\ufeffusername;display_name;role;email;locale;groups\n"
        "an;An;delegate;an@so.gov.vn;vi;Phòng Tài chính\n"
        "an;An again;;;;\n"
        "admin;;;;;\n"
        "b c;;;;;\n"
        "chi;;president;chi@;xx;Nowhere\n"
    )
    preview = await admin.post("/api/users/import?dry_run=1", data=bad.encode(), content_type=CSV)
    assert preview["rows"] == 5
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
    body = await admin.post(
        f"/api/users/import?token={preview['token']}",
        data=bad.encode(),
        content_type=CSV,
        status=409,
    )
    assert body["error"]["code"] == "import_has_errors"
    assert await usernames(admin) == ["admin"]

    # The preview's messages follow the caller's language.
    resp = await admin.http.post(
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
    preview = await admin.post("/api/users/import?dry_run=1", data=form)
    assert preview["errors"] == [] and preview["rows"] == 2
    token = preview["token"]
    body = await admin.post(
        f"/api/users/import?token={token}",
        data=good.replace("Bình", "Binh").encode(),
        content_type=CSV,
        status=409,
    )
    assert body["error"]["code"] == "import_changed"
    assert await usernames(admin) == ["admin"]

    result = await admin.post(
        f"/api/users/import?token={token}", data=good.encode(), content_type=CSV, status=201
    )
    created = {c["user"]["username"]: c for c in result["created"]}
    assert sorted(created) == ["an", "binh"]
    assert created["an"]["groups"] == ["Phòng Tài chính"]
    assert created["an"]["user"]["must_change_password"]
    assert await usernames(admin) == ["admin", "an", "binh"]
    assert await can_sign_in(any_site, "binh", created["binh"]["temporary_password"]) == 200
    groups = await admin.get("/api/groups")
    assert [m["username"] for m in groups[0]["members"]] == ["an"]


async def test_import_name_taken_meanwhile_writes_nothing(any_site: Site) -> None:
    admin = await admin_api(any_site)
    data = b"username\ndung\ngiang\n"
    preview = await admin.post("/api/users/import", data=data, content_type=CSV)
    assert preview["errors"] == []
    await admin.post("/api/users", {"username": "giang"}, status=201)
    body = await admin.post(
        f"/api/users/import?token={preview['token']}", data=data, content_type=CSV, status=409
    )
    assert body["error"]["code"] == "import_has_errors"
    assert body["error"]["details"]["errors"] == [
        {"line": 3, "column": "username", "code": "username_taken"}
    ]
    assert await usernames(admin) == ["admin", "giang"]


async def test_import_answers_a_csv_of_passwords(site: Site) -> None:
    admin = await admin_api(site)
    data = b"username,display_name\nhung,=HYPERLINK(1)\n"
    preview = await admin.post("/api/users/import", data=data, content_type=CSV)
    resp = await admin.http.post(
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

    group = await admin.post(
        "/api/groups",
        {"name": "Hội đồng", "description": "Council", "members": [ids["an"], ids["binh"]]},
        status=201,
    )
    assert [m["username"] for m in group["members"]] == ["an", "binh"]
    g = f"/api/groups/{group['id']}"
    body = await admin.post("/api/groups", {"name": "hội đồng"}, status=409)
    assert body["error"]["code"] == "group_name_taken"
    body = await admin.put(g + "/members", {"members": list(ids.values())})
    assert len(body["members"]) == 4
    body = await admin.patch(g, {"description": "The council"})
    assert body["description"] == "The council"
    await admin.put(g + "/members", {"members": ["nobody"]}, status=400)
    body = await admin.get(g)
    assert len(body["members"]) == 4
    await admin.post(f"/api/users/{ids['duc']}/disable")

    day = days_ahead(any_site.clock.now(), 7)

    async def meeting(title: str, start: float, end: float) -> str:
        body = await admin.post(
            "/api/meetings",
            {"title": title, "starts_at": stamp(day, start), "ends_at": stamp(day, end)},
            status=201,
        )
        return str(body["id"])

    budget = await meeting("Budget", 9, 10)
    p = f"/api/meetings/{budget}/participants"
    await admin.post(p, {"user_id": ids["an"], "role": "chair"}, status=201)
    added = await admin.post(p, {"group_id": group["id"], "role": "observer"}, status=201)
    # Each member once; the disabled one left out; each with a join link.
    assert sorted(a["name"] for a in added) == ["Bình", "Chi"]
    assert all(a["role"] == "observer" and a["join_url"] for a in added)
    added = await admin.post(p, {"group_id": group["id"]}, status=201)
    assert added == []
    people = await admin.get(p)
    assert sorted((x["name"], x["role"]) for x in people) == [
        ("An", "chair"), ("Bình", "observer"), ("Chi", "observer"),
    ]  # fmt: skip

    # Members busy at that time: nobody of the group is added.
    audit = await meeting("Audit", 9.5, 11)
    p = f"/api/meetings/{audit}/participants"
    body = await admin.post(p, {"group_id": group["id"]}, status=409)
    assert body["error"]["code"] == "participant_busy"
    assert body["error"]["details"]["title"] == "Budget"
    assert "Budget" in body["error"]["message"]
    people = await admin.get(p)
    assert people == []
    body = await admin.post(p, {"group_id": "nothing"}, status=400)
    assert body["error"]["code"] == "group_not_found"
    body = await admin.post(p, {"group_id": group["id"], "user_id": ids["an"]}, status=400)
    assert body["error"]["code"] == "group_or_user"

    await admin.delete(g, status=204)
    await admin.get(g, status=404)
    # The invited members stay in the meeting.
    people = await admin.get(f"/api/meetings/{budget}/participants")
    assert len(people) == 3
