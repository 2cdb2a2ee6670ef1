"""Who is connected to a meeting, where they are and whether they follow: for the chair.

Each node knows its own connections (its part) and publishes that part to the others
when it changes, and every few seconds while it holds the meeting; the part of a node
not heard from for a while is dropped (the node died). The chair's list is this
node's part merged with the others': a person connected through two nodes is one
entry with the connections of both."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from meetroom.bus import Envelope
from meetroom.ids import MeetingId
from meetroom.protocol import live as p
from meetroom.protocol.codec import convert, replace, to_builtins
from meetroom.records.meetings import Grant
from meetroom.sessions.live.meeting import LiveMeeting, RemotePart, deliver_local, topic
from meetroom.sessions.live.ports import LiveBus
from meetroom.sessions.live.visibility import presence_for

logger = logging.getLogger(__name__)

PRESENCE_INTERVAL = 0.25  # seconds between two presence lists to the chair
HEARTBEAT = 5.0  # seconds between two publications of a node's part, changed or not
PRESENCE_TTL = 15.0  # a node's part is dropped when not heard from for this long

PART = "presence"  # Envelope.detail["kind"] of a node's part
ASK = "presence?"  # ... of a node asking the others to publish their parts


def _merge(known: p.PresenceEntry | None, entry: p.PresenceEntry) -> p.PresenceEntry:
    if known is None:
        return entry
    return replace(
        known,
        connections=known.connections + entry.connections,
        following=known.following or entry.following,
        where=known.where or entry.where,
        moderator=known.moderator or entry.moderator,
    )


def local_part(meeting: LiveMeeting) -> dict[str, p.PresenceEntry]:
    """This node's connections, one entry a person."""
    people: dict[str, p.PresenceEntry] = {}
    for connection in meeting.connections.values():
        viewer = connection.viewer
        entry = p.PresenceEntry(
            participant=viewer.key,
            name=viewer.name,
            role=viewer.role,
            connections=1,
            following=connection.following,
            where=connection.where,
            moderator=Grant.MODERATOR in viewer.grants,
        )
        people[viewer.key] = _merge(people.get(viewer.key), entry)
    return people


class PresenceBoard:
    def __init__(
        self,
        bus: LiveBus,
        heartbeat: float = HEARTBEAT,
        ttl: float = PRESENCE_TTL,
        gone: Callable[[MeetingId, str], None] | None = None,
        beaten: Callable[[LiveMeeting], None] | None = None,
    ) -> None:
        self.bus = bus
        self.heartbeat = heartbeat
        self.ttl = ttl
        self.gone = gone  # a person connected nowhere any more, last seen on another node
        self.beaten = beaten  # after each heartbeat: the parts of the live nodes are known

    def changed(self, meeting: LiveMeeting) -> None:
        """This node's part changed: publish it, and tell the chair."""
        meeting.presence_changed = True
        self.schedule(meeting)

    def schedule(self, meeting: LiveMeeting) -> None:
        """At most one presence list per interval, and always the latest: a room of a
        thousand tablets joining at once would otherwise send the chair a thousand
        lists of up to a thousand people."""
        if meeting.presence_due is not None:
            return
        loop = asyncio.get_running_loop()
        wait = meeting.presence_at + PRESENCE_INTERVAL - loop.time()
        if wait <= 0:
            self._send(meeting)
        else:
            meeting.presence_due = loop.call_later(wait, self._send, meeting)

    def _send(self, meeting: LiveMeeting) -> None:
        meeting.presence_due = None
        meeting.presence_at = asyncio.get_running_loop().time()
        if not meeting.connections:
            return  # everyone has left (the node said so when it let the meeting go)
        mine = local_part(meeting)
        if meeting.presence_changed:
            self.publish(meeting, list(mine.values()))
        moderators = meeting.moderators()
        if moderators:
            people = dict(mine)
            for part in meeting.remote.values():
                for entry in part.people:
                    people[entry.participant] = _merge(people.get(entry.participant), entry)
            listed = sorted(people.values(), key=lambda e: e.name)
            for envelope in presence_for(meeting, listed, moderators):
                deliver_local(meeting, envelope)

    def publish(self, meeting: LiveMeeting, people: list[p.PresenceEntry]) -> None:
        meeting.presence_changed = False
        # With how far this node is: a node that is behind (an envelope was lost while
        # Redis or this node's link to it was down) reads the rest from the store.
        detail = {"kind": PART, "people": [to_builtins(e) for e in people],
                  "seq": meeting.last_seq, "version": meeting.state_version}  # fmt: skip
        self.bus.publish(topic(meeting.id), Envelope(b"", detail=detail))

    def ask(self, meeting: LiveMeeting) -> None:
        """Ask the other nodes holding the meeting to publish their parts."""
        self.bus.publish(topic(meeting.id), Envelope(b"", detail={"kind": ASK}))

    def heard(self, meeting: LiveMeeting, envelope: Envelope) -> None:
        """Another node's part, or its asking for ours."""
        detail = envelope.detail or {}
        if detail.get("kind") == ASK:
            if meeting.connections:
                self.changed(meeting)
            return
        people = convert(detail.get("people", []), list[p.PresenceEntry])
        before = meeting.remote.pop(envelope.node, None)
        if people:
            loop = asyncio.get_running_loop()
            meeting.remote[envelope.node] = RemotePart(loop.time(), people)
        if before is not None:
            self._check_gone(meeting, before)
        self.schedule(meeting)

    def others(self, meeting: LiveMeeting) -> set[str]:
        """Everyone connected through the other live nodes (as far as we heard)."""
        return {entry.participant for part in meeting.remote.values() for entry in part.people}

    def elsewhere(self, meeting: LiveMeeting, person: str) -> bool:
        """Whether `person` is connected through another node (as far as we heard)."""
        return any(
            entry.participant == person for part in meeting.remote.values() for entry in part.people
        )

    def _check_gone(self, meeting: LiveMeeting, before: RemotePart) -> None:
        if self.gone is None:
            return
        here = {c.viewer.key for c in meeting.connections.values()}
        for entry in before.people:
            person = entry.participant
            if person not in here and not self.elsewhere(meeting, person):
                self.gone(meeting.id, person)

    async def beat(self, meeting: LiveMeeting) -> None:
        """While this node holds the meeting: publish its part every few seconds, and
        drop the parts of nodes not heard from (they died)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.heartbeat)
            if meeting.connections:
                self.publish(meeting, list(local_part(meeting).values()))
            stale = [n for n, part in meeting.remote.items() if loop.time() - part.heard > self.ttl]
            for node in stale:
                logger.info("meeting %s: no presence from node %s, dropped", meeting.id, node)
                self._check_gone(meeting, meeting.remote.pop(node))
            if stale:
                self.schedule(meeting)
            if self.beaten is not None:
                self.beaten(meeting)
