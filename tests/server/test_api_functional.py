"""The JSON API against a real in-process server, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import ADMIN_PASSWORD, Site, login


async def create_meeting(site: Site, csrf: str, title: str = "Budget review") -> str:
    resp = await site.client.post(
        "/api/meetings",
        json={
            "title": title,
            "starts_at": "2026-12-01T09:00:00+07:00",
            "ends_at": "2026-12-01T11:00:00+07:00",
            "location": "Room 2",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


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
    resp = await guest.get(
        join_url.split(str(site.client.make_url("")).rstrip("/"))[-1], allow_redirects=False
    )
    assert resp.status == 303
    assert resp.headers["Location"] == f"/m/{meeting_id}"
    resp = await guest.get(f"/m/{meeting_id}")
    assert resp.status == 200
    assert "Phạm Quốc Dũng" in await resp.text()

    resp = await guest.get("/api/me")
    me = await resp.json()
    assert me["meeting_id"] == meeting_id and "user" not in me
    assert site.clock.now() + timedelta(seconds=1) > site.clock.now()
