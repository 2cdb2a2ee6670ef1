"""Inviting a group to a meeting: its enabled members who are not there yet, with
one role; all or none when a member takes part in another meeting at that time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from meetroom.app import open_services
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import Conflict, Forbidden, Invalid
from meetroom.ids import GroupId
from meetroom.meetings.roles import default_grants
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.meetings import MeetingRole
from meetroom.server.context import Services

# The services' clock is set a day before START (see the fixture below).
pytestmark = pytest.mark.dates

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
async def services(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock
) -> AsyncIterator[Services]:
    clock.advance(START - timedelta(days=1) - clock.now())
    async with open_services(await make_settings("sqlite"), clock=clock) as svc:
        yield svc


async def test_invite_group(services: Services) -> None:
    accounts = services.accounts
    boss, _ = await accounts.create_user("boss", "Boss", AccountRole.ADMIN, "boss-pass-1")
    admin = Principal(user=boss)
    people = {}
    for name in ("an", "binh", "chi", "dung"):
        people[name], _ = await accounts.create_user(name, name.title(), AccountRole.DELEGATE)
    group = await services.groups.create(admin, "Board", members=[u.id for u in people.values()])
    await services.user_admin.disable(admin, people["dung"].id)
    meetings = services.meetings
    meeting = await meetings.create(admin, title="Budget", starts_at=START, ends_at=START + HOUR)
    await meetings.participants.add(
        admin, meeting.id, role=MeetingRole.CHAIR, user_id=people["an"].id
    )

    added = await meetings.participants.add_group(
        admin, meeting.id, group.id, role=MeetingRole.OBSERVER
    )
    assert sorted(p.name for p in added) == ["Binh", "Chi"]
    assert all(p.role is MeetingRole.OBSERVER for p in added)
    assert all(p.grants == default_grants(MeetingRole.OBSERVER) for p in added)
    roles = {p.name: p.role for p in await meetings.participants.all(admin, meeting.id)}
    assert roles == {
        "An": MeetingRole.CHAIR,
        "Binh": MeetingRole.OBSERVER,
        "Chi": MeetingRole.OBSERVER,
    }
    # Again: everyone is there already.
    assert await meetings.participants.add_group(admin, meeting.id, group.id) == []

    # Chi takes part in an overlapping meeting: inviting the group there adds nobody.
    other = await meetings.create(
        admin, title="Audit", starts_at=START + HOUR / 2, ends_at=START + 2 * HOUR
    )
    with pytest.raises(Conflict) as info:
        await meetings.participants.add_group(admin, other.id, group.id)
    assert info.value.code == "participant_busy"
    assert info.value.params["title"] == "Budget" and info.value.params["name"] in (
        "An",
        "Binh",
        "Chi",
    )
    assert await meetings.participants.all(admin, other.id) == []

    with pytest.raises(Invalid) as info:
        await meetings.participants.add_group(admin, meeting.id, GroupId("nothing"))
    assert info.value.code == "group_not_found"
    with pytest.raises(Forbidden):
        await meetings.participants.add_group(Principal(user=people["an"]), meeting.id, group.id)
