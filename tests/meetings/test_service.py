"""Meetings: who may do what, participants (on the embedded store); join links are in
test_join_links.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from meetroom.app import open_services
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.meetings import Grant, MeetingRole
from meetroom.server.context import Services

# The services' clock is set a day before START (see the fixture below).
pytestmark = pytest.mark.dates

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
async def services(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock
) -> AsyncIterator[Services]:
    clock.advance(START - timedelta(days=1) - clock.now())
    async with open_services(await make_settings("sqlite"), clock=clock) as svc:
        yield svc


async def principal_of(services: Services, username: str, role: AccountRole) -> Principal:
    user, _ = await services.accounts.create_user(username, username.title(), role, "password123")
    return Principal(user=user)


async def new_meeting(services: Services, actor: Principal, title: str = "Budget") -> str:
    meeting = await services.meetings.create(
        actor, title=title, starts_at=START, ends_at=START + timedelta(hours=2)
    )
    return meeting.id


async def test_who_may_create_and_change(services: Services) -> None:
    secretary = await principal_of(services, "sec", AccountRole.SECRETARY)
    delegate = await principal_of(services, "del", AccountRole.DELEGATE)
    meetings = services.meetings
    with pytest.raises(Forbidden):
        await meetings.create(delegate, title="x", starts_at=START, ends_at=START + timedelta(1))
    with pytest.raises(Unauthenticated):
        await meetings.create(Principal(), title="x", starts_at=START, ends_at=START + timedelta(1))
    mid = await new_meeting(services, secretary)
    # A delegate who is not a participant does not see it at all.
    assert await meetings.list_for(delegate) == []
    with pytest.raises(Forbidden):
        await meetings.open(delegate, mid)
    await meetings.participants.add(
        secretary,
        mid,
        role=MeetingRole.DELEGATE,
        user_id=delegate.user.id,  # type: ignore[union-attr]
    )
    access = await meetings.open(delegate, mid)
    assert access.me is not None and access.me.role is MeetingRole.DELEGATE
    assert not access.can_manage
    assert [a.meeting.id for a in await meetings.list_for(delegate)] == [mid]
    with pytest.raises(Forbidden):
        await meetings.update(delegate, mid, title="Hijacked")
    with pytest.raises(Forbidden):
        await meetings.delete(delegate, mid)
    updated = await meetings.update(secretary, mid, title="  Budget 2027 ")
    assert updated.title == "Budget 2027"
    await meetings.delete(secretary, mid)
    with pytest.raises(NotFound):
        await meetings.open(secretary, mid)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "  "}, "title_required"),
        ({"title": "x" * 301}, "title_too_long"),
        ({"ends_at": START}, "ends_before_start"),
        ({"ends_at": START + timedelta(days=40)}, "too_long"),
        ({"starts_at": datetime(2026, 12, 1, 9, 0)}, "time_zone_required"),
        ({"colour": "red"}, "unknown_field"),
    ],
)
async def test_bad_meeting_values(
    services: Services, changes: dict[str, object], code: str
) -> None:
    admin = await principal_of(services, "boss", AccountRole.ADMIN)
    mid = await new_meeting(services, admin)
    with pytest.raises(Invalid) as info:
        await services.meetings.update(admin, mid, **changes)  # type: ignore[arg-type]
    assert info.value.code == code
    assert (await services.meetings.open(admin, mid)).meeting.title == "Budget"


async def test_participants(services: Services) -> None:
    admin = await principal_of(services, "boss", AccountRole.ADMIN)
    alice = await principal_of(services, "alice", AccountRole.DELEGATE)
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    chair = await meetings.participants.add(admin, mid, role=MeetingRole.CHAIR, name=" Chủ tọa ")
    assert chair.name == "Chủ tọa" and chair.grants == frozenset(Grant)
    assert chair.user_id is None
    a = await meetings.participants.add(
        admin,
        mid,
        role=MeetingRole.OBSERVER,
        user_id=alice.user.id,  # type: ignore[union-attr]
    )
    assert a.name == "Alice" and a.grants == frozenset()
    with pytest.raises(Conflict):
        await meetings.participants.add(
            admin,
            mid,
            role=MeetingRole.GUEST,
            user_id=alice.user.id,  # type: ignore[union-attr]
        )
    with pytest.raises(Invalid):
        await meetings.participants.add(admin, mid, role=MeetingRole.GUEST)
    with pytest.raises(Invalid):
        await meetings.participants.add(admin, mid, role=MeetingRole.GUEST, user_id="nope")  # type: ignore[arg-type]
    custom = await meetings.participants.add(
        admin, mid, role=MeetingRole.GUEST, name="Press", grants=frozenset({Grant.CAN_VOTE})
    )
    assert custom.grants == {Grant.CAN_VOTE}
    changed = await meetings.participants.update(admin, mid, a.id, role=MeetingRole.DELEGATE)
    assert changed.grants == {Grant.CAN_PUBLISH, Grant.CAN_VOTE}
    other = await new_meeting(services, admin, "Other")
    with pytest.raises(NotFound):
        await meetings.participants.remove(admin, other, a.id)  # type: ignore[arg-type]
    await meetings.participants.remove(admin, mid, a.id)
    assert {p.id for p in await meetings.participants.all(admin, mid)} == {chair.id, custom.id}
