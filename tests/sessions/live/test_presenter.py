"""Who presents a live session: exactly one person. By default the chair; an organiser
(here an admin account viewing the meeting, not a participant) turns nobody's pages
until they take over, which everyone sees; the chair hands over and takes back; a
presenter who leaves or is removed hands back to the chair. On one node and across
nodes (each its own LiveService, one database, one bus), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from meetroom.app import open_services
from meetroom.bus.local import LocalHub
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import MeetRoomError
from meetroom.ids import MeetingId, ParticipantId
from meetroom.protocol import live as p
from meetroom.records.accounts import Principal
from meetroom.records.meetings import MeetingRole
from meetroom.server.context import Services
from meetroom.sessions.live.service import LiveService
from meetroom.store.database import Database
from meetroom.store.live import SqlLiveStore
from tests.sessions.live.nodes import DOC, START, Client, new_meeting, node
from tests.waiting import until

GRACE = 1.0  # seconds a presenter who left has to come back (30 in production)


@dataclass
class Nodes:
    services: Services
    hub: LocalHub
    clock: SettableClock
    a: LiveService
    b: LiveService
    c: LiveService
    more: list[LiveService] = field(default_factory=list)

    def add(self) -> LiveService:
        """Another node (e.g. after a restart), closed with the others."""
        live = node(self.services, self.hub, f"n{len(self.more)}", self.clock, GRACE)
        self.more.append(live)
        return live


@pytest.fixture
async def nodes(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, backend: str
) -> AsyncIterator[Nodes]:
    clock.advance(START - timedelta(days=1) - clock.now())
    async with open_services(await make_settings(backend, pdf_workers=1), clock=clock) as svc:
        hub = LocalHub()
        a, b, c = (node(svc, hub, name, clock, GRACE) for name in "abc")
        cluster = Nodes(svc, hub, clock, a, b, c)
        yield cluster
        for live in (a, b, c, *cluster.more):
            await live.close()
            if live.attendance is not None:
                await live.attendance.settled()


def state(client: Client) -> dict[str, Any]:
    """The presenter state this client was told last."""
    return dict(client.of("welcome", "presented")[-1]["state"])


def presenter(client: Client) -> str | None:
    return state(client).get("presenter")


def page(client: Client) -> int:
    return int(state(client).get("where", {}).get("page", 1))


def key(client: Client) -> str:
    return str(client.messages[0]["you"])


def turn(to: int) -> p.Present:
    return p.Present(where=p.Where(document_id=DOC, page=to))


def pid(who: Principal) -> str:
    assert who.participant is not None
    return who.participant.id


async def refused(client: Client, message: p.ClientMessage, code: str) -> None:
    with pytest.raises(MeetRoomError) as info:
        await client.do(message)
    assert info.value.code == code


async def test_the_chair_presents_and_an_admin_viewing_does_not(nodes: Nodes) -> None:
    m = await new_meeting(nodes.services)
    chair, admin = Client(nodes.a, m.id, m.chair), Client(nodes.a, m.id, m.admin)
    tablet = Client(nodes.a, m.id, m.delegates[0])
    for client in (chair, admin, tablet):
        await client.join()
    assert key(admin).startswith("u:") and "moderator" in admin.messages[0]["grants"]
    for client in (chair, admin, tablet):
        assert presenter(client) == key(chair) and state(client)["presenter_name"] == "Chair"
    # Two moderators: only the presenter's page turn is applied.
    await refused(admin, turn(4), "not_presenter")
    await chair.do(turn(3))
    await until(lambda: page(tablet) == 3 and page(admin) == 3, message="page 3")
    assert [m["state"]["where"]["page"] for m in tablet.of("presented")] == [3]


async def test_an_organiser_takes_over_and_everyone_sees_it(nodes: Nodes) -> None:
    m = await new_meeting(nodes.services)
    chair, admin = Client(nodes.a, m.id, m.chair), Client(nodes.b, m.id, m.admin)
    tablet = Client(nodes.c, m.id, m.delegates[0])
    for client in (chair, admin, tablet):
        await client.join()
    everyone = (chair, admin, tablet)
    await chair.do(turn(2))
    await until(lambda: page(tablet) == 2, message="page 2 on c")

    # The admin on node b takes over, from the page their own screen shows.
    await admin.do(p.TakeOver(where=p.Where(document_id=DOC, page=5)))
    await until(lambda: all(presenter(x) == key(admin) for x in everyone), message="admin presents")
    for client in everyone:
        assert state(client)["presenter_name"] == "Admin" and page(client) == 5
    await refused(chair, turn(2), "not_presenter")
    await admin.do(turn(6))
    await until(lambda: page(tablet) == 6 and page(chair) == 6, message="the admin's turn")
    await refused(tablet, p.TakeOver(), "not_organiser")
    versions = {live._live[m.id].state_version for live in (nodes.a, nodes.b, nodes.c)}
    assert versions == {3}  # one state, one version, on every node

    # After a restart (every node gone), the stored state says who presents.
    for live in (nodes.a, nodes.b, nodes.c):
        await live.close()
    later = Client(nodes.add(), m.id, m.delegates[1])
    welcome = await later.join()
    assert welcome["state"]["presenter"] == key(admin) and welcome["state"]["where"]["page"] == 6
    assert welcome["state"]["presenter_name"] == "Admin"

    # The chair takes it back the same way, where the presentation is.
    chair = Client(later.live, m.id, m.chair)
    await chair.join()
    await chair.do(p.TakeOver())
    await until(lambda: presenter(later) == key(chair), message="the chair presents again")
    assert page(later) == 6


async def test_the_chair_hands_over_and_takes_back(nodes: Nodes) -> None:
    m = await new_meeting(nodes.services)
    chair, admin = Client(nodes.a, m.id, m.chair), Client(nodes.a, m.id, m.admin)
    delegate = Client(nodes.b, m.id, m.delegates[0])
    for client in (chair, admin, delegate):
        await client.join()
    await chair.do(p.HandOver(participant_id=pid(m.delegates[0])))
    await until(lambda: presenter(delegate) == key(delegate) and presenter(admin) == key(delegate))
    assert state(admin)["presenter_name"] == "Delegate 1"
    await refused(chair, turn(2), "not_presenter")
    await refused(admin, turn(2), "not_presenter")
    await delegate.do(turn(2))
    await until(lambda: page(chair) == 2 and page(admin) == 2, message="the delegate's turn")
    await refused(delegate, p.HandOver(participant_id=None), "not_moderator")
    await chair.do(p.HandOver(participant_id=None))  # back to the chair
    await until(lambda: presenter(delegate) == key(chair), message="back to the chair on b")
    await refused(delegate, turn(3), "not_presenter")


@pytest.mark.parametrize("where", ["same node", "own node"])
async def test_a_presenter_who_leaves_hands_back_to_the_chair(nodes: Nodes, where: str) -> None:
    """Their node keeps the meeting (others are connected there), or lets it go (they
    were its only client: the other nodes learn it from its presence)."""
    m = await new_meeting(nodes.services)
    admin_node = nodes.a if where == "same node" else nodes.b
    chair, admin = Client(nodes.a, m.id, m.chair), Client(admin_node, m.id, m.admin)
    tablet = Client(nodes.c, m.id, m.delegates[0])
    for client in (chair, admin, tablet):
        await client.join()
    await admin.do(p.TakeOver())
    await until(lambda: presenter(tablet) == key(admin) and presenter(chair) == key(admin))

    # Back within the grace period (the Wi-Fi dropped for a moment): still presenting.
    await admin.leave()
    admin = Client(admin_node, m.id, m.admin)
    await admin.join()
    await asyncio.sleep(GRACE * 2)
    assert presenter(tablet) == presenter(chair) == key(admin)
    await admin.do(turn(4))

    # Gone for good: the chair presents again, on every node, and it is stored.
    await admin.leave()
    await until(lambda: presenter(tablet) == key(chair) and presenter(chair) == key(chair),
                timeout=GRACE + 5, message="the chair presents again")  # fmt: skip
    assert state(tablet)["presenter_name"] == "Chair" and page(tablet) == 4
    await chair.do(turn(5))
    db = nodes.services.database
    assert isinstance(db, Database)
    _, stored, _ = await SqlLiveStore(db).state(m.id)
    assert stored is not None and stored["presenter"] == key(chair)


@pytest.mark.parametrize("served_by", ["a node holding it", "a node not holding it"])
async def test_a_presenter_removed_from_the_meeting_hands_back(
    nodes: Nodes, served_by: str
) -> None:
    """The removal is a request to one node (its watcher): one holding the meeting, or
    one that does not (the others follow the stored state it changes)."""
    svc = nodes.services
    serving = nodes.a if served_by == "a node holding it" else nodes.c
    # The services' own live service (app.py) is none of these nodes: `serving` is.
    svc.meetings.events.watchers.remove(svc.live.presenting)
    svc.meetings.watch(serving.presenting)
    m = await new_meeting(svc)
    chair, delegate = Client(nodes.a, m.id, m.chair), Client(nodes.b, m.id, m.delegates[0])
    for client in (chair, delegate):
        await client.join()
    await chair.do(p.HandOver(participant_id=pid(m.delegates[0])))
    await until(lambda: presenter(chair) == key(delegate), message="the delegate presents")
    # Removing someone else changes nothing.
    await svc.meetings.participants.remove(m.admin, m.id, ParticipantId(pid(m.delegates[1])))
    await asyncio.sleep(0.2)
    assert presenter(chair) == presenter(delegate) == key(delegate)
    await svc.meetings.participants.remove(m.admin, m.id, ParticipantId(pid(m.delegates[0])))
    await until(lambda: presenter(chair) == key(chair) and presenter(delegate) == key(chair),
                message="the chair presents again")  # fmt: skip
    await refused(delegate, turn(2), "not_presenter")


async def meeting_of(svc: Services, admin: Principal, *roles: MeetingRole) -> MeetingId:
    meeting = await svc.meetings.create(
        admin, title="Roles", starts_at=START, ends_at=START + timedelta(hours=1)
    )
    for i, role in enumerate(roles, 1):
        await svc.meetings.participants.add(admin, meeting.id, role=role, name=f"{role} {i}")
    return meeting.id


async def test_who_presents_without_one_chair(nodes: Nodes) -> None:
    svc = nodes.services
    admin = (await new_meeting(svc)).admin
    # Two chairs: the first added. No chair: the first secretary.
    for roles, name in (
        ((MeetingRole.DELEGATE, MeetingRole.CHAIR, MeetingRole.CHAIR), "chair 2"),
        ((MeetingRole.DELEGATE, MeetingRole.SECRETARY, MeetingRole.SECRETARY), "secretary 2"),
    ):
        welcome = await Client(nodes.a, await meeting_of(svc, admin, *roles), admin).join()
        assert welcome["state"]["presenter_name"] == name
    # Neither: nobody presents until an organiser starts.
    meeting_id = await meeting_of(svc, admin, MeetingRole.DELEGATE)
    organiser = Client(nodes.a, meeting_id, admin)
    assert "presenter" not in (await organiser.join())["state"]
    await refused(organiser, turn(2), "not_presenter")
    await organiser.do(p.TakeOver(where=p.Where(document_id=DOC, page=2)))
    assert presenter(organiser) == key(organiser) and page(organiser) == 2


async def test_a_state_stored_before_presenters_were_keyed(nodes: Nodes) -> None:
    m = await new_meeting(nodes.services)
    db = nodes.services.database
    assert isinstance(db, Database)
    old = {"where": {"document_id": DOC, "page": 4}, "presenter": pid(m.delegates[0])}
    await SqlLiveStore(db).save_presenter(m.id, old, nodes.clock.now())
    delegate = Client(nodes.a, m.id, m.delegates[0])
    welcome = await delegate.join()
    assert welcome["state"]["presenter"] == key(delegate) == f"p:{pid(m.delegates[0])}"
    assert welcome["state"]["presenter_name"] == "Delegate 1"
    await delegate.do(turn(5))
