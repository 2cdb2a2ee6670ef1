"""Long meetings over real WebSocket clients, on SQLite and PostgreSQL: a meeting whose
annotations are many megabytes is joined afresh, and resumed from far behind, with
nothing lost or repeated between the snapshot and the live stream; what one person,
and a meeting, may store is bounded, and nothing is stored past the bounds."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

from meetroom.server.live_socket import QUEUE_SIZE
from meetroom.sessions.live.snapshot import REPLAY_OPS
from tests.clients import ADMIN_PASSWORD, Site, Tablet, local_path, login
from tests.ink import store_strokes, stroke_points
from tests.pdf.pdfs import make_pdf
from tests.server.meetings import Room, create_meeting, upload, wait_done
from tests.waiting import until

STROKES = 2100  # of 20 points: about 2 MB of annotations, twice the socket queue's bound
POINTS = 20
WAIT = 20.0


async def new_room(site: Site, tmp_path: Path) -> Room:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    meeting_id = await create_meeting(site, csrf, "Long")
    resp = await upload(site.client, csrf, meeting_id, make_pdf(tmp_path / "d.pdf", 3).read_bytes())
    doc = await wait_done(site.client, (await resp.json())["id"])
    return Room(site, meeting_id, doc["id"], csrf)


async def person(room: Room, name: str, role: str) -> tuple[Any, str]:
    """A participant's browser (signed in by their link) and their live key."""
    resp = await room.site.client.post(
        f"/api/meetings/{room.id}/participants", json={"name": name, "role": role},
        headers={"X-CSRF-Token": room.csrf},
    )  # fmt: skip
    body = await resp.json()
    browser = await room.site.new_client()
    assert (await browser.get(local_path(body["join_url"]))).status == 200
    return browser, f"p:{body['id']}"


async def snapshot(tablet: Tablet, welcome: dict[str, Any]) -> list[dict[str, Any]]:
    """Every annotation the welcome brought (its pages, if any, put together)."""
    shown = list(welcome.get("annotations", []))
    more = welcome.get("more", False)
    while more:
        page = await tablet.next("annotations_page", WAIT)
        shown += page["annotations"]
        more = page.get("more", False)
    return shown


async def test_a_long_meeting_is_joined_afresh_and_from_far_behind(
    any_site: Site, tmp_path: Path
) -> None:
    room = await new_room(any_site, tmp_path)
    chair_browser, chair = await person(room, "Chair", "chair")
    delegate_browser, _ = await person(room, "Delegate", "delegate")
    stored = await store_strokes(
        any_site.services.database, room.id, chair, room.document_id, STROKES, POINTS
    )

    # The first to join loads the meeting and gets every annotation, in pages.
    chair_t, welcome = await room.tablet(chair_browser)
    shown = await snapshot(chair_t, welcome)
    assert welcome["seq"] == STROKES and welcome["more"] is True
    assert [a["op_id"] for a in shown] == stored
    assert len(chair_t.of_type("annotations_page")) >= 4  # none near the queue's bound
    # Points kept compactly come out as they went in.
    assert shown[7]["points"] == stroke_points(8, POINTS)

    # A tablet joins afresh while the chair goes on drawing: every stroke reaches it
    # once, in the snapshot or live after it.
    drawn = [room.stroke(page=2) for _ in range(6)]
    for stroke in drawn[:3]:
        await chair_t.send("stroke_end", **stroke)
    delegate_t, welcome = await room.tablet(delegate_browser)
    for stroke in drawn[3:]:
        await chair_t.send("stroke_end", **stroke)
    acks = [await chair_t.next("ack", WAIT) for _ in drawn]
    shown = await snapshot(delegate_t, welcome)
    last = max(ack["seq"] for ack in acks)
    await delegate_t.next_where("added", lambda m: m["seq"] == last, WAIT)
    live = [m for m in delegate_t.of_type("added")]
    assert all(m["seq"] > welcome["seq"] for m in live)
    got = [a["op_id"] for a in shown] + [m["annotation"]["op_id"] for m in live]
    assert sorted(got) == sorted(stored + [s["op_id"] for s in drawn])  # once each
    total = STROKES + len(drawn)

    # Resuming from further back than the queue holds: the replay is complete, in
    # order, then the live stream goes on.
    behind = total - 1500
    assert total - behind > QUEUE_SIZE and REPLAY_OPS >= total - behind
    resumed_t, resumed = await room.tablet(delegate_browser, last_seq=behind)
    assert resumed["resumed"] is True and resumed["seq"] == total
    replayed = [await resumed_t.next("added", WAIT) for _ in range(total - behind)]
    assert [m["seq"] for m in replayed] == list(range(behind + 1, total + 1))
    extra = room.stroke(page=3)
    await chair_t.send("stroke_end", **extra)
    after = await resumed_t.next("added", WAIT)
    assert after["seq"] == total + 1 and after["annotation"]["op_id"] == extra["op_id"]

    # From further back than the server replays: welcomed afresh, with everything.
    far_t, welcome = await room.tablet(delegate_browser, last_seq=1)
    shown = await snapshot(far_t, welcome)
    assert not welcome.get("resumed") and welcome["seq"] == total + 1
    assert len(shown) == total + 1 and len({a["op_id"] for a in shown}) == total + 1
    assert not far_t.of_type("added")


async def answer(tablet: Tablet, op_id: str, start: int) -> dict[str, Any]:
    """The server's answer about one operation, among the messages from `start` on: its
    ack or its error."""

    def found() -> dict[str, Any] | None:
        for m in tablet.messages[start:]:
            if m.get("op_id" if m["type"] == "ack" else "ref") == op_id:
                if m["type"] in ("ack", "error"):
                    return m
        return None

    return await until(found, WAIT, f"no answer about {op_id}", interval=0.005)


LONG = [[0.1 + i / 4000, 0.2 + i / 6000] for i in range(2000)]


def stroke_of(room: Room, page: int, long: bool = False) -> dict[str, Any]:
    """A private stroke of 3 points (448 bytes: 16 a point, 400 the operation), or of
    2000 points (32,400 bytes)."""
    return room.stroke("private", page=page, **({"points": LONG} if long else {}))


async def test_quotas_refuse_past_the_limit_and_store_nothing(
    make_site: Any, backend: str, tmp_path: Path
) -> None:
    site = await make_site(
        backend, live_page_max_annotations=20, live_person_max_operations=40,
        live_person_max_mb=0.25, live_meeting_max_mb=0.5,
    )  # fmt: skip
    room = await new_room(site, tmp_path)
    hoa_t, _ = await room.tablet((await person(room, "Hoa", "delegate"))[0])
    binh_t, _ = await room.tablet((await person(room, "Binh", "delegate"))[0])
    lan_t, _ = await room.tablet((await person(room, "Lan", "delegate"))[0])
    refused: list[str] = []

    async def store_op(tablet: Tablet, type_: str, **fields: Any) -> dict[str, Any]:
        op_id = fields.setdefault("op_id", secrets.token_hex(8))
        start = len(tablet.messages)
        await tablet.send(type_, **fields)
        reply = await answer(tablet, op_id, start)
        if reply["type"] == "error":
            refused.append(op_id)
        return reply

    # Per person per page: 20 on page 1, then page 1 refuses and page 2 takes more.
    for _ in range(20):
        assert (await store_op(hoa_t, "stroke_end", **stroke_of(room, 1)))["type"] == "ack"
    last_ok = hoa_t.of_type("ack")[-1]
    error = await store_op(hoa_t, "stroke_end", **stroke_of(room, 1))
    assert error["type"] == "error" and error["code"] == "annotation_quota"
    assert "20 annotations to this page" in error["message"]
    assert (await store_op(hoa_t, "stroke_end", **stroke_of(room, 2)))["type"] == "ack"
    # A stroke stored before, sent again (its ack was lost), is still acknowledged.
    again = stroke_of(room, 1) | {"op_id": last_ok["op_id"]}
    assert (await store_op(hoa_t, "stroke_end", **again))["seq"] == last_ok["seq"]

    # Per person per meeting, chat included: 40 operations.
    for _ in range(19):
        assert (await store_op(hoa_t, "chat", text="Xin chào"))["type"] == "ack"
    error = await store_op(hoa_t, "chat", text="Một tin nữa")
    assert error["type"] == "error" and error["code"] == "chat_quota"
    assert "40 annotations, changes and chat messages" in error["message"]
    error = await store_op(hoa_t, "stroke_end", **stroke_of(room, 3))
    assert error["code"] == "annotation_quota"

    # Weight per person: 0.25 MB is 8 strokes of 2000 points.
    for _ in range(8):
        reply = await store_op(binh_t, "stroke_end", **stroke_of(room, 1, long=True))
        assert reply["type"] == "ack", reply
    error = await store_op(binh_t, "stroke_end", **stroke_of(room, 2, long=True))
    assert error["code"] == "annotation_quota" and "reached 0.25 MB" in error["message"]
    assert "one person" in error["message"]

    # Weight per meeting: 0.5 MB in all, whoever stored it (Hoa and Binh left Lan 0.24).
    for _ in range(8):
        reply = await store_op(lan_t, "stroke_end", **stroke_of(room, 1, long=True))
        if reply["type"] == "error":
            break
    assert reply["code"] == "annotation_quota" and "reached 0.5 MB" in reply["message"]
    assert "a meeting" in reply["message"] and len(lan_t.of_type("ack")) == 7

    # Nothing refused was stored; every acknowledged operation was, and reaches others.
    ops = await site.services.live.store.ops(room.id)
    assert len(refused) == 5
    assert not {op.op_id for op in ops} & set(refused)
    acked = {m["op_id"] for t in (hoa_t, binh_t, lan_t) for m in t.of_type("ack")}
    assert {op.op_id for op in ops} == acked
    _, late_welcome = await room.tablet(room.site.client)
    assert late_welcome["seq"] == len(ops)
    await asyncio.gather(*(t.close() for t in room.tablets))
    room.tablets.clear()
