"""The annotations of a meeting as they stand, rebuilt from the stored operations:
what is visible, what was removed (and may be restored), and each author's undo and
redo history.

A meeting holds every annotation ever added (an undo may bring one back), so they are
kept compactly: a stroke's points as one `bytes` of interleaved float64 x, y (16 bytes a
point, where a list of tuples of floats took about 100), turned back into the wire's
`Annotation` only when one is encoded. float64 keeps every value exactly, so the JSON
a client gets is the same as the one it sent."""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meetroom.protocol import live as p
from meetroom.protocol.codec import encode_json
from meetroom.records.live import LiveOp
from meetroom.sessions.live.quota import Usage, cost_of

ADDING = ("stroke", "note")


def _ANY(document_id: str) -> bool:
    return True


CHAT_IN_WELCOME = 200  # chat messages a client starting afresh is sent


def pack_points(points: Any) -> bytes:
    """[[x, y], ...] as interleaved float64 (a point that is not a pair raises)."""
    flat = array("d")
    for x, y in points:
        flat.append(float(x))
        flat.append(float(y))
    return flat.tobytes()


def unpack_points(packed: bytes) -> list[tuple[float, float]]:
    flat = array("d")
    flat.frombytes(packed)
    pairs = iter(flat)
    return list(zip(pairs, pairs, strict=True))


@dataclass(frozen=True, slots=True)
class Ink:
    """A stored stroke or note as a meeting keeps it (see `Annotation` for the fields);
    immutable, so a snapshot may be encoded after the meeting's lock is released."""

    op_id: str
    author: str
    document_id: str
    page: int
    layer: p.Layer
    kind: str  # stroke | note
    tool: p.Tool
    color: str
    width: float
    points: bytes  # interleaved float64 x, y
    x: float
    y: float
    text: str

    @property
    def point_count(self) -> int:
        return len(self.points) // 16

    def wire(self) -> p.Annotation:
        """As clients get it."""
        return p.Annotation(
            op_id=self.op_id, author=self.author, document_id=self.document_id,
            page=self.page, layer=self.layer,
            kind="note" if self.kind == "note" else "stroke", tool=self.tool,
            color=self.color, width=self.width, points=unpack_points(self.points),
            x=self.x, y=self.y, text=self.text,
        )  # fmt: skip


def chat_of(op: LiveOp) -> p.ChatMessage:
    body = op.body
    return p.ChatMessage(
        seq=op.seq,
        op_id=op.op_id,
        author=op.author,
        name=str(body.get("name", "")),
        text=str(body.get("text", "")),
        at=str(body.get("at", "")),
    )


def annotation_of(op: LiveOp) -> Ink:
    body = op.body
    # Interned: the same few authors, documents, tools and colours in every annotation.
    return Ink(
        op_id=op.op_id,
        author=sys.intern(op.author),
        document_id=sys.intern(op.document_id or ""),
        page=op.page or 1,
        layer="private" if op.layer == "private" else "shared",
        kind="note" if op.kind == "note" else "stroke",
        tool=sys.intern(str(body.get("tool", "pen"))),  # type: ignore[arg-type]
        color=sys.intern(str(body.get("color", "#1c2430"))),
        width=float(body.get("width", 0.003)),
        points=pack_points(body.get("points", [])),
        x=float(body.get("x", 0.0)),
        y=float(body.get("y", 0.0)),
        text=str(body.get("text", "")),
    )


def audience_of(annotation: Ink) -> frozenset[str] | None:
    """Who may see an annotation: everyone, or (private layer) its author."""
    return frozenset({annotation.author}) if annotation.layer == "private" else None


class Annotations:
    def __init__(self) -> None:
        self.every: dict[str, Ink] = {}  # op id -> annotation, ever added
        self.visible: dict[str, Ink] = {}  # in the order they were added
        self.undo: dict[str, list[str]] = {}  # author -> op ids an undo can take back
        self.redo: dict[str, list[str]] = {}  # author -> op ids a redo can bring back
        self.chat: list[p.ChatMessage] = []  # the latest, oldest first
        self.usage = Usage()  # what each author stored, for the quotas

    def recent_chat(self) -> list[p.ChatMessage]:
        return self.chat[-CHAT_IN_WELCOME:]

    def apply(self, op: LiveOp) -> None:
        self.usage.add(op.author, op.kind, op.document_id, op.page, cost_of(op.kind, op.body))
        if op.kind == "chat":
            self.chat.append(chat_of(op))
            if len(self.chat) > 2 * CHAT_IN_WELCOME:
                del self.chat[:CHAT_IN_WELCOME]
        elif op.kind in ADDING:
            annotation = annotation_of(op)
            self.every[op.op_id] = annotation
            self.visible[op.op_id] = annotation
            self.undo.setdefault(op.author, []).append(op.op_id)
            self.redo.pop(op.author, None)  # a new stroke ends what could be redone
        elif op.kind in ("erase", "undo") and op.target:
            self.visible.pop(op.target, None)
            target = self.every.get(op.target)
            if target is not None:
                history = self.undo.get(target.author, [])
                if op.target in history:
                    history.remove(op.target)
            if op.kind == "undo":
                self.redo.setdefault(op.author, []).append(op.target)
        elif op.kind == "redo" and op.target and op.target in self.every:
            self.visible[op.target] = self.every[op.target]
            self.undo.setdefault(op.author, []).append(op.target)
            history = self.redo.get(op.author, [])
            if op.target in history:
                history.remove(op.target)

    def visible_to(self, viewer: str) -> list[Ink]:
        return [a for a in self.visible.values() if a.layer == "shared" or a.author == viewer]

    def document_of(self, op: LiveOp) -> str | None:
        """The document an operation is about (an erase, undo or redo: its target's;
        a chat message: none)."""
        if op.kind in ADDING:
            return op.document_id
        target = self.every.get(op.target or "")
        return None if target is None else target.document_id

    def last_undoable(self, author: str, visible: Callable[[str], bool] = _ANY) -> str | None:
        """One's own last annotation still there, on a document `visible` to one (what
        lies on a document taken away stays, and does not block the undo of the rest;
        the page predicts the same)."""
        return self._last(self.undo.get(author), visible)

    def last_redoable(self, author: str, visible: Callable[[str], bool] = _ANY) -> str | None:
        return self._last(self.redo.get(author), visible)

    def _last(self, history: list[str] | None, visible: Callable[[str], bool]) -> str | None:
        for op_id in reversed(history or ()):
            target = self.every.get(op_id)
            if target is None or visible(target.document_id):
                return op_id
        return None

    def event_of(self, op: LiveOp) -> tuple[bytes, frozenset[str] | None] | None:
        """The event that tells clients about a stored operation, encoded, and who may
        receive it. Call after `apply(op)`."""
        if op.kind == "chat":
            return encode_json(chat_of(op)), None
        if op.kind in ADDING:
            annotation = self.every[op.op_id]
            event = p.Added(seq=op.seq, annotation=annotation.wire())
            return encode_json(event), audience_of(annotation)
        target = self.every.get(op.target or "")
        if target is None:
            return None
        if op.kind == "redo":
            told: p.ServerMessage = p.Restored(seq=op.seq, annotation=target.wire())
        else:
            told = p.Removed(seq=op.seq, op_id=target.op_id, by=op.op_id)
        return encode_json(told), audience_of(target)
