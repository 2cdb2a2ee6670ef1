"""The floor over the JSON API, against a real server: asking to speak (a repeated
client id is the same request), the chair's queue and what an open tablet is told of
it, the speech log and its CSV, the quorum rule and attendance marked by hand (in the
attendance report too), and who may do what."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients import ADMIN_PASSWORD, Api, Site, Tablet, login
from tests.server.meetings import Room, create_meeting


async def new_room(site: Site) -> Room:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    return Room(site, await create_meeting(site, csrf, "Floor"), "", csrf)


@pytest.fixture
async def room(site: Site) -> Any:
    r = await new_room(site)
    yield r
    for tablet in r.tablets:
        await tablet.close()


@pytest.fixture
async def any_room(any_site: Site) -> Any:
    """On SQLite and on PostgreSQL."""
    r = await new_room(any_site)
    yield r
    for tablet in r.tablets:
        await tablet.close()


def admin(room: Room) -> Api:
    return Api(room.site.client, room.csrf)


async def told(tablet: Tablet, action: str) -> dict[str, Any]:
    return await tablet.next_where("floor", lambda m: m.get("action", "") == action)


def code(body: dict[str, Any]) -> str:
    return str(body["error"]["code"])


async def test_asking_and_the_chairs_queue_reach_the_socket(any_room: Room) -> None:
    room = any_room
    m = f"/api/meetings/{room.id}"
    chair = await room.join("Chair", "chair")
    anna = await room.join("Anna Nguyễn", "delegate")
    binh = await room.join("Binh", "delegate")
    observer = await room.join("Observer", "observer")
    tablet, _ = await room.tablet(room.browsers["Chair"])
    await tablet.next("floor")

    ask = {"client_id": "a1", "mic_consent": True}
    assert code(await anna.api.post(f"{m}/speakers", ask, status=409)) == "meeting_not_open"
    await admin(room).post(f"{m}/open")
    asked = await anna.api.post(f"{m}/speakers", ask, status=201)
    assert (asked["name"], asked["status"], asked["position"]) == ("Anna Nguyễn", "waiting", 1)
    assert asked["participant_id"] == anna.id and asked["mic_consent"] is True
    again = await anna.api.post(f"{m}/speakers", ask, status=200)  # a double tap
    assert again["id"] == asked["id"]
    view = await told(tablet, "asked")
    assert [s["name"] for s in view["queue"]] == ["Anna Nguyễn"]
    order = {"client_id": "b1", "kind": "point_of_order", "subject": "Thời gian"}
    point = await binh.api.post(f"{m}/speakers", order, status=201)
    floor = await observer.api.get(f"{m}/speakers")
    assert [(s["name"], s["position"]) for s in floor["queue"]] == [("Binh", 1), ("Anna Nguyễn", 2)]
    assert floor["current"] is None and floor["default_limit"] == 180

    # Only participants who may speak ask; only the chair runs the queue.
    refused = await observer.api.post(f"{m}/speakers", {"client_id": "o1"}, status=403)
    assert code(refused) == "may_not_speak"
    assert code(await anna.api.post(f"{m}/floor/give", {}, status=403)) == "not_moderator"
    assert code(await anna.api.post(f"{m}/floor/end", status=403)) == "not_moderator"
    no = await binh.api.put(f"{m}/speakers/order", {"order": [asked["id"]]}, status=403)
    assert code(no) == "not_moderator"
    assert code(await anna.api.put(f"{m}/floor", {"list_closed": True}, status=403)) == (
        "not_moderator"
    )

    floor = await chair.api.put(f"{m}/speakers/order", {"order": [asked["id"], point["id"]]})
    assert [s["name"] for s in floor["queue"]] == ["Anna Nguyễn", "Binh"]
    reordered = await told(tablet, "reordered")
    assert [s["name"] for s in reordered["queue"]] == ["Anna Nguyễn", "Binh"]
    floor = await chair.api.post(f"{m}/floor/give", {"limit": 60})
    assert floor["current"]["name"] == "Anna Nguyễn" and floor["limit"] == 60
    assert floor["current"]["status"] == "speaking" and floor["current"]["position"] == 0
    assert floor["started_at"] and floor["now"]
    given = await told(tablet, "given")
    assert given["current"]["id"] == asked["id"] and given["limit"] == 60
    floor = await chair.api.put(f"{m}/floor", {"default_limit": 120, "list_closed": True})
    assert floor["default_limit"] == 120 and floor["list_closed"] is True
    assert (await told(tablet, "closed"))["list_closed"] is True
    floor = await chair.api.post(f"{m}/floor/give", {"request_id": point["id"]})
    assert floor["current"]["name"] == "Binh" and floor["limit"] == 120
    assert [s["name"] for s in floor["done"]] == ["Anna Nguyễn"]
    floor = await chair.api.post(f"{m}/floor/end")
    assert floor["current"] is None and floor["queue"] == []
    await told(tablet, "ended")

    log = await observer.api.get(f"{m}/speeches")
    assert [(s["name"], s["kind"], s["limit"]) for s in log["speeches"]] == [
        ("Anna Nguyễn", "ordinary", 60),
        ("Binh", "point_of_order", 120),
    ]
    resp = await room.browsers["Observer"].get(f"{m}/speeches.csv")
    assert resp.status == 200 and resp.content_type == "text/csv"
    raw = await resp.read()
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "name,agenda_item,kind,started_at,seconds,limit,overrun"
    assert lines[1].startswith("Anna Nguyễn,,ordinary,") and lines[1].endswith(",60,0")


async def test_withdrawing_and_removing_requests(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    chair = await room.join("Chair", "chair")
    anna = await room.join("Anna", "delegate")
    binh = await room.join("Binh", "delegate")
    tablet, _ = await room.tablet(room.browsers["Binh"])
    await admin(room).post(f"{m}/open")
    a = await anna.api.post(f"{m}/speakers", {"client_id": "a"}, status=201)
    b = await binh.api.post(f"{m}/speakers", {"client_id": "b"}, status=201)
    # Someone else's request: only the chair takes it out.
    assert code(await binh.api.delete(f"/api/speakers/{a['id']}", status=403)) == "not_moderator"
    await anna.api.delete(f"/api/speakers/{a['id']}", status=204)
    assert [s["name"] for s in (await told(tablet, "withdrawn"))["queue"]] == ["Binh"]
    await chair.api.delete(f"/api/speakers/{b['id']}", status=204)
    assert (await told(tablet, "removed")).get("queue", []) == []
    done = (await chair.api.get(f"{m}/speakers"))["done"]
    assert [(s["name"], s["status"]) for s in done] == [("Anna", "withdrawn"), ("Binh", "removed")]
    assert code(await chair.api.delete("/api/speakers/nope", status=404)) == "request_not_found"
    # Without a client id: the server chooses one, and asking again is refused meanwhile.
    plain = await anna.api.post(f"{m}/speakers", {"kind": "ordinary"}, status=201)
    assert plain["id"] and plain["position"] == 1
    again = await anna.api.post(f"{m}/speakers", {"kind": "ordinary"}, status=409)
    assert code(again) == "already_asked"


async def test_bad_floor_input_is_refused(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    chair = await room.join("Chair", "chair")
    # Several settings at once are all or nothing: one refused, none is changed.
    both = {"default_limit": 120, "list_closed": True}
    assert code(await chair.api.put(f"{m}/floor", both, status=409)) == "meeting_not_open"
    await chair.api.put(f"{m}/floor", {"per_person_limit": 2})  # may be prepared before
    await admin(room).post(f"{m}/open")
    both = {"default_limit": 120, "per_person_limit": None, "speech_limit": 60}
    assert code(await chair.api.put(f"{m}/floor", both, status=409)) == "nobody_speaking"
    floor = await chair.api.get(f"{m}/speakers")
    assert (floor["default_limit"], floor["per_person_limit"], floor["list_closed"]) == (
        180,
        2,
        False,
    )
    together = {"default_limit": 120, "list_closed": True}
    floor = await chair.api.put(f"{m}/floor", together)
    assert (floor["default_limit"], floor["per_person_limit"], floor["list_closed"]) == (
        120,
        2,
        True,
    )
    for body in (
        {"client_id": ""},
        {"client_id": "x", "kind": "shout"},
        {"client_id": "x", "subject": "s" * 201},
        {"client_id": "x", "surprise": 1},
    ):
        await chair.api.post(f"{m}/speakers", body, status=400)
    await chair.api.post(f"{m}/floor/give", {"limit": -1}, status=400)
    await chair.api.put(f"{m}/floor", {"default_limit": 24 * 3600 + 1}, status=400)
    await chair.api.put(f"{m}/speakers/order", {"order": "abc"}, status=400)
    # Nobody waiting: a clear refusal, not a crash.
    assert (await chair.api.post(f"{m}/floor/give", {}, status=(400, 409)))["error"]["code"]


async def test_the_quorum_rule_and_marks_by_hand(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    chair = await room.join("Chair", "chair")
    anna = await room.join("Anna", "delegate")
    binh = await room.join("Binh", "delegate")
    chi = await room.join("Chi", "delegate")
    tablet, _ = await room.tablet(room.browsers["Chair"])
    quorum = await anna.api.get(f"{m}/quorum")
    assert quorum == {"rule": "majority", "value": None, "members": 4, "present": 0,
                      "required": 3, "reached": False}  # fmt: skip

    # The chair and secretary only; a rule must be whole.
    refused = await anna.api.put(f"{m}/quorum", {"rule": "none"}, status=403)
    assert code(refused) == "not_moderator"
    await chair.api.put(f"{m}/quorum", {"rule": "sometimes"}, status=400)
    assert code(await chair.api.put(f"{m}/quorum", {"rule": "at_least"}, status=400)) == (
        "bad_quorum"
    )
    await chair.api.put(f"{m}/quorum", {"rule": "at_least", "value": 0}, status=400)
    quorum = await chair.api.put(f"{m}/quorum", {"rule": "at_least", "value": 2})
    assert (quorum["rule"], quorum["value"], quorum["required"]) == ("at_least", 2, 2)
    assert (await tablet.next_where("quorum", lambda q: q["rule"] == "at_least"))["value"] == 2

    # An excuse may come before the meeting opens.
    mark_path = f"{m}/attendance/{binh.id}"
    excused = await chair.api.put(mark_path, {"state": "excused", "reason": "Ốm"})
    assert (excused["participant_id"], excused["state"], excused["reason"]) == (
        binh.id, "excused", "Ốm",
    )  # fmt: skip
    assert excused["set_by_name"] == "Chair" and excused["set_at"]
    assert code(await anna.api.put(mark_path, {"state": "present"}, status=403)) == "not_moderator"
    await chair.api.put(mark_path, {"state": "gone"}, status=400)
    long = {"state": "excused", "reason": "x" * 501}
    assert (await chair.api.put(mark_path, long, status=400))["error"]["code"]
    missing = await chair.api.put(f"{m}/attendance/nobody", {"state": "present"}, status=404)
    assert code(missing) == "participant_not_found"

    await admin(room).post(f"{m}/open")
    await tablet.next_where("quorum", lambda q: q["present"] == 1)  # the chair's tablet
    await chair.api.put(f"{m}/attendance/{chi.id}", {"state": "present"})
    q = await tablet.next_where("quorum", lambda q: q["present"] == 2)
    assert q["reached"] is True
    assert (await anna.api.get(f"{m}/quorum"))["present"] == 2
    log = (await anna.api.get(f"{m}/quorum/log"))["changes"]
    assert [(c["present"], c["reached"]) for c in log][-2:] == [(1, False), (2, True)]

    # The attendance report: the states, by hand or not, and who never connected.
    report = await admin(room).get(f"{m}/attendance")
    [attendee] = report["attendees"]
    assert (attendee["name"], attendee["state"], attendee["by_hand"]) == ("Chair", "present", False)
    assert attendee["voting"] is True and attendee["joins"] == 1  # the old fields stay
    others = {n["name"]: (n["state"], n["by_hand"], n["reason"]) for n in report["not_connected"]}
    assert others == {"Anna": ("absent", False, ""), "Binh": ("excused", True, "Ốm"),
                      "Chi": ("present", True, "")}  # fmt: skip
    resp = await room.site.client.get(f"{m}/attendance.csv")
    rows = (await resp.read()).decode("utf-8-sig").splitlines()
    assert rows[0].endswith(",state,by_hand,reason")
    assert any(r.startswith("Binh,delegate,") and r.endswith(",excused,yes,Ốm") for r in rows)
    page = await (await room.site.client.get(f"/meetings/{room.id}")).text()
    table = page[page.index('id="attendance"') :]
    assert 'data-state="excused">Excused: Ốm <small>(marked by hand)</small>' in table
    assert f'data-person="p:{anna.id}" class="not-connected"' in table
    await room.site.services.attendance.settled()


async def test_who_may_see_the_floor(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    await room.join("Chair", "chair")
    elsewhere_id = await create_meeting(room.site, room.csrf, "Another")
    stranger = await Room(room.site, elsewhere_id, "", room.csrf).join("Stranger", "delegate")
    for path in ("/quorum", "/quorum/log", "/speakers", "/speeches", "/speeches.csv"):
        await stranger.api.get(m + path, status=403)
    await stranger.api.post(f"{m}/speakers", {"client_id": "s"}, status=403)
    anonymous = Api(await room.site.new_client())
    await anonymous.get(f"{m}/quorum", status=401)
    await Api(room.site.client).put(f"{m}/quorum", {"rule": "none"}, status=403)  # no CSRF
    await admin(room).get("/api/meetings/nope/speakers", status=404)
