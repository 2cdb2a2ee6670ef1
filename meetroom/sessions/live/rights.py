"""What someone may do in a meeting changes while they are connected: their open
meeting sockets (and with them their video) follow at once, on every node.

One re-check path for every kind of change. The domain says, once the change is
stored, whose rights changed: a participant (removed, a new join link, a new role or
grants), an account (disabled, its password reset or changed, signed out everywhere,
a new account role), or everyone in a meeting (deleted, a draft again). This node
re-checks its matching connections and publishes the change on the bus; each other
node re-checks its own. Re-checking a connection is what connecting does: the
principal is validated again against the store (its session, its account, the
participant and the link version it joined with), then the meeting is opened again
as that principal (`LiveService.viewer`).

- It fails (signed out, removed, link replaced): the connection ends. It is out of
  the session at once (nothing more is delivered to it, and nothing it still sends is
  acted on), and the socket closes with a code the page explains, without reconnecting.
- Its rights changed: the connection's `Viewer` is replaced (every later check uses
  it) and the client is told (`rights`). A presenter whose rights were lowered hands
  presenting back to the default presenter, as one removed does.
- The store cannot be read: the connection ends with a code that makes the client
  reconnect, and be checked at the door (fail closed).

The bus may lose a message: after an outage every connection of this node is
re-checked. A socket that was being opened while a change was heard (its viewer may
predate it) is re-checked once it has joined."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from meetroom.accounts.principals import removed_from_meeting
from meetroom.bus import Envelope
from meetroom.errors import N_, Forbidden, MeetRoomError, NotFound, Unauthenticated, Unavailable
from meetroom.ids import MeetingId, UserId
from meetroom.meetings.status import read_only_live
from meetroom.protocol import live as p
from meetroom.protocol.codec import encode_json
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Grant, MeetingRole, Participant
from meetroom.sessions.live.meeting import Connection, LiveMeeting, Viewer, participant_key
from meetroom.sessions.live.ports import LiveBus
from meetroom.sessions.live.presence import PresenceBoard
from meetroom.sessions.live.presenter import Presenting
from meetroom.sessions.live.visibility import Visibility

logger = logging.getLogger(__name__)

RIGHTS_TOPIC = "live-rights"
# Seconds before a socket's handler started during which a change heard may not have
# been seen by the principal its request was authenticated as.
JOIN_MARGIN = 5.0
# Connections re-checked at once (each reads the store a few times): after a bus outage
# every connection of the node is, and the database's pool must serve the rest too.
CONCURRENCY = 8
ROLE_RANK = {
    MeetingRole.OBSERVER: 0, MeetingRole.GUEST: 1, MeetingRole.DELEGATE: 2,
    MeetingRole.SECRETARY: 3, MeetingRole.CHAIR: 4,
}  # fmt: skip


class PrincipalCheck(Protocol):
    """Who a connection's principal is now (the accounts' `recheck`): raises
    Unauthenticated or Forbidden when it no longer may be anyone."""

    async def recheck(self, principal: Principal) -> Principal: ...


@dataclass(frozen=True, slots=True)
class Hooks:
    """What the socket of a connection does when its rights change."""

    end: Callable[[MeetRoomError], None]  # close, with the reason (called once)
    changed: Callable[[Viewer], None]  # the new viewer (e.g. for its video)


def lowered(before: Participant, after: Participant) -> bool:
    """A grant taken away, or a lower meeting role."""
    return bool(before.grants - after.grants) or ROLE_RANK[after.role] < ROLE_RANK[before.role]


def recheck_failed() -> Unavailable:
    return Unavailable(
        "rights_unchecked", N_("Your access to this meeting could not be checked; reconnecting.")
    )


class LiveRights:
    """The meetings' and the accounts' rights listener, for the live service."""

    def __init__(
        self,
        bus: LiveBus,
        joined: dict[str, LiveMeeting],
        viewer: Callable[[Principal, MeetingId], Awaitable[Viewer]],
        presenting: Presenting,
        presence: PresenceBoard,
        visibility: Visibility,
    ) -> None:
        self.bus = bus
        self.visibility = visibility
        self.joined = joined  # LiveService's: connection id -> its meeting
        self.viewer = viewer
        self.presenting = presenting
        self.presence = presence
        self.principals: PrincipalCheck | None = None  # set by the composition root
        self._hooks: dict[str, Hooks] = {}
        self._ended: dict[str, MeetRoomError] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._checking = asyncio.Semaphore(CONCURRENCY)
        self.heard_at = float("-inf")  # loop time of the last change heard
        self._unsubscribe = bus.subscribe(RIGHTS_TOPIC, self._heard)

    # -- connections -----------------------------------------------------------------

    def attach(self, connection_id: str, hooks: Hooks, since: float | None) -> None:
        """A connection joined. `since`: when its socket's handler started (its viewer
        may predate a change heard from a little before)."""
        self._hooks[connection_id] = hooks
        if since is not None and self.heard_at >= since - JOIN_MARGIN:
            self._spawn(self.recheck(connection_id))

    def detach(self, connection_id: str) -> None:
        self._hooks.pop(connection_id, None)
        self._ended.pop(connection_id, None)

    def refuse_ended(self, connection_id: str) -> None:
        """Raises the reason a connection ended for: what it sent meanwhile is not
        acted on."""
        reason = self._ended.get(connection_id)
        if reason is not None:
            raise reason

    # -- what the domain tells (RightsListener of meetings and of accounts) -----------

    async def participant_rights_changed(
        self, meeting_id: MeetingId, before: Participant, after: Participant | None
    ) -> None:
        if after is not None and lowered(before, after):
            await self.presenting.hand_back(meeting_id, before, "was demoted")
        self.bus.publish(RIGHTS_TOPIC, Envelope(b"", detail={
            "meeting": meeting_id, "participant": before.id,
        }))  # fmt: skip
        await self._recheck_matching({"meeting": meeting_id, "participant": before.id})

    async def meeting_access_changed(self, meeting_id: MeetingId) -> None:
        self.bus.publish(RIGHTS_TOPIC, Envelope(b"", detail={"meeting": meeting_id}))
        await self._recheck_matching({"meeting": meeting_id})

    async def account_rights_changed(self, user_id: UserId) -> None:
        self.bus.publish(RIGHTS_TOPIC, Envelope(b"", detail={"user": user_id}))
        await self._recheck_matching({"user": user_id})

    def _heard(self, envelope: Envelope) -> None:
        self._spawn(self._recheck_matching(envelope.detail or {}))

    def resync(self) -> None:
        """The bus is back after an outage: a change may have been lost."""
        self._spawn(self._recheck_matching({}))

    async def close(self) -> None:
        self._unsubscribe()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- re-checking ---------------------------------------------------------------------

    async def _recheck_matching(self, change: dict[str, str]) -> None:
        """{"meeting", "participant"}: that participant's connections; {"meeting"}:
        every connection of that meeting; {"user"}: every connection of that account
        (signed in, or by the link of a participant who is that account); {}: every
        connection of this node."""
        self.heard_at = asyncio.get_running_loop().time()
        found = [
            cid
            for cid, meeting in list(self.joined.items())
            if (c := meeting.connections.get(cid)) is not None and _matches(change, meeting, c)
        ]
        await asyncio.gather(*(self._bounded(cid) for cid in found))

    async def _bounded(self, connection_id: str) -> None:
        async with self._checking:
            await self.recheck(connection_id)

    async def recheck(self, connection_id: str) -> None:
        """Check one connection again, as when it connected; end it or give it its new
        rights."""
        meeting = self.joined.get(connection_id)
        connection = meeting.connections.get(connection_id) if meeting else None
        if meeting is None or connection is None or connection_id in self._ended:
            return
        old = connection.viewer
        try:
            principal = old.principal
            if self.principals is not None:
                principal = await self.principals.recheck(principal)
            try:
                new = await self.viewer(principal, meeting.id)
            except (Forbidden, NotFound):
                raise removed_from_meeting() from None
        except (Unauthenticated, Forbidden) as exc:
            logger.info("meeting %s: %s loses its connection (%s)", meeting.id, old.key, exc.code)
            self.end(connection_id, exc)
            return
        except Exception:
            logger.exception("meeting %s: re-checking %s failed", meeting.id, old.key)
            self.end(connection_id, recheck_failed())
            return
        if connection_id in self._ended or meeting.connections.get(connection_id) is not connection:
            return  # it ended or left meanwhile
        if new.key != old.key:
            # Another identity in the session (an organiser's account added as a
            # participant): its annotations and presence are keyed anew on reconnecting.
            self.end(connection_id, recheck_failed())
            return
        async with meeting.lock:  # as deliveries and the documents' visibility read it
            if (
                connection_id in self._ended
                or meeting.connections.get(connection_id) is not connection
            ):
                return
            connection.viewer = new
            if (new.role, new.grants, new.name) == (old.role, old.grants, old.name):
                return
            logger.info(
                "meeting %s: %s now %s %s", meeting.id, new.key, new.role, sorted(new.grants)
            )
            told = p.Rights(
                role=new.role,
                grants=sorted(g.value for g in new.grants),
                name=new.name,
                read_only=read_only_live(meeting.status, Grant.MODERATOR in new.grants),
            )
            connection.deliver(Envelope(encode_json(told)))
            # A chair made a delegate no longer sees the documents restricted to others.
            self.visibility.viewers_changed(meeting, {new.key: old})
        hooks = self._hooks.get(connection_id)
        if hooks is not None:
            hooks.changed(new)
        self.presence.changed(meeting)

    def end(self, connection_id: str, reason: MeetRoomError) -> None:
        """The connection ends: its socket closes (it leaves the session and the video
        as it does); until then nothing it sends is acted on."""
        if connection_id in self._ended:
            return
        self._ended[connection_id] = reason
        hooks = self._hooks.get(connection_id)
        if hooks is not None:
            hooks.end(reason)

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _matches(change: dict[str, str], meeting: LiveMeeting, connection: Connection) -> bool:
    if "participant" in change:
        return meeting.id == change.get("meeting") and (
            connection.viewer.key == participant_key(change["participant"])
        )
    if "user" in change:
        principal = connection.viewer.principal
        user = principal.user.id if principal.user else None
        joined_as = principal.participant.user_id if principal.participant else None
        return change["user"] in (user, joined_as)
    if "meeting" in change:
        return meeting.id == change["meeting"]
    return True
