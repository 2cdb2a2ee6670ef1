"""The JSON API against a real in-process server, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from meetroom import __version__
from meetroom.app import open_services
from meetroom.config import Settings
from meetroom.records.accounts import AccountRole
from meetroom.server import build_app
from meetroom.server.context import Services
from meetroom.store.database import Database
from tests.clients import ADMIN_PASSWORD, Site, local_path, login
from tests.dates import days_ahead, local_stamp, stamp, utc_stamp
from tests.server.meetings import create_meeting

pytestmark = pytest.mark.dates


async def test_create_meeting_add_participant_follow_join_link(any_site: Site) -> None:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    meeting_id = await create_meeting(site, csrf)

    resp = await site.client.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"name": "Phạm Quốc Dũng", "role": "delegate"},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["id"] and body["name"] == "Phạm Quốc Dũng"
    assert body["grants"] == ["can_publish", "can_vote"]
    join_url = body["join_url"]
    assert "/j/" in join_url

    guest = await site.new_client()
    resp = await guest.get(local_path(join_url), allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == f"/m/{meeting_id}"
    resp = await guest.get(f"/m/{meeting_id}")
    assert resp.status == 200
    assert "Phạm Quốc Dũng" in await resp.text()

    resp = await guest.get("/api/me")
    me = await resp.json()
    assert me["meeting_id"] == meeting_id and "user" not in me
    assert me["participant"]["name"] == "Phạm Quốc Dũng"


async def add_guest(site: Site, csrf: str, meeting_id: str, name: str = "Guest") -> dict[str, Any]:
    resp = await site.client.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"name": name, "role": "guest"},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 201, await resp.text()
    return dict(await resp.json())


async def test_participant_of_meeting_a_is_refused_on_meeting_b(any_site: Site) -> None:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    a = await create_meeting(site, csrf, "A")
    b = await create_meeting(site, csrf, "B")
    guest_a = await add_guest(site, csrf, a)

    browser = await site.new_client()
    resp = await browser.get(local_path(guest_a["join_url"]))
    assert resp.status == 200 and str(resp.url).endswith(f"/m/{a}")
    for path in (f"/m/{b}", f"/api/meetings/{b}", f"/api/meetings/{b}/participants"):
        resp = await browser.get(path)
        assert resp.status == 403, path
    resp = await browser.get(f"/api/meetings/{b}")
    assert (await resp.json())["error"]["code"] == "wrong_meeting"
    # The meeting list shows A only; the join-link session cannot manage anything.
    resp = await browser.get("/api/meetings")
    assert [m["id"] for m in await resp.json()] == [a]
    resp = await browser.get(f"/api/meetings/{a}")
    detail = await resp.json()
    assert all("join_url" not in p for p in detail["participants"])
    me = await (await browser.get("/api/me")).json()
    resp = await browser.delete(f"/api/meetings/{a}", headers={"X-CSRF-Token": me["csrf_token"]})
    assert resp.status == 403


async def test_errors_are_json_with_code_and_message(site: Site) -> None:
    client = site.client
    cases = [
        (client.get("/api/meetings"), 401, "sign_in_required"),
        (client.get("/api/nothing-here"), 404, "not_found"),
        (client.put("/api/meetings"), 405, "method_not_allowed"),
        (client.get("/api/me", headers={"Authorization": "Bearer mrt_wrong"}), 401, "bad_token"),
        (client.get("/api/me", headers={"Authorization": "Basic abc"}), 401, "bad_token"),
    ]
    for request, status, code in cases:
        resp = await request
        assert resp.status == status, (code, await resp.text())
        assert resp.content_type == "application/json"
        body = await resp.json()
        assert body["error"]["code"] == code and body["error"]["message"]

    csrf = await login(client, "admin", ADMIN_PASSWORD)
    h = {"X-CSRF-Token": csrf}
    resp = await client.post("/api/meetings", json={"title": "x"}, headers=h)
    assert resp.status == 400
    body = await resp.json()
    assert body["error"]["code"] == "missing_field"
    assert "starts_at" in body["error"]["message"]
    resp = await client.post(
        "/api/meetings", data=b"{not json", headers=h | {"Content-Type": "application/json"}
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "invalid_json")
    resp = await client.post("/api/meetings", data="title=x", headers=h)
    assert (resp.status, (await resp.json())["error"]["code"]) == (415, "json_required")
    day = days_ahead(site.clock.now(), 7)
    resp = await client.post(
        "/api/meetings",
        json={"title": "x", "starts_at": stamp(day, 10), "ends_at": stamp(day, 9)},
        headers=h,
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "ends_before_start")
    resp = await client.post(
        "/api/meetings",
        json={"title": "x", "starts_at": stamp(day, 10), "ends_at": stamp(day, 11),
              "room": "unknown field"},
        headers=h,
    )  # fmt: skip
    assert resp.status == 400 and "room" in (await resp.json())["error"]["message"]
    resp = await client.get("/api/meetings/01nonexistent0000000000000")
    assert (resp.status, (await resp.json())["error"]["code"]) == (404, "meeting_not_found")
    resp = await client.post("/api/users", json={"username": "admin"}, headers=h)
    assert (resp.status, (await resp.json())["error"]["code"]) == (409, "username_taken")
    resp = await client.post(
        "/api/meetings",
        data=b"x" * (2 * 1024 * 1024),
        headers=h | {"Content-Type": "application/json"},
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (413, "too_large")


async def test_cookie_authenticated_changes_need_the_csrf_token(site: Site) -> None:
    client = site.client
    csrf = await login(client, "admin", ADMIN_PASSWORD)
    day = days_ahead(site.clock.now(), 7)
    body = {"title": "x", "starts_at": stamp(day, 10), "ends_at": stamp(day, 11)}
    resp = await client.post("/api/meetings", json=body)
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "csrf_failed"
    resp = await client.post("/api/meetings", json=body, headers={"X-CSRF-Token": "0" * 64})
    assert resp.status == 403
    resp = await client.post(
        "/api/meetings", json=body, headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (403, "bad_origin")
    resp = await client.get("/api/meetings")
    assert await resp.json() == []  # nothing was created by the refused calls
    resp = await client.post("/api/meetings", json=body, headers={"X-CSRF-Token": csrf})
    assert resp.status == 201


async def test_bearer_token(site: Site) -> None:
    token = await site.services.accounts.create_api_token("admin", "test")
    anonymous = await site.new_client()
    auth = {"Authorization": f"Bearer {token}"}
    resp = await anonymous.get("/api/me", headers=auth)
    assert (await resp.json())["user"]["username"] == "admin"
    # No CSRF token needed: a browser never sends this header by itself.
    day = days_ahead(site.clock.now(), 7)
    body = {"title": "x", "starts_at": local_stamp(day, 10), "ends_at": local_stamp(day, 11)}
    resp = await anonymous.post("/api/meetings", json=body, headers=auth)
    assert resp.status == 201
    created = await resp.json()
    # No offset: read in the server's zone (Asia/Ho_Chi_Minh, UTC+7).
    assert created["starts_at"] == utc_stamp(day, 10) == f"{day}T03:00:00Z"
    resp = await anonymous.patch(
        f"/api/meetings/{created['id']}", json={"title": "y"}, headers=auth
    )
    assert (await resp.json())["title"] == "y"
    resp = await anonymous.delete(f"/api/meetings/{created['id']}", headers=auth)
    assert resp.status == 204


async def test_login_lockout_over_the_api(make_site: Any) -> None:
    site = await make_site(login_max_failures=3, login_lockout_seconds=300)
    client = site.client
    for status in (401, 401, 429, 429):
        resp = await client.post("/api/auth/login", json={"username": "admin", "password": "bad"})
        assert resp.status == status
    assert resp.headers["Retry-After"] == "300"
    assert (await resp.json())["error"]["code"] == "login_locked"
    resp = await client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert resp.status == 429
    site.clock.advance(timedelta(seconds=301))
    resp = await client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert resp.status == 200


async def test_session_cookie_flags_and_logout(site: Site) -> None:
    client = site.client
    resp = await client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    cookie = resp.headers["Set-Cookie"]
    assert "mr_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http here
    csrf = (await resp.json())["csrf_token"]
    assert (await client.get("/api/me")).status == 200
    resp = await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert resp.status == 204
    assert (await client.get("/api/me")).status == 401


async def test_secure_cookie_behind_https_proxy(make_site: Any) -> None:
    site = await make_site(trust_proxy_headers=True)
    resp = await site.client.post(
        "/api/auth/login",
        json={"username": "admin", "password": ADMIN_PASSWORD},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert "Secure" in resp.headers["Set-Cookie"]


async def test_participant_api(site: Site) -> None:
    client = site.client
    csrf = await login(client, "admin", ADMIN_PASSWORD)
    h = {"X-CSRF-Token": csrf}
    mid = await create_meeting(site, csrf)
    resp = await client.post(
        "/api/users", json={"username": "bob", "display_name": "Bob", "role": "delegate"}, headers=h
    )
    assert resp.status == 201
    created = await resp.json()
    assert created["generated_password"]
    bob_id = created["user"]["id"]
    resp = await client.post(
        f"/api/meetings/{mid}/participants", json={"user_id": bob_id, "role": "chair"}, headers=h
    )
    assert resp.status == 201
    bob = await resp.json()
    assert bob["name"] == "Bob" and bob["user_id"] == bob_id and "moderator" in bob["grants"]
    resp = await client.post(
        f"/api/meetings/{mid}/participants", json={"user_id": bob_id, "role": "guest"}, headers=h
    )
    assert resp.status == 409
    resp = await client.post(f"/api/meetings/{mid}/participants", json={"role": "guest"}, headers=h)
    assert (resp.status, (await resp.json())["error"]["code"]) == (
        400,
        "participant_needs_user_or_name",
    )
    resp = await client.patch(
        f"/api/meetings/{mid}/participants/{bob['id']}", json={"grants": ["can_vote"]}, headers=h
    )
    assert (await resp.json())["grants"] == ["can_vote"]

    old_link = bob["join_url"]
    resp = await client.post(f"/api/meetings/{mid}/participants/{bob['id']}/join-link", headers=h)
    new_link = (await resp.json())["join_url"]
    assert new_link != old_link
    browser = await site.new_client()
    resp = await browser.get(local_path(old_link), headers={"Accept": "text/html"})
    assert resp.status == 403 and "replaced by a newer one" in await resp.text()
    resp = await browser.get(local_path(new_link))
    assert resp.status == 200

    resp = await client.get(f"/api/meetings/{mid}/participants/{bob['id']}/qr.svg")
    assert resp.content_type == "image/svg+xml"
    assert (await resp.read()).lstrip().startswith(b"<svg")

    resp = await client.delete(f"/api/meetings/{mid}/participants/{bob['id']}", headers=h)
    assert resp.status == 204
    resp = await browser.get(f"/m/{mid}")
    assert resp.status in (302, 303, 401, 200) and "/login" in str(resp.url)


async def test_openapi_matches_the_router(site: Site) -> None:
    resp = await site.client.get("/api/openapi.json")
    doc = await resp.json()
    assert doc["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    routed = set()
    for route in site.client.server.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("formatter") or info.get("path")
        if path and (path.startswith("/api/") or path in ("/healthz", "/readyz")):
            if route.method != "HEAD" and path != "/api/openapi.json":
                routed.add((route.method, path))
    assert documented == routed
    create = doc["paths"]["/api/meetings"]["post"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"title", "starts_at", "ends_at"}
    assert "201" in create["responses"]
    add = doc["paths"]["/api/meetings/{meeting_id}/participants"]["post"]
    assert "201" in add["responses"]


async def test_security_headers_everywhere(site: Site) -> None:
    for path in ("/login", "/api/openapi.json", "/static/css/app.css", "/api/nothing", "/healthz"):
        resp = await site.client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "'unsafe-inline'" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"


async def test_health(site: Site) -> None:
    resp = await site.client.get("/healthz")
    assert (await resp.json())["status"] == "ok"
    resp = await site.client.get("/readyz")
    assert resp.status == 200 and (await resp.json())["database"] == "ok"


async def test_not_ready_when_the_database_is_unreachable(
    make_settings: Callable[..., Awaitable[Settings]],
) -> None:
    settings = await make_settings("sqlite")
    unreachable = Database.open("postgresql://nobody@127.0.0.1:1/none")

    @contextlib.asynccontextmanager
    async def services(s: Settings) -> AsyncIterator[Services]:
        async with open_services(s) as real:
            yield dataclasses.replace(real, database=unreachable)

    async with TestClient(TestServer(build_app(settings, services), host="127.0.0.1")) as client:
        resp = await client.get("/readyz")
        assert resp.status == 503
        body = await resp.json()
        assert body == {
            "status": "unavailable",
            "version": __version__,
            "database": "unreachable",
            "node": body["node"],
            "bus": "local",
        }
        assert body["node"]
        assert (await client.get("/healthz")).status == 200
    await unreachable.close()


async def test_one_time_password_blocks_the_api_until_changed(site: Site) -> None:
    _, generated = await site.services.accounts.create_user("tam", "Tâm", AccountRole.ADMIN)
    assert generated
    client = await site.new_client()
    csrf = await login(client, "tam", generated)
    h = {"X-CSRF-Token": csrf}
    me = await (await client.get("/api/me")).json()
    assert me["user"]["must_change_password"] is True
    resp = await client.post("/api/users", json={"username": "eve"}, headers=h)
    assert (resp.status, (await resp.json())["error"]["code"]) == (403, "password_change_required")
    assert (await client.get("/api/meetings")).status == 403
    resp = await client.post(
        "/api/me/password",
        json={"current_password": generated, "new_password": "tam-new-pass"},
        headers=h,
    )
    assert resp.status == 204
    assert (await client.get("/api/meetings")).status == 200
