"""Who sees what of the documents a live session talks about.

A document may be restricted to some participants (its access list, see
sessions/papers/documents.py); the meeting's chair and secretary, and those who manage
meetings, see every document. Every event about a document carries its id
(`Envelope.document_id`): strokes being drawn, stored strokes and notes, erasing, undo
and redo, the presenter's place. Each connection's delivery drops an event about a
document its viewer may not see, or sends what it says instead (`Envelope.unseen`: the
presenter shows a document you may not see, not which page of what). The welcome and
the replay on resume are filtered alike.

Each node holds, per meeting, every document's access list (`LiveMeeting.documents`),
read when it loads the meeting, and read again when a document of it is added, deleted
or given another access list on any node (told over the bus), and after a bus outage.
A document the node has not heard of (added a moment ago on another node) is shown
only to those who see every document until then.

When a change takes a document away from a viewer, their connections stop receiving
anything about it at once, forget its page count (their next stroke or note on it is
checked again, and refused), their strokes in progress on it end, and their pages are
told (`document_hidden`) to close it; when one is given to them, their pages get the
annotations on it (`document_shown`), then the presenter's place if it is there."""

from __future__ import annotations

import asyncio
import logging

from meetroom.bus import Envelope
from meetroom.errors import N_, Forbidden
from meetroom.ids import MeetingId
from meetroom.meetings.access import can_manage_meetings
from meetroom.meetings.roles import PREPARER_ROLES
from meetroom.protocol import live as p
from meetroom.protocol.codec import encode_json, replace
from meetroom.sessions.live.meeting import LiveMeeting, Viewer, deliver_local, participant_key
from meetroom.sessions.live.ports import DocumentPages, LiveBus
from meetroom.sessions.live.state import Ink

logger = logging.getLogger(__name__)

TOPIC = "live-documents"  # bus topic: the documents of a meeting changed, on some node
PREPARERS = frozenset(role.value for role in PREPARER_ROLES)
RETRY_FIRST, RETRY_MAX = 0.5, 10.0  # seconds between tries to read the lists again

Table = dict[str, frozenset[str] | None]  # document id -> viewer keys allowed (None: all)


def sees_every_document(viewer: Viewer) -> bool:
    """As `MeetingAccess.can_prepare`: the meeting's chair and secretary, and those who
    manage meetings."""
    return viewer.role in PREPARERS or can_manage_meetings(viewer.principal)


def visible_in(table: Table, viewer: Viewer, document_id: str) -> bool:
    if sees_every_document(viewer):
        return True
    if document_id not in table:
        return False  # deleted, or not heard of yet: see the module's docstring
    allowed = table[document_id]
    return allowed is None or viewer.key in allowed


def may_see(meeting: LiveMeeting, viewer: Viewer, document_id: str | None) -> bool:
    return document_id is None or visible_in(meeting.documents, viewer, document_id)


def shown_to(meeting: LiveMeeting, viewer: Viewer, envelope: Envelope) -> bytes | None:
    """What `viewer` receives of an event: its data, what it says instead, or nothing."""
    if envelope.document_id is None or visible_in(meeting.documents, viewer, envelope.document_id):
        return envelope.data
    return envelope.unseen


NOWHERE = p.PresenterState().where  # the default itself: left out of what is sent


def hidden(state: p.PresenterState) -> p.PresenterState:
    return replace(state, where=NOWHERE, hidden=True)


def presented(state: p.PresenterState, data: bytes = b"") -> Envelope:
    """The presenter's state for every client (`data`: already encoded), encoded at
    most twice: for those who may see its document, and for those who may not."""
    document_id = state.where.document_id
    full = data or encode_json(p.Presented(state=state))
    if document_id is None:
        return Envelope(full)
    return Envelope(
        full, document_id=document_id, unseen=encode_json(p.Presented(state=hidden(state)))
    )


def state_for(meeting: LiveMeeting, viewer: Viewer) -> p.PresenterState:
    """The presenter's state as `viewer`'s welcome says it."""
    if may_see(meeting, viewer, meeting.state.where.document_id):
        return meeting.state
    return hidden(meeting.state)


def annotations_for(meeting: LiveMeeting, viewer: Viewer) -> list[Ink]:
    """The annotations `viewer` sees now (a welcome's)."""
    return [
        a
        for a in meeting.annotations.visible_to(viewer.key)
        if visible_in(meeting.documents, viewer, a.document_id)
    ]


def require_visible(table: Table, viewer: Viewer, document_id: str | None) -> None:
    if document_id is not None and not visible_in(table, viewer, document_id):
        raise Forbidden("document_forbidden", N_("You do not have access to this document."))


def presence_for(
    meeting: LiveMeeting, people: list[p.PresenceEntry], moderators: frozenset[str]
) -> list[Envelope]:
    """The chair's presence list, encoded once for each set of documents its receivers
    may see (once, unless a participant without access was given the moderator grant):
    where someone is, on a document the receiver may not see, is left out."""
    places = {e.where.document_id for e in people if e.where and e.where.document_id}
    groups: dict[frozenset[str], set[str]] = {}
    for connection in meeting.connections.values():
        viewer = connection.viewer
        if viewer.key in moderators:
            seen = frozenset(d for d in places if visible_in(meeting.documents, viewer, d))
            groups.setdefault(seen, set()).add(viewer.key)
    envelopes = []
    for seen, keys in groups.items():
        shown = [
            e if e.where is None or e.where.document_id in seen | {None} else replace(e, where=None)
            for e in people
        ]
        envelopes.append(Envelope(encode_json(p.Presence(people=shown)), audience=frozenset(keys)))
    return envelopes


class Visibility:
    """Keeps each held meeting's access lists as the store has them, on every node."""

    def __init__(
        self, documents: DocumentPages, bus: LiveBus, held: dict[MeetingId, LiveMeeting]
    ) -> None:
        self.documents = documents
        self.bus = bus
        self.held = held  # the meetings this node holds (LiveService's)
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe = bus.subscribe(TOPIC, self._heard)
        bus.on_resync(self._resync)

    async def table(self, meeting_id: MeetingId) -> Table:
        lists = await self.documents.access_lists(meeting_id)
        return {
            str(document): None if allowed is None else frozenset(map(participant_key, allowed))
            for document, allowed in lists.items()
        }

    async def documents_changed(self, meeting_id: MeetingId) -> None:
        """A document of the meeting was added, deleted or given another access list
        (a `DocumentWatcher`): every node holding the meeting reads the lists again,
        this one before returning."""
        self.bus.publish(TOPIC, Envelope(b"", detail={"meeting": meeting_id}))
        await self.refresh(meeting_id)

    def loaded(self, meeting: LiveMeeting) -> None:
        """The node has just begun holding the meeting: a change told between its
        reading the lists and now found nobody to tell here; read them once more."""
        self._soon(meeting.id)

    def close(self) -> None:
        self._unsubscribe()
        for task in self._tasks:
            task.cancel()

    def _heard(self, envelope: Envelope) -> None:
        meeting_id = (envelope.detail or {}).get("meeting")
        if isinstance(meeting_id, str) and meeting_id in self.held:
            self._soon(MeetingId(meeting_id))

    def _resync(self) -> None:
        """The bus was down: changes may have gone unheard."""
        for meeting_id in list(self.held):
            self._soon(meeting_id)

    def _soon(self, meeting_id: MeetingId) -> None:
        task = asyncio.get_running_loop().create_task(self._refresh_until_done(meeting_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refresh_until_done(self, meeting_id: MeetingId) -> None:
        """Until it works (the database may be down for a while), or the node lets the
        meeting go: a change it missed would leave a document shown to those taken off."""
        delay = RETRY_FIRST
        while True:
            try:
                await self.refresh(meeting_id)
                return
            except Exception:
                logger.exception("meeting %s: reading the document access lists failed; "
                                 "again in %.1f s", meeting_id, delay)  # fmt: skip
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)

    async def refresh(self, meeting_id: MeetingId) -> None:
        meeting = self.held.get(meeting_id)
        if meeting is None:
            return  # the next client to join loads the lists with the meeting
        async with meeting.lock:  # in order with joins and events
            if self.held.get(meeting_id) is not meeting:
                return
            table = await self.table(meeting_id)
            before = meeting.documents
            meeting.documents = table
            self._tell(meeting, before)

    def viewers_changed(self, meeting: LiveMeeting, before: dict[str, Viewer]) -> None:
        """Connections' viewers were replaced (their role changed: a chair made a
        delegate sees fewer documents): `before` holds the viewers as they were, by key.
        Call under the meeting's lock."""
        self._tell(meeting, meeting.documents, before)

    def _tell(
        self, meeting: LiveMeeting, before: Table, viewers_before: dict[str, Viewer] | None = None
    ) -> None:
        """Connections whose viewer lost or gained a document (one that was there
        before: a new one is found in the document list as before)."""
        after = meeting.documents
        was = viewers_before or {}
        changed = {d for d in before.keys() | after.keys() if before.get(d, ()) != after.get(d, ())}
        if not changed and not was:
            return
        lost: dict[str, set[str]] = {}  # document id -> viewer keys
        gained: dict[str, set[str]] = {}
        viewers = {c.viewer.key: c.viewer for c in meeting.connections.values()}
        for key, viewer in viewers.items():
            then = was.get(key, viewer)
            for document in before.keys() if key in was else changed & before.keys():
                seen, sees = visible_in(before, then, document), visible_in(after, viewer, document)
                if seen and not sees:
                    lost.setdefault(document, set()).add(key)
                elif sees and not seen:
                    gained.setdefault(document, set()).add(key)
        for connection in meeting.connections.values():
            for document in before.keys() if connection.viewer.key in was else changed:
                connection.pages.pop(document, None)  # checked afresh on the next stroke
            for op_id, start in list(connection.drawing.items()):
                if connection.viewer.key in lost.get(start.document_id, ()):
                    del connection.drawing[op_id]  # its next points are refused
        for document, keys in lost.items():
            logger.info("meeting %s: document %s taken from %d viewers",
                        meeting.id, document, len(keys))  # fmt: skip
            self._send(meeting, keys, p.DocumentHidden(document_id=document))
            if meeting.state.where.document_id == document:
                self._send(meeting, keys, p.Presented(state=hidden(meeting.state)))
        for document, keys in gained.items():
            self._show(meeting, document, keys)
            if meeting.state.where.document_id == document:
                self._send(meeting, keys, p.Presented(state=meeting.state))

    def _show(self, meeting: LiveMeeting, document: str, keys: set[str]) -> None:
        """The annotations on it: the shared ones encoded once, with one's own private
        ones (rare: drawn before it was taken away) for each who has some."""
        on_it = [a for a in meeting.annotations.visible.values() if a.document_id == document]
        shared = [a for a in on_it if a.layer == "shared"]
        authors = {a.author for a in on_it if a.layer == "private"}
        for key in keys & authors:
            mine = [a for a in on_it if a.layer == "shared" or a.author == key]
            self._send(
                meeting,
                {key},
                p.DocumentShown(document_id=document, annotations=[a.wire() for a in mine]),
            )
        if keys - authors:
            shown = p.DocumentShown(document_id=document, annotations=[a.wire() for a in shared])
            self._send(meeting, keys - authors, shown)

    @staticmethod
    def _send(meeting: LiveMeeting, keys: set[str], message: p.ServerMessage) -> None:
        deliver_local(meeting, Envelope(encode_json(message), audience=frozenset(keys)))
