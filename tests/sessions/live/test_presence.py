"""Who is connected, where, and whether they follow: for the chair, merged across the
nodes (live/presence.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from meetroom.bus import Envelope
from meetroom.bus.local import LocalBus, LocalHub
from meetroom.ids import MeetingId
from meetroom.protocol import live as p
from meetroom.protocol.codec import to_builtins
from meetroom.records.meetings import MeetingRole
from meetroom.sessions.live import presence
from meetroom.sessions.live.meeting import LiveMeeting, topic
from meetroom.sessions.live.presence import ASK, PART, PresenceBoard, local_part
from tests.sessions.live.parts import Inbox, connect, viewer

MEETING = MeetingId("m1")
chair = viewer("p:an", MeetingRole.CHAIR)
hoa = viewer("p:hoa")
ON_PAGE_2 = p.Where(document_id="d1", page=2)


def test_one_entry_a_person_with_all_their_connections() -> None:
    meeting = LiveMeeting(MEETING)
    connect(meeting, chair, where=p.Where(document_id="d1"))
    connect(meeting, hoa, "hoa-tablet", following=False, where=ON_PAGE_2)
    connect(meeting, hoa, "hoa-phone", following=True)
    people = local_part(meeting)
    assert set(people) == {"p:an", "p:hoa"}
    # Following on one device; where the other one browses.
    assert people["p:hoa"] == p.PresenceEntry(
        participant="p:hoa", name="Hoa", role="delegate", connections=2,
        following=True, where=ON_PAGE_2, moderator=False,
    )  # fmt: skip
    assert people["p:an"].moderator and people["p:an"].connections == 1


def part(*people: p.PresenceEntry) -> Envelope:
    """A node's part as it publishes it (see `PresenceBoard.publish`)."""
    detail = {"kind": PART, "people": [to_builtins(e) for e in people], "seq": 0, "version": 0}
    return Envelope(b"", detail=detail, node="b")


def entry(key: str, name: str, following: bool = True, where: p.Where | None = None) -> Any:
    return p.PresenceEntry(participant=key, name=name, role="delegate", connections=1,
                           following=following, where=where)  # fmt: skip


@dataclass
class Board:
    board: PresenceBoard
    meeting: LiveMeeting
    to_chair: Inbox
    published: list[Envelope]  # what this node told the others
    gone: list[str] = field(default_factory=list)

    def lists(self) -> list[list[dict[str, Any]]]:
        return [m["people"] for m in self.to_chair.of("presence")]


@pytest.fixture
async def board() -> AsyncIterator[Board]:
    hub = LocalHub()
    published: list[Envelope] = []
    listener = LocalBus(hub, "b")  # another node, hearing what this one publishes
    stop = listener.subscribe(topic(MEETING), published.append)
    gone: list[str] = []
    presence = PresenceBoard(LocalBus(hub, "a"), gone=lambda meeting, person: gone.append(person))
    meeting = LiveMeeting(MEETING)
    to_chair = connect(meeting, chair)
    connect(meeting, hoa)
    yield Board(presence, meeting, to_chair, published, gone)
    stop()
    if meeting.presence_due is not None:
        meeting.presence_due.cancel()


async def test_the_chair_sees_everyone_on_every_node_once(board: Board) -> None:
    b = board
    b.board.heard(b.meeting, part(entry("p:hoa", "Hoa", following=False), entry("p:lan", "Lan")))
    people = b.lists()[-1]
    # By name; Hoa connected through both nodes.
    assert [(e["participant"], e["connections"]) for e in people] == [
        ("p:an", 1), ("p:hoa", 2), ("p:lan", 1),
    ]  # fmt: skip
    assert b.board.elsewhere(b.meeting, "p:lan") and not b.board.elsewhere(b.meeting, "p:x")
    # This node's part went to the others first (it had changed), with how far it is.
    await until_published(b, 1)
    detail = b.published[0].detail or {}
    assert detail["kind"] == PART and {e["participant"] for e in detail["people"]} == {
        "p:an", "p:hoa",
    }  # fmt: skip


async def test_one_gone_from_every_node_is_told_once(board: Board) -> None:
    b = board
    b.board.heard(b.meeting, part(entry("p:hoa", "Hoa"), entry("p:lan", "Lan")))
    b.meeting.presence_at = float("-inf")  # the next list at once, not in a quarter second
    b.board.heard(b.meeting, part(entry("p:tuan", "Tuan")))
    # Lan was connected only through node b; Hoa is still connected here.
    assert b.gone == ["p:lan"]
    assert [e["participant"] for e in b.lists()[-1]] == ["p:an", "p:hoa", "p:tuan"]


async def test_at_most_one_list_an_interval_and_the_latest(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(presence, "PRESENCE_INTERVAL", 0.02)
    b = board
    b.board.changed(b.meeting)
    assert len(b.lists()) == 1
    b.board.changed(b.meeting)
    connect(b.meeting, viewer("p:lan"))
    b.board.changed(b.meeting)
    assert len(b.lists()) == 1 and b.meeting.presence_due is not None
    await asyncio.sleep(0.06)
    assert len(b.lists()) == 2  # one more, with Lan
    assert "p:lan" in {e["participant"] for e in b.lists()[-1]}


async def test_asked_by_a_new_node_this_one_publishes_its_part(board: Board) -> None:
    b = board
    b.meeting.presence_changed = False
    b.board.heard(b.meeting, Envelope(b"", detail={"kind": ASK}, node="b"))
    await until_published(b, 1)
    assert (b.published[0].detail or {})["kind"] == PART


async def until_published(b: Board, count: int) -> None:
    """The local bus hands envelopes on from the event loop."""
    for _ in range(100):
        if len(b.published) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{len(b.published)} envelopes published, not {count}")
