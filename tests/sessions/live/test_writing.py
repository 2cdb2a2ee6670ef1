"""What clients write in a live session (live/writing.py), on the real store: strokes
in progress, stored strokes and notes, erasing, undo and redo, chat; who may do each,
and what is stored, told and acknowledged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pytest

from meetroom.bus.local import LocalBus
from meetroom.clock import SettableClock
from meetroom.errors import Forbidden, Invalid, NotFound, TooLarge
from meetroom.meetings.service import MeetingService
from meetroom.protocol import live as p
from meetroom.protocol.codec import replace
from meetroom.records.meetings import MeetingRole
from meetroom.sessions.live.meeting import LiveMeeting
from meetroom.sessions.live.presence import PresenceBoard
from meetroom.sessions.live.quota import Quotas
from meetroom.sessions.live.relay import Relay
from meetroom.sessions.live.writing import MAX_DRAWINGS, Writing
from tests.sessions.live.parts import Inbox, Pages, Stored, connect, viewer

CHAIR, HOA, BINH = "p:an", "p:hoa", "p:binh"


@dataclass
class Room:
    """A meeting held by one node: the chair presents; Hoa and Binh are delegates."""

    stored: Stored
    writing: Writing
    meeting: LiveMeeting
    inbox: dict[str, Inbox]
    clock: SettableClock

    async def do(self, who: str, message: p.ClientMessage) -> p.Ack | None:
        return await self.writing.handle(self.meeting, who, message)

    async def ack(self, who: str, message: p.ClientMessage) -> p.Ack:
        ack = await self.do(who, message)
        assert ack is not None
        return ack

    async def refused(self, who: str, message: p.ClientMessage, error: type[Exception]) -> str:
        """The refusal's code; nothing was stored."""
        before = len(await self.ops())
        with pytest.raises(error) as caught:
            await self.do(who, message)
        assert len(await self.ops()) == before
        return str(getattr(caught.value, "code", ""))

    async def ops(self) -> list[Any]:
        return await self.stored.store.ops(self.meeting.id)

    def open_shared(self, is_open: bool) -> None:
        self.meeting.state = replace(self.meeting.state, shared_open=is_open)


@pytest.fixture
async def room(stored: Stored, clock: SettableClock) -> Room:
    bus = LocalBus()
    # Only a change of the meeting's status asks the meetings; none happens here.
    relay = Relay(bus, stored.store, cast(MeetingService, None), PresenceBoard(bus), clock)
    writing = Writing(stored.store, bus, relay, Pages(d1=3, d2=2), clock)
    meeting = LiveMeeting(stored.meeting_id)
    meeting.documents = {"d1": None, "d2": None}
    meeting.state = p.PresenterState(presenter=CHAIR)
    inbox = {
        key: connect(meeting, viewer(key, role))
        for key, role in ((CHAIR, MeetingRole.CHAIR), (HOA, MeetingRole.DELEGATE),
                          (BINH, MeetingRole.DELEGATE))
    }  # fmt: skip
    return Room(stored, writing, meeting, inbox, clock)


def stroke(
    op_id: str, layer: p.Layer = "shared", document_id: str = "d1", page: int = 1
) -> p.StrokeEnd:
    return p.StrokeEnd(
        op_id=op_id, document_id=document_id, page=page, layer=layer, tool="pen",
        color="#112233", width=0.004, points=[(0.1, 0.2), (0.3, 0.4)],
    )  # fmt: skip


def note(op_id: str, layer: p.Layer = "shared", document_id: str = "d1") -> p.AddNote:
    return p.AddNote(op_id=op_id, document_id=document_id, page=2, layer=layer, x=0.5, y=0.5,
                     text="Xem lại số liệu")  # fmt: skip


async def test_stored_then_told_then_acknowledged(room: Room) -> None:
    assert await room.ack(CHAIR, stroke("s1")) == p.Ack(op_id="s1", seq=1)
    assert await room.ack(CHAIR, note("n1")) == p.Ack(op_id="n1", seq=2)
    ops = await room.ops()
    assert [(o.seq, o.op_id, o.kind, o.author, o.layer, o.page) for o in ops] == [
        (1, "s1", "stroke", CHAIR, "shared", 1), (2, "n1", "note", CHAIR, "shared", 2),
    ]  # fmt: skip
    assert ops[0].body["points"] == [[0.1, 0.2], [0.3, 0.4]] and ops[1].body["text"]
    assert room.meeting.last_seq == 2
    added = room.inbox[HOA].of("added")
    assert [(m["seq"], m["annotation"]["op_id"]) for m in added] == [(1, "s1"), (2, "n1")]


async def test_the_shared_layer_closed_to_a_delegate_and_their_private_one_open(
    room: Room,
) -> None:
    for message in (stroke("h1"), note("h2"), p.StrokeStart(op_id="h3", document_id="d1",
                                                             page=1, layer="shared")):  # fmt: skip
        assert await room.refused(HOA, message, Forbidden) == "shared_layer_closed"
    assert room.meeting.connections[HOA].drawing == {}
    assert (await room.ack(HOA, stroke("h4", "private"))).seq == 1
    assert room.inbox[BINH].got == [] and room.inbox[HOA].of("added")  # her devices only
    room.open_shared(True)
    assert (await room.ack(HOA, stroke("h5"))).seq == 2


async def test_only_pages_the_document_has(room: Room) -> None:
    assert await room.refused(CHAIR, stroke("s1", page=4), NotFound) == "page_not_found"
    assert await room.refused(CHAIR, stroke("s1", document_id="d9"), NotFound) == (
        "document_not_found"
    )
    assert (await room.ack(CHAIR, stroke("s1", document_id="d2", page=2))).seq == 1


async def test_undo_and_redo_take_the_authors_own_last(room: Room) -> None:
    await room.ack(CHAIR, stroke("s1"))
    await room.ack(HOA, stroke("h1", "private"))
    await room.ack(CHAIR, note("n1", document_id="d2"))
    assert (await room.ack(CHAIR, p.Undo(op_id="u1"))).target == "n1"
    assert (await room.ack(HOA, p.Undo(op_id="u2"))).target == "h1"
    assert (await room.ack(CHAIR, p.Undo(op_id="u3"))).target == "s1"
    assert await room.refused(CHAIR, p.Undo(op_id="u4"), Invalid) == "nothing_to_undo"
    assert await room.refused(BINH, p.Undo(op_id="u5"), Invalid) == "nothing_to_undo"
    assert (await room.ack(CHAIR, p.Redo(op_id="r1"))).target == "s1"
    removed = [(m["op_id"], m["by"]) for m in room.inbox[BINH].of("removed")]
    assert removed == [("n1", "u1"), ("s1", "u3")]  # not Hoa's private one
    assert [m["annotation"]["op_id"] for m in room.inbox[BINH].of("restored")] == ["s1"]

    await room.ack(CHAIR, stroke("s2"))  # something new: nothing to redo
    assert await room.refused(CHAIR, p.Redo(op_id="r2"), Invalid) == "nothing_to_redo"
    assert (await room.ack(HOA, p.Redo(op_id="r3"))).target == "h1"  # hers still is


async def test_who_may_erase_what(room: Room) -> None:
    room.open_shared(True)
    await room.ack(HOA, stroke("h-shared"))
    await room.ack(HOA, stroke("h-private", "private"))
    await room.ack(CHAIR, stroke("c1"))
    room.open_shared(False)

    # Someone else's private annotation is not there for others to erase.
    assert await room.refused(BINH, p.Erase(op_id="e1", target="h-private"), NotFound) == (
        "annotation_not_found"
    )
    # Another's shared one: only with the shared layer's rights; one's own: always.
    code = await room.refused(HOA, p.Erase(op_id="e2", target="c1"), Forbidden)
    assert code == "shared_layer_closed"
    assert (await room.ack(HOA, p.Erase(op_id="e3", target="h-shared"))).target == "h-shared"
    assert (await room.ack(HOA, p.Erase(op_id="e4", target="h-private"))).seq == 5
    assert (await room.ack(CHAIR, p.Erase(op_id="e5", target="c1"))).seq == 6
    assert await room.refused(CHAIR, p.Erase(op_id="e6", target="c1"), NotFound) == (
        "annotation_not_found"
    )
    # What was erased is not undone afterwards: nothing of Hoa's is left to undo.
    assert await room.refused(HOA, p.Undo(op_id="u1"), Invalid) == "nothing_to_undo"


async def test_a_document_taken_away_leaves_ones_own_annotations_on_it_untouchable(
    room: Room,
) -> None:
    await room.ack(HOA, stroke("h0", "private"))
    await room.ack(CHAIR, stroke("c1", document_id="d2"))
    await room.ack(HOA, stroke("h1", "private", document_id="d2"))
    room.meeting.documents["d2"] = frozenset({BINH})
    # Her last annotation lies on a document she may no longer see: it stays, and her
    # undo takes back the one before it (as her page predicts), not refused for ever.
    assert (await room.ack(HOA, p.Undo(op_id="u1"))).target == "h0"
    assert await room.refused(HOA, p.Undo(op_id="u2"), Invalid) == "nothing_to_undo"
    room.open_shared(True)
    assert await room.refused(HOA, p.Erase(op_id="e1", target="c1"), NotFound) == (
        "annotation_not_found"
    )
    room.meeting.documents["d2"] = None
    assert (await room.ack(HOA, p.Undo(op_id="u3"))).target == "h1"
    room.meeting.documents["d2"] = frozenset({BINH})
    # What she undid on it is not brought back while it is hidden from her; h0 is.
    assert (await room.ack(HOA, p.Redo(op_id="r1"))).target == "h0"
    assert await room.refused(HOA, p.Redo(op_id="r2"), Invalid) == "nothing_to_redo"
    room.meeting.documents["d2"] = None
    assert (await room.ack(HOA, p.Redo(op_id="r3"))).target == "h1"


async def test_past_a_quota_nothing_is_stored_but_what_was_is_acknowledged_again(
    room: Room,
) -> None:
    room.writing.quotas = Quotas(per_page=2, per_person=4)
    first = await room.ack(HOA, stroke("h1", "private"))
    await room.ack(HOA, stroke("h2", "private"))
    code = await room.refused(HOA, stroke("h3", "private"), TooLarge)
    assert code == "annotation_quota"
    # Sent again (its ack was lost on the way): acknowledged as stored, not again.
    assert await room.ack(HOA, stroke("h1", "private")) == first
    await room.ack(HOA, stroke("h4", "private", page=2))
    await room.ack(HOA, p.ChatSend(op_id="c1", text="Xin chào"))
    assert await room.refused(HOA, p.ChatSend(op_id="c2", text="Nữa"), TooLarge) == "chat_quota"
    assert await room.ack(HOA, p.ChatSend(op_id="c1", text="Xin chào")) == p.Ack(op_id="c1", seq=4)
    assert (await room.ack(BINH, p.ChatSend(op_id="c3", text="Chào"))).seq == 5


async def test_chat_is_stored_with_the_name_and_time(room: Room) -> None:
    assert await room.refused(HOA, p.ChatSend(op_id="c1", text="  \n "), Invalid) == "empty_chat"
    await room.ack(HOA, p.ChatSend(op_id="c2", text="  Xin chào  "))
    (op,) = await room.ops()
    assert op.kind == "chat" and op.document_id is None
    assert op.body == {"text": "Xin chào", "name": "Hoa",
                       "at": room.clock.now().isoformat(timespec="seconds")}  # fmt: skip
    told = room.inbox[BINH].of("chat")
    assert [(m["text"], m["name"], m["seq"]) for m in told] == [("Xin chào", "Hoa", 1)]


async def test_strokes_in_progress_are_passed_on_not_stored(room: Room) -> None:
    start = p.StrokeStart(op_id="d0", document_id="d1", page=1, layer="private",
                          points=[(0.1, 0.1)])  # fmt: skip
    assert await room.do(HOA, start) is None
    assert await room.do(HOA, p.StrokePoints(op_id="d0", points=[(0.2, 0.2)])) is None
    kept = room.meeting.connections[HOA].drawing["d0"]
    assert kept.points == [] and kept.layer == "private"  # what later points are drawn with
    drawn = room.inbox[HOA].of("drawing")  # a private stroke: on her devices only
    assert [m["points"] for m in drawn] == [[[0.1, 0.1]], [[0.2, 0.2]]]
    assert room.inbox[BINH].got == [] and await room.ops() == []

    assert await room.refused(HOA, p.StrokePoints(op_id="nope", points=[(0.1, 0.1)]),
                              Invalid) == "unknown_stroke"  # fmt: skip
    for i in range(1, MAX_DRAWINGS + 1):  # at most so many at once: the oldest goes
        await room.do(HOA, replace(start, op_id=f"d{i}"))
    assert list(room.meeting.connections[HOA].drawing) == [f"d{i}" for i in range(1, 9)]
    await room.ack(HOA, stroke("d8", "private"))
    assert "d8" not in room.meeting.connections[HOA].drawing
    assert await room.refused(HOA, p.StrokePoints(op_id="d8", points=[(0.1, 0.1)]),
                              Invalid) == "unknown_stroke"  # fmt: skip


async def test_a_redo_on_the_shared_layer_takes_its_rights_as_drawing_does(room: Room) -> None:
    room.open_shared(True)
    await room.ack(HOA, stroke("h1"))
    await room.ack(HOA, p.Undo(op_id="u1"))  # taking one's own back: always
    room.open_shared(False)
    # Bringing it back is drawing on the shared layer, closed to her now.
    code = await room.refused(HOA, p.Redo(op_id="r1"), Forbidden)
    assert code == "shared_layer_closed"
    assert "h1" not in room.meeting.annotations.visible
    room.open_shared(True)
    assert (await room.ack(HOA, p.Redo(op_id="r1"))).target == "h1"
