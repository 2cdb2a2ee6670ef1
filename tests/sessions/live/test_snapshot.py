"""What a joining client is sent before the live stream (live/snapshot.py): the welcome
with the first page of annotations, the other pages, the replay of what it missed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meetroom.protocol import live as p
from meetroom.sessions.live import snapshot
from meetroom.sessions.live.meeting import LiveMeeting
from meetroom.sessions.live.snapshot import REPLAY_OPS, WIRE_FIXED, WIRE_PER_POINT, missed, pages
from meetroom.sessions.live.snapshot import welcome_frames as frames_of
from meetroom.sessions.live.state import Annotations, Ink
from tests.sessions.live.parts import Ops, Stored

A, B = "p:a", "p:b"
WELCOME = p.Welcome(version=p.PROTOCOL_VERSION, you=A, name="A", role="delegate", grants=[],
                    state=p.PresenterState(), seq=9)  # fmt: skip


def inks(*points: int) -> list[Ink]:
    """Strokes of that many points each."""
    ops, annotations = Ops(), Annotations()
    for count in points:
        annotations.apply(ops.stroke(A, points=count))
    return list(annotations.visible.values())


def weight(points: int) -> int:
    return WIRE_FIXED + WIRE_PER_POINT * points


def test_pages_hold_about_the_budget_and_never_split_or_drop_one() -> None:
    strokes = inks(10, 10, 10, 200, 10)
    budget = 3 * weight(10)
    cut = list(pages(strokes, budget))
    # A stroke heavier than a page is a page of its own.
    assert [[a.op_id for a in page] for page in cut] == [
        ["stroke-1", "stroke-2", "stroke-3"], ["stroke-4"], ["stroke-5"],
    ]  # fmt: skip
    assert list(pages([], budget)) == [[]]  # a welcome, even with nothing drawn


def decoded(frames: Any) -> list[dict[str, Any]]:
    return [json.loads(frame) for frame in frames]


def test_the_welcome_then_the_other_pages_then_the_replay() -> None:
    strokes = inks(*[1500] * 3)  # ~66 KB each: a page each
    replay = [b'{"type":"added","seq":8}', b'{"type":"removed","seq":9}']
    sent = decoded(frames_of(WELCOME, strokes, replay))
    assert [m["type"] for m in sent] == [
        "welcome", "annotations_page", "annotations_page", "added", "removed",
    ]  # fmt: skip
    assert [m.get("more", False) for m in sent[:3]] == [True, True, False]
    assert [a["op_id"] for m in sent[:3] for a in m["annotations"]] == [
        "stroke-1", "stroke-2", "stroke-3",
    ]  # fmt: skip
    assert sent[0]["seq"] == 9 and sent[0]["you"] == A

    alone = decoded(frames_of(WELCOME, inks(3, 3)))
    assert len(alone) == 1 and not alone[0].get("more")
    assert len(alone[0]["annotations"]) == 2


async def test_a_resume_replays_what_the_joiner_may_see_after_what_it_saw(
    stored: Stored,
) -> None:
    ops = Ops()
    meeting = LiveMeeting(stored.meeting_id)
    history = [
        ops.stroke(A, "a1"), ops.stroke(B, "b-private", layer="private"),
        ops.stroke(A, "a-other-doc", document_id="d2"), ops.chat(B), ops.undo(A, "a1"),
        ops.stroke(A, "a2"),
    ]  # fmt: skip
    for op in history:
        await stored.store.append(meeting.id, op, stored.now)
    for op in history[:-1]:  # the last one stored, not applied here yet
        meeting.annotations.apply(op)
        meeting.last_seq = op.seq
    seen: list[tuple[frozenset[str] | None, str | None]] = []

    def may_see(audience: frozenset[str] | None, document_id: str | None) -> bool:
        seen.append((audience, document_id))
        return (audience is None or A in audience) and document_id != "d2"

    events = await missed(stored.store, meeting, 1, may_see)
    assert events is not None
    replayed = decoded(events)
    # After seq 1, up to what this node applied; not B's private stroke nor document d2.
    assert [(m["type"], m["seq"]) for m in replayed] == [("chat", 4), ("removed", 5)]
    assert replayed[1]["op_id"] == "a1"
    assert len(seen) == 4  # each operation asked about once, with its audience and document
    assert seen[0] == (frozenset({B}), "d1")

    assert await missed(stored.store, meeting, meeting.last_seq, may_see) == []


async def test_from_too_far_behind_the_joiner_starts_afresh(stored: Stored) -> None:
    meeting = LiveMeeting(stored.meeting_id)
    meeting.last_seq = REPLAY_OPS + 5
    assert await missed(stored.store, meeting, 4, lambda audience, document: True) is None
    assert await missed(stored.store, meeting, 5, lambda audience, document: True) == []


async def test_a_replay_past_its_bytes_starts_afresh(
    stored: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    ops = Ops()
    meeting = LiveMeeting(stored.meeting_id)
    for op in (ops.stroke(A, "a1"), ops.stroke(A, "a2"), ops.stroke(A, "a3")):
        await stored.store.append(meeting.id, op, stored.now)
        meeting.annotations.apply(op)
        meeting.last_seq = op.seq
    one = len(meeting.annotations.event_of(op)[0])  # type: ignore[index]
    monkeypatch.setattr(snapshot, "REPLAY_BYTES", 2 * one + 10)
    replayed = await missed(stored.store, meeting, 1, lambda audience, document: True)
    assert replayed is not None and len(replayed) == 2
    assert await missed(stored.store, meeting, 0, lambda audience, document: True) is None
