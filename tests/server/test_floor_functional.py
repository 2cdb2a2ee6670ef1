"""The floor over the meeting WebSocket, against a real server: the floor and the
quorum on joining and as people come and go, asking to speak (a point of order to the
top, a resend is the same request), the chair's queue, and the microphone of the
speaker who consented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.clients import ADMIN_PASSWORD, Api, Site, Tablet, login
from tests.pdf.pdfs import make_pdf
from tests.server.meetings import Room, create_meeting, upload, wait_done


@pytest.fixture
async def room(site: Site, tmp_path: Path) -> Any:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    meeting_id = await create_meeting(site, csrf, "Floor")
    data = make_pdf(tmp_path / "d.pdf", pages=1).read_bytes()
    uploaded = await (await upload(site.client, csrf, meeting_id, data)).json()
    doc = await wait_done(site.client, uploaded["id"])
    r = Room(site, meeting_id, doc["id"], csrf)
    yield r
    for tablet in r.tablets:
        await tablet.close()


async def _open(room: Room) -> None:
    await Api(room.site.client, room.csrf).post(f"/api/meetings/{room.id}/open")


async def _floor(tablet: Tablet, action: str) -> dict[str, Any]:
    return await tablet.next_where("floor", lambda m: m.get("action", "") == action)


async def test_quorum_follows_who_is_connected(room: Room) -> None:
    chair, _ = await room.tablet(await room.person("Chair", "chair"))
    assert (await chair.next("floor"))["version"] == 0
    first = await chair.next("quorum")
    # Not opened yet: nobody counts. Chair and delegates vote (the observer does not).
    assert first.pop("at") > "2000"  # when it was computed
    assert first == {"type": "quorum", "rule": "majority", "members": 1, "present": 0,
                     "required": 1, "reached": False}  # fmt: skip
    await _open(room)
    opened = await chair.next_where("quorum", lambda m: m["present"] == 1)
    assert opened["reached"] is True
    browsers = [await room.person(f"Delegate {i}", "delegate") for i in range(3)]
    await room.person("Observer", "observer")
    assert (await chair.next_where("quorum", lambda m: m["members"] == 4))["present"] == 1
    tablets = [(await room.tablet(b))[0] for b in browsers[:2]]
    q = await chair.next_where("quorum", lambda m: m["present"] == 3)
    assert q["members"] == 4 and q["required"] == 3 and q["reached"] is True
    await tablets[0].close()
    q = await chair.next_where("quorum", lambda m: m["present"] == 2)
    assert q["reached"] is False
    await room.site.services.attendance.settled()


async def test_requests_to_speak_and_the_chairs_queue(room: Room) -> None:
    chair, _ = await room.tablet(await room.person("Chair", "chair"))
    anna, welcome = await room.tablet(await room.person("Anna", "delegate"))
    anna_key = welcome["you"]
    binh, _ = await room.tablet(await room.person("Binh", "delegate"))
    await anna.send("floor_ask", client_id="a1")
    assert (await anna.next("error"))["code"] == "meeting_not_open"
    await _open(room)

    await anna.send("floor_ask", client_id="a1", mic_consent=True)
    asked = await anna.next("floor_asked")
    assert asked["client_id"] == "a1" and asked["position"] == 1
    view = await _floor(binh, "asked")
    assert [(s["name"], s["person"], s["position"]) for s in view["queue"]] == [
        ("Anna", anna_key, 1)
    ]
    await anna.send("floor_ask", client_id="a1", mic_consent=True)  # a resend: the same
    assert (await anna.next("floor_asked"))["request_id"] == asked["request_id"]
    await binh.send("floor_ask", client_id="b1", kind="point_of_order", subject="Time")
    view = await chair.next_where("floor", lambda m: len(m.get("queue", [])) == 2)
    assert [s["name"] for s in view["queue"]] == ["Binh", "Anna"]
    assert view["queue"][0]["kind"] == "point_of_order"

    # Only the chair runs the queue.
    await binh.send("floor_give")
    assert (await binh.next("error"))["code"] == "not_moderator"
    await chair.send("floor_reorder", order=[asked["request_id"], view["queue"][0]["id"]])
    assert [s["name"] for s in (await _floor(anna, "reordered"))["queue"]] == ["Anna", "Binh"]

    await chair.send("floor_give", limit=60)
    given = await _floor(binh, "given")
    assert given["current"]["name"] == "Anna" and given["limit"] == 60
    assert given["started_at"] and given["now"]
    assert [s["name"] for s in given["queue"]] == ["Binh"]
    assert (await anna.next("floor_mic"))["action"] == "open"  # she consented
    await chair.send("floor_give")  # the next: Anna's speech ends first
    given = await _floor(anna, "given")
    assert given["current"]["name"] == "Binh" and given["limit"] == 180  # the default
    assert (await anna.next("floor_mic"))["action"] == "close"
    assert (await binh.next("floor_mic"))["action"] == "ask"  # he did not consent
    await chair.send("floor_end")
    ended = await _floor(chair, "ended")
    assert "current" not in ended and ended.get("queue", []) == []  # left out when empty
    await binh.none("floor_mic")
    speeches = await room.site.services.floor.floor.speeches(room.id)  # type: ignore[arg-type]
    assert [(s.name, s.limit) for s in speeches] == [("Anna", 60), ("Binh", 180)]


async def test_a_late_joiner_gets_the_floor_as_it_is(room: Room) -> None:
    await _open(room)
    anna, _ = await room.tablet(await room.person("Anna", "delegate"))
    await anna.send("floor_ask", client_id="a1")
    await anna.next("floor_asked")
    late, _ = await room.tablet(await room.person("Late", "delegate"))
    view = await late.next("floor")
    assert view["version"] == 1 and [s["name"] for s in view["queue"]] == ["Anna"]
    await anna.send("floor_withdraw", request_id=view["queue"][0]["id"])
    assert "queue" not in await _floor(late, "withdrawn")
