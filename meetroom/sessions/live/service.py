"""The live session of a meeting: where the presenter is, who follows, annotations
on the shared and private layers, and who is connected.

Several nodes may serve the same meeting, each with its own clients, sharing the
database and a bus (see live/relay.py). Every stored operation gets the meeting's next
sequence number from the database; each node applies operations strictly in that
order, under one lock per meeting, and a client's joining (its snapshot, then its
place among the connections) happens under that lock too, so a client that resumes
from the last number it saw, on any node, gets everything after it exactly once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from meetroom.bus import Envelope
from meetroom.clock import Clock
from meetroom.errors import N_, Forbidden, Invalid
from meetroom.ids import MeetingId
from meetroom.meetings.service import MeetingService
from meetroom.meetings.status import read_only_live, require_live_write
from meetroom.protocol import live as p
from meetroom.protocol.codec import to_builtins
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Grant, Meeting, MeetingRole, MeetingStatus
from meetroom.sessions.attendance import AttendanceRecorder, Attendee
from meetroom.sessions.live.checks import (
    check_page,
    may_present,
    require_moderator,
    require_organiser,
)
from meetroom.sessions.live.meeting import (
    Connection,
    LiveMeeting,
    Viewer,
    deliver_local,
    participant_key,
    reaches,
    stored_state,
    topic,
)
from meetroom.sessions.live.ports import DocumentPages, LiveBus, LiveStore
from meetroom.sessions.live.presence import HEARTBEAT, PRESENCE_TTL, PresenceBoard
from meetroom.sessions.live.presenter import PRESENTER_GRACE, Presenting
from meetroom.sessions.live.quota import Quotas
from meetroom.sessions.live.relay import Relay, tell_status
from meetroom.sessions.live.rights import Hooks, LiveRights
from meetroom.sessions.live.snapshot import missed, welcome_frames
from meetroom.sessions.live.state import Annotations
from meetroom.sessions.live.visibility import (
    Visibility,
    annotations_for,
    may_see,
    require_visible,
    shown_to,
    state_for,
)
from meetroom.sessions.live.writing import Writing

__all__ = ["LiveService", "Viewer"]

logger = logging.getLogger(__name__)

LOAD_BATCH = 100  # operations read at a time when a meeting is loaded

# What changes the session: refused once the meeting ended (see meetings/status.py).
WRITES = (
    p.Present, p.ForceFollow, p.HandOver, p.TakeOver, p.OpenShared, p.StrokeStart, p.StrokePoints,
    p.StrokeEnd, p.AddNote, p.Erase, p.Undo, p.Redo, p.ChatSend,
)  # fmt: skip


class LiveService:
    def __init__(
        self,
        meetings: MeetingService,
        store: LiveStore,
        bus: LiveBus,
        documents: DocumentPages,
        clock: Clock,
        attendance: AttendanceRecorder | None = None,
        *,
        heartbeat: float = HEARTBEAT,
        presence_ttl: float = PRESENCE_TTL,
        presenter_grace: float = PRESENTER_GRACE,
        quotas: Quotas | None = None,
    ) -> None:
        self.attendance = attendance
        self.meetings = meetings
        self.store = store
        self.bus = bus
        self.documents = documents
        self.clock = clock
        self.presence = PresenceBoard(
            bus, heartbeat, presence_ttl, gone=self._gone, beaten=self._beaten
        )
        self.relay = Relay(bus, store, meetings, self.presence, clock, attendance)
        self.writing = Writing(store, bus, self.relay, documents, clock, quotas)
        self._live: dict[MeetingId, LiveMeeting] = {}
        self.visibility = Visibility(documents, bus, self._live)
        self.presenting = Presenting(
            meetings, store, self.relay, self.presence, clock, self._live, presenter_grace
        )
        self._joined: dict[str, LiveMeeting] = {}  # connection id -> its meeting
        self._loading: dict[MeetingId, asyncio.Lock] = {}
        # Rights that change while connected (the meetings' and accounts' listener).
        self.rights = LiveRights(
            bus, self._joined, self.viewer, self.presenting, self.presence, self.visibility
        )
        if attendance is not None:
            attendance.elsewhere = self._elsewhere
        bus.on_resync(self._resync)

    # -- joining and leaving -------------------------------------------------------

    async def viewer(self, principal: Principal, meeting_id: MeetingId) -> Viewer:
        """Who `principal` is in the meeting's live session, with what they may do;
        NotFound or Forbidden if they may not be in it. Asked again whenever their
        rights change (live/rights.py)."""
        access = await self.meetings.open(principal, meeting_id)
        if access.me is not None:
            me = access.me
            role, grants = me.role.value, me.grants
            if access.can_manage and me.role not in (MeetingRole.CHAIR, MeetingRole.SECRETARY):
                # An administrator or secretary account that is also a participant may
                # do what an organiser may (the higher of the two), as themselves.
                role, grants = "manager", frozenset(Grant)
            elif access.can_manage:
                grants = frozenset(Grant)
            return Viewer(participant_key(me.id), me.name, role, grants, principal)
        assert principal.user is not None
        user = principal.user
        return Viewer(f"u:{user.id}", user.display_name, "manager", frozenset(Grant), principal)

    async def join(
        self,
        viewer: Viewer,
        meeting_id: MeetingId,
        connection_id: str,
        hello: p.Hello,
        send: Callable[[bytes], None],
        *,
        send_many: Callable[[Iterator[bytes]], None] | None = None,
        hooks: Hooks | None = None,
        since: float | None = None,
    ) -> None:
        """Send the welcome (and what the client missed since `hello.last_seq`), then
        the live stream: in that order, with nothing lost or repeated in between.
        `send_many`: how the socket takes the welcome, its pages and the replay (in
        order with what `send` takes, encoded as they go out; see live/snapshot.py);
        without it they go through `send` one by one. `hooks`: what ends the socket, or
        gives it new rights, when they change; `since`: (loop time) when the socket's
        request was authenticated."""
        if hello.version != p.PROTOCOL_VERSION:
            raise Invalid(
                "protocol_version",
                N_("This page is out of date (protocol {got}; the server speaks {want}). "
                   "Reload it."),
                got=hello.version, want=p.PROTOCOL_VERSION,
            )  # fmt: skip
        while True:
            meeting = await self._meeting(meeting_id)
            await meeting.lock.acquire()
            if self._live.get(meeting_id) is meeting:
                break
            meeting.lock.release()  # its last client left meanwhile: load it afresh
        try:
            if hello.last_seq > meeting.last_seq:
                # It saw, through another node, operations not heard of here yet.
                await self.relay.catch_up(meeting)
            await self.presenting.settle(meeting)
            replay: list[bytes] | None = None
            if 0 < hello.last_seq <= meeting.last_seq:
                # Up to what this node applied: later ones reach the client live.
                replay = await missed(
                    self.store, meeting, hello.last_seq,
                    lambda audience, document_id: (
                        (audience is None or viewer.key in audience)
                        and may_see(meeting, viewer, document_id)
                    ),
                )  # fmt: skip
            resume = replay is not None
            welcome = p.Welcome(
                version=p.PROTOCOL_VERSION,
                you=viewer.key,
                name=viewer.name,
                role=viewer.role,
                grants=sorted(g.value for g in viewer.grants),
                state=state_for(meeting, viewer),
                seq=meeting.last_seq,
                resumed=resume,
                chat=[] if resume else meeting.annotations.recent_chat(),
                status=meeting.status.value,
                read_only=read_only_live(meeting.status, Grant.MODERATOR in viewer.grants),
            )
            shown = [] if resume else annotations_for(meeting, viewer)
            frames = welcome_frames(welcome, shown, replay or ())
            if send_many is not None:
                send_many(frames)
            else:
                for frame in frames:
                    send(frame)
            sent = meeting.last_seq

            def deliver(envelope: Envelope) -> None:
                if envelope.seq and envelope.seq <= sent:
                    return  # in the snapshot or the replay already
                if not reaches(envelope.audience, connection.viewer):
                    return
                if envelope.origin == connection_id:
                    return
                data = shown_to(meeting, connection.viewer, envelope)
                if data is not None:
                    send(data)

            connection = Connection(viewer, deliver)
            meeting.connections[connection_id] = connection
            self._joined[connection_id] = meeting
            if hooks is not None:
                self.rights.attach(connection_id, hooks, since)
        finally:
            meeting.lock.release()
        self.presence.changed(meeting)
        if self.attendance is not None:
            who = Attendee(viewer.key, viewer.name, viewer.role)
            await self.attendance.joined(meeting_id, who, connection_id, hello.device)

    async def leave(self, meeting_id: MeetingId, connection_id: str) -> None:
        self.rights.detach(connection_id)
        meeting = self._joined.pop(connection_id, None)
        if meeting is None:
            return
        async with meeting.lock:
            connection = meeting.connections.pop(connection_id, None)
            if connection is not None:
                if self.attendance is not None:
                    await self.attendance.left(meeting_id, connection.viewer.key, connection_id)
            if not meeting.connections and self._live.get(meeting_id) is meeting:
                # Loaded again from the store by the next client to join.
                del self._live[meeting_id]
                self.relay.stop(meeting)
                return
        self.presence.changed(meeting)
        self.presenting.watch(meeting)

    async def _meeting(self, meeting_id: MeetingId) -> LiveMeeting:
        loading = self._loading.setdefault(meeting_id, asyncio.Lock())
        async with loading:
            meeting = self._live.get(meeting_id)
            if meeting is None:
                meeting = LiveMeeting(meeting_id)
                self.relay.subscribe(meeting)  # first: what is published meanwhile waits
                try:
                    await self._load(meeting)
                except BaseException:
                    self.relay.stop(meeting)
                    raise
                self._live[meeting_id] = meeting
                meeting.held_since = asyncio.get_running_loop().time()
                self.visibility.loaded(meeting)
                self.relay.start(meeting)
                self.presenting.watch(meeting)  # the presenter may have left meanwhile
        return meeting

    async def _load(self, meeting: LiveMeeting) -> None:
        found = await self.meetings.store.get_meeting(meeting.id)
        if found is not None:
            meeting.status = found.status
        last_seq, stored, version = await self.store.state(meeting.id)
        if stored:
            meeting.state = stored_state(stored)
        meeting.state_version = version
        meeting.documents = await self.visibility.table(meeting.id)
        await self.presenting.settle(meeting)
        # In batches: a long meeting's operations as read (points as lists of floats)
        # take several times what the annotations take once applied.
        applied = 0
        while ops := await self.store.ops(meeting.id, after=applied, limit=LOAD_BATCH):
            for op in ops:
                meeting.annotations.apply(op)
            applied = ops[-1].seq
        # Read after the state: other nodes may have stored more meanwhile.
        meeting.last_seq = applied or last_seq

    async def close(self) -> None:
        """Let every meeting go (shutdown, tests): no more subscriptions or heartbeats."""
        for meeting in list(self._live.values()):
            self.relay.stop(meeting)
        self._live.clear()
        self.visibility.close()
        await self.rights.close()

    def _resync(self) -> None:
        for meeting in list(self._live.values()):
            self.relay.resync(meeting)
        self.rights.resync()

    def held(self) -> list[MeetingId]:
        """The meetings this node has clients of."""
        return list(self._live)

    def tell(
        self, meeting_id: MeetingId, data: bytes, audience: frozenset[str] | None = None
    ) -> None:
        """An event that is not stored (the floor's, the quorum's), to the meeting's
        clients here and on the other nodes: those in `audience` (viewer keys), or all."""
        envelope = Envelope(data, audience=audience)
        meeting = self._live.get(meeting_id)
        if meeting is not None:
            deliver_local(meeting, envelope)
        self.bus.publish(topic(meeting_id), envelope)

    def viewer_of(self, connection_id: str) -> Viewer | None:
        """A joined connection's viewer as it is now (its rights may have changed)."""
        meeting = self._joined.get(connection_id)
        connection = meeting.connections.get(connection_id) if meeting else None
        return connection.viewer if connection else None

    def _elsewhere(self, meeting_id: MeetingId, person: str) -> bool:
        meeting = self._live.get(meeting_id)
        return meeting is not None and self.presence.elsewhere(meeting, person)

    def _beaten(self, meeting: LiveMeeting) -> None:
        """Once this node has held the meeting long enough to have heard every live
        node's part, the attendance store is made to agree with who is connected."""
        loop_time = asyncio.get_running_loop().time()
        if self.attendance is None or loop_time - meeting.held_since < self.presence.ttl:
            return
        settled = timedelta(seconds=self.presence.ttl)
        self.attendance.reconcile(meeting.id, self.presence.others(meeting), settled)

    def _gone(self, meeting_id: MeetingId, person: str) -> None:
        if self.attendance is not None:
            self.attendance.gone(meeting_id, person)
        meeting = self._live.get(meeting_id)
        if meeting is not None and meeting.state.presenter == person:
            self.presenting.watch(meeting)

    async def annotations_for(
        self, viewer: Viewer, meeting_id: MeetingId, document_id: str
    ) -> list[dict[str, Any]]:
        """The annotations of a document that `viewer` sees now: the shared layer and
        their own private one, oldest first, with their authors' names."""
        meeting = self._live.get(meeting_id)
        table = meeting.documents if meeting is not None else None
        if table is None:
            table = await self.visibility.table(meeting_id)
        require_visible(table, viewer, document_id)
        if meeting is not None:
            async with meeting.lock:
                shown = meeting.annotations.visible_to(viewer.key)
        else:
            annotations = Annotations()
            for op in await self.store.ops(meeting_id):
                annotations.apply(op)
            shown = annotations.visible_to(viewer.key)
        names = {
            participant_key(p.id): p.name
            for p in await self.meetings.store.list_participants(meeting_id)
        }
        return [
            {**to_builtins(a.wire()), "author_name": names.get(a.author, "")}
            for a in shown
            if a.document_id == document_id
        ]

    # -- messages ----------------------------------------------------------------------

    async def handle(
        self, meeting_id: MeetingId, connection_id: str, message: p.ClientMessage
    ) -> p.ServerMessage | None:
        """Act on one message of a joined client; returns the reply to it, if any.
        A message that is not allowed raises, and changes nothing."""
        # One whose rights ended may still have messages in flight: none is acted on.
        self.rights.refuse_ended(connection_id)
        meeting = self._joined[connection_id]
        connection = meeting.connections[connection_id]
        viewer = connection.viewer
        if isinstance(message, WRITES):
            require_live_write(meeting.status, Grant.MODERATOR in viewer.grants)
        match message:
            case p.Ping():
                return p.Pong()
            case p.Browse(following=following, where=where):
                connection.following, connection.where = following, where
                self.presence.changed(meeting)
                return None
            case p.Present(where=where):
                if not may_present(meeting, viewer):
                    raise Forbidden("not_presenter", N_("Only the presenter can turn pages."))
                if where.document_id is not None:
                    await self._check_page(connection, meeting_id, where.document_id, where.page)
                await self.presenting.change(meeting, where=where)
                return None
            case p.ForceFollow():
                require_moderator(viewer)
                await self.presenting.change(meeting, follow_epoch=meeting.state.follow_epoch + 1)
                return None
            case p.HandOver(participant_id=pid):
                await self.presenting.hand_over(meeting, viewer, pid)
                return None
            case p.TakeOver(where=where):
                require_organiser(viewer)
                if where is not None and where.document_id is not None:
                    await self._check_page(connection, meeting_id, where.document_id, where.page)
                await self.presenting.take_over(meeting, viewer, where)
                return None
            case p.OpenShared(open=is_open):
                require_moderator(viewer)
                await self.presenting.change(meeting, shared_open=is_open)
                return None
            case (
                p.StrokeStart() | p.StrokePoints() | p.StrokeEnd() | p.AddNote() | p.Erase()
                | p.Undo() | p.Redo() | p.ChatSend()
            ):  # fmt: skip
                return await self.writing.handle(meeting, connection_id, message)
            case p.Hello():
                raise Invalid("already_joined", N_("This connection has joined already."))
        raise Invalid("unknown_type", N_("Unknown message type."))

    # -- lifecycle ---------------------------------------------------------------------

    def joining_video(self, connection_id: str) -> None:
        """Refuse the video of a meeting that ended: its room was closed with it."""
        meeting = self._joined.get(connection_id)
        if meeting is not None and meeting.status in (MeetingStatus.ENDED, MeetingStatus.ARCHIVED):
            require_live_write(meeting.status, moderator=True)

    async def joined_video(self, meeting_id: MeetingId, connection_id: str) -> None:
        meeting = self._joined.get(connection_id)
        connection = meeting.connections.get(connection_id) if meeting else None
        if self.attendance is not None and connection is not None:
            await self.attendance.used(meeting_id, connection.viewer.key, "video")

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> None:
        """Every connected client, on every node, learns the new status at once (on
        closing: "meeting closed", the tablets turn read-only), then attendance starts
        or stops counting."""
        live = self._live.get(meeting.id)
        if live is not None:
            async with live.lock:
                live.status = meeting.status
                tell_status(live)
        self.relay.publish_status(meeting.id, meeting.status, before)
        if meeting.status is MeetingStatus.DRAFT:
            # A draft again: only those who prepare it may still be in it.
            await self.rights.meeting_access_changed(meeting.id)
        if self.attendance is not None:
            await self.attendance.status_changed(meeting, before)

    async def _check_page(
        self, connection: Connection, meeting_id: MeetingId, document_id: str, page: int
    ) -> None:
        await check_page(self.documents, connection, meeting_id, document_id, page)
