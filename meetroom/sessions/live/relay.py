"""What this node hears from the other nodes serving the same meeting, and what it
tells them.

One subscription per meeting this node holds. Live drawing and presence are used as
they come; everything else (stored operations, the presenter state, the meeting's
status) goes through one queue per meeting, applied by one task under the meeting's
lock, so that a client joining meanwhile gets it exactly once: in its snapshot or live.

Operations are applied strictly in sequence order: one already applied is dropped, the
next one is applied, and after a gap (an envelope lost, or another node's arriving
first) the missing ones are read from the store. When the bus comes back after an
outage, each meeting reads what it may have missed from the store."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from meetroom.bus import Envelope
from meetroom.clock import Clock
from meetroom.ids import MeetingId
from meetroom.meetings.service import MeetingService
from meetroom.meetings.status import read_only_live
from meetroom.protocol import live as p
from meetroom.protocol.codec import convert, encode_json, to_builtins
from meetroom.records.live import LiveOp
from meetroom.records.meetings import MeetingStatus
from meetroom.sessions.attendance import AttendanceRecorder
from meetroom.sessions.live.meeting import (
    LiveMeeting,
    apply_op,
    deliver_local,
    stored_state,
    topic,
)
from meetroom.sessions.live.ports import LiveBus, LiveStore
from meetroom.sessions.live.presence import ASK, PART, PresenceBoard
from meetroom.sessions.live.visibility import presented

logger = logging.getLogger(__name__)

OP, STATE, STATUS = "op", "state", "status"  # Envelope.detail["kind"]


def tell_status(meeting: LiveMeeting) -> None:
    """Every client of this node learns the meeting's status, and whether it may now
    only look (the chair may do more than the others)."""
    moderators = meeting.moderators()
    others = frozenset(c.viewer.key for c in meeting.connections.values()) - moderators
    for audience, moderator in ((moderators, True), (others, False)):
        if audience:
            event = p.MeetingStatusChanged(
                status=meeting.status.value, read_only=read_only_live(meeting.status, moderator)
            )
            deliver_local(meeting, Envelope(encode_json(event), audience=audience))


class Relay:
    def __init__(
        self,
        bus: LiveBus,
        store: LiveStore,
        meetings: MeetingService,
        presence: PresenceBoard,
        clock: Clock,
        attendance: AttendanceRecorder | None = None,
    ) -> None:
        self.bus = bus
        self.store = store
        self.meetings = meetings
        self.presence = presence
        self.clock = clock
        self.attendance = attendance

    # -- holding a meeting -----------------------------------------------------------

    def subscribe(self, meeting: LiveMeeting) -> None:
        """Before the meeting is read from the store: nothing published after that
        read is missed (what was published before it is dropped as already known)."""
        meeting.unsubscribe = self.bus.subscribe(
            topic(meeting.id), lambda envelope: self._heard(meeting, envelope)
        )

    def start(self, meeting: LiveMeeting) -> None:
        loop = asyncio.get_running_loop()
        name = f"live-{meeting.id}"
        meeting.tasks = [
            loop.create_task(self._run(meeting), name=f"{name}-inbox"),
            loop.create_task(self.presence.beat(meeting), name=f"{name}-heartbeat"),
        ]
        self.presence.ask(meeting)

    def stop(self, meeting: LiveMeeting) -> None:
        """This node lets the meeting go (its last client left)."""
        if meeting.unsubscribe is not None:
            meeting.unsubscribe()
            meeting.unsubscribe = None
        for task in meeting.tasks:
            task.cancel()
        meeting.tasks = []
        if meeting.presence_due is not None:
            meeting.presence_due.cancel()
            meeting.presence_due = None
        self.presence.publish(meeting, [])  # nobody here any more

    # -- telling the others ----------------------------------------------------------

    def publish_op(self, meeting: LiveMeeting, op: LiveOp, event: Envelope | None) -> None:
        detail = {"kind": OP, "op": to_builtins(op)}
        if event is None:  # no client needs to hear of it, but the nodes count it
            event = Envelope(b"", seq=op.seq)
        self.bus.publish(topic(meeting.id), Envelope(
            event.data, seq=op.seq, audience=event.audience, origin=event.origin, detail=detail,
            document_id=event.document_id,
        ))  # fmt: skip

    def publish_state(self, meeting: LiveMeeting, envelope: Envelope) -> None:
        self.publish_state_of(meeting.id, meeting.state_version, meeting.state, envelope.data)

    def publish_state_of(
        self, meeting_id: MeetingId, version: int, state: p.PresenterState, data: bytes = b""
    ) -> None:
        """A presenter state just stored (by this node, holding the meeting or not)."""
        detail = {"kind": STATE, "version": version, "state": to_builtins(state)}
        self.bus.publish(topic(meeting_id), Envelope(data, detail=detail))

    def publish_status(
        self, meeting_id: MeetingId, status: MeetingStatus, before: MeetingStatus
    ) -> None:
        detail = {"kind": STATUS, "status": status.value, "before": before.value}
        self.bus.publish(topic(meeting_id), Envelope(b"", detail=detail))

    # -- hearing from them -----------------------------------------------------------

    def _heard(self, meeting: LiveMeeting, envelope: Envelope) -> None:
        kind = (envelope.detail or {}).get("kind")
        if kind is None:  # live drawing: as it comes
            deliver_local(meeting, envelope)
        elif kind in (PART, ASK):
            self.presence.heard(meeting, envelope)
            if kind == PART and self._behind(meeting, envelope.detail or {}):
                self.resync(meeting)
        else:
            meeting.inbox.put_nowait(envelope)

    @staticmethod
    def _behind(meeting: LiveMeeting, part: dict[str, Any]) -> bool:
        """Whether another node has applied more than this one (an envelope may have
        been lost; one on its way is caught up by the resync as well, harmlessly)."""
        return (
            int(part.get("seq", 0)) > meeting.last_seq
            or int(part.get("version", 0)) > meeting.state_version
        )

    def resync(self, meeting: LiveMeeting) -> None:
        """Envelopes may have been lost: read again what matters from the store."""
        meeting.inbox.put_nowait(None)

    async def _run(self, meeting: LiveMeeting) -> None:
        while True:
            first = await meeting.inbox.get()
            async with meeting.lock:
                batch = [first]
                while not meeting.inbox.empty():
                    batch.append(meeting.inbox.get_nowait())
                for envelope in batch:
                    try:
                        if envelope is None:
                            await self._resync(meeting)
                        else:
                            await self._apply(meeting, envelope)
                    except Exception:  # the next envelope or resync reads the store again
                        logger.exception("meeting %s: applying what another node said failed",
                                         meeting.id)  # fmt: skip

    async def _apply(self, meeting: LiveMeeting, envelope: Envelope) -> None:
        detail = envelope.detail or {}
        kind = detail.get("kind")
        if kind == OP:
            if envelope.seq <= meeting.last_seq:
                return  # applied already (ours, or read from the store after a gap)
            if envelope.seq == meeting.last_seq + 1:
                apply_op(meeting, convert(detail["op"], LiveOp), heard=envelope)
            else:
                await self.catch_up(meeting)
        elif kind == STATE:
            self._take_state(meeting, int(detail["version"]), detail["state"], envelope.data)
        elif kind == STATUS:
            await self._take_status(meeting, MeetingStatus(detail["status"]),
                                    MeetingStatus(detail["before"]))  # fmt: skip

    def _take_state(self, meeting: LiveMeeting, version: int, state: Any, data: bytes) -> None:
        if version <= meeting.state_version:
            return  # an older page turn than the one shown
        meeting.state = stored_state(state)
        meeting.state_version = version
        deliver_local(meeting, presented(meeting.state, data))

    async def _take_status(
        self, meeting: LiveMeeting, status: MeetingStatus, before: MeetingStatus
    ) -> None:
        if status is meeting.status:
            return
        meeting.status = status
        tell_status(meeting)
        if self.attendance is not None and status is MeetingStatus.IN_PROGRESS:
            # Those connected here are present from now (the node where the chair
            # opened it counted its own; closing closed everyone's there).
            found = await self.meetings.store.get_meeting(meeting.id)
            if found is not None:
                await self.attendance.status_changed(found, before)

    async def catch_up(self, meeting: LiveMeeting, before: int | None = None) -> None:
        """Apply and deliver, in order, the stored operations after the last applied
        (those before `before` only). Call under the meeting's lock."""
        for op in await self.store.ops(meeting.id, after=meeting.last_seq):
            if before is not None and op.seq >= before:
                break
            if op.seq != meeting.last_seq + 1:
                logger.error("meeting %s: operation %d missing in the store (after %d)",
                             meeting.id, meeting.last_seq + 1, meeting.last_seq)  # fmt: skip
                break
            apply_op(meeting, op)

    async def _resync(self, meeting: LiveMeeting) -> None:
        await self.catch_up(meeting)
        _, state, version = await self.store.state(meeting.id)
        if state is not None:
            self._take_state(meeting, version, state, b"")
        found = await self.meetings.store.get_meeting(meeting.id)
        if found is not None and found.status is not meeting.status:
            meeting.status = found.status
            tell_status(meeting)
        self.presence.changed(meeting)
        self.presence.ask(meeting)
