"""Several nodes serving the same meeting in one process: each its own `LiveService`,
sharing one database and a `LocalHub` (what Redis is to real nodes), with clients as
`send` callables that keep what they receive."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from meetroom.bus.local import LocalBus, LocalHub
from meetroom.clock import Clock
from meetroom.ids import DocumentId, MeetingId, ParticipantId, new_id
from meetroom.protocol import live as p
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.meetings import MeetingRole, Participant
from meetroom.server.context import Services
from meetroom.sessions.attendance import AttendanceRecorder
from meetroom.sessions.live.ports import DocumentPages
from meetroom.sessions.live.service import LiveService
from meetroom.store.attendance import SqlAttendanceStore
from meetroom.store.database import Database
from meetroom.store.live import SqlLiveStore

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
DOC = new_id()  # the document everyone draws on (ten pages)


class TenPages:
    """The meeting has one document, DOC, of ten pages, that everyone sees (documents
    are not what these tests are about; the live session only asks how many pages one
    has, and who may see it)."""

    async def pages_for(
        self, actor: Principal, meeting_id: MeetingId, document_id: DocumentId
    ) -> int:
        return 10

    async def access_lists(
        self, meeting_id: MeetingId
    ) -> dict[DocumentId, frozenset[ParticipantId] | None]:
        return {DocumentId(DOC): None}


def node(
    services: Services, hub: LocalHub, name: str, clock: Clock, presenter_grace: float = 30.0,
    documents: DocumentPages | None = None,
) -> LiveService:  # fmt: skip
    db = services.database
    assert isinstance(db, Database)
    attendance = AttendanceRecorder(SqlAttendanceStore(db), services.meetings, clock)
    return LiveService(
        services.meetings, SqlLiveStore(db), LocalBus(hub, name), documents or TenPages(), clock,
        attendance, heartbeat=0.1, presence_ttl=1.0, presenter_grace=presenter_grace,
    )  # fmt: skip


@dataclass
class Client:
    """One connection to one node, keeping every message it is sent."""

    live: LiveService
    meeting_id: MeetingId
    principal: Principal
    id: str = field(default_factory=new_id)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def send(self, data: bytes) -> None:
        self.messages.append(json.loads(data))

    async def join(self, last_seq: int = 0) -> dict[str, Any]:
        viewer = await self.live.viewer(self.principal, self.meeting_id)
        hello = p.Hello(version=p.PROTOCOL_VERSION, last_seq=last_seq)
        await self.live.join(viewer, self.meeting_id, self.id, hello, self.send)
        return self.messages[0]

    async def leave(self) -> None:
        await self.live.leave(self.meeting_id, self.id)

    async def do(self, message: p.ClientMessage) -> Any:
        return await self.live.handle(self.meeting_id, self.id, message)

    def of(self, *types: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] in types]

    def seqs(self) -> list[int]:
        """Sequence numbers of the stored operations' events, in arrival order."""
        return [m["seq"] for m in self.messages if m["type"] != "welcome" and "seq" in m]


@dataclass
class Meeting:
    id: MeetingId
    admin: Principal
    chair: Principal
    delegates: list[Principal]


async def new_meeting(services: Services, delegates: int = 2) -> Meeting:
    user, _ = await services.accounts.create_user(
        f"admin{new_id()[-6:].lower()}", "Admin", AccountRole.ADMIN, "password123"
    )
    admin = Principal(user=user)
    meeting = await services.meetings.create(
        admin, title="Budget", starts_at=START, ends_at=START + timedelta(hours=2)
    )
    add = services.meetings.participants.add

    def of(person: Participant) -> Principal:
        return Principal(participant=person)

    chair = of(await add(admin, meeting.id, role=MeetingRole.CHAIR, name="Chair"))
    people = [
        of(await add(admin, meeting.id, role=MeetingRole.DELEGATE, name=f"Delegate {i}"))
        for i in range(1, delegates + 1)
    ]
    return Meeting(meeting.id, admin, chair, people)


def stroke(op_id: str, layer: str = "shared", page: int = 1) -> p.StrokeEnd:
    return p.StrokeEnd(
        op_id=op_id, document_id=DOC, page=page, layer=layer,  # type: ignore[arg-type]
        tool="pen", color="#112233", width=0.004, points=[(0.1, 0.2), (0.3, 0.4)],
    )  # fmt: skip
