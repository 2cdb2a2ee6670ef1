"""The annotations of a meeting as they stand, rebuilt from the stored operations:
what is visible, what was removed (and may be restored), and each author's undo and
redo history."""

from __future__ import annotations

from meetroom.protocol import live as p
from meetroom.protocol.codec import encode_json
from meetroom.records import LiveOp

ADDING = ("stroke", "note")
CHAT_IN_WELCOME = 200  # chat messages a client starting afresh is sent


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


def annotation_of(op: LiveOp) -> p.Annotation:
    body = op.body
    return p.Annotation(
        op_id=op.op_id,
        author=op.author,
        document_id=op.document_id or "",
        page=op.page or 1,
        layer="private" if op.layer == "private" else "shared",
        kind="note" if op.kind == "note" else "stroke",
        tool=body.get("tool", "pen"),
        color=body.get("color", "#1c2430"),
        width=float(body.get("width", 0.003)),
        points=[(float(x), float(y)) for x, y in body.get("points", [])],
        x=float(body.get("x", 0.0)),
        y=float(body.get("y", 0.0)),
        text=str(body.get("text", "")),
    )


def audience_of(annotation: p.Annotation) -> frozenset[str] | None:
    """Who may see an annotation: everyone, or (private layer) its author."""
    return frozenset({annotation.author}) if annotation.layer == "private" else None


class Annotations:
    def __init__(self) -> None:
        self.every: dict[str, p.Annotation] = {}  # op id -> annotation, ever added
        self.visible: dict[str, p.Annotation] = {}  # in the order they were added
        self.undo: dict[str, list[str]] = {}  # author -> op ids an undo can take back
        self.redo: dict[str, list[str]] = {}  # author -> op ids a redo can bring back
        self.chat: list[p.ChatMessage] = []  # the latest, oldest first

    def recent_chat(self) -> list[p.ChatMessage]:
        return self.chat[-CHAT_IN_WELCOME:]

    def apply(self, op: LiveOp) -> None:
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

    def visible_to(self, viewer: str) -> list[p.Annotation]:
        return [a for a in self.visible.values() if a.layer == "shared" or a.author == viewer]

    def document_of(self, op: LiveOp) -> str | None:
        """The document an operation is about (an erase, undo or redo: its target's;
        a chat message: none)."""
        if op.kind in ADDING:
            return op.document_id
        target = self.every.get(op.target or "")
        return None if target is None else target.document_id

    def last_undoable(self, author: str) -> str | None:
        history = self.undo.get(author)
        return history[-1] if history else None

    def last_redoable(self, author: str) -> str | None:
        history = self.redo.get(author)
        return history[-1] if history else None

    def event_of(self, op: LiveOp) -> tuple[bytes, frozenset[str] | None] | None:
        """The event that tells clients about a stored operation, encoded, and who may
        receive it. Call after `apply(op)`."""
        if op.kind == "chat":
            return encode_json(chat_of(op)), None
        if op.kind in ADDING:
            annotation = self.every[op.op_id]
            return encode_json(p.Added(seq=op.seq, annotation=annotation)), audience_of(annotation)
        target = self.every.get(op.target or "")
        if target is None:
            return None
        if op.kind == "redo":
            event: p.ServerMessage = p.Restored(seq=op.seq, annotation=target)
        else:
            event = p.Removed(seq=op.seq, op_id=target.op_id, by=op.op_id)
        return encode_json(event), audience_of(target)
