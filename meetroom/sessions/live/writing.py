"""What clients write in a live session: strokes as they are drawn (passed on, not
stored), and the stored operations: strokes, notes, erasing, undo and redo, chat.

A stored operation is numbered by the store, applied and delivered here in that
number's order (after any of other nodes numbered before it and not heard of yet),
published to the other nodes, and only then acknowledged: an ack means it is kept.
What one person, and a meeting, may store is bounded (see live/quota.py)."""

from __future__ import annotations

import logging
from typing import Any

from meetroom.bus import Envelope
from meetroom.clock import Clock
from meetroom.errors import N_, Invalid, NotFound, TooLarge
from meetroom.ids import MeetingId
from meetroom.protocol import live as p
from meetroom.protocol.codec import encode_json, replace
from meetroom.records.live import LiveOp
from meetroom.sessions.live.checks import check_layer, check_page
from meetroom.sessions.live.meeting import (
    Connection,
    LiveMeeting,
    Viewer,
    apply_op,
    deliver_local,
    topic,
)
from meetroom.sessions.live.ports import DocumentPages, LiveBus, LiveStore
from meetroom.sessions.live.quota import Quotas, cost_of
from meetroom.sessions.live.relay import Relay
from meetroom.sessions.live.visibility import may_see

logger = logging.getLogger(__name__)

MAX_DRAWINGS = 8  # strokes one connection may have in progress at once


class Writing:
    def __init__(
        self, store: LiveStore, bus: LiveBus, relay: Relay, documents: DocumentPages, clock: Clock,
        quotas: Quotas | None = None,
    ) -> None:  # fmt: skip
        self.quotas = quotas or Quotas()
        self.store = store
        self.bus = bus
        self.relay = relay
        self.documents = documents
        self.clock = clock

    async def handle(
        self, meeting: LiveMeeting, connection_id: str, message: p.ClientMessage
    ) -> p.Ack | None:
        connection = meeting.connections[connection_id]
        viewer = connection.viewer
        match message:
            case p.StrokeStart():
                await self._stroke_start(meeting, connection_id, connection, message)
                return None
            case p.StrokePoints(op_id=op_id, points=points):
                start = connection.drawing.get(op_id)
                if start is None:
                    raise Invalid("unknown_stroke", N_("No stroke is being drawn with this id."))
                self._publish_drawing(meeting, connection_id, viewer, start, points)
                return None
            case p.StrokeEnd():
                connection.drawing.pop(message.op_id, None)
                check_layer(meeting, viewer, message.layer)
                await self._check_page(connection, meeting.id, message.document_id, message.page)
                body = {
                    "tool": message.tool, "color": message.color, "width": message.width,
                    "points": [list(point) for point in message.points],
                }  # fmt: skip
                return await self._store(meeting, connection_id, viewer, message.op_id,
                                         "stroke", message.layer, message.document_id,
                                         message.page, None, body)  # fmt: skip
            case p.AddNote():
                check_layer(meeting, viewer, message.layer)
                await self._check_page(connection, meeting.id, message.document_id, message.page)
                body = {"x": message.x, "y": message.y, "text": message.text,
                        "color": message.color}  # fmt: skip
                return await self._store(meeting, connection_id, viewer, message.op_id,
                                         "note", message.layer, message.document_id,
                                         message.page, None, body)  # fmt: skip
            case p.Erase(op_id=op_id, target=erased):
                shown = meeting.annotations.visible.get(erased)
                if (
                    shown is None
                    or not (shown.layer == "shared" or shown.author == viewer.key)
                    or not may_see(meeting, viewer, shown.document_id)
                ):
                    raise NotFound("annotation_not_found", N_("There is nothing to erase here."))
                if shown.author != viewer.key:
                    check_layer(meeting, viewer, shown.layer)
                return await self._store(meeting, connection_id, viewer, op_id, "erase",
                                         None, None, None, erased, {})  # fmt: skip
            case p.Undo(op_id=op_id):
                undone = meeting.annotations.last_undoable(
                    viewer.key, lambda d: may_see(meeting, viewer, d)
                )
                if undone is None:
                    raise Invalid("nothing_to_undo", N_("There is nothing to undo."))
                return await self._store(meeting, connection_id, viewer, op_id, "undo",
                                         None, None, None, undone, {})  # fmt: skip
            case p.Redo(op_id=op_id):
                redone = meeting.annotations.last_redoable(
                    viewer.key, lambda d: may_see(meeting, viewer, d)
                )
                if redone is None:
                    raise Invalid("nothing_to_redo", N_("There is nothing to redo."))
                # Bringing a shared annotation back is drawing on the shared layer
                # (taking one's own back, as erasing it, needs no right).
                check_layer(meeting, viewer, meeting.annotations.every[redone].layer)
                return await self._store(meeting, connection_id, viewer, op_id, "redo",
                                         None, None, None, redone, {})  # fmt: skip
            case p.ChatSend(op_id=op_id, text=text):
                body = {"text": text.strip(), "name": viewer.name,
                        "at": self.clock.now().isoformat(timespec="seconds")}  # fmt: skip
                if not body["text"]:
                    raise Invalid("empty_chat", N_("The message is empty."))
                return await self._store(meeting, connection_id, viewer, op_id, "chat",
                                         None, None, None, None, body)  # fmt: skip
        raise Invalid("unknown_type", N_("Unknown message type."))

    async def _check_page(
        self, connection: Connection, meeting_id: MeetingId, document_id: str, page: int
    ) -> None:
        await check_page(self.documents, connection, meeting_id, document_id, page)

    async def _stroke_start(
        self, meeting: LiveMeeting, connection_id: str, connection: Connection,
        message: p.StrokeStart,
    ) -> None:  # fmt: skip
        viewer = connection.viewer
        check_layer(meeting, viewer, message.layer)
        await self._check_page(connection, meeting.id, message.document_id, message.page)
        if len(connection.drawing) >= MAX_DRAWINGS:
            connection.drawing.pop(next(iter(connection.drawing)))
        # What later points are drawn with; not the points (up to 2000 of them, for up
        # to MAX_DRAWINGS strokes, on each of a thousand connections).
        connection.drawing[message.op_id] = replace(message, points=[])
        self._publish_drawing(meeting, connection_id, viewer, message, message.points)

    def _publish_drawing(
        self, meeting: LiveMeeting, connection_id: str, viewer: Viewer, start: p.StrokeStart,
        points: list[tuple[float, float]],
    ) -> None:  # fmt: skip
        drawing = p.Drawing(
            op_id=start.op_id, author=viewer.key, document_id=start.document_id,
            page=start.page, layer=start.layer, tool=start.tool, color=start.color,
            width=start.width, points=points,
        )  # fmt: skip
        audience = frozenset({viewer.key}) if start.layer == "private" else None
        envelope = Envelope(
            encode_json(drawing), audience=audience, origin=connection_id,
            document_id=start.document_id,
        )  # fmt: skip
        deliver_local(meeting, envelope)
        self.bus.publish(topic(meeting.id), envelope)

    async def _store(
        self, meeting: LiveMeeting, connection_id: str, viewer: Viewer, op_id: str, kind: str,
        layer: str | None, document_id: str | None, page: int | None, target: str | None,
        body: dict[str, Any],
    ) -> p.Ack:  # fmt: skip
        """Store, then deliver and publish, then acknowledge: an ack means the
        operation is kept. The store numbers it; operations of other nodes numbered
        before it and not heard of yet are read and delivered first. Past a quota,
        nothing is stored (an operation stored before, sent again, is acknowledged)."""
        op = LiveOp(0, op_id, viewer.key, kind, layer, document_id, page, target, body)
        async with meeting.lock:
            try:
                self.quotas.check(meeting.annotations.usage, viewer.key, kind, document_id,
                                  page, cost_of(kind, body))  # fmt: skip
            except TooLarge:
                before = await self.store.find(meeting.id, op_id)
                if before is None:
                    raise
                return p.Ack(op_id=op_id, seq=before.seq, target=before.target)
            stored, _ = await self.store.append(meeting.id, op, self.clock.now())
            if stored.seq > meeting.last_seq:
                await self.relay.catch_up(meeting, before=stored.seq)
                event = apply_op(meeting, stored, origin=connection_id)
                self.relay.publish_op(meeting, stored, event)
        return p.Ack(op_id=op_id, seq=stored.seq, target=stored.target)
