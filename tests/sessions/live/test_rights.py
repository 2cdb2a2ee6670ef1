"""Rights that change reach connections on every node (in-process nodes on one
database and one bus, SQLite and PostgreSQL): an ended connection's messages still in
flight are refused and nothing is stored; a change lost by the bus is caught up when
the bus comes back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from meetroom.app import open_services
from meetroom.bus.local import LocalHub
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import Forbidden, MeetRoomError
from meetroom.ids import ParticipantId
from meetroom.protocol import live as p
from meetroom.records.meetings import MeetingRole
from meetroom.server.context import Services
from meetroom.sessions.live.meeting import Viewer
from meetroom.sessions.live.rights import Hooks
from meetroom.sessions.live.service import LiveService
from meetroom.store.database import Database
from meetroom.store.live import SqlLiveStore
from tests.sessions.live.nodes import START, Client, new_meeting, node
from tests.waiting import until

pytestmark = pytest.mark.dates


@pytest.fixture
async def nodes(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, backend: str
) -> AsyncIterator[tuple[Services, LocalHub, list[LiveService]]]:
    clock.advance(START - timedelta(days=1) - clock.now())
    settings = await make_settings(backend, pdf_workers=1)
    async with open_services(settings, clock=clock, documents=False) as svc:
        hub = LocalHub()
        lives = [node(svc, hub, name, clock) for name in ("a", "b")]
        for live in lives:
            live.rights.principals = svc.accounts
        svc.meetings.listen(lives[0].rights)  # changes are made through node a
        yield svc, hub, lives
        for live in lives:
            await live.close()


class Watched(Client):
    """A client whose socket hooks record how its rights changed."""

    ended: list[MeetRoomError]
    viewers: list[Viewer]

    async def join_watched(self, viewer: Viewer | None = None, since: float | None = None) -> None:
        self.ended, self.viewers = [], []
        viewer = viewer or await self.live.viewer(self.principal, self.meeting_id)
        hooks = Hooks(end=self.ended.append, changed=self.viewers.append)
        hello = p.Hello(version=p.PROTOCOL_VERSION)
        await self.live.join(
            viewer, self.meeting_id, self.id, hello, self.send, hooks=hooks, since=since
        )


async def test_removed_on_one_node_ended_on_another_and_refused(
    nodes: tuple[Services, LocalHub, list[LiveService]],
) -> None:
    services, hub, (a, b) = nodes
    meeting = await new_meeting(services, delegates=2)
    removed, demoted = (Watched(b, meeting.id, d) for d in meeting.delegates)
    for client in (removed, demoted):
        await client.join_watched()
    chair = Client(a, meeting.id, meeting.chair)
    await chair.join()

    # Removed through node a: node b ends the connection; a chat message it still
    # sends is refused, and nothing is stored.
    assert removed.principal.participant is not None
    await services.meetings.participants.remove(
        meeting.admin, meeting.id, removed.principal.participant.id
    )
    await until(lambda: bool(removed.ended), message="the removed connection ended")
    assert removed.ended[0].code == "removed_from_meeting"
    with pytest.raises(Forbidden) as refused:
        await removed.do(p.ChatSend(op_id="late", text="still here?"))
    assert refused.value.code == "removed_from_meeting"
    assert await SqlLiveStore(_db(services)).ops(meeting.id) == []

    # Lowered while the bus is down: caught up when it is back.
    hub.down = True
    assert demoted.principal.participant is not None
    await services.meetings.participants.update(
        meeting.admin, meeting.id, ParticipantId(demoted.principal.participant.id),
        role=MeetingRole.OBSERVER,
    )  # fmt: skip
    assert not demoted.viewers
    hub.down = False
    hub.restart_bus()
    await until(lambda: bool(demoted.of("rights")), message="the new rights after the outage")
    assert demoted.of("rights")[-1]["role"] == "observer"
    assert demoted.viewers[-1].grants == frozenset() and not demoted.ended


async def test_a_socket_opened_while_its_rights_change_is_checked_once_joined(
    nodes: tuple[Services, LocalHub, list[LiveService]],
) -> None:
    """Its viewer was read before the removal; it joins after: checked again then."""
    services, _, (a, _b) = nodes
    meeting = await new_meeting(services, delegates=1)
    late = Watched(a, meeting.id, meeting.delegates[0])
    since = asyncio.get_running_loop().time()
    viewer = await a.viewer(late.principal, meeting.id)
    assert late.principal.participant is not None
    await services.meetings.participants.remove(
        meeting.admin, meeting.id, late.principal.participant.id
    )
    await late.join_watched(viewer, since)
    await until(lambda: bool(late.ended), message="the late connection ended")
    assert late.ended[0].code == "removed_from_meeting"


def _db(services: Services) -> Database:
    assert isinstance(services.database, Database)
    return services.database
