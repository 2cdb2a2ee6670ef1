"""A meeting keeps its strokes compactly, and clients get them exactly as drawn."""

from __future__ import annotations

import json
import sys
from typing import Any

from meetroom.protocol import live as p
from meetroom.protocol.codec import encode_json
from meetroom.records.live import LiveOp
from meetroom.sessions.live.snapshot import PAGE_BYTES, welcome_frames
from meetroom.sessions.live.state import Annotations
from tests.ink import stroke_points


def deep_size(value: Any, seen: set[int] | None = None) -> int:
    """Bytes of `value` and of everything it holds that nothing else holds (strings
    shared by every annotation, such as interned colours, count once per meeting)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        size += sum(deep_size(item, seen) for item in value)
    elif hasattr(value, "__slots__") or hasattr(value, "__struct_fields__"):
        names = getattr(value, "__struct_fields__", None) or value.__slots__
        size += sum(deep_size(getattr(value, name), seen) for name in names)
    return size


def stroke(seq: int, points: list[list[float]]) -> LiveOp:
    body = {"tool": "pen", "color": "#1f6feb", "width": 0.004, "points": points}
    return LiveOp(seq, f"op-{seq:08d}", "p:chair", "stroke", "shared", "doc-1", 1, None, body)


def test_a_stroke_of_100_points_takes_under_2_kb_and_comes_out_as_it_went_in() -> None:
    annotations = Annotations()
    points = stroke_points(3, 100)
    annotations.apply(stroke(1, points))
    kept = annotations.every["op-00000001"]
    # The meeting interns these: whichever test interned one first holds the object.
    shared = {id(sys.intern(s)) for s in ("p:chair", "doc-1", "pen", "#1f6feb", "shared", "stroke")}
    # 100 points as two floats each: 1600 bytes; as tuples of floats (before) ~11 KB.
    assert deep_size(kept, set(shared)) < 2000, deep_size(kept, set(shared))

    # The event and the welcome say exactly what was drawn: same numbers, same JSON.
    data, audience = annotations.event_of(stroke(1, points)) or (b"", None)
    assert audience is None and json.loads(data)["annotation"]["points"] == points
    # The same JSON as the points had when they were kept as tuples of floats.
    assert encode_json([(x, y) for x, y in points]) in encode_json(kept.wire())
    assert encode_json(kept.wire()) in data


def test_the_welcome_of_a_long_meeting_comes_in_pages() -> None:
    annotations = Annotations()
    for seq in range(1, 201):
        annotations.apply(stroke(seq, stroke_points(seq, 100)))
    welcome = p.Welcome(version=1, you="p:x", name="X", role="delegate", grants=[],
                        state=p.PresenterState(), seq=200)  # fmt: skip
    frames = list(welcome_frames(welcome, annotations.visible_to("p:x")))
    messages = [json.loads(f) for f in frames]
    assert messages[0]["type"] == "welcome" and messages[0]["more"] is True
    assert {m["type"] for m in messages[1:]} == {"annotations_page"}
    assert [m.get("more", False) for m in messages] == [True] * (len(frames) - 1) + [False]
    assert all(len(f) <= PAGE_BYTES for f in frames)
    op_ids = [a["op_id"] for m in messages for a in m["annotations"]]
    assert op_ids == [f"op-{seq:08d}" for seq in range(1, 201)]
