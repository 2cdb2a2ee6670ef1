"""Meetings: who may do what, participants, join links (on the embedded store)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from meetroom.app import open_services
from meetroom.auth.tokens import JoinClaims, JoinLinkSigner
from meetroom.clock import SettableClock
from meetroom.config import Settings, bundled_path
from meetroom.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from meetroom.meetings.demo import load_demo
from meetroom.records import AccountRole, Grant, MeetingRole, Principal
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
    await meetings.add_participant(
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
    chair = await meetings.add_participant(admin, mid, role=MeetingRole.CHAIR, name=" Chủ tọa ")
    assert chair.name == "Chủ tọa" and chair.grants == frozenset(Grant)
    assert chair.user_id is None
    a = await meetings.add_participant(
        admin,
        mid,
        role=MeetingRole.OBSERVER,
        user_id=alice.user.id,  # type: ignore[union-attr]
    )
    assert a.name == "Alice" and a.grants == frozenset()
    with pytest.raises(Conflict):
        await meetings.add_participant(
            admin,
            mid,
            role=MeetingRole.GUEST,
            user_id=alice.user.id,  # type: ignore[union-attr]
        )
    with pytest.raises(Invalid):
        await meetings.add_participant(admin, mid, role=MeetingRole.GUEST)
    with pytest.raises(Invalid):
        await meetings.add_participant(admin, mid, role=MeetingRole.GUEST, user_id="nope")  # type: ignore[arg-type]
    custom = await meetings.add_participant(
        admin, mid, role=MeetingRole.GUEST, name="Press", grants=frozenset({Grant.CAN_VOTE})
    )
    assert custom.grants == {Grant.CAN_VOTE}
    changed = await meetings.update_participant(admin, mid, a.id, role=MeetingRole.DELEGATE)
    assert changed.grants == {Grant.CAN_PUBLISH, Grant.CAN_VOTE}
    other = await new_meeting(services, admin, "Other")
    with pytest.raises(NotFound):
        await meetings.remove_participant(admin, other, a.id)  # type: ignore[arg-type]
    await meetings.remove_participant(admin, mid, a.id)
    assert {p.id for p in await meetings.participants(admin, mid)} == {chair.id, custom.id}


async def test_join_links(services: Services, clock: SettableClock) -> None:
    admin = await principal_of(services, "boss", AccountRole.ADMIN)
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    guest = await meetings.add_participant(admin, mid, role=MeetingRole.GUEST, name="Guest")
    token = meetings.join_token(meeting, guest)
    joined = await meetings.redeem_join_token(token)
    assert joined.participant == guest and joined.meeting.id == mid
    assert joined.expires_at == meeting.ends_at + timedelta(hours=24)

    # The join-link principal sees this meeting only.
    scoped = Principal(participant=guest)
    assert (await meetings.open(scoped, mid)).me == guest
    other = await new_meeting(services, admin, "Other")
    with pytest.raises(Forbidden) as info:
        await meetings.open(scoped, other)  # type: ignore[arg-type]
    assert info.value.code == "wrong_meeting"
    assert [a.meeting.id for a in await meetings.list_for(scoped)] == [mid]
    with pytest.raises(Forbidden):
        await meetings.add_participant(scoped, mid, role=MeetingRole.CHAIR, name="Me again")

    # A new link revokes the old one.
    await meetings.reissue_join_link(admin, mid, guest.id)
    with pytest.raises(Forbidden) as info:
        await meetings.redeem_join_token(token)
    assert info.value.code == "join_link_revoked"
    fresh = meetings.join_token(meeting, await meetings.get_participant(admin, mid, guest.id))
    assert (await meetings.redeem_join_token(fresh)).participant.link_version == 2

    # Expiry: a day after the meeting ends.
    clock.advance(meeting.ends_at + timedelta(hours=24, seconds=1) - clock.now())
    with pytest.raises(Forbidden) as info:
        await meetings.redeem_join_token(fresh)
    assert info.value.code == "join_link_expired"


async def test_join_link_for_the_wrong_meeting(services: Services) -> None:
    """A correctly signed token whose participant belongs to another meeting."""
    admin = await principal_of(services, "boss", AccountRole.ADMIN)
    meetings = services.meetings
    a = await new_meeting(services, admin, "A")
    b = await new_meeting(services, admin, "B")
    guest = await meetings.add_participant(admin, a, role=MeetingRole.GUEST, name="Guest")
    forged = JoinLinkSigner(services.secret).sign(
        JoinClaims(b, guest.id, (), 1, int((START + timedelta(days=2)).timestamp())),  # type: ignore[arg-type]
        services.accounts.clock.now(),
    )
    with pytest.raises(Forbidden) as info:
        await meetings.redeem_join_token(forged)
    assert info.value.code == "join_link_wrong_meeting"
    await meetings.remove_participant(admin, a, guest.id)  # type: ignore[arg-type]
    token = meetings.join_token((await meetings.open(admin, a)).meeting, guest)  # type: ignore[arg-type]
    with pytest.raises(Forbidden) as info:
        await meetings.redeem_join_token(token)
    assert info.value.code == "join_link_revoked"


async def test_demo_loads_once(services: Services) -> None:
    admin = await principal_of(services, "admin", AccountRole.ADMIN)

    async def load() -> Any:
        return await load_demo(
            services.meetings, services.agenda, services.documents, services.state, admin,
            "Asia/Ho_Chi_Minh", bundled_path("media"),
        )  # fmt: skip

    first = await load()
    assert first is not None
    assert await load() is None
    people = await services.meetings.participants(admin, first.id)
    assert sorted(p.role.value for p in people) == ["chair", "delegate", "guest"]
    items = await services.agenda.items(admin, first.id)
    assert len(items) == 4
    views = await services.documents.for_meeting(admin, first.id)
    assert {(v.document.agenda_item_id, v.document.classification.value) for v in views} == {
        (items[1].id, "normal"),
        (items[2].id, "confidential"),
    }
    assert len(await services.meetings.list_for(admin)) == 1
