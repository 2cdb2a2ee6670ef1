"""Votes over the meeting WebSocket, against a real server: every client told of the
vote as it opens and closes, ballots acknowledged with a receipt once stored (the
same receipt for a resend, a second ballot refused), how many have voted told without
how, proxies, the countdown and the meeting's end closing a vote, and nothing taken
after the close."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from meetroom.ids import MeetingId, ParticipantId, VoteId
from meetroom.records.votes import VoteKind
from meetroom.sessions.votes.drafts import VoteDraft
from meetroom.sessions.votes.live import vote_actor
from meetroom.sessions.votes.service import VoteActor
from tests.clients import ADMIN_PASSWORD, Api, Site, Tablet, login
from tests.server.meetings import Room, admin_principal, create_meeting


@pytest.fixture
async def room(any_site: Site) -> Any:
    csrf = await login(any_site.client, "admin", ADMIN_PASSWORD)
    r = Room(any_site, await create_meeting(any_site, csrf, "Votes"), "", csrf)
    yield r
    for tablet in r.tablets:
        await tablet.close()


async def chair_of(room: Room) -> VoteActor:
    viewer = await room.site.services.live.viewer(
        await admin_principal(room.site), MeetingId(room.id)
    )
    return vote_actor(viewer)


async def open_meeting(room: Room) -> None:
    await Api(room.site.client, room.csrf).post(f"/api/meetings/{room.id}/open")


async def delegate(room: Room, name: str, role: str = "delegate") -> tuple[Tablet, str]:
    tablet, welcome = await room.tablet(await room.person(name, role))
    return tablet, welcome["you"].removeprefix("p:")


def ballot(vote_id: str, choice: Any, **more: Any) -> dict[str, Any]:
    return {"vote_id": vote_id, "ballot_id": str(uuid.uuid4()), "choice": choice, **more}


async def voted(tablet: Tablet, vote_id: str, n: int) -> dict[str, Any]:
    return await tablet.next_where(
        "vote_count", lambda m: m["vote_id"] == vote_id and m["voted"] == n
    )


async def vote_in(tablet: Tablet, status: str) -> dict[str, Any]:
    return await tablet.next_where("vote", lambda m: m["status"] == status)


async def test_a_secret_vote_from_tablets(room: Room) -> None:
    votes = room.site.services.votes
    chair = await chair_of(room)
    anna, _ = await delegate(room, "Anna")
    binh, _ = await delegate(room, "Binh")
    chi, _ = await delegate(room, "Chi")
    watcher, _ = await delegate(room, "Observer", "observer")
    await open_meeting(room)
    draft = VoteDraft("Thông qua dự toán?", VoteKind.YES_NO_ABSTAIN, secret=True)
    vote = await votes.votes.create(chair, MeetingId(room.id), draft)
    await anna.none("vote", within=0.2)  # a draft is nobody's business but the chair's
    await votes.open(chair, vote.id)
    shown = await vote_in(anna, "open")
    assert shown["title"] == "Thông qua dự toán?" and shown["secret"] is True
    assert (shown["voted"], shown["eligible"]) == (0, 3)  # the observer has no vote
    assert "result" not in shown  # not while it is open
    await vote_in(watcher, "open")

    first = ballot(vote.id, "yes")
    await anna.send("vote_cast", **first)
    receipt = await anna.next("vote_receipt")
    assert receipt["ballot_id"] == first["ballot_id"] and not receipt.get("resent")
    assert len(receipt["receipt"]) == 23  # 20 characters in groups of five
    # How many have voted reaches everyone; never how.
    count = await voted(watcher, vote.id, 1)
    assert set(count) == {"type", "vote_id", "voted", "eligible", "at"}

    await anna.send("vote_cast", **first)  # the answer was lost: the same ballot again
    again = await anna.next("vote_receipt")
    assert again["receipt"] == receipt["receipt"] and again["resent"] is True
    await anna.send("vote_cast", **ballot(vote.id, "no"))  # a second ballot
    assert (await anna.next("error"))["code"] == "already_voted"
    await watcher.send("vote_cast", **ballot(vote.id, "no"))
    assert (await watcher.next("error"))["code"] == "may_not_vote"
    await binh.send("vote_cast", **ballot(vote.id, "maybe"))
    assert (await binh.next("error"))["code"] == "bad_choice"
    await binh.send("vote_cast", **ballot(vote.id, "no"))
    await binh.next("vote_receipt")
    await chi.send("vote_cast", **ballot(vote.id, "yes"))
    await chi.next("vote_receipt")
    await voted(watcher, vote.id, 3)

    await votes.close(chair, vote.id)
    closed = await vote_in(binh, "closed")
    result = closed["result"]
    assert {c["choice"]: c["count"] for c in result["counts"]} == {
        "yes": 2, "no": 1, "abstain": 0
    }  # fmt: skip
    assert result["passed"] is True and result["base"] == 3 and result["required"] == 2
    assert closed["board_head"] and closed["quorum_at_close"]["members"] == 3
    await chi.send("vote_cast", **ballot(vote.id, "no"))
    assert (await chi.next("error"))["code"] == "vote_not_open"
    # Someone joining later is told the vote as it ended, with the floor.
    late, _ = await delegate(room, "Dung")
    assert (await late.next("vote"))["status"] == "closed"


async def test_an_election_and_a_proxy(room: Room) -> None:
    votes = room.site.services.votes
    chair = await chair_of(room)
    anna, anna_id = await delegate(room, "Anna")
    binh, binh_id = await delegate(room, "Binh")
    absent_id = ParticipantId(
        (
            await Api(room.site.client, room.csrf).post(
                f"/api/meetings/{room.id}/participants",
                {"name": "Cuong", "role": "delegate"},
                status=201,
            )
        )["id"]
    )
    await votes.votes.add_proxy(chair, MeetingId(room.id), absent_id, ParticipantId(anna_id))
    await open_meeting(room)
    draft = VoteDraft(
        "Bầu hai ủy viên", VoteKind.CHOICE, options=("An", "Bình", "Cường"), max_choices=2
    )
    vote = await votes.votes.create(chair, MeetingId(room.id), draft)
    await votes.open(chair, vote.id)
    shown = await vote_in(binh, "open")
    assert [o["id"] for o in shown["options"]] == ["o1", "o2", "o3"]
    assert shown["proxies"] == [
        {"principal_id": absent_id, "principal_name": "Cuong", "proxy_id": anna_id}
    ]
    await anna.send("vote_cast", **ballot(vote.id, ["o2", "o1"]))
    assert (await anna.next("vote_receipt"))["for_participant_id"] == anna_id
    # Anna casts Cuong's ballot separately; Binh holds no one's.
    await anna.send("vote_cast", **ballot(vote.id, ["o3"], for_participant_id=absent_id))
    assert (await anna.next("vote_receipt"))["for_participant_id"] == absent_id
    await binh.send("vote_cast", **ballot(vote.id, ["o1"], for_participant_id=absent_id))
    assert (await binh.next("error"))["code"] == "not_proxy"
    await binh.send("vote_cast", **ballot(vote.id, ["o1", "o2", "o3"]))
    assert (await binh.next("error"))["code"] == "too_many_choices"
    await binh.send("vote_cast", **ballot(vote.id, ["o1"]))
    await binh.next("vote_receipt")
    await votes.close(chair, vote.id)
    result = (await vote_in(anna, "closed"))["result"]
    assert {c["choice"]: c["count"] for c in result["counts"]} == {"o1": 2, "o2": 1, "o3": 1}
    # cast majority of 3 ballots: 2 needed; only An has them.
    assert result["elected"] == ["o1"] and result["passed"] is True


async def test_the_countdown_and_the_meetings_end_close_votes(room: Room) -> None:
    votes = room.site.services.votes
    chair = await chair_of(room)
    anna, _ = await delegate(room, "Anna")
    await open_meeting(room)
    timed = await votes.votes.create(
        chair, MeetingId(room.id), VoteDraft("Timed", duration_seconds=30)
    )
    await votes.open(chair, timed.id)
    shown = await vote_in(anna, "open")
    assert shown["closes_at"] > shown["opened_at"]
    await anna.send("vote_cast", **ballot(timed.id, "no"))
    await anna.next("vote_receipt")
    room.site.clock.advance(timedelta(seconds=31))
    closed = await vote_in(anna, "closed")
    assert closed["closed_at"] == shown["closes_at"]  # at its time, whenever noticed
    assert {c["choice"]: c["count"] for c in closed["result"]["counts"]}["no"] == 1

    last = await votes.votes.create(chair, MeetingId(room.id), VoteDraft("Last"))
    await votes.open(chair, last.id)
    await vote_in(anna, "open")
    await Api(room.site.client, room.csrf).post(f"/api/meetings/{room.id}/close")
    ended = await vote_in(anna, "closed")
    assert ended["id"] == last.id
    assert (await votes.votes.get(VoteId(last.id))).status.value == "closed"
