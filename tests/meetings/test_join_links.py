"""Join links: short opaque tokens looked up by their digest, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from meetroom.app import open_services
from meetroom.auth.tokens import JoinClaims, JoinLinkSigner, JoinLinkTokens
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import Forbidden, Invalid, MeetRoomError
from meetroom.ids import MeetingId
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.meetings import JoinLink, MeetingRole, Participant
from meetroom.server.context import Services
from meetroom.store.join_links import SqlJoinLinkStore
from meetroom.store.schema import join_links

# Meetings dated from the clock: run again 400 days ahead (make test-later).
pytestmark = pytest.mark.dates


CROCKFORD = set("0123456789abcdefghjkmnpqrstvwxyz")


@pytest.fixture
async def services(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, backend: str
) -> AsyncIterator[Services]:
    async with open_services(await make_settings(backend), clock=clock) as svc:
        yield svc


@pytest.fixture
async def admin(services: Services) -> Principal:
    user, _ = await services.accounts.create_user("boss", "Boss", AccountRole.ADMIN, "password123")
    return Principal(user=user)


async def new_meeting(services: Services, admin: Principal, title: str = "Budget") -> MeetingId:
    """A meeting that starts tomorrow, by the test's clock."""
    start = services.accounts.clock.now() + timedelta(days=1)
    meeting = await services.meetings.create(
        admin, title=title, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    return meeting.id


async def guest_of(services: Services, admin: Principal, mid: MeetingId) -> Participant:
    return await services.meetings.participants.add(
        admin, mid, role=MeetingRole.GUEST, name="Guest"
    )


async def refused(services: Services, token: str) -> MeetRoomError:
    with pytest.raises(MeetRoomError) as info:
        await services.meetings.links.redeem(token)
    return info.value


async def test_a_short_link_redeems_with_the_participants_current_grants(
    services: Services, admin: Principal
) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    guest = await guest_of(services, admin, mid)
    link = await meetings.links.get(meeting, guest)
    assert len(link.token) == 26 and set(link.token) <= CROCKFORD
    # The same link every time it is shown (printed QR codes stay good).
    assert (await meetings.links.get(meeting, guest)).token == link.token
    assert link.expires_at == meeting.ends_at + timedelta(hours=24)

    joined = await meetings.links.redeem(link.token)
    assert joined.participant == guest and joined.meeting.id == mid
    assert joined.expires_at == link.expires_at
    # Grants are the participant's at the time the link is followed, not when it was made.
    await meetings.participants.update(admin, mid, guest.id, grants=frozenset())
    assert (await meetings.links.redeem(link.token)).participant.grants == frozenset()


async def test_typed_or_scanned_variants_of_a_token(services: Services, admin: Principal) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    guest = await guest_of(services, admin, mid)
    token = (await meetings.links.get(meeting, guest)).token
    spaced = " ".join(token[i : i + 4] for i in range(0, 26, 4))
    for variant in (token.upper(), f"  {spaced}\n", "-".join([token[:13], token[13:]])):
        assert (await meetings.links.redeem(variant)).participant.id == guest.id
    # Crockford's look-alikes: o for 0, i and l for 1.
    look_alike = token.replace("0", "o").replace("1", "l")
    assert (await meetings.links.redeem(look_alike)).participant.id == guest.id


async def test_unknown_and_altered_tokens_are_refused(services: Services, admin: Principal) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    token = (await meetings.links.get(meeting, await guest_of(services, admin, mid))).token
    altered = token[:-1] + ("a" if token[-1] != "a" else "b")
    for bad in (altered, token[:-1], token + "a", "", "not-a-token", "u" * 26, "a.b.c"):
        error = await refused(services, bad)
        assert isinstance(error, Invalid) and error.code == "join_link_invalid", bad


async def test_a_database_copy_holds_no_working_link(services: Services, admin: Principal) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    token = (await meetings.links.get(meeting, await guest_of(services, admin, mid))).token
    async with services.database.connect() as conn:
        rows = [tuple(r) for r in await conn.execute(sa.select(join_links))]
    assert len(rows) == 1
    assert hashlib.sha256(token.encode()).hexdigest() in rows[0]
    assert not any(token in str(value) for value in rows[0])


async def test_expiry(services: Services, admin: Principal, clock: SettableClock) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    guest = await guest_of(services, admin, mid)
    token = (await meetings.links.get(meeting, guest)).token
    clock.advance(meeting.ends_at + timedelta(hours=24) - clock.now())
    error = await refused(services, token)
    assert isinstance(error, Forbidden) and error.code == "join_link_expired"
    # A new link for a latecomer, made after the meeting, serves the grace period from now.
    await meetings.links.reissue(admin, mid, guest.id)
    fresh = await meetings.links.get(meeting, guest)
    assert fresh.expires_at == clock.now() + timedelta(hours=24)
    assert (await meetings.links.redeem(fresh.token)).participant.id == guest.id
    clock.advance(timedelta(hours=24))
    assert (await refused(services, fresh.token)).code == "join_link_expired"


async def test_moving_the_meeting_moves_the_expiry(
    services: Services, admin: Principal, clock: SettableClock
) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    token = (await meetings.links.get(meeting, await guest_of(services, admin, mid))).token
    later = meeting.starts_at + timedelta(days=7)
    await meetings.update(admin, mid, starts_at=later, ends_at=later + timedelta(hours=2))
    clock.advance(meeting.ends_at + timedelta(days=2) - clock.now())
    assert (await meetings.links.redeem(token)).meeting.id == mid


async def test_a_new_link_revokes_the_old_one_at_once(services: Services, admin: Principal) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    guest = await guest_of(services, admin, mid)
    old = (await meetings.links.get(meeting, guest)).token
    await meetings.links.reissue(admin, mid, guest.id)
    error = await refused(services, old)
    assert isinstance(error, Forbidden) and error.code == "join_link_revoked"
    assert "replaced by a newer one" in error.message
    fresh = (await meetings.links.get(meeting, guest)).token
    assert fresh != old
    assert (await meetings.links.redeem(fresh)).participant.id == guest.id


async def test_removing_the_participant_revokes_the_link(
    services: Services, admin: Principal
) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    guest = await guest_of(services, admin, mid)
    token = (await meetings.links.get(meeting, guest)).token
    await meetings.participants.remove(admin, mid, guest.id)
    error = await refused(services, token)
    assert isinstance(error, Forbidden) and error.code == "join_link_revoked"
    assert "participant was removed" in error.message
    # A deleted meeting takes its links with it.
    other = await new_meeting(services, admin, "Other")
    other_meeting = (await meetings.open(admin, other)).meeting
    token = (await meetings.links.get(other_meeting, await guest_of(services, admin, other))).token
    await meetings.delete(admin, other)
    assert (await refused(services, token)).code == "join_link_invalid"


async def test_a_link_opens_its_own_meeting_only(services: Services, admin: Principal) -> None:
    meetings = services.meetings
    a = await new_meeting(services, admin, "A")
    b = await new_meeting(services, admin, "B")
    guest = await guest_of(services, admin, a)
    joined = await meetings.links.redeem(
        (await meetings.links.get((await meetings.open(admin, a)).meeting, guest)).token
    )
    assert joined.meeting.id == a
    scoped = Principal(participant=joined.participant)
    with pytest.raises(Forbidden) as info:
        await meetings.open(scoped, b)
    assert info.value.code == "wrong_meeting"
    # A stored row binding a participant of meeting a to meeting b (tampered) opens nothing.
    other_guest = await guest_of(services, admin, a)
    tokens = JoinLinkTokens(services.secret)
    token = tokens.token(other_guest.id, "nonce")
    row = JoinLink(tokens.digest(token), b, other_guest.id, "nonce", services.accounts.clock.now())
    assert await SqlJoinLinkStore(services.database).add_link(row)
    assert (await refused(services, token)).code == "join_link_wrong_meeting"


async def test_links_made_at_once_are_one_link(services: Services, admin: Principal) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    guest = await guest_of(services, admin, mid)
    links = await asyncio.gather(*(meetings.links.get(meeting, guest) for _ in range(4)))
    assert len({link.token for link in links}) == 1
    assert (await meetings.links.redeem(links[0].token)).participant.id == guest.id


async def test_a_new_secret_key_replaces_the_links_it_can_no_longer_show(
    services: Services, admin: Principal
) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    guest = await guest_of(services, admin, mid)
    old = (await meetings.links.get(meeting, guest)).token
    meetings.links.tokens = JoinLinkTokens(b"another secret")
    new = (await meetings.links.get(meeting, guest)).token
    assert new != old
    assert (await meetings.links.redeem(new)).participant.id == guest.id
    assert (await refused(services, old)).code == "join_link_revoked"


async def test_signed_links_of_earlier_versions_work_until_they_expire_or_are_replaced(
    services: Services, admin: Principal, clock: SettableClock
) -> None:
    meetings = services.meetings
    mid = await new_meeting(services, admin)
    meeting = (await meetings.open(admin, mid)).meeting
    guest = await guest_of(services, admin, mid)
    expiry = int((meeting.ends_at + timedelta(hours=24)).timestamp())
    grants = tuple(sorted(g.value for g in guest.grants))

    def signed(meeting_id: MeetingId, version: int) -> str:
        claims = JoinClaims(meeting_id, guest.id, grants, version, expiry)
        return JoinLinkSigner(services.secret).sign(claims, clock.now())

    joined = await meetings.links.redeem(signed(mid, 1))
    assert joined.participant == guest and int(joined.expires_at.timestamp()) == expiry
    other = await new_meeting(services, admin, "Other")
    assert (await refused(services, signed(other, 1))).code == "join_link_wrong_meeting"
    await meetings.links.reissue(admin, mid, guest.id)
    assert (await refused(services, signed(mid, 1))).code == "join_link_revoked"
    assert (await meetings.links.redeem(signed(mid, 2))).participant.id == guest.id
    await meetings.participants.remove(admin, mid, guest.id)
    assert (await refused(services, signed(mid, 2))).code == "join_link_revoked"
    clock.advance(meeting.ends_at + timedelta(hours=24) - clock.now())
    assert (await refused(services, signed(mid, 2))).code == "join_link_expired"
