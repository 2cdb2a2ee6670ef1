"""A document restricted to some participants, over the meeting WebSocket with real
clients, on SQLite and PostgreSQL: what is said about it (strokes being drawn, stored
strokes and notes, erasing, undo and redo, the presenter's place) reaches only those
who may see it, live, in a late joiner's welcome and in a resumed tablet's replay; an
access list changed mid-session applies to the open sockets at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meetroom.errors import Forbidden
from meetroom.ids import MeetingId
from tests.clients import ADMIN_PASSWORD, Site, Tablet, local_path, login
from tests.pdf.pdfs import make_pdf
from tests.server.meetings import Room, create_meeting, upload, wait_done

ABOUT_DOCUMENTS = ("drawing", "added", "removed", "restored")


async def joined(room: Room, name: str, role: str, **fields: Any) -> str:
    """A participant who followed their join link; returns their id."""
    resp = await room.site.client.post(
        f"/api/meetings/{room.id}/participants", json={"name": name, "role": role, **fields},
        headers={"X-CSRF-Token": room.csrf},
    )  # fmt: skip
    body = await resp.json()
    browser = await room.site.new_client()
    assert (await browser.get(local_path(body["join_url"]))).status == 200
    room.browsers[name] = browser
    return str(body["id"])


async def restrict(room: Room, *participant_ids: str) -> None:
    resp = await room.site.client.patch(
        f"/api/documents/{room.document_id}", json={"access": list(participant_ids)},
        headers={"X-CSRF-Token": room.csrf},
    )  # fmt: skip
    assert resp.status == 200, await resp.text()


async def chat_reaches(sender: Tablet, text: str, *readers: Tablet) -> None:
    """A chat message everyone receives: what was sent to a reader before it has
    arrived once it has (one socket keeps the order)."""
    await sender.send("chat", op_id=text, text=text)
    await sender.next("ack")
    for reader in readers:
        await reader.next_where("chat", lambda m: m["text"] == text)


def about_documents(tablet: Tablet) -> list[dict[str, Any]]:
    return [m for m in tablet.messages if m["type"] in ABOUT_DOCUMENTS]


@pytest.fixture
async def room(any_site: Site, tmp_path: Path) -> Any:
    csrf = await login(any_site.client, "admin", ADMIN_PASSWORD)
    meeting_id = await create_meeting(any_site, csrf, "Restricted")
    data = make_pdf(tmp_path / "d.pdf", pages=3).read_bytes()
    resp = await upload(any_site.client, csrf, meeting_id, data)
    doc = await wait_done(any_site.client, (await resp.json())["id"])
    r = Room(any_site, meeting_id, doc["id"], csrf)
    yield r
    for tablet in r.tablets:
        await tablet.close()


async def test_a_restricted_document_reaches_only_those_allowed(room: Room) -> None:
    await joined(room, "Chair", "chair")
    hoa = await joined(room, "Hoa", "delegate")
    binh = await joined(room, "Binh", "delegate")
    await joined(room, "Lan", "delegate", grants=["moderator"])  # leads, yet not listed
    await restrict(room, hoa)  # the chair sees every document
    chair_t, _ = await room.tablet(room.browsers["Chair"])
    lan_t, _ = await room.tablet(room.browsers["Lan"])
    hoa_t, _ = await room.tablet(room.browsers["Hoa"])
    binh_t, _ = await room.tablet(room.browsers["Binh"])
    await chair_t.send("chat", op_id="c0", text="Bắt đầu")  # seq 1, for everyone
    await chair_t.next("ack")
    seen_by_binh = (await binh_t.next("chat"))["seq"]
    await binh_t.close()  # Binh's Wi-Fi drops; he resumes below
    binh2_t, _ = await room.tablet(room.browsers["Binh"])  # his other tablet stays

    # The chair draws on the shared layer, writes a note, erases, undoes, redoes.
    stroke, gone = room.stroke(), room.stroke()
    start = {k: v for k, v in stroke.items() if k != "points"}
    await chair_t.send("stroke_start", **start, points=stroke["points"][:1])
    await chair_t.send("stroke_points", op_id=stroke["op_id"], points=stroke["points"][1:])
    for sent in (stroke, gone):
        await chair_t.send("stroke_end", **sent)
        await chair_t.next("ack")
    await chair_t.send("note", op_id="n1", document_id=room.document_id, page=2,
                       layer="shared", x=0.5, y=0.5, text="Số liệu mật")  # fmt: skip
    await chair_t.next("ack")
    for op in ({"type": "erase", "target": gone["op_id"]}, {"type": "undo"}, {"type": "redo"}):
        await chair_t.send(op.pop("type"), op_id=f"op-{len(chair_t.messages)}", **op)
        await chair_t.next("ack")
    await chair_t.send("present", where={"document_id": room.document_id, "page": 2})

    # Hoa, on the list, gets all of it; Binh's other tablet, none of it.
    assert (await hoa_t.next("drawing"))["op_id"] == stroke["op_id"]
    await hoa_t.next_where("restored", lambda m: m["annotation"]["op_id"] == "n1")
    assert (await hoa_t.next("presented"))["state"]["where"]["page"] == 2
    hidden = (await binh2_t.next("presented"))["state"]
    assert hidden["hidden"] is True and "where" not in hidden
    assert hidden["presenter_name"] == "Chair"  # who presents, not which page of what
    await chat_reaches(chair_t, "Tiếp theo", hoa_t, binh2_t)
    assert {m["type"] for m in about_documents(hoa_t)} == set(ABOUT_DOCUMENTS)
    assert about_documents(binh2_t) == []

    # The chair sees where Hoa browses; Lan, who leads too, that she browses, not where.
    await hoa_t.send("browse", following=False, where={"document_id": room.document_id})

    def hoa_in(message: dict[str, Any]) -> dict[str, Any]:
        """Hoa's entry (lists sent before she joined have none)."""
        return next((e for e in message["people"] if e["name"] == "Hoa"), {"following": True})

    browsing = await chair_t.next_where("presence", lambda m: not hoa_in(m)["following"])
    assert hoa_in(browsing)["where"]["document_id"] == room.document_id
    browsing = await lan_t.next_where("presence", lambda m: not hoa_in(m)["following"])
    assert "where" not in hoa_in(browsing)

    # Late joiners: Hoa's welcome has the annotations and the page; Binh's neither.
    _, welcome = await room.tablet(room.browsers["Hoa"])
    assert {a["op_id"] for a in welcome["annotations"]} == {stroke["op_id"], "n1"}
    assert welcome["state"]["where"]["page"] == 2
    _, welcome = await room.tablet(room.browsers["Binh"])
    assert welcome.get("annotations", []) == [] and welcome["state"]["hidden"] is True
    assert "where" not in welcome["state"]
    # Binh's first tablet resumes from what it saw: the chat, not the rest.
    back, welcome = await room.tablet(room.browsers["Binh"], last_seq=seen_by_binh)
    assert welcome["resumed"] and welcome["state"]["hidden"] is True
    await back.next_where("chat", lambda m: m["text"] == "Tiếp theo")
    assert about_documents(back) == []

    # Over HTTP neither (the annotated PDF is made from `annotations_for`, which checks
    # too, whoever calls it).
    url = f"/api/documents/{room.document_id}/annotated.pdf"
    assert (await room.browsers["Binh"].get(url)).status == 403
    live = room.site.services.live
    viewer = next(
        c.viewer for c in live._live[MeetingId(room.id)].connections.values()
        if c.viewer.key == welcome["you"]
    )  # fmt: skip
    with pytest.raises(Forbidden):
        await live.annotations_for(viewer, MeetingId(room.id), room.document_id)

    # The access list changes while everyone is connected: it applies at once. Hoa is
    # drawing on her private layer when the chair takes the document from her.
    mine = room.stroke("private")
    await hoa_t.send("stroke_end", **mine)
    await hoa_t.next("ack")
    drawing = room.stroke("private")
    await hoa_t.send("stroke_start", **{k: v for k, v in drawing.items() if k != "points"})
    await hoa_t.send("ping")
    await hoa_t.next("pong")  # the stroke is under way (one socket keeps the order)

    await restrict(room, binh)  # Binh instead of Hoa
    assert (await hoa_t.next("document_hidden"))["document_id"] == room.document_id
    await hoa_t.next_where("presented", lambda m: m["state"].get("hidden") is True)
    for tablet in (binh2_t, back):  # the annotations on it, then where the chair is
        shown = await tablet.next("document_shown")
        assert shown["document_id"] == room.document_id
        assert {a["op_id"] for a in shown["annotations"]} == {stroke["op_id"], "n1"}
        presented = await tablet.next_where("presented", lambda m: "where" in m["state"])
        assert presented["state"]["where"]["page"] == 2

    # Hoa can no longer draw or write on it, nor undo what she drew there (and it
    # does not stand in the way of an undo elsewhere).
    await hoa_t.send("stroke_points", op_id=drawing["op_id"], points=[[0.5, 0.5]])
    assert (await hoa_t.next("error"))["code"] == "unknown_stroke"
    await hoa_t.send("stroke_end", **room.stroke("private"))
    assert (await hoa_t.next("error"))["code"] == "document_forbidden"
    await hoa_t.send("note", op_id="n2", document_id=room.document_id, page=1,
                     layer="private", x=0.1, y=0.1, text="x")  # fmt: skip
    assert (await hoa_t.next("error"))["code"] == "document_forbidden"
    await hoa_t.send("undo", op_id="u1")  # what she drew there stays, untouchable
    assert (await hoa_t.next("error"))["code"] == "nothing_to_undo"
    # ... and hears nothing more about it; Binh now does.
    before = len(about_documents(hoa_t))
    later = room.stroke()
    await chair_t.send("stroke_end", **later)
    await chair_t.next("ack")
    assert (await binh2_t.next("added"))["annotation"]["op_id"] == later["op_id"]
    await chat_reaches(chair_t, "Hết", hoa_t)
    assert len(about_documents(hoa_t)) == before
    _, welcome = await room.tablet(room.browsers["Hoa"])
    assert welcome.get("annotations", []) == [] and welcome["state"]["hidden"] is True


async def test_a_demoted_chair_loses_the_documents_restricted_to_others(room: Room) -> None:
    """The chair sees every document; made a delegate while connected, the chair is told
    the new rights and then to close a document restricted to someone else."""
    chair = await joined(room, "Chair", "chair")
    hoa = await joined(room, "Hoa", "delegate")
    await restrict(room, hoa)
    chair_t, welcome = await room.tablet(room.browsers["Chair"])
    assert "moderator" in welcome["grants"]
    resp = await room.site.client.patch(
        f"/api/meetings/{room.id}/participants/{chair}", json={"role": "delegate"},
        headers={"X-CSRF-Token": room.csrf},
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert (await chair_t.next("rights"))["role"] == "delegate"
    assert (await chair_t.next("document_hidden"))["document_id"] == room.document_id
    await chair_t.send("stroke_end", **room.stroke("private"))
    assert (await chair_t.next("error"))["code"] == "document_forbidden"
