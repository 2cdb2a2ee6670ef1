"""A meeting's annotations as the stored operations leave them (live/state.py): what is
visible, each author's undo and redo history, erasing, notes, chat, and the events
clients are told."""

from __future__ import annotations

import json

import pytest

from meetroom.records.live import LiveOp
from meetroom.sessions.live.state import CHAT_IN_WELCOME, Annotations, pack_points, unpack_points
from tests.sessions.live.parts import Ops

A, B = "p:a", "p:b"


def applied(*ops: LiveOp) -> Annotations:
    annotations = Annotations()
    for op in ops:
        annotations.apply(op)
    return annotations


def visible(annotations: Annotations) -> list[str]:
    return list(annotations.visible)


def test_undo_takes_back_the_authors_own_last_annotation_only() -> None:
    ops = Ops()
    annotations = applied(
        ops.stroke(A, "a1"), ops.stroke(A, "a2", document_id="d2", page=3),
        ops.note(A, "a-note"), ops.stroke(B, "b1"),
    )  # fmt: skip
    # A's last is the note, whatever B added after it, on whichever document or page.
    assert annotations.last_undoable(A) == "a-note"
    assert annotations.last_undoable(B) == "b1"

    annotations.apply(ops.undo(A, "a-note"))
    assert visible(annotations) == ["a1", "a2", "b1"]
    assert annotations.last_undoable(A) == "a2"  # on another document: one history
    assert annotations.last_redoable(A) == "a-note"
    assert annotations.last_undoable(B) == "b1" and annotations.last_redoable(B) is None

    annotations.apply(ops.undo(A, "a2"))
    annotations.apply(ops.undo(A, "a1"))
    assert annotations.last_undoable(A) is None
    assert visible(annotations) == ["b1"]


def test_redo_brings_back_the_last_undone_first_and_it_can_be_undone_again() -> None:
    ops = Ops()
    annotations = applied(ops.stroke(A, "a1"), ops.stroke(A, "a2"), ops.note(A, "a3"))
    annotations.apply(ops.undo(A, "a3"))
    annotations.apply(ops.undo(A, "a2"))
    assert annotations.last_redoable(A) == "a2"

    annotations.apply(ops.redo(A, "a2"))
    assert visible(annotations) == ["a1", "a2"]
    assert annotations.visible["a2"] is annotations.every["a2"]  # the same, not a copy
    assert annotations.last_undoable(A) == "a2"  # a redone one is undone first
    assert annotations.last_redoable(A) == "a3"

    annotations.apply(ops.redo(A, "a3"))
    assert visible(annotations) == ["a1", "a2", "a3"]
    assert annotations.visible["a3"].text == "Xem lại"
    assert annotations.last_redoable(A) is None
    assert annotations.last_undoable(A) == "a3"


def test_a_redone_annotation_comes_back_on_top() -> None:
    ops = Ops()
    annotations = applied(ops.stroke(A, "a1"), ops.stroke(B, "b1"), ops.undo(A, "a1"))
    annotations.apply(ops.redo(A, "a1"))
    # Drawn over what others added meanwhile, as a client that saw `restored` shows it.
    assert visible(annotations) == ["b1", "a1"]


@pytest.mark.parametrize("adding", ["stroke", "note"])
def test_something_new_of_ones_own_ends_what_could_be_redone(adding: str) -> None:
    ops = Ops()
    annotations = applied(ops.stroke(A, "a1"), ops.stroke(A, "a2"))
    annotations.apply(ops.undo(A, "a2"))
    annotations.apply(ops.undo(A, "a1"))
    # Others adding, and one's own chat or erasing, leave one's redo history as it was.
    annotations.apply(ops.stroke(B, "b1"))
    annotations.apply(ops.note(B, "b2"))
    annotations.apply(ops.chat(A))
    annotations.apply(ops.erase(A, "b2"))
    assert annotations.redo[A] == ["a2", "a1"]

    new = ops.stroke(A, "a4") if adding == "stroke" else ops.note(A, "a4")
    annotations.apply(new)
    assert annotations.last_redoable(A) is None
    assert annotations.last_undoable(A) == "a4"
    assert visible(annotations) == ["b1", "a4"]
    assert annotations.last_redoable(B) is None


def test_erasing_takes_an_annotation_out_of_its_authors_undo_history() -> None:
    ops = Ops()
    annotations = applied(ops.stroke(A, "a1"), ops.note(A, "a2"))
    annotations.apply(ops.erase(B, "a2"))  # the chair erases A's note
    assert visible(annotations) == ["a1"]
    assert annotations.last_undoable(A) == "a1"  # the erased one is not undone again
    # Erasing is not undone: nothing to redo, for the one who erased or the author.
    assert annotations.last_redoable(B) is None and annotations.last_redoable(A) is None
    assert annotations.last_undoable(B) is None
    assert "a2" in annotations.every  # kept: what was ever added


def test_operations_on_what_is_unknown_or_gone_change_nothing_visible() -> None:
    ops = Ops()
    annotations = applied(ops.stroke(A, "a1"))
    annotations.apply(ops.erase(B, "nothing"))
    annotations.apply(ops.redo(A, "nothing"))
    annotations.apply(ops.erase(A, "a1"))
    annotations.apply(ops.erase(B, "a1"))  # erased twice (two nodes at once)
    assert visible(annotations) == []
    assert annotations.last_undoable(A) is None and annotations.last_redoable(A) is None


def test_the_private_layer_is_its_authors_alone() -> None:
    ops = Ops()
    annotations = applied(
        ops.stroke(A, "shared"), ops.stroke(A, "mine", layer="private"),
        ops.note(B, "theirs", layer="private"),
    )  # fmt: skip
    assert [a.op_id for a in annotations.visible_to(A)] == ["shared", "mine"]
    assert [a.op_id for a in annotations.visible_to(B)] == ["shared", "theirs"]
    assert [a.op_id for a in annotations.visible_to("p:c")] == ["shared"]


def test_what_an_operation_is_about() -> None:
    ops = Ops()
    stroke, chat = ops.stroke(A, "a1", document_id="d2"), ops.chat(A)
    annotations = applied(stroke, chat)
    undo = ops.undo(A, "a1")
    assert annotations.document_of(stroke) == "d2"
    assert annotations.document_of(undo) == "d2"  # its target's
    assert annotations.document_of(ops.erase(B, "unknown")) is None
    assert annotations.document_of(chat) is None


def test_the_events_clients_are_told_and_who_may_hear_them() -> None:
    ops = Ops()
    annotations = Annotations()

    def told(op: LiveOp) -> tuple[dict[str, object], frozenset[str] | None]:
        annotations.apply(op)
        event = annotations.event_of(op)
        assert event is not None
        return json.loads(event[0]), event[1]

    added, audience = told(ops.stroke(A, "a1", layer="private", document_id="d2", page=4))
    assert audience == frozenset({A})  # the author's devices only
    assert added["type"] == "added" and added["seq"] == 1
    assert added["annotation"] == {
        "op_id": "a1", "author": A, "document_id": "d2", "page": 4, "layer": "private",
        "kind": "stroke", "color": "#112233", "width": 0.004, "points": [[0.0, 0.2], [0.1, 0.2]],
        "x": 0.0, "y": 0.0,
    }  # fmt: skip
    removed, audience = told(ops.undo(A, "a1"))
    assert removed == {"type": "removed", "seq": 2, "op_id": "a1", "by": "undo-2"}
    assert audience == frozenset({A})  # the target's audience, not everyone
    restored, _ = told(ops.redo(A, "a1"))
    assert restored["type"] == "restored" and restored["annotation"] == added["annotation"]

    note, audience = told(ops.note(B, "b1"))
    assert audience is None and note["annotation"]["text"] == "Xem lại"
    erased, audience = told(ops.erase(A, "b1"))
    assert erased == {"type": "removed", "seq": 5, "op_id": "b1", "by": "erase-5"}
    assert audience is None
    chat, audience = told(ops.chat(B, "Chào cả nhà"))
    assert chat["type"] == "chat" and chat["text"] == "Chào cả nhà" and audience is None

    annotations.apply(unknown := ops.erase(A, "nothing"))
    assert annotations.event_of(unknown) is None


def test_chat_keeps_the_latest_for_the_welcome() -> None:
    ops = Ops()
    annotations = Annotations()
    for i in range(3 * CHAT_IN_WELCOME + 7):
        annotations.apply(ops.chat(A, f"message {i}"))
    recent = annotations.recent_chat()
    assert len(recent) == CHAT_IN_WELCOME
    assert recent[-1].text == f"message {3 * CHAT_IN_WELCOME + 6}"
    assert [m.seq for m in recent] == list(range(ops.seq - CHAT_IN_WELCOME + 1, ops.seq + 1))
    assert len(annotations.chat) <= 2 * CHAT_IN_WELCOME  # what is older is let go


def test_usage_counts_every_operation_in_order() -> None:
    ops = Ops()
    annotations = applied(
        ops.stroke(A, "a1", points=3), ops.stroke(A, "a2", page=2), ops.undo(A, "a2"),
        ops.chat(A, "hi"), ops.note(B, "b1", text="ghi chú"),
    )  # fmt: skip
    usage = annotations.usage
    assert usage.on_page[(A, "d1", 1)] == 1 and usage.on_page[(A, "d1", 2)] == 1
    assert usage.on_page[(B, "d1", 1)] == 1
    assert usage.operations[A] == 4 and usage.operations[B] == 1
    # 400 an operation, 16 a point, the text's bytes.
    assert usage.weight[A] == (400 + 48) + (400 + 32) + 400 + (400 + 2)
    assert usage.weight[B] == 400 + len("ghi chú".encode())
    assert usage.total == usage.weight[A] + usage.weight[B]


def test_points_are_kept_exactly() -> None:
    points = [[0.1, 0.2], [1 / 3, 2 / 3], [0.0, 1.0]]
    packed = pack_points(points)
    assert len(packed) == 16 * len(points)
    assert unpack_points(packed) == [tuple(pair) for pair in points]
    with pytest.raises(ValueError):
        pack_points([[0.1, 0.2, 0.3]])
