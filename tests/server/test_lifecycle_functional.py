"""The meeting lifecycle against a real server, on SQLite and PostgreSQL: drafts,
transitions and who may make them, time changes refused once opened, attendance from
real WebSocket joins, closing broadcast to the tablets, and read-only ended and
archived meetings over HTTP and over the live socket."""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from meetroom.records.accounts import AccountRole
from tests.clients import ADMIN_PASSWORD, Site, Tablet, local_path, login
from tests.dates import days_ahead, stamp
from tests.pdf.pdfs import make_pdf
from tests.server.meetings import Room, create_meeting, upload, wait_done
from tests.waiting import until


async def _status(client: TestClient, meeting_id: str, transition: str, csrf: str = "") -> Any:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return await client.post(f"/api/meetings/{meeting_id}/{transition}", headers=headers)


async def _link_csrf(browser: TestClient, meeting_id: str) -> str:
    """The CSRF token of a join-link session (from the meeting page)."""
    text = await (await browser.get(f"/m/{meeting_id}")).text()
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', text)
    assert found is not None
    return found.group(1)


async def _participant(site: Site, csrf: str, meeting_id: str, name: str, role: str) -> str:
    resp = await site.client.post(
        f"/api/meetings/{meeting_id}/participants",
        json={"name": name, "role": role},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 201, await resp.text()
    return local_path((await resp.json())["join_url"])


@pytest.mark.dates
async def test_transitions_and_who_may_make_them(any_site: Site) -> None:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    day = days_ahead(site.clock.now(), 7)
    resp = await site.client.post(
        "/api/meetings",
        json={"title": "Draft budget", "starts_at": stamp(day, 9), "ends_at": stamp(day, 11),
              "status": "draft"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    meeting = await resp.json()
    mid = meeting["id"]
    assert meeting["status"] == "draft" and meeting["transitions"] == ["publish"]
    # Without a status a meeting is scheduled, as before.
    assert (
        await (await site.client.get(f"/api/meetings/{await create_meeting(site, csrf)}")).json()
    )["meeting"]["status"] == "scheduled"

    chair_link = await _participant(site, csrf, mid, "Chair", "chair")
    delegate_link = await _participant(site, csrf, mid, "Delegate", "delegate")
    # A draft's join links work for those who prepare it, not for delegates.
    delegate = await site.new_client()
    resp = await delegate.get(delegate_link, allow_redirects=False)
    assert resp.status == 403
    chair = await site.new_client()
    assert (await chair.get(chair_link)).status == 200
    chair_csrf = await _link_csrf(chair, mid)

    # Delegates never see drafts; the draft filter finds it for the admin.
    drafts = await (await site.client.get("/api/meetings?status=draft")).json()
    assert [m["id"] for m in drafts] == [mid]
    resp = await site.client.get("/api/meetings?status=bogus")
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "bad_status"

    resp = await _status(chair, mid, "publish", chair_csrf)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] == "scheduled"
    assert (await delegate.get(delegate_link)).status == 200
    delegate_csrf = await _link_csrf(delegate, mid)

    # A delegate opens nothing; the chair opens; opening twice is a bad transition.
    resp = await _status(delegate, mid, "open", delegate_csrf)
    assert resp.status == 403
    resp = await _status(chair, mid, "open", chair_csrf)
    body = await resp.json()
    assert resp.status == 200 and body["status"] == "in_progress" and body["opened_at"]
    resp = await _status(chair, mid, "open", chair_csrf)
    error = (await resp.json())["error"]
    assert resp.status == 409 and error["code"] == "bad_transition"
    assert (
        error["details"]["status"] == "in_progress" and error["details"]["asked"] == "in_progress"
    )

    # Its time can no longer change; its title can.
    resp = await site.client.patch(
        f"/api/meetings/{mid}", json={"ends_at": stamp(day, 12)},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "meeting_started"
    resp = await site.client.patch(
        f"/api/meetings/{mid}", json={"title": "Budget"}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200
    # Not deleted while in progress; not archived before it ended.
    resp = await site.client.delete(f"/api/meetings/{mid}", headers={"X-CSRF-Token": csrf})
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "meeting_in_progress"
    resp = await _status(site.client, mid, "archive", csrf)
    assert resp.status == 409 and (await resp.json())["error"]["details"]["status"] == "in_progress"

    resp = await _status(chair, mid, "close", chair_csrf)
    assert (await resp.json())["status"] == "ended"
    resp = await _status(chair, mid, "reopen", chair_csrf)
    assert (await resp.json())["status"] == "in_progress"
    await _status(chair, mid, "close", chair_csrf)
    # Archiving is the secretary's (or an administrator's), not the chair's.
    assert (await _status(chair, mid, "archive", chair_csrf)).status == 403
    resp = await _status(site.client, mid, "archive", csrf)
    body = await resp.json()
    assert body["status"] == "archived" and body["archived_at"] and body["transitions"] == []
    assert (await _status(site.client, mid, "reopen", csrf)).status == 409
    resp = await site.client.patch(
        f"/api/meetings/{mid}", json={"title": "Changed"}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "meeting_archived"
    archived = await (await site.client.get("/api/meetings?status=archived")).json()
    assert [m["id"] for m in archived] == [mid]


@pytest.mark.dates
async def test_drafts_are_hidden_from_delegates(any_site: Site) -> None:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    dana = await site.services.accounts.create_user(
        "dana", "Dana", AccountRole.DELEGATE, password="a long enough password 1",
        must_change_password=False,
    )  # fmt: skip
    dana_id = dana[0].id
    day = days_ahead(site.clock.now(), 8)
    resp = await site.client.post(
        "/api/meetings",
        json={"title": "Secret draft", "starts_at": stamp(day, 9), "ends_at": stamp(day, 10),
              "status": "draft"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    mid = (await resp.json())["id"]
    resp = await site.client.post(
        f"/api/meetings/{mid}/participants", json={"user_id": dana_id, "role": "delegate"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert resp.status == 201
    browser = await site.new_client()
    await login(browser, "dana", "a long enough password 1")
    assert await (await browser.get("/api/meetings")).json() == []
    assert (await browser.get(f"/api/meetings/{mid}")).status == 404
    assert (await browser.get(f"/meetings/{mid}")).status == 404
    await _status(site.client, mid, "publish", csrf)
    assert [m["id"] for m in await (await browser.get("/api/meetings")).json()] == [mid]


@pytest.fixture
async def lroom(any_site: Site, tmp_path: Path) -> Any:
    site = any_site
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    meeting_id = await create_meeting(site, csrf, "Live")
    data = make_pdf(tmp_path / "d.pdf", pages=3).read_bytes()
    resp = await upload(site.client, csrf, meeting_id, data)
    doc = await wait_done(site.client, (await resp.json())["id"])
    r = Room(site, meeting_id, doc["id"], csrf)
    yield r
    for tablet in r.tablets:
        await tablet.close()


async def _attendance(room: Room) -> dict[str, dict[str, Any]]:
    resp = await room.site.client.get(f"/api/meetings/{room.id}/attendance")
    assert resp.status == 200, await resp.text()
    return {a["name"]: a for a in (await resp.json())["attendees"]}


async def _until_left(room: Room, name: str) -> dict[str, Any]:
    seen: dict[str, dict[str, Any]] = {}

    async def left() -> dict[str, Any] | None:
        seen.update(await _attendance(room))
        entry = seen.get(name)
        return entry if entry is not None and not entry["present_now"] else None

    return await until(left, 5, lambda: f"{name} is still present: {seen}", interval=0.05)


def _connections(people: list[dict[str, Any]], name: str) -> int:
    return next((p["connections"] for p in people if p["name"] == name), 0)


async def test_attendance_from_real_joins(lroom: Room) -> None:
    room, clock = lroom, lroom.site.clock
    chair_browser = await room.person("Chair", "chair")
    delegate_browser = await room.person("Delegate", "delegate")
    chair, welcome = await room.tablet(chair_browser)
    assert welcome["status"] == "scheduled" and not welcome.get("read_only")
    # Before the meeting is opened, nobody is counted.
    assert await _attendance(room) == {}

    clock.advance(timedelta(minutes=5))
    resp = await _status(room.site.client, room.id, "open", room.csrf)
    assert resp.status == 200
    status = await chair.next("meeting_status")
    assert status == {"type": "meeting_status", "status": "in_progress"}
    start = clock.now()

    clock.advance(timedelta(minutes=1))
    phone, _ = await room.tablet(delegate_browser)  # the delegate's first device
    clock.advance(timedelta(minutes=1))
    laptop, _ = await room.tablet(delegate_browser)  # and a second one
    await chair.next_where("presence", lambda m: _connections(m["people"], "Delegate") == 2)
    clock.advance(timedelta(minutes=1))
    await phone.close()
    await chair.next_where("presence", lambda m: _connections(m["people"], "Delegate") == 1)
    clock.advance(timedelta(minutes=2))
    await laptop.close()  # gone at start + 5 min: present 4 minutes so far
    entry = await _until_left(room, "Delegate")
    assert entry["seconds"] == 4 * 60 and entry["joins"] == 1

    clock.advance(timedelta(minutes=5))
    again, _ = await room.tablet(delegate_browser, last_seq=0)  # reconnects at +10 min
    await chair.next_where("presence", lambda m: _connections(m["people"], "Delegate") == 1)
    clock.advance(timedelta(minutes=2))
    resp = await _status(room.site.client, room.id, "close", room.csrf)
    assert resp.status == 200

    listed = await _attendance(room)
    assert set(listed) == {"Chair", "Delegate"}  # one attendee per person
    delegate = listed["Delegate"]
    assert delegate["seconds"] == 6 * 60 and delegate["joins"] == 2
    assert delegate["how"] == ["browser"] and not delegate["present_now"]
    assert listed["Chair"]["seconds"] == 12 * 60 and listed["Chair"]["role"] == "chair"
    assert listed["Chair"]["first_joined_at"].startswith(start.strftime("%Y-%m-%dT%H:%M"))
    # Time after closing does not count, even for those still connected.
    clock.advance(timedelta(minutes=30))
    await again.close()
    assert (await _attendance(room))["Delegate"]["seconds"] == 6 * 60

    resp = await room.site.client.get(f"/api/meetings/{room.id}/attendance.csv")
    assert resp.status == 200 and resp.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO((await resp.text()).lstrip("\ufeff"))))
    assert rows[0][:5] == ["name", "role", "first_joined_at", "last_left_at", "minutes_present"]
    assert sorted((r[0], r[4]) for r in rows[1:]) == [("Chair", "12.0"), ("Delegate", "6.0")]
    # The meeting page shows the table to the organiser; delegates may not read it.
    page = await (await room.site.client.get(f"/meetings/{room.id}")).text()
    assert 'id="attendance"' in page and "Delegate" in page
    assert (await delegate_browser.get(f"/api/meetings/{room.id}/attendance")).status == 403


async def test_closing_and_archiving_make_everything_read_only(lroom: Room) -> None:
    room = lroom
    site, csrf = room.site, room.csrf
    chair, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate_browser = await room.person("Delegate", "delegate")
    delegate, _ = await room.tablet(delegate_browser)
    await _status(site.client, room.id, "open", csrf)
    await delegate.next("meeting_status")
    # Something to keep: a shared stroke and a chat message.
    stroke = room.stroke()
    await chair.send("stroke_end", **stroke)
    await chair.next("ack")
    await delegate.send("chat", op_id=secrets.token_hex(8), text="Xin chào")
    await delegate.next("ack")
    await delegate.send("video_join", audio=False, video=False)
    await delegate.next("video_joined")

    resp = await _status(site.client, room.id, "close", csrf)
    assert resp.status == 200
    for tablet in (chair, delegate):
        closed = await tablet.next("meeting_status")
        assert closed == {"type": "meeting_status", "status": "ended", "read_only": True}
    assert (await delegate.next("video_left"))["reason"] == "closed"

    async def refused(tablet: Tablet, code: str) -> None:
        writes: list[tuple[str, dict[str, Any]]] = [
            ("stroke_end", room.stroke()),
            ("stroke_start", room.stroke()),
            ("note", {"op_id": secrets.token_hex(8), "document_id": room.document_id,
                      "page": 1, "layer": "private", "x": 0.5, "y": 0.5, "text": "Hm"}),
            ("erase", {"op_id": secrets.token_hex(8), "target": stroke["op_id"]}),
            ("undo", {"op_id": secrets.token_hex(8)}),
            ("redo", {"op_id": secrets.token_hex(8)}),
            ("chat", {"op_id": secrets.token_hex(8), "text": "Late"}),
            ("present", {"where": {"document_id": room.document_id, "page": 2}}),
            ("video_join", {"audio": False, "video": False}),
        ]  # fmt: skip
        for kind, fields in writes:
            await tablet.send(kind, **fields)
            error = await tablet.next("error")
            assert error["code"] == code, (kind, error)
        await tablet.send("ping")
        await tablet.next("pong")

    await refused(chair, "meeting_ended")
    await refused(delegate, "meeting_ended")

    # Over HTTP too: agenda, documents.
    async def http_refused(code: str) -> None:
        h = {"X-CSRF-Token": csrf}
        calls = [
            site.client.post(f"/api/meetings/{room.id}/agenda", json={"title": "More"}, headers=h),
            site.client.patch(f"/api/documents/{room.document_id}", json={"title": "X"}, headers=h),
            site.client.delete(f"/api/documents/{room.document_id}", headers=h),
            upload(site.client, csrf, room.id, b"%PDF-1.4 nothing"),
        ]
        for call in calls:
            resp = await call
            assert resp.status == 409, await resp.text()
            assert (await resp.json())["error"]["code"] == code

    await http_refused("meeting_ended")

    resp = await _status(site.client, room.id, "archive", csrf)
    assert resp.status == 200
    assert (await chair.next("meeting_status"))["status"] == "archived"
    await refused(delegate, "meeting_archived")
    await http_refused("meeting_archived")

    # Viewing stays: a new tablet is welcomed read-only with the annotations and chat.
    late, welcome = await room.tablet(delegate_browser)
    assert welcome["status"] == "archived" and welcome["read_only"] is True
    assert [a["op_id"] for a in welcome["annotations"]] == [stroke["op_id"]]
    assert [c["text"] for c in welcome["chat"]] == ["Xin chào"]
    resp = await delegate_browser.get(f"/api/documents/{room.document_id}/pages/1?w=240")
    assert resp.status == 200
    page = await (await delegate_browser.get(f"/m/{room.id}")).text()
    assert "Archived \\u2014 read only" in page  # the banner's text, for lifecycle.js
    agenda = await site.client.get(f"/api/meetings/{room.id}/agenda")
    assert agenda.status == 200


async def test_pages_show_status_and_buttons(lroom: Room) -> None:
    room = lroom
    site = room.site
    page = await (await site.client.get(f"/meetings/{room.id}")).text()
    assert 'data-status="scheduled"' in page and 'data-transition="open"' in page
    assert 'data-transition="archive"' not in page
    # (Confirmed as early, in case the meeting is still ahead: see the next test.)
    resp = await site.client.post(
        f"/meetings/{room.id}/status/open",
        data={"_csrf": room.csrf, "start_early": "1"},
        allow_redirects=False,
    )
    assert resp.status == 303 and "notice=status_open" in resp.headers["Location"]
    page = await (await site.client.get(f"/meetings/{room.id}")).text()
    assert 'data-status="in_progress"' in page and 'data-transition="close"' in page
    assert 'id="attendance"' in page
    listing = await (await site.client.get("/meetings?status=in_progress")).text()
    assert "Live" in listing
    listing = await (await site.client.get("/meetings?status=archived")).text()
    assert "Live" not in listing
    # The meeting page of the chair has the Close control, for the room.
    chair = await room.person("Chair", "chair")
    text = await (await chair.get(f"/m/{room.id}")).text()
    assert 'action="/meetings/' + room.id + '/status/close"' in text
    resp = await site.client.post(
        f"/meetings/{room.id}/status/nonsense", data={"_csrf": room.csrf}, allow_redirects=False
    )
    assert resp.status == 404


async def _meeting_at(site: Site, csrf: str, starts_at: datetime) -> str:
    resp = await site.client.post(
        "/api/meetings",
        json={"title": "Giao ban", "starts_at": starts_at.isoformat(),
              "ends_at": (starts_at + timedelta(hours=2)).isoformat()},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


@pytest.mark.dates
async def test_starting_a_meeting_early_asks_first(site: Site) -> None:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    mid = await _meeting_at(site, csrf, site.clock.now() + timedelta(days=1))
    page = await (await site.client.get(f"/meetings/{mid}")).text()
    # The everyday action is the primary button; starting is not, and it asks (with
    # JavaScript: a dialog that sends start_early=1).
    assert f'class="button primary room-link" href="/m/{mid}">Go to the meeting room<' in page
    form = re.search(rf'<form method="post" action="/meetings/{mid}/status/open"[^>]*>', page)
    assert form is not None
    assert 'data-confirm="This meeting is scheduled to start at' in form.group(0)
    assert 'data-confirm-field="start_early"' in form.group(0)
    assert '<button type="submit" data-transition="open">Start the meeting</button>' in page
    actions = re.search(r'<div class="actions status-actions">(.*?)</div>', page, re.S)
    assert actions is not None and "primary" not in actions.group(1)
    assert '<button type="submit" class="danger">Delete meeting</button>' in page

    # The chair's button in the meeting room asks the same way.
    room = await (await site.client.get(f"/m/{mid}")).text()
    form = re.search(rf'<form method="post" action="/meetings/{mid}/status/open"[^>]*>', room)
    assert form is not None and 'data-confirm-field="start_early"' in form.group(0)

    # Without JavaScript: the server asks on a page of its own; nothing changed yet.
    resp = await site.client.post(
        f"/meetings/{mid}/status/open", data={"_csrf": csrf, "next": "room"},
        allow_redirects=False,
    )  # fmt: skip
    text = await resp.text()
    assert resp.status == 200 and "Start the meeting now?" in text
    assert 'name="start_early" value="1"' in text and 'name="next" value="room"' in text
    assert f'href="/m/{mid}">Not now</a>' in text
    meeting = (await (await site.client.get(f"/api/meetings/{mid}")).json())["meeting"]
    assert meeting["status"] == "scheduled" and meeting["opened_at"] is None
    # Confirmed: started, back where it was asked from.
    resp = await site.client.post(
        f"/meetings/{mid}/status/open", data={"_csrf": csrf, "next": "room", "start_early": "1"},
        allow_redirects=False,
    )  # fmt: skip
    assert (resp.status, resp.headers["Location"]) == (303, f"/m/{mid}")
    meeting = (await (await site.client.get(f"/api/meetings/{mid}")).json())["meeting"]
    assert meeting["status"] == "in_progress"

    # Programs are not asked: the API starts an early meeting at once.
    api_mid = await _meeting_at(site, csrf, site.clock.now() + timedelta(days=1))
    resp = await _status(site.client, api_mid, "open", csrf)
    assert resp.status == 200 and (await resp.json())["status"] == "in_progress"

    # On time, nobody is asked.
    due = await _meeting_at(site, csrf, site.clock.now() + timedelta(hours=1))
    site.clock.advance(timedelta(hours=1, minutes=2))
    page = await (await site.client.get(f"/meetings/{due}")).text()
    form = re.search(rf'<form method="post" action="/meetings/{due}/status/open"[^>]*>', page)
    assert form is not None and "data-confirm" not in form.group(0)
    resp = await site.client.post(
        f"/meetings/{due}/status/open", data={"_csrf": csrf}, allow_redirects=False
    )
    assert resp.status == 303 and "notice=status_open" in resp.headers["Location"]
