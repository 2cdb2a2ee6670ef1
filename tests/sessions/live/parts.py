"""What the live session's unit tests build on: viewers, stored operations as the store
returns them, and a meeting whose connections keep what they are delivered (no
socket, no node, no bus in between)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from meetroom.bus import Envelope
from meetroom.clock import SettableClock
from meetroom.errors import NotFound
from meetroom.ids import DocumentId, MeetingId, ParticipantId, UserId
from meetroom.protocol import live as p
from meetroom.records.accounts import AccountRole, Principal, User
from meetroom.records.live import LiveOp
from meetroom.records.meetings import Grant, MeetingRole
from meetroom.sessions.live.meeting import Connection, LiveMeeting, Viewer
from meetroom.sessions.live.visibility import shown_to
from meetroom.store.live import SqlLiveStore

CHAIR_GRANTS = frozenset(Grant)
DELEGATE_GRANTS = frozenset({Grant.CAN_VOTE})


# Keys: "p:<name>" as participants have, but not test_ink.py's "p:chair": its memory
# check takes its own "p:chair" to be the one every annotation shares, which holds
# only if no test interned another copy before it (see `sys.intern` in live/state.py).


def name_of(key: str) -> str:
    return key.partition(":")[2].title()  # "p:hoa": Hoa


def viewer(key: str, role: MeetingRole = MeetingRole.DELEGATE, *grants: Grant) -> Viewer:
    """A participant (no account: what a join link gives) in a meeting role; a chair
    has every grant unless others are named, anyone else those named."""
    given = frozenset(grants) or (CHAIR_GRANTS if role is MeetingRole.CHAIR else DELEGATE_GRANTS)
    return Viewer(key, name_of(key), role.value, given, Principal())


def account(key: str, role: AccountRole = AccountRole.ADMIN) -> Viewer:
    """An administrator's or secretary's account viewing the meeting (not a participant)."""
    user = User(UserId(key.removeprefix("u:")), key, name_of(key), role, None, False, False,
                SettableClock().now())  # fmt: skip
    return Viewer(key, name_of(key), "manager", frozenset(Grant), Principal(user=user))


class Ops:
    """Stored operations, numbered as the store numbers them (1, 2, ...)."""

    def __init__(self) -> None:
        self.seq = 0

    def _next(
        self, kind: str, author: str, *, target: str | None = None, layer: str | None = None,
        document_id: str | None = None, page: int | None = None, op_id: str = "",
        body: dict[str, Any] | None = None,
    ) -> LiveOp:  # fmt: skip
        self.seq += 1
        return LiveOp(self.seq, op_id or f"{kind}-{self.seq}", author, kind, layer,
                      document_id, page, target, body or {})  # fmt: skip

    def stroke(
        self, author: str, op_id: str = "", *, layer: str = "shared", document_id: str = "d1",
        page: int = 1, points: int = 2,
    ) -> LiveOp:  # fmt: skip
        body = {"tool": "pen", "color": "#112233", "width": 0.004,
                "points": [[0.1 * i, 0.2] for i in range(points)]}  # fmt: skip
        return self._next("stroke", author, layer=layer, document_id=document_id, page=page,
                          op_id=op_id, body=body)  # fmt: skip

    def note(
        self, author: str, op_id: str = "", *, layer: str = "shared", document_id: str = "d1",
        page: int = 1, text: str = "Xem lại",
    ) -> LiveOp:  # fmt: skip
        body = {"x": 0.5, "y": 0.5, "text": text, "color": "#fff4a3"}
        return self._next("note", author, layer=layer, document_id=document_id, page=page,
                          op_id=op_id, body=body)  # fmt: skip

    def erase(self, author: str, target: str) -> LiveOp:
        return self._next("erase", author, target=target)

    def undo(self, author: str, target: str) -> LiveOp:
        return self._next("undo", author, target=target)

    def redo(self, author: str, target: str) -> LiveOp:
        return self._next("redo", author, target=target)

    def chat(self, author: str, text: str = "Xin chào") -> LiveOp:
        return self._next("chat", author, body={"text": text, "name": author, "at": ""})


@dataclass
class Inbox:
    """One connection's deliveries, filtered as `LiveService.join`'s `deliver` does."""

    meeting: LiveMeeting
    connection_id: str
    got: list[dict[str, Any]] = field(default_factory=list)

    def deliver(self, envelope: Envelope) -> None:
        who = self.meeting.connections[self.connection_id].viewer
        if envelope.audience is not None and who.key not in envelope.audience:
            return
        data = shown_to(self.meeting, who, envelope)
        if data:
            self.got.append(json.loads(data))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.got if m["type"] == kind]


def connect(
    meeting: LiveMeeting, who: Viewer, connection_id: str = "", *, where: p.Where | None = None,
    following: bool = True,
) -> Inbox:  # fmt: skip
    """`who` joins `meeting` by one more connection (its id: the viewer's key unless
    given)."""
    inbox = Inbox(meeting, connection_id or who.key)
    meeting.connections[inbox.connection_id] = Connection(
        who, inbox.deliver, following=following, where=where
    )
    return inbox


class Pages:
    """A meeting's documents (`DocumentPages`): how many pages each has, who may see
    it (None: every participant; change `access` at will), and which were asked about."""

    def __init__(self, **pages: int) -> None:
        self.pages = pages
        self.access: dict[str, frozenset[ParticipantId] | None] = dict.fromkeys(pages)
        self.asked: list[str] = []

    async def pages_for(
        self, actor: Principal, meeting_id: MeetingId, document_id: DocumentId
    ) -> int:
        self.asked.append(document_id)
        if document_id not in self.pages:
            raise NotFound("document_not_found", "No such document.")
        return self.pages[document_id]

    async def access_lists(
        self, meeting_id: MeetingId
    ) -> dict[DocumentId, frozenset[ParticipantId] | None]:
        return {DocumentId(d): allowed for d, allowed in self.access.items()}


@dataclass
class Stored:
    """The real store with one meeting in it (the `stored` fixture, conftest.py)."""

    store: SqlLiveStore
    meeting_id: MeetingId
    now: datetime  # when operations are stored
