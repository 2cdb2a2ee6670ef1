"""The audit log through HTTP: what signing in, meetings, participants and documents
leave in it (who, from which address), the admin page and API, the CSV export,
and that no route changes or removes an entry."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from meetroom.records.accounts import AccountRole
from tests.accounts.audit_chain import tamper
from tests.clients import ADMIN_PASSWORD, Site, local_path, login
from tests.dates import days_ahead, stamp
from tests.pdf.pdfs import make_pdf
from tests.server.meetings import upload, wait_done

pytestmark = pytest.mark.dates

ADMIN_AT = {"X-Forwarded-For": "10.2.2.2"}


@pytest.fixture
async def proxied(make_site: Callable[..., Awaitable[Site]], backend: str) -> Site:
    """A site behind a proxy that says where each request came from."""
    return await make_site(backend, trust_proxy_headers=True)


async def entries(client: TestClient, query: str = "") -> list[dict[str, Any]]:
    resp = await client.get(f"/api/audit?limit=500&{query}")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return list(body["entries"])


async def sign_in_from(client: TestClient, address: str, username: str, password: str) -> Any:
    return await client.post(
        "/api/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


async def test_sign_ins_and_meeting_changes_are_recorded(proxied: Site) -> None:
    site = proxied
    client = site.client
    resp = await sign_in_from(client, "10.1.1.1", "admin", "wrong-password")
    assert resp.status == 401
    resp = await sign_in_from(client, "10.2.2.2", "admin", ADMIN_PASSWORD)
    assert resp.status == 200
    me = await resp.json()
    h = {"X-CSRF-Token": me["csrf_token"], **ADMIN_AT}
    admin_id = me["user"]["id"]

    day = days_ahead(site.clock.now(), 7)
    resp = await client.post(
        "/api/meetings",
        json={"title": "Budget", "starts_at": stamp(day, 9), "ends_at": stamp(day, 11)},
        headers=h,
    )
    meeting_id = (await resp.json())["id"]
    resp = await client.patch(
        f"/api/meetings/{meeting_id}",
        json={"title": "Budget 2027", "starts_at": stamp(day, 10)},
        headers=h,
    )
    assert resp.status == 200, await resp.text()
    resp = await client.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"name": "Hoa", "role": "delegate"},
        headers=h,
    )
    participant_id = (await resp.json())["id"]
    resp = await client.delete(
        f"/api/meetings/{meeting_id}/participants/{participant_id}", headers=h
    )
    assert resp.status == 204
    assert (await client.delete(f"/api/meetings/{meeting_id}", headers=h)).status == 204

    log = list(reversed(await entries(client)))
    actions = [e["action"] for e in log]
    assert actions[-7:] == [
        "login_failed", "login", "meeting_created", "meeting_changed", "participant_added",
        "participant_removed", "meeting_deleted",
    ]  # fmt: skip
    failed, signed_in, created, changed, added, removed, deleted = log[-7:]
    assert failed["address"] == "10.1.1.1" and failed["actor_user_id"] is None
    assert failed["details"] == {"username": "admin", "reason": "bad_credentials"}
    assert failed["target_id"] == admin_id
    for entry in log[-6:]:
        assert entry["actor_user_id"] == admin_id, entry
        assert entry["actor_name"] == "Administrator (admin)"
        assert entry["address"] == "10.2.2.2"
    assert created["target_type"] == "meeting" and created["target_id"] == meeting_id
    assert changed["details"]["fields"] == ["starts_at", "title"]
    assert changed["details"]["changes"]["title"] == ["Budget", "Budget 2027"]
    assert added["details"]["participant_id"] == participant_id
    assert removed["details"]["name"] == "Hoa" and removed["details"]["participant_id"]
    assert deleted["details"]["title"] == "Budget 2027"
    resp = await client.get("/api/audit/verify")
    check = await resp.json()
    assert check["ok"] and check["count"] == len(log) and check["last_hash"] == log[-1]["hash"]

    resp = await client.post("/api/auth/logout", headers=h)
    assert resp.status in (200, 204)
    await sign_in_from(client, "10.2.2.2", "admin", ADMIN_PASSWORD)
    assert [e["action"] for e in await entries(client, "limit=2")][:2] == ["login", "logout"]


async def test_documents_uploaded_downloaded_and_viewed(site: Site, tmp_path: Path) -> None:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    h = {"X-CSRF-Token": csrf}
    day = days_ahead(site.clock.now(), 7)
    resp = await site.client.post(
        "/api/meetings",
        json={"title": "Council", "starts_at": stamp(day, 9), "ends_at": stamp(day, 11)},
        headers=h,
    )
    meeting_id = (await resp.json())["id"]
    data = make_pdf(tmp_path / "r.pdf", pages=2).read_bytes()
    resp = await upload(site.client, csrf, meeting_id, data, allow_download="true")
    doc = await wait_done(site.client, (await resp.json())["id"])
    doc_id = doc["id"]
    resp = await site.client.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"name": "Hoa", "role": "delegate"},
        headers=h,
    )
    hoa_id = (await resp.json())["id"]
    hoa = await site.new_client()
    assert (await hoa.get(local_path((await resp.json())["join_url"]))).status == 200

    for _ in range(2):  # every page, twice: one "viewed" per viewer and day
        for page in (1, 2):
            for who in (site.client, hoa):
                resp = await who.get(f"/api/documents/{doc_id}/pages/{page}")
                assert resp.status == 200
    for who in (site.client, hoa):
        resp = await who.get(f"/api/documents/{doc_id}/pdf")
        assert resp.status == 200 and await resp.read() == data

    log = await entries(site.client, f"target_type=document&target_id={doc_id}")
    summary = [(e["action"], e["actor_name"]) for e in reversed(log)]
    assert summary == [
        ("document_uploaded", "Administrator (admin)"),
        ("document_viewed", "Administrator (admin)"),
        ("document_viewed", "Hoa"),
        ("document_downloaded", "Administrator (admin)"),
        ("document_downloaded", "Hoa"),
    ]
    uploaded = log[-1]
    assert uploaded["details"]["filename"] == "report.pdf"
    assert uploaded["details"]["meeting_id"] == meeting_id
    hoa_view = log[2]
    assert hoa_view["actor_user_id"] is None
    assert hoa_view["details"]["participant_id"] == hoa_id
    assert hoa_view["address"] == "127.0.0.1"

    # The next day counts again (the admin's session has expired by then).
    site.clock.advance(timedelta(days=1))
    assert (await hoa.get(f"/api/documents/{doc_id}/pages/1")).status == 200
    h = {"X-CSRF-Token": await login(site.client, "admin", ADMIN_PASSWORD)}
    log = await entries(site.client, "action=document_viewed")
    assert [e["actor_name"] for e in log] == ["Hoa", "Hoa", "Administrator (admin)"]

    assert (await site.client.delete(f"/api/documents/{doc_id}", headers=h)).status == 204
    log = await entries(site.client, "action=document_deleted")
    assert log[0]["target_id"] == doc_id


async def test_filters_page_and_csv_export(any_site: Site) -> None:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    h = {"X-CSRF-Token": csrf}
    resp = await site.client.post(
        "/api/users",
        json={"username": "evil", "display_name": "=HYPERLINK(\"x\")", "role": "delegate",
              "password": "evil-pass-1"},
        headers=h,
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    other = await site.new_client()
    await login(other, "evil", "evil-pass-1")
    resp = await (await site.new_client()).post(
        "/api/auth/login", json={"username": "Ngô Thị Ánh", "password": "x" * 9}
    )
    assert resp.status == 401

    resp = await site.client.get("/api/audit.csv?action=login&action=login_failed")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    raw = await resp.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["login_failed", "login", "login"]
    failed, evil, admin = rows
    assert evil["actor_name"] == '\'=HYPERLINK("x") (evil)'  # no formula in a spreadsheet
    assert "Ngô Thị Ánh" in failed["details"]
    assert admin["at"].endswith("Z") and "T" in admin["at"]
    assert len(admin["hash"]) == 64 and int(admin["seq"]) < int(evil["seq"])

    resp = await site.client.get("/api/audit.csv?actor=evil")
    rows = list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert {r["action"] for r in rows} == {"login"}
    assert (await site.client.get("/api/audit?from=yesterday")).status == 400
    assert (await site.client.get("/api/audit?action=nonsense")).status == 400

    resp = await site.client.get("/admin/audit?action=login_failed")
    page = await resp.text()
    assert resp.status == 200 and "Ngô Thị Ánh" in page and "evil-pass" not in page
    assert "/admin/audit.csv?action=login_failed" in page
    resp = await site.client.get("/admin/audit?verify=1")
    assert "The chain is intact" in await resp.text()
    resp = await site.client.get("/admin/audit.csv?address=127.0.0.")
    assert resp.status == 200 and b"user_created" in await resp.read()
    resp = await site.client.get("/meetings")
    assert 'href="/admin/audit"' in await resp.text()

    # The last entry deleted in the database: the head kept outside it says so.
    last = (await entries(site.client, "limit=1"))[0]["seq"]
    await tamper(site.services.database, "DELETE FROM audit_log WHERE seq = :s", s=last)
    check = await (await site.client.get("/api/audit/verify")).json()
    assert (check["ok"], check["problem"], check["broken_seq"]) == (False, "truncated", last)
    resp = await site.client.get("/admin/audit?verify=1", headers={"Accept-Language": "vi"})
    assert f"các mục từ {last} trở đi đã bị xóa" in await resp.text()


async def test_only_admins_see_the_log(any_site: Site) -> None:
    site = any_site
    await site.services.accounts.create_user(
        "sec", "Secretary", AccountRole.SECRETARY, password="sec-pass-123",
    )  # fmt: skip
    await login(site.client, "sec", "sec-pass-123")
    for path in ("/api/audit", "/api/audit.csv", "/api/audit/verify", "/admin/audit",
                 "/admin/audit.csv"):  # fmt: skip
        assert (await site.client.get(path)).status == 403, path
    assert 'href="/admin/audit"' not in await (await site.client.get("/meetings")).text()
    anonymous = await site.new_client()
    assert (await anonymous.get("/api/audit")).status == 401


async def test_no_route_changes_or_removes_entries(any_site: Site) -> None:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    h = {"X-CSRF-Token": csrf}
    before = await entries(site.client)
    seq = before[0]["seq"]
    for path in ("/api/audit", f"/api/audit/{seq}", "/api/audit.csv", "/api/audit/verify",
                 "/admin/audit", f"/admin/audit/{seq}"):  # fmt: skip
        for method in ("DELETE", "PUT", "PATCH", "POST"):
            resp = await site.client.request(method, path, json={"actor_name": "x"}, headers=h)
            assert resp.status in (404, 405), (method, path, resp.status)
    after = await entries(site.client)
    assert len(after) >= len(before)
    assert after[-len(before) :] == before
    assert (await (await site.client.get("/api/audit/verify")).json())["ok"]
