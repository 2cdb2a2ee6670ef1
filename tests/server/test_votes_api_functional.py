"""Votes over the JSON API, against a real server on SQLite and on PostgreSQL: a vote
from its draft to its board (what a tablet is told, receipts and resends, the board
and the check of a receipt, the CSV), every kind and rule with counts where the rule
decides, ties, the quorum and its recorded override, proxies, the double-device race,
cancelling and running again, the countdown, who may do what, and bad input."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.clients import ADMIN_PASSWORD, Api, Site, login
from tests.server.meetings import Joined, Room, create_meeting


@pytest.fixture
async def room(any_site: Site) -> Any:
    """A meeting in progress, on SQLite and on PostgreSQL."""
    csrf = await login(any_site.client, "admin", ADMIN_PASSWORD)
    r = Room(any_site, await create_meeting(any_site, csrf, "Votes"), "", csrf)
    yield r
    for tablet in r.tablets:
        await tablet.close()


async def people(room: Room) -> dict[str, Joined]:
    """The chair and four delegates: five voting members."""
    names = [("Chair", "chair"), ("Anna Nguyễn", "delegate"), ("Binh", "delegate"),
             ("Chi", "delegate"), ("Dung", "delegate")]  # fmt: skip
    return {name.split()[0]: await room.join(name, role) for name, role in names}


def admin(room: Room) -> Api:
    return Api(room.site.client, room.csrf)


def code(body: dict[str, Any]) -> str:
    return str(body["error"]["code"])


def ballot(choice: Any, **more: Any) -> dict[str, Any]:
    return {"ballot_id": str(uuid.uuid4()), "choice": choice, **more}


async def present(room: Room, chair: Joined, *who: Joined) -> None:
    for person in who:
        await chair.api.put(f"/api/meetings/{room.id}/attendance/{person.id}", {"state": "present"})


async def run(
    room: Room, chair: Joined, body: dict[str, Any], casts: list[tuple[Joined, Any]]
) -> dict[str, Any]:
    """A vote prepared, opened, voted and closed: the closed vote."""
    vote = await chair.api.post(f"/api/meetings/{room.id}/votes", body, status=201)
    await chair.api.post(f"/api/votes/{vote['id']}/open", {})
    for person, choice in casts:
        await person.api.post(f"/api/votes/{vote['id']}/ballots", ballot(choice), status=201)
    return dict(await chair.api.post(f"/api/votes/{vote['id']}/close"))


async def test_a_vote_from_its_draft_to_its_board(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    p = await people(room)
    chair, anna, binh = p["Chair"], p["Anna"], p["Binh"]
    observer = await room.join("Observer", "observer")
    tablet, _ = await room.tablet(room.browsers["Chair"])

    draft = await chair.api.post(f"{m}/votes", {"title": " Thông qua  ngân sách "}, status=201)
    v = f"/api/votes/{draft['id']}"
    assert (draft["title"], draft["status"], draft["kind"]) == (
        "Thông qua ngân sách", "draft", "yes_no_abstain",
    )  # fmt: skip
    settings = (draft["rule"], draft["tie"], draft["require_quorum"])
    assert settings == ("cast_majority", "fails", False)
    assert draft["counts"] is None and draft["ballots"] == [] and draft["eligible"] == 5
    # A draft is the chair's: the others see it once it is opened.
    assert (await anna.api.get(f"{m}/votes"))["votes"] == []
    assert code(await anna.api.get(v, status=404)) == "vote_not_found"
    edited = await chair.api.put(v, {"title": "Thông qua ngân sách 2027", "secret": False})
    assert edited["title"] == "Thông qua ngân sách 2027"
    assert code(await anna.api.post(f"{v}/open", {}, status=403)) == "not_moderator"
    assert code(await chair.api.post(f"{v}/open", {}, status=409)) == "meeting_not_open"

    await admin(room).post(f"{m}/open")
    opened = await chair.api.post(f"{v}/open")  # the body may be left out
    assert opened["status"] == "open" and opened["opened_at"] and opened["closes_at"] is None
    told = await tablet.next_where("vote", lambda t: t["status"] == "open")
    assert told["id"] == draft["id"] and told["title"] == "Thông qua ngân sách 2027"
    assert code(await chair.api.put(v, {"title": "Late"}, status=409)) == "vote_open"
    listed = (await anna.api.get(f"{m}/votes"))["votes"]
    assert [x["id"] for x in listed] == [draft["id"]]

    mine = ballot("yes")
    first = await anna.api.post(f"{v}/ballots", mine, status=201)
    assert (first["vote_id"], first["ballot_id"], first["for_participant_id"]) == (
        draft["id"], mine["ballot_id"], anna.id,
    )  # fmt: skip
    again = await anna.api.post(f"{v}/ballots", mine, status=200)  # a lost answer, resent
    assert again["receipt"] == first["receipt"]
    other = await anna.api.post(f"{v}/ballots", ballot("no"), status=409)
    assert code(other) == "already_voted"
    assert code(await observer.api.post(f"{v}/ballots", ballot("yes"), status=403)) == (
        "may_not_vote"
    )
    await binh.api.post(f"{v}/ballots", ballot("no"), status=201)
    await p["Chi"].api.post(f"{v}/ballots", ballot(["yes"]), status=201)
    await chair.api.post(f"{v}/ballots", ballot("abstain"), status=201)
    assert await anna.api.get(f"{v}/mine") == {
        "vote_id": draft["id"],
        "voters": [{"participant_id": anna.id, "name": "Anna Nguyễn", "voted": True,
                    "proxy": False}],
    }  # fmt: skip
    counted = await tablet.next_where("vote_count", lambda c: c["voted"] == 4)
    assert (counted["vote_id"], counted["eligible"]) == (draft["id"], 5)
    while_open = await anna.api.get(v)
    assert (while_open["voted"], while_open["counts"], while_open["ballots"]) == (4, None, [])
    assert code(await anna.api.get(f"{v}/board", status=409)) == "board_not_fixed"
    check = {"receipt": first["receipt"]}
    assert code(await anna.api.post(f"{v}/check", check, status=409)) == "board_not_fixed"

    closed = await chair.api.post(f"{v}/close")
    assert closed["status"] == "closed" and closed["closed_at"]
    assert closed["counts"] == {"yes": 2, "no": 1, "abstain": 1} and closed["passed"] is True
    result = closed["result"]
    assert (result["ballots"], result["base"], result["required"]) == (4, 3, 2)
    assert closed["quorum_at_close"]["members"] == 5 and closed["board_head"]
    told = await tablet.next_where("vote", lambda t: t["status"] == "closed")
    assert told["result"]["passed"] is True and told["board_head"] == closed["board_head"]
    late = await p["Dung"].api.post(f"{v}/ballots", ballot("no"), status=409)
    assert code(late) == "vote_not_open"
    # An open vote: who voted what, with names, once closed.
    named = {(b["name"], b["cast_by_name"], tuple(b["choice"])) for b in closed["ballots"]}
    assert named == {("Anna Nguyễn", "Anna Nguyễn", ("yes",)), ("Binh", "Binh", ("no",)),
                     ("Chi", "Chi", ("yes",)), ("Chair", "Chair", ("abstain",))}  # fmt: skip

    board = await observer.api.get(f"{v}/board")
    hashes = [e["ballot_hash"] for e in board["entries"]]
    assert len(hashes) == 4 and hashes == sorted(hashes)
    assert board["head"] == (await observer.api.get(v))["board_head"]
    assert (board["members"], board["result"]["passed"]) == (5, True)
    assert sorted(e["choice"][0] for e in board["entries"]) == ["abstain", "no", "yes", "yes"]
    typed = {"receipt": first["receipt"].lower().replace("-", " ")}
    found = await anna.api.post(f"{v}/check", typed)
    assert found["found"] is True and found["choice"] == ["yes"]
    assert found["ballot_hash"] in hashes
    made_up = await anna.api.post(f"{v}/check", {"receipt": "AAAAA-BBBBB-CCCCC-DDDDD"}, status=404)
    assert code(made_up) == "receipt_not_found"
    assert code(await anna.api.post(f"{v}/check", {"receipt": "nope"}, status=400)) == "bad_receipt"

    resp = await room.browsers["Binh"].get(f"{m}/votes.csv")
    assert resp.status == 200 and resp.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert [(r["choice"], r["count"], r["passed"]) for r in rows] == [
        ("yes", "2", "yes"), ("no", "1", "yes"), ("abstain", "1", "yes"),
    ]  # fmt: skip
    assert {r["title"] for r in rows} == {"Thông qua ngân sách 2027"}
    assert rows[0]["base"] == "3" and rows[0]["percent"] == "66.67"


async def test_every_kind_and_rule(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    p = await people(room)
    chair, anna, binh, chi, dung = (p[n] for n in ("Chair", "Anna", "Binh", "Chi", "Dung"))
    await admin(room).post(f"{m}/open")

    # yes/no: two yes, no no. Most of the votes cast, not most of the members.
    body = {"title": "Q1", "kind": "yes_no"}
    cast = await run(room, chair, body, [(anna, "yes"), (binh, "yes")])
    assert cast["counts"] == {"yes": 2, "no": 0} and cast["passed"] is True
    members = await run(room, chair, {**body, "rule": "members_majority"},
                        [(anna, "yes"), (binh, "yes")])  # fmt: skip
    assert (members["result"]["base"], members["result"]["required"]) == (5, 3)
    assert members["passed"] is False
    # Three of five: a majority of the members, not two thirds of them.
    three = [(anna, "yes"), (binh, "yes"), (chi, "yes"), (dung, "no")]
    assert (await run(room, chair, {**body, "rule": "members_majority"}, three))["passed"]
    two_thirds = await run(room, chair, {**body, "rule": "members_two_thirds"}, three)
    assert two_thirds["result"]["required"] == 4 and two_thirds["passed"] is False
    # Two thirds of the three present at the close: two yes pass.
    await present(room, chair, chair, anna, binh)
    rule = {"kind": "yes_no_abstain", "rule": "present_two_thirds"}
    by_present = await run(room, chair, {"title": "Q2", **rule}, [(anna, "yes"), (binh, "yes")])
    assert (by_present["result"]["base"], by_present["result"]["required"]) == (3, 2)
    assert by_present["passed"] is True and by_present["quorum_at_close"]["present"] == 3

    # One option among three: more than half of the ballots.
    options = ["Hà Nội", "Huế", "Đà Nẵng"]
    one = {"title": "Where", "kind": "choice", "options": options}
    where = await run(room, chair, one, [(anna, "o1"), (binh, ["o1"]), (chi, "o2")])
    assert [o["label"] for o in where["options"]] == options
    assert [o["id"] for o in where["options"]] == ["o1", "o2", "o3"]
    assert where["counts"] == {"o1": 2, "o2": 1, "o3": 0}
    assert where["result"]["elected"] == ["o1"] and where["passed"] is True

    # An election of two: each ballot names one or two.
    two = {"title": "Board", "kind": "choice", "options": options, "max_choices": 2}
    vote = await chair.api.post(f"{m}/votes", two, status=201)
    v = f"/api/votes/{vote['id']}"
    await chair.api.post(f"{v}/open")
    bad = [(["o1", "o2", "o3"], "too_many_choices"), (["o9"], "unknown_option"),
           ("yes", "unknown_option"), (["o1", "o1"], "choice_repeated")]  # fmt: skip
    for choice, refusal in bad:
        assert code(await anna.api.post(f"{v}/ballots", ballot(choice), status=400)) == refusal
    for person, choice in [(anna, ["o2", "o1"]), (binh, ["o1", "o3"]), (chi, ["o1", "o2"]),
                           (dung, ["o2"])]:  # fmt: skip
        await person.api.post(f"{v}/ballots", ballot(choice), status=201)
    elected = await chair.api.post(f"{v}/close")
    assert elected["counts"] == {"o1": 3, "o2": 3, "o3": 1}
    assert elected["result"]["required"] == 3 and elected["result"]["elected"] == ["o1", "o2"]
    named = {b["participant_id"]: b["choice"] for b in elected["ballots"]}
    assert named[anna.id] == ["o1", "o2"]  # in the options' order, not the clicks'

    yes_no = await chair.api.post(f"{m}/votes", {"title": "Q3", "kind": "yes_no"}, status=201)
    await chair.api.post(f"/api/votes/{yes_no['id']}/open")
    for choice in ("abstain", "maybe", ["yes", "no"]):
        refused = await anna.api.post(f"/api/votes/{yes_no['id']}/ballots", ballot(choice),
                                      status=400)  # fmt: skip
        assert code(refused) == "bad_choice"
    # One vote open at a time.
    second = await chair.api.post(f"{m}/votes", {"title": "Q4"}, status=201)
    refused = await chair.api.post(f"/api/votes/{second['id']}/open", status=409)
    assert code(refused) == "another_vote_open"

    resp = await room.site.client.get(f"{m}/votes.csv")
    rows = list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    board_rows = [r for r in rows if r["vote_id"] == vote["id"]]
    assert [(r["label"], r["count"], r["elected"]) for r in board_rows] == [
        ("Hà Nội", "3", "yes"), ("Huế", "3", "yes"), ("Đà Nẵng", "1", "no"),
    ]  # fmt: skip
    assert len(rows) == 4 * 2 + 3 + 3 + 3  # the open vote (Q3) has no results yet


async def test_ties_and_secret_votes(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    p = await people(room)
    chair, anna, binh = p["Chair"], p["Anna"], p["Binh"]
    await admin(room).post(f"{m}/open")

    fails = await run(room, chair, {"title": "T1"}, [(anna, "yes"), (binh, "no")])
    assert fails["passed"] is False and fails["result"]["tie"] == "failed"
    # The chair's ballot decides a tie of an open vote, whichever side it takes.
    chair_yes = [(anna, "yes"), (binh, "no"), (p["Chi"], "no"), (chair, "yes")]
    decided = await run(room, chair, {"title": "T2", "tie": "chair"}, chair_yes)
    assert decided["passed"] is True and decided["result"]["tie"] == "chair"
    chair_no = [(anna, "yes"), (binh, "no"), (chair, "no"), (p["Chi"], "yes")]
    decided = await run(room, chair, {"title": "T3", "tie": "chair"}, chair_no)
    assert decided["passed"] is False and decided["result"]["tie"] == "chair"

    # In a secret vote nobody knows the chair's ballot: it cannot decide a tie.
    refused = await chair.api.post(f"{m}/votes", {"title": "S", "secret": True, "tie": "chair"},
                                   status=400)  # fmt: skip
    assert code(refused) == "tie_chair_secret"
    secret = await run(room, chair, {"title": "S", "secret": True}, [(anna, "yes"), (binh, "no")])
    assert secret["secret"] is True and secret["counts"] == {"yes": 1, "no": 1, "abstain": 0}
    s = f"/api/votes/{secret['id']}"
    assert secret["ballots"] == [] and (await anna.api.get(s))["ballots"] == []  # nobody's
    assert len((await anna.api.get(f"{s}/board"))["entries"]) == 2


async def test_quorum_its_override_and_the_defaults(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    p = await people(room)
    chair = p["Chair"]
    await admin(room).post(f"{m}/open")
    refused = await p["Anna"].api.put(f"{m}/vote-defaults", {"require_quorum": True}, status=403)
    assert code(refused) == "not_moderator"
    defaults = await chair.api.put(
        f"{m}/vote-defaults", {"require_quorum": True, "rule": "members_majority"}
    )
    assert defaults == {"rule": "members_majority", "tie": "fails", "require_quorum": True}
    assert (await p["Anna"].api.get(f"{m}/votes"))["defaults"] == defaults

    vote = await chair.api.post(f"{m}/votes", {"title": "Q"}, status=201)
    assert (vote["rule"], vote["require_quorum"]) == ("members_majority", True)
    v = f"/api/votes/{vote['id']}"
    await present(room, chair, chair, p["Anna"])  # 2 of 5: a majority is 3
    no_quorum = await chair.api.post(f"{v}/open", {}, status=409)
    assert code(no_quorum) == "no_quorum"
    message = no_quorum["error"]["message"]
    assert "2" in message and "5" in message and "3" in message
    assert (await chair.api.get(v))["status"] == "draft"
    reason = {"override_reason": "Khẩn cấp: hạn nộp ngân sách"}
    opened = await chair.api.post(f"{v}/open", reason)
    assert opened["status"] == "open" and opened["override_reason"] == reason["override_reason"]
    assert opened["quorum_at_open"] == {"members": 5, "present": 2, "required": 3,
                                        "reached": False}  # fmt: skip

    query = "/api/audit?action=vote_opened&action=vote_quorum_overridden"
    entries = [e for e in (await admin(room).get(query))["entries"] if e["target_id"] == vote["id"]]
    assert sorted(e["action"] for e in entries) == ["vote_opened", "vote_quorum_overridden"]
    overridden = next(e for e in entries if e["action"] == "vote_quorum_overridden")
    assert overridden["details"]["reason"] == reason["override_reason"]
    assert overridden["target_type"] == "vote" and overridden["actor_name"] == "Chair"
    await chair.api.post(f"{v}/close")

    # With quorum, no reason is needed, and none is recorded.
    await present(room, chair, p["Binh"])
    again = await chair.api.post(f"{m}/votes", {"title": "Q2"}, status=201)
    opened = await chair.api.post(f"/api/votes/{again['id']}/open", reason)
    assert opened["override_reason"] == "" and opened["quorum_at_open"]["reached"] is True


async def test_proxies(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    p = await people(room)
    chair, anna, binh, chi = p["Chair"], p["Anna"], p["Binh"], p["Chi"]
    await admin(room).post(f"{m}/open")
    hand_on = {"principal_id": anna.id, "proxy_id": binh.id}
    assert code(await binh.api.post(f"{m}/proxies", hand_on, status=403)) == "not_moderator"
    proxy = await chair.api.post(f"{m}/proxies", hand_on, status=201)
    assert (proxy["principal_name"], proxy["proxy_name"]) == ("Anna Nguyễn", "Binh")
    # No chains (through a proxy, or handing on what one holds), one proxy each.
    chains = ({"principal_id": chi.id, "proxy_id": anna.id},
              {"principal_id": binh.id, "proxy_id": chi.id})  # fmt: skip
    for body in chains:
        assert code(await chair.api.post(f"{m}/proxies", body, status=409)) == "proxy_chain"
    second = {"principal_id": anna.id, "proxy_id": chi.id}
    assert code(await chair.api.post(f"{m}/proxies", second, status=409)) == "proxy_exists"
    listed = (await anna.api.get(f"{m}/proxies"))["proxies"]
    assert [(x["principal_id"], x["proxy_id"]) for x in listed] == [(anna.id, binh.id)]

    vote = await chair.api.post(f"{m}/votes", {"title": "P"}, status=201)
    v = f"/api/votes/{vote['id']}"
    await chair.api.post(f"{v}/open")
    for_anna = ballot("yes", for_participant_id=anna.id)
    refused = await binh.api.post(f"{v}/ballots", for_anna, status=403)
    assert code(refused) == "proxy_absent"  # a proxy votes only while present
    not_held = await chi.api.post(f"{v}/ballots", ballot("yes", for_participant_id=anna.id),
                                  status=403)  # fmt: skip
    assert code(not_held) == "not_proxy"
    await present(room, chair, binh)
    assert [(x["name"], x["voted"], x["proxy"]) for x in
            (await binh.api.get(f"{v}/mine"))["voters"]] == [
        ("Binh", False, False), ("Anna Nguyễn", False, True),
    ]  # fmt: skip
    cast = await binh.api.post(f"{v}/ballots", for_anna, status=201)
    assert cast["for_participant_id"] == anna.id
    await binh.api.post(f"{v}/ballots", ballot("no"), status=201)  # his own, apart
    # Anna's vote is cast: not again, by her or her proxy.
    assert code(await anna.api.post(f"{v}/ballots", ballot("no"), status=409)) == "already_voted"
    voters = (await binh.api.get(f"{v}/mine"))["voters"]
    assert [(x["voted"], x["proxy"]) for x in voters] == [(True, False), (True, True)]
    closed = await chair.api.post(f"{v}/close")
    named = {b["name"]: (b["cast_by_name"], b["choice"]) for b in closed["ballots"]}
    assert named == {"Anna Nguyễn": ("Binh", ["yes"]), "Binh": ("Binh", ["no"])}

    await chair.api.delete(f"{m}/proxies/{anna.id}", status=204)
    assert (await anna.api.get(f"{m}/proxies"))["proxies"] == []
    gone = await chair.api.delete(f"{m}/proxies/{anna.id}", status=404)
    assert code(gone) == "proxy_not_found"


async def test_two_devices_racing_store_one_ballot(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    p = await people(room)
    await admin(room).post(f"{m}/open")
    vote = await p["Chair"].api.post(f"{m}/votes", {"title": "R"}, status=201)
    v = f"/api/votes/{vote['id']}"
    await p["Chair"].api.post(f"{v}/open")
    anna = p["Anna"]
    # The same person on a tablet and a phone, two ballots at once.
    phone = Api(room.browsers["Anna Nguyễn"], anna.api.csrf)
    answers = await asyncio.gather(
        *(api.request("POST", f"{v}/ballots", ballot(choice), status=(201, 409))
          for api, choice in ((anna.api, "yes"), (phone, "no")))
    )  # fmt: skip
    assert sorted("receipt" in a for a in answers) == [False, True]
    assert [code(a) for a in answers if "error" in a] == ["already_voted"]
    closed = await p["Chair"].api.post(f"{v}/close")
    assert closed["result"]["ballots"] == 1 and len(closed["ballots"]) == 1


async def test_cancel_rerun_and_the_countdown(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    p = await people(room)
    chair, anna = p["Chair"], p["Anna"]
    await admin(room).post(f"{m}/open")
    body = {"title": "C", "kind": "yes_no", "duration_seconds": 10, "rule": "members_majority"}
    vote = await chair.api.post(f"{m}/votes", body, status=201)
    v = f"/api/votes/{vote['id']}"
    assert code(await chair.api.post(f"{v}/rerun", status=409)) == "vote_not_cancelled"
    await chair.api.post(f"{v}/open")
    await anna.api.post(f"{v}/ballots", ballot("yes"), status=201)
    assert code(await anna.api.post(f"{v}/cancel", {}, status=403)) == "not_moderator"
    cancelled = await chair.api.post(f"{v}/cancel", {"reason": "Sai câu hỏi"})
    assert cancelled["status"] == "cancelled" and cancelled["counts"] is None
    assert code(await p["Binh"].api.post(f"{v}/ballots", ballot("no"), status=409)) == (
        "vote_not_open"
    )
    assert code(await chair.api.post(f"{v}/close", status=409)) == "vote_cancelled"

    again = await chair.api.post(f"{v}/rerun", status=201)
    assert (again["status"], again["rerun_of"], again["title"]) == ("draft", vote["id"], "C")
    assert (again["duration_seconds"], again["rule"], again["kind"]) == (10, "members_majority",
                                                                       "yes_no")  # fmt: skip
    assert again["id"] != vote["id"] and again["voted"] == 0
    w = f"/api/votes/{again['id']}"
    opened = await chair.api.post(f"{w}/open")
    at = datetime.fromisoformat(opened["opened_at"])
    assert datetime.fromisoformat(opened["closes_at"]) - at == timedelta(seconds=10)
    await anna.api.post(f"{w}/ballots", ballot("yes"), status=201)
    room.site.clock.advance(timedelta(seconds=11))
    # Time is up: no ballot is taken, even before the vote is closed.
    assert code(await p["Binh"].api.post(f"{w}/ballots", ballot("yes"), status=409)) == (
        "vote_not_open"
    )
    await room.site.services.votes.votes.close_due()
    closed = await anna.api.get(w)
    assert closed["status"] == "closed" and closed["closed_at"] == opened["closes_at"]
    assert closed["counts"] == {"yes": 1, "no": 0} and closed["passed"] is False
    entries = (await admin(room).get("/api/audit?action=vote_closed"))["entries"]
    [by_countdown] = [e for e in entries if e["target_id"] == again["id"]]
    assert by_countdown["details"]["by"] == "countdown"


async def test_who_may_do_what(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    p = await people(room)
    chair, anna = p["Chair"], p["Anna"]
    observer = await room.join("Observer", "observer")
    silent = await room.join("Em", "delegate", grants=["can_publish"])  # no can_vote
    await admin(room).post(f"{m}/open")
    assert code(await anna.api.post(f"{m}/votes", {"title": "X"}, status=403)) == "not_moderator"
    vote = await chair.api.post(f"{m}/votes", {"title": "R"}, status=201)
    v = f"/api/votes/{vote['id']}"
    await chair.api.post(f"{v}/open")
    for person in (observer, silent):
        refused = await person.api.post(f"{v}/ballots", ballot("yes"), status=403)
        assert code(refused) == "may_not_vote"
        assert (await person.api.get(f"{v}/mine"))["voters"] == []
    # The administrator may run votes, but has no ballot of their own here.
    assert code(await admin(room).post(f"{v}/ballots", ballot("yes"), status=403)) == (
        "may_not_vote"
    )
    for path in ("/close", "/rerun"):
        assert code(await anna.api.post(v + path, status=403)) == "not_moderator"
    proxy = {"principal_id": anna.id, "proxy_id": p["Binh"].id}
    assert code(await anna.api.post(f"{m}/proxies", proxy, status=403)) == "not_moderator"
    assert code(await anna.api.delete(f"{m}/proxies/{anna.id}", status=403)) == "not_moderator"

    # Someone of another meeting learns nothing of this one's votes.
    elsewhere = Room(room.site, await create_meeting(room.site, room.csrf, "Other"), "", room.csrf)
    stranger = await elsewhere.join("Stranger", "chair")
    for path in ("", "/mine", "/board"):
        await stranger.api.get(v + path, status=403)
    await stranger.api.post(f"{v}/ballots", ballot("yes"), status=403)
    await stranger.api.post(f"{v}/close", status=403)
    for path in ("/votes", "/votes.csv", "/proxies"):
        await stranger.api.get(m + path, status=403)
    account = {"username": "outsider", "role": "delegate", "password": "outsider-pass-1234"}
    await admin(room).post("/api/users", account, status=201)
    outsider = await Api.sign_in(await room.site.new_client(), "outsider", account["password"])
    assert code(await outsider.get(v, status=403)) == "not_a_participant"
    assert code(await outsider.post(f"{v}/ballots", ballot("yes"), status=403)) == (
        "not_a_participant"
    )
    assert code(await chair.api.get("/api/votes/nope", status=404)) == "vote_not_found"
    await Api(await room.site.new_client()).get(v, status=401)
    await Api(room.browsers["Chair"]).post(f"{v}/close", status=403)  # no CSRF token


async def test_bad_input_is_refused(room: Room) -> None:
    m = f"/api/meetings/{room.id}"
    p = await people(room)
    chair = p["Chair"]
    await admin(room).post(f"{m}/open")
    refusals = [
        ({"title": "   "}, "title_required"),
        ({"title": "x" * 301}, None),
        ({"title": "Q", "kind": "ranked"}, None),
        ({"title": "Q", "kind": "choice", "options": ["Only"]}, "options_count"),
        ({"title": "Q", "kind": "choice", "options": ["A", "a"]}, "option_repeated"),
        ({"title": "Q", "kind": "choice", "options": ["A", "B"], "max_choices": 3},
         "bad_max_choices"),
        ({"title": "Q", "options": ["A", "B"]}, "options_not_allowed"),
        ({"title": "Q", "duration_seconds": 5}, None),
        ({"title": "Q", "rule": "unanimity"}, None),
        ({"title": "Q", "item_id": "nope"}, "bad_agenda_item"),
        ({"title": "Q", "document_id": "x" * 64}, "bad_document"),
        ({"title": "Q", "surprise": 1}, None),
    ]  # fmt: skip
    for body, refusal in refusals:
        answer = await chair.api.post(f"{m}/votes", body, status=400)
        assert refusal is None or code(answer) == refusal, (body, answer)
    vote = await chair.api.post(f"{m}/votes", {"title": "Q"}, status=201)
    v = f"/api/votes/{vote['id']}"
    await chair.api.put(v, {"title": ""}, status=400)
    await chair.api.post(f"{v}/open", {"override_reason": "x" * 501}, status=400)
    await chair.api.post(f"{v}/open")
    for bad_id in ("not-a-uuid", "", "1234"):
        refused = await p["Anna"].api.post(f"{v}/ballots", {"ballot_id": bad_id, "choice": "yes"},
                                           status=400)  # fmt: skip
        assert bad_id == "" or code(refused) == "bad_ballot_id"
    await p["Anna"].api.post(f"{v}/ballots", {"choice": "yes"}, status=400)
    await p["Anna"].api.post(f"{v}/ballots", ballot([]), status=400)
    await chair.api.put(f"{m}/vote-defaults", {"rule": "most"}, status=400)
    await chair.api.post(f"{m}/proxies", {"principal_id": p["Anna"].id}, status=400)
    selfish = {"principal_id": p["Anna"].id, "proxy_id": p["Anna"].id}
    assert code(await chair.api.post(f"{m}/proxies", selfish, status=400)) == "proxy_self"
    nobody = {"principal_id": "nobody", "proxy_id": p["Anna"].id}
    assert code(await chair.api.post(f"{m}/proxies", nobody, status=404)) == (
        "participant_not_found"
    )
