"""The meeting WebSocket with real clients against a real server: handshake, the
presenter and followers, both annotation layers, grants, acknowledgement after
storing, resume without gap or duplicate, malformed messages and flooding."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from pypdf import PdfReader
from yarl import URL

from tests.clients import ADMIN_PASSWORD, Site, Tablet, local_path, login
from tests.pdf.pdfs import make_pdf
from tests.server.meetings import Room, create_meeting, upload, wait_done


@pytest.fixture
async def room(site: Site, tmp_path: Path) -> Any:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    meeting_id = await create_meeting(site, csrf, "Live")
    data = make_pdf(tmp_path / "d.pdf", pages=3).read_bytes()
    resp = await upload(site.client, csrf, meeting_id, data)
    doc = await wait_done(site.client, (await resp.json())["id"])
    r = Room(site, meeting_id, doc["id"], csrf)
    yield r
    for tablet in r.tablets:
        await tablet.close()


async def test_handshake(room: Room) -> None:
    chair = await room.person("Chair", "chair")
    ws = await chair.ws_connect(
        f"/m/{room.id}/socket", headers={"Origin": room.site.url("").rstrip("/")}
    )
    tablet = Tablet(ws)
    room.tablets.append(tablet)
    await tablet.send("ping")
    assert (await tablet.next("error"))["code"] == "hello_first"
    await tablet.send("hello", version=99)
    assert (await tablet.next("error"))["code"] == "protocol_version"
    await tablet.send("hello", version=1)
    welcome = await tablet.next("welcome")
    assert welcome["name"] == "Chair" and welcome["role"] == "chair"
    assert "moderator" in welcome["grants"] and welcome["seq"] == 0
    assert welcome["you"].startswith("p:")
    await tablet.send("ping")
    await tablet.next("pong")


async def test_who_may_connect(room: Room, make_site: Callable[..., Awaitable[Site]]) -> None:
    delegate = await room.person("Delegate", "delegate")
    url = f"/m/{room.id}/socket"
    for headers, status in (({}, 403), ({"Origin": "http://evil.example"}, 403)):
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await delegate.ws_connect(url, headers=headers)
        assert info.value.status == status
    stranger = await room.site.new_client()
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await stranger.ws_connect(url, headers={"Origin": room.site.url("").rstrip("/")})
    assert info.value.status == 401
    # A participant of another meeting.
    other = await create_meeting(room.site, room.csrf, "Other")
    resp = await room.site.client.post(
        f"/api/meetings/{other}/participants", json={"name": "Elsewhere", "role": "delegate"},
        headers={"X-CSRF-Token": room.csrf},
    )  # fmt: skip
    elsewhere = await room.site.new_client()
    await elsewhere.get(local_path((await resp.json())["join_url"]))
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await elsewhere.ws_connect(url, headers={"Origin": room.site.url("").rstrip("/")})
    assert info.value.status == 403


async def test_presenter_and_followers(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate_browser = await room.person("Delegate", "delegate")
    delegate_t, welcome = await room.tablet(delegate_browser)
    other_t, _ = await room.tablet(await room.person("Other", "delegate"))
    assert welcome["state"].get("where", {}).get("document_id") is None

    where = {
        "document_id": room.document_id,
        "page": 2,
        "viewport": {"x": 0.1, "y": 0.2, "zoom": 2.0},
    }
    await chair_t.send("present", where=where)
    for tablet in (delegate_t, other_t, chair_t):
        state = (await tablet.next("presented"))["state"]
        assert state["where"]["page"] == 2 and state["where"]["viewport"]["zoom"] == 2.0

    # A late joiner starts where the presenter is.
    late_t, late_welcome = await room.tablet(await room.person("Late", "guest"))
    assert late_welcome["state"]["where"]["page"] == 2

    await delegate_t.send("present", where={**where, "page": 3})
    assert (await delegate_t.next("error"))["code"] == "not_presenter"
    await other_t.none("presented")

    # The chair hands over presentation; then the delegate turns pages.
    delegate_id = delegate_t.messages[0]["you"][2:]
    await chair_t.send("hand_over", participant_id=delegate_id)
    assert (await other_t.next("presented"))["state"]["presenter"] == f"p:{delegate_id}"
    await delegate_t.send("present", where={**where, "page": 3})
    assert (await other_t.next("presented"))["state"]["where"]["page"] == 3
    await delegate_t.send("present", where={**where, "page": 9})
    assert (await delegate_t.next("error"))["code"] == "page_not_found"

    # Everyone back to the presenter.
    await delegate_t.send("force_follow")
    assert (await delegate_t.next("error"))["code"] == "not_moderator"
    await chair_t.send("force_follow")
    await late_t.next_where("presented", lambda m: m["state"].get("follow_epoch") == 1)


async def test_one_presenter_an_admin_takes_over(room: Room) -> None:
    chair_t, chair_welcome = await room.tablet(await room.person("Chair", "chair"))
    admin_t, admin_welcome = await room.tablet(room.site.client)  # an admin, not a participant
    delegate_t, _ = await room.tablet(await room.person("Delegate", "delegate"))
    chair, admin = chair_welcome["you"], admin_welcome["you"]
    assert admin.startswith("u:") and "moderator" in admin_welcome["grants"]
    assert admin_welcome["state"]["presenter"] == chair
    assert admin_welcome["state"]["presenter_name"] == "Chair"
    where = {"document_id": room.document_id, "page": 2}

    # The admin's page turn moves nobody: the chair presents.
    await admin_t.send("present", where=where)
    assert (await admin_t.next("error"))["code"] == "not_presenter"
    await delegate_t.none("presented")

    # The admin takes over (their page asked first): everyone is told who presents.
    await delegate_t.send("take_over")
    assert (await delegate_t.next("error"))["code"] == "not_organiser"
    await admin_t.send("take_over", where=where)
    for tablet in (chair_t, admin_t, delegate_t):
        state = (await tablet.next("presented"))["state"]
        assert state["presenter"] == admin and state["presenter_name"] == "Administrator"
        assert state["where"]["page"] == 2
    await chair_t.send("present", where={**where, "page": 3})
    assert (await chair_t.next("error"))["code"] == "not_presenter"
    await admin_t.send("present", where={**where, "page": 3})
    assert (await delegate_t.next("presented"))["state"]["where"]["page"] == 3

    # The chair takes it back.
    await chair_t.send("hand_over", participant_id=None)
    assert (await delegate_t.next("presented"))["state"]["presenter"] == chair


async def test_presence_is_for_the_chair(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate_t, _ = await room.tablet(await room.person("Delegate", "delegate"))
    await delegate_t.send(
        "browse", following=False, where={"document_id": room.document_id, "page": 3}
    )
    for _ in range(5):
        people = {e["name"]: e for e in (await chair_t.next("presence"))["people"]}
        if not people.get("Delegate", {}).get("following", True):
            break
    assert people["Delegate"]["where"]["page"] == 3 and people["Chair"]["following"]
    await delegate_t.none("presence")


async def test_shared_and_private_layers(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    hoa = await room.person("Hoa", "delegate")
    hoa_t, _ = await room.tablet(hoa)
    hoa_phone, _ = await room.tablet(hoa)  # the same person on a second device
    binh_t, _ = await room.tablet(await room.person("Binh", "delegate"))

    # The chair draws on the shared layer: everyone sees it being drawn, then stored.
    stroke = room.stroke("shared")
    await chair_t.send(
        "stroke_start",
        **{
            k: stroke[k]
            for k in ("op_id", "document_id", "page", "layer", "tool", "color", "width")
        },
        points=stroke["points"][:1],
    )
    drawing = await binh_t.next("drawing")
    assert drawing["op_id"] == stroke["op_id"] and drawing["points"] == [[0.1, 0.1]]
    await chair_t.send("stroke_points", op_id=stroke["op_id"], points=stroke["points"][1:])
    assert (await hoa_t.next("drawing"))["points"] == [[0.1, 0.1]]
    assert (await hoa_t.next("drawing"))["points"] == stroke["points"][1:]
    await chair_t.send("stroke_end", **stroke)
    ack = await chair_t.next("ack")
    assert ack["op_id"] == stroke["op_id"] and ack["seq"] == 1
    # Acknowledged means stored.
    stored = await room.site.services.live.store.ops(room.id)
    assert [(o.seq, o.op_id, o.layer) for o in stored] == [(1, stroke["op_id"], "shared")]
    for tablet in (hoa_t, hoa_phone, binh_t):
        added = await tablet.next("added")
        assert added["seq"] == 1 and added["annotation"]["points"] == stroke["points"]
    await chair_t.none("added")  # the author has the ack instead

    # A delegate may not draw on the shared layer, until the chair opens it.
    blocked = room.stroke("shared")
    await hoa_t.send("stroke_end", **blocked)
    assert (await hoa_t.next("error"))["code"] == "shared_layer_closed"
    assert len(await room.site.services.live.store.ops(room.id)) == 1

    # Private strokes: the author's devices only.
    private = room.stroke("private")
    await hoa_t.send("stroke_end", **private)
    assert (await hoa_t.next("ack"))["seq"] == 2
    assert (await hoa_phone.next("added"))["annotation"]["op_id"] == private["op_id"]
    await binh_t.none("added")
    await chair_t.none("added")

    await chair_t.send("open_shared", open=True)
    await hoa_t.next("presented")
    await hoa_t.send("stroke_end", **blocked)
    assert (await hoa_t.next("ack"))["seq"] == 3
    assert (await binh_t.next("added"))["annotation"]["op_id"] == blocked["op_id"]

    # What a new tablet of Binh's gets: the shared layer only.
    _, welcome = await room.tablet(room.browsers["Binh"])
    assert {a["op_id"] for a in welcome.get("annotations", [])} == {
        stroke["op_id"],
        blocked["op_id"],
    }
    _, welcome = await room.tablet(hoa)
    assert private["op_id"] in {a["op_id"] for a in welcome["annotations"]}


async def test_erase_undo_redo(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate_t, _ = await room.tablet(await room.person("Delegate", "delegate"))
    first, second = room.stroke(), room.stroke()
    for stroke in (first, second):
        await chair_t.send("stroke_end", **stroke)
        await chair_t.next("ack")
    await chair_t.send("note", op_id="note-1", document_id=room.document_id, page=2,
                       layer="shared", x=0.5, y=0.5, text="Xem lại số liệu")  # fmt: skip
    await chair_t.next("ack")

    await delegate_t.send("erase", op_id="e1", target=first["op_id"])
    assert (await delegate_t.next("error"))["code"] == "shared_layer_closed"
    await chair_t.send("undo", op_id="u1")
    assert (await chair_t.next("ack"))["target"] == "note-1"  # what the undo took back
    removed = await delegate_t.next("removed")
    assert removed["op_id"] == "note-1" and removed["by"] == "u1"
    await chair_t.send("undo", op_id="u2")
    await chair_t.next("ack")
    assert (await delegate_t.next("removed"))["op_id"] == second["op_id"]
    await chair_t.send("redo", op_id="r1")
    await chair_t.next("ack")
    assert (await delegate_t.next("restored"))["annotation"]["op_id"] == second["op_id"]
    await chair_t.send("erase", op_id="e2", target=first["op_id"])
    await chair_t.next("ack")
    assert (await delegate_t.next("removed"))["op_id"] == first["op_id"]
    await chair_t.send("erase", op_id="e3", target=first["op_id"])
    assert (await chair_t.next("error"))["code"] == "annotation_not_found"

    # The delegate's own history is separate from the chair's.
    await delegate_t.send("undo", op_id="u3")
    assert (await delegate_t.next("error"))["code"] == "nothing_to_undo"
    _, welcome = await room.tablet(room.browsers["Delegate"])
    # After: first erased, second undone then redone, the note undone (redo still possible).
    assert [a["op_id"] for a in welcome["annotations"]] == [second["op_id"]]
    await chair_t.send("redo", op_id="r2")
    await chair_t.next("ack")
    assert (await delegate_t.next("restored"))["annotation"]["text"] == "Xem lại số liệu"


async def test_resume_without_gap_or_duplicate(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate = await room.person("Delegate", "delegate")
    delegate_t, _ = await room.tablet(delegate)
    strokes = [room.stroke() for _ in range(6)]
    for stroke in strokes[:2]:
        await chair_t.send("stroke_end", **stroke)
        await chair_t.next("ack")
    last = (await delegate_t.next("added"))["seq"]
    last = max(last, (await delegate_t.next("added"))["seq"])
    assert last == 2
    await delegate_t.close()  # the Wi-Fi drops

    for stroke in strokes[2:5]:
        await chair_t.send("stroke_end", **stroke)
        await chair_t.next("ack")
    await chair_t.send("erase", op_id="gone", target=strokes[0]["op_id"])
    await chair_t.next("ack")

    back, welcome = await room.tablet(delegate, last_seq=last)
    assert welcome["seq"] == 6 and welcome["resumed"] and not welcome.get("annotations")
    await chair_t.send("stroke_end", **strokes[5])
    await chair_t.next("ack")
    seen = []
    for _ in range(5):
        message = await back.next("added") if len(seen) < 3 else None
        if message is None:
            break
        seen.append(message)
    removed = await back.next("removed")
    live = await back.next("added")
    assert [m["seq"] for m in seen] == [3, 4, 5]
    assert removed["seq"] == 6 and removed["op_id"] == strokes[0]["op_id"]
    assert live["seq"] == 7
    await back.none("added")
    events = [m for m in back.messages if "seq" in m and m["type"] != "welcome"]
    assert [m["seq"] for m in events] == [3, 4, 5, 6, 7]  # in order, each once


async def test_resent_operation_is_not_repeated(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate_t, _ = await room.tablet(await room.person("Delegate", "delegate"))
    stroke = room.stroke()
    await chair_t.send("stroke_end", **stroke)
    first = await chair_t.next("ack")
    # Sent again after a reconnection (the tablet never saw the ack): same seq, once.
    await chair_t.send("stroke_end", **stroke)
    again = await chair_t.next("ack")
    assert again == first
    await delegate_t.next("added")
    await delegate_t.none("added")
    assert len(await room.site.services.live.store.ops(room.id)) == 1


async def test_bad_messages_change_nothing(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate_t, _ = await room.tablet(await room.person("Delegate", "delegate"))
    await chair_t.ws.send_str("{not json")
    assert (await chair_t.next("error"))["code"] == "invalid_json"
    await chair_t.send("launch_rockets")
    error = await chair_t.next("error")
    assert error["code"] == "unknown_type" and "launch_rockets" in error["message"]
    stroke = room.stroke()
    await chair_t.send("stroke_end", **{**stroke, "color": "red"})
    assert (await chair_t.next("error"))["code"] == "invalid_field"
    await chair_t.send("stroke_end", **{**stroke, "extra": 1})
    assert (await chair_t.next("error"))["code"] == "unknown_field"
    await chair_t.send("stroke_end", **{**stroke, "document_id": "nope"})
    assert (await chair_t.next("error"))["code"] == "document_not_found"
    await chair_t.send("stroke_end", **{**stroke, "points": [[0.1, 0.1]] * 6000})
    assert (await chair_t.next("error"))["code"] == "too_large"
    await delegate_t.none("added")
    assert await room.site.services.live.store.ops(room.id) == []
    # The socket stays up after all that.
    await chair_t.send("ping")
    await chair_t.next("pong")


async def test_flooding_is_limited_then_cut_off(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    for _ in range(400):
        await chair_t.send("ping")
    refused = await chair_t.next("error")
    assert refused["code"] == "rate_limited" and refused["ref"] == "ping"
    for _ in range(800):
        if chair_t.ws.closed:
            break
        await chair_t.send("ping")
    await asyncio.wait_for(chair_t._reader, 5)
    assert chair_t.ws.close_code == 4429


async def test_export_with_annotations(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    hoa = await room.person("Hoa", "delegate")
    hoa_t, _ = await room.tablet(hoa)
    binh_t, _ = await room.tablet(await room.person("Binh", "delegate"))
    shared, mine, theirs = room.stroke("shared"), room.stroke("private"), room.stroke("private")
    await chair_t.send("stroke_end", **shared)
    await chair_t.next("ack")
    await hoa_t.send("stroke_end", **mine)
    await hoa_t.next("ack")
    await binh_t.send("stroke_end", **theirs)
    await binh_t.next("ack")
    await hoa_t.send("note", op_id="n1", document_id=room.document_id, page=2, layer="private",
                     x=0.2, y=0.2, text="Hỏi lại phần chi phí")  # fmt: skip
    await hoa_t.next("ack")

    url = f"/api/documents/{room.document_id}/annotated.pdf"
    assert (await hoa.get(url)).status == 403  # the document's download rule applies
    await room.site.client.patch(
        f"/api/documents/{room.document_id}", json={"allow_download": True},
        headers={"X-CSRF-Token": room.csrf},
    )  # fmt: skip
    resp = await hoa.get(url)
    assert resp.status == 200 and resp.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(await resp.read()))
    names = {
        str(a.get_object()["/NM"]): a.get_object()
        for page in reader.pages
        for a in page.get("/Annots", [])
    }
    # The shared layer and Hoa's own annotations; not Binh's private stroke.
    assert set(names) == {shared["op_id"], mine["op_id"], "n1"}
    assert names[shared["op_id"]]["/T"] == "Chair"
    assert names["n1"]["/Contents"] == "Hỏi lại phần chi phí"
    audit = await (await room.site.client.get(f"/api/documents/{room.document_id}/audit")).json()
    assert audit[0]["action"] == "download_annotated" and audit[0]["viewer_name"] == "Hoa"


async def test_shutdown_tells_the_tablets(room: Room) -> None:
    chair_t, welcome = await room.tablet(await room.person("Chair", "chair"))
    assert not welcome.get("resumed")  # a fresh start (omitted when false)
    await asyncio.wait_for(room.site.client.server.runner.shutdown(), 5)
    await asyncio.wait_for(chair_t._reader, 5)
    assert chair_t.ws.close_code == 1001


class StalledTablet:
    """A tablet whose app has hung: it says hello, then never reads again. Its receive
    buffer is made small, so that the server's side fills up after a few events."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, room: Room, browser: TestClient) -> StalledTablet:
        url = room.site.url("/")
        cookie = browser.session.cookie_jar.filter_cookies(URL(url))["mr_session"].value
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        host, port = URL(url).host, URL(url).port
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=1024)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET /m/{room.id}/socket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: {url.rstrip('/')}\r\nCookie: mr_session={cookie}\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        tablet = cls(reader, writer)
        tablet.send(b'{"type":"hello","version":1,"last_seq":0}')
        assert (await tablet.frame())[0] == 1  # the welcome (text)
        return tablet

    def send(self, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(bytes((0x81, 0x80 | len(payload))) + mask + masked)

    async def frame(self) -> tuple[int, bytes]:
        """The next frame from the server: (opcode, payload)."""
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(await self.reader.readexactly(2), "big")
        elif length == 127:
            length = int.from_bytes(await self.reader.readexactly(8), "big")
        return first & 0x0F, await self.reader.readexactly(length)

    async def end(self) -> int | None:
        """Reads everything that was waiting for it, to the server's close frame (its
        code) or the end of the connection (None)."""
        try:
            while True:
                opcode, payload = await self.frame()
                if opcode == 0x8:
                    return int.from_bytes(payload[:2], "big")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None

    def close(self) -> None:
        self.writer.close()


async def test_a_stalled_tablet_is_dropped_without_slowing_the_others(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate_t, _ = await room.tablet(await room.person("Delegate", "delegate"))
    stalled_browser = await room.person("Stalled", "delegate")
    stalled = await StalledTablet.open(room, stalled_browser)

    def stalled_listed() -> bool:
        lists = chair_t.of_type("presence")
        return bool(lists) and "Stalled" in {e["name"] for e in lists[-1]["people"]}

    await chair_t.next_where("presence", lambda _: stalled_listed())
    try:
        start = room.stroke()
        start.pop("points")
        await chair_t.send("stroke_start", **start, points=[[0.5, 0.5]])
        # Large drawing batches (~45 KB each) until the stalled tablet's queue is over
        # its byte limit: a few megabytes, once the kernel's buffers are full too.
        batch = [[0.123456 + i * 1e-6, 0.654321] for i in range(1, 2000)]
        sent = 0
        while stalled_listed():
            assert sent < 250, "the stalled tablet was never dropped"
            for _ in range(10):
                await chair_t.send("stroke_points", op_id=start["op_id"], points=batch)
            sent += 10
            await asyncio.sleep(0.15)  # within the rate limit; the presence list comes
        # The delegate who keeps reading got every batch, in order, while it happened.
        for _ in range(sent + 1 - len(delegate_t.of_type("drawing"))):
            await delegate_t.next("drawing")
        assert len(delegate_t.of_type("drawing")) == sent + 1
        # The stalled one is cut off, and finds so if it ever reads again (the close
        # frame, if the kernel's buffers had room for it, else the end of the stream).
        assert await asyncio.wait_for(stalled.end(), 10) in (4008, None)
    finally:
        stalled.close()
    # And it comes back like any tablet that lost its connection.
    _, welcome = await room.tablet(stalled_browser)
    assert welcome["seq"] == 0 and not welcome.get("resumed")
    await chair_t.next_where("presence", lambda _: stalled_listed())


async def test_chat_is_kept_with_the_meeting(room: Room) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    binh = await room.person("Bình", "delegate")
    binh_t, _ = await room.tablet(binh)
    await chair_t.send("chat", op_id="c1", text="  Chào mọi người  ")
    ack = await chair_t.next("ack")
    said = await binh_t.next("chat")
    assert said["seq"] == ack["seq"] and said["text"] == "Chào mọi người"
    assert said["name"] == "Chair" and said["op_id"] == "c1" and said["at"].startswith("20")
    await chair_t.send("chat", op_id="c2", text="   ")
    assert (await chair_t.next("error"))["code"] == "empty_chat"
    await chair_t.send("chat", op_id="c3", text="x" * 2001)
    assert (await chair_t.next("error"))["code"] == "invalid_field"
    # A late joiner gets the conversation so far; one who resumes gets what it missed.
    _, welcome = await room.tablet(await room.person("Late", "delegate"))
    assert [m["text"] for m in welcome["chat"]] == ["Chào mọi người"]
    seen = said["seq"]
    await binh_t.close()
    await chair_t.send("chat", op_id="c4", text="Bắt đầu")
    await chair_t.next("ack")
    back, welcome = await room.tablet(binh, last_seq=seen)
    assert welcome["resumed"] and not welcome.get("chat")
    assert (await back.next("chat"))["text"] == "Bắt đầu"


async def test_an_unexpected_failure_is_an_error_reply_not_a_broken_socket(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))

    async def broken(*args: Any) -> None:
        raise RuntimeError("a bug")

    # (A fault injected where no input could cause one: a server bug.)
    monkeypatch.setattr(room.site.services.video, "handle", broken)
    await chair_t.send("video_join")
    failed = await chair_t.next("error")
    assert failed["code"] == "internal_error" and failed["ref"] == "video_join"
    assert "logged" in failed["message"]
    # The socket is still a WebSocket (no HTTP error page written into it), and works.
    await chair_t.send("ping")
    await chair_t.next("pong")
    assert not chair_t.ws.closed


async def test_a_rejected_upload_is_not_found_over_the_socket_but_by_its_preparers(
    room: Room,
) -> None:
    resp = await upload(room.site.client, room.csrf, room.id, b"not a pdf at all", "scan.pdf")
    rejected = await wait_done(room.site.client, (await resp.json())["id"])
    assert rejected["status"] == "rejected"
    chair_t, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate_t, _ = await room.tablet(await room.person("Delegate", "delegate"))
    # A delegate's note on it: no such document (not why it was refused).
    await delegate_t.send("stroke_end", **room.stroke("private", document_id=rejected["id"]))
    error = await delegate_t.next("error")
    assert error["code"] == "document_not_found" and "PDF" not in error["message"]
    await chair_t.send("present", where={"document_id": rejected["id"], "page": 1})
    assert (await chair_t.next("error"))["code"] == "document_rejected"
