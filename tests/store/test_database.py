"""Migrations and the SQL stores, on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from meetroom.errors import Conflict, Unavailable
from meetroom.ids import MeetingId, ParticipantId, UserId, new_id
from meetroom.records.accounts import AccountRole, User, WebSession
from meetroom.records.meetings import Grant, Meeting, MeetingRole, Participant
from meetroom.store.database import Database, alembic_config
from meetroom.store.meetings import SqlAppState, SqlMeetingStore
from meetroom.store.schema import metadata
from meetroom.store.users import SqlSessionStore, SqlUserStore

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _user(name: str = "alice") -> User:
    return User(
        id=UserId(new_id()), username=name, display_name=name.title(), role=AccountRole.DELEGATE,
        locale=None, disabled=False, must_change_password=False, created_at=NOW,
    )  # fmt: skip


def _meeting(title: str = "Budget") -> Meeting:
    return Meeting(
        id=MeetingId(new_id()), title=title, description="", location="",
        starts_at=NOW, ends_at=NOW + timedelta(hours=2), created_by=None,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _participant(meeting: Meeting, user: User | None = None, name: str = "Guest") -> Participant:
    return Participant(
        id=ParticipantId(new_id()), meeting_id=meeting.id, user_id=user.id if user else None,
        name=name, role=MeetingRole.DELEGATE, grants=frozenset({Grant.CAN_VOTE}),
        link_version=1, created_at=NOW,
    )  # fmt: skip


@pytest.mark.real_migrations
async def test_migrations_match_the_schema(db: Database) -> None:
    assert await db.migrate() == []  # a second run applies nothing
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None and await db.current_revision() == head

    def diff(conn: sa.Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))

    assert await db.run_sync(diff) == []


async def test_the_tests_migrated_copy_matches_the_schema(db: Database) -> None:
    """What the other tests start from (tests/dbtemplate.py) is a migrated database."""
    assert await db.migrate() == []
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None and await db.current_revision() == head

    def diff(conn: sa.Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))

    assert await db.run_sync(diff) == []


async def test_ping(db: Database) -> None:
    await db.ping()
    broken = Database.open("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(Unavailable):
        await broken.ping()
    await broken.close()


async def test_users_round_trip(db: Database) -> None:
    store = SqlUserStore(db)
    alice = _user()
    await store.create_user(alice, "hash-1")
    assert await store.get_user(alice.id) == alice
    found = await store.get_user_by_username("alice")
    assert found is not None and found.password_hash == "hash-1"
    with pytest.raises(Conflict) as info:
        await store.create_user(_user("alice"), "hash-2")
    assert info.value.code == "username_taken"
    await store.set_password(alice.id, "hash-3", True, NOW)
    assert await store.get_password_hash(alice.id) == "hash-3"
    assert (await store.get_user(alice.id)).must_change_password is True  # type: ignore[union-attr]
    assert await store.count_users(AccountRole.DELEGATE) == 1
    assert await store.count_users(AccountRole.ADMIN) == 0


async def test_times_come_back_as_aware_utc(db: Database) -> None:
    store = SqlMeetingStore(db)
    hanoi = timezone(timedelta(hours=7))
    meeting = dataclasses.replace(
        _meeting(),
        starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=hanoi),
        ends_at=datetime(2026, 12, 1, 11, 0, tzinfo=hanoi),
    )
    await store.create_meeting(meeting)
    loaded = await store.get_meeting(meeting.id)
    assert loaded is not None
    assert loaded.starts_at == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert loaded.starts_at.tzinfo is UTC


async def test_meetings_participants_and_cascade(db: Database) -> None:
    users = SqlUserStore(db)
    meetings = SqlMeetingStore(db)
    sessions = SqlSessionStore(db)
    alice = _user()
    await users.create_user(alice, "h")
    a = _meeting("A")
    b = dataclasses.replace(_meeting("B"), starts_at=NOW + timedelta(days=1))
    await meetings.create_meeting(a)
    await meetings.create_meeting(b)
    pa = _participant(a, alice, "Alice")
    guest = _participant(a, None, "Guest")
    await meetings.add_participant(pa)
    await meetings.add_participant(guest)
    with pytest.raises(Conflict):
        await meetings.add_participant(_participant(a, alice, "Alice again"))

    assert [m.id for m in await meetings.list_meetings()] == [a.id, b.id]
    assert [m.id for m in await meetings.list_meetings(user_id=alice.id)] == [a.id]
    assert [p.id for p in await meetings.participations(alice.id)] == [pa.id]
    assert await meetings.get_participant(pa.id) == pa
    assert await meetings.find_participant(a.id, alice.id) == pa
    assert {p.id for p in await meetings.list_participants(a.id)} == {pa.id, guest.id}

    await sessions.create_session(
        WebSession("s" * 64, None, a.id, guest.id, NOW, NOW + timedelta(hours=1)), "1.2.3.4", "ua"
    )
    assert await sessions.get_session("s" * 64, NOW) is not None
    assert await meetings.delete_meeting(a.id)
    # Participants and join-link sessions of a deleted meeting go with it.
    assert await meetings.get_participant(pa.id) is None
    assert await sessions.get_session("s" * 64, NOW) is None
    assert await meetings.get_meeting(b.id) is not None


async def test_sessions_expire_and_purge(db: Database) -> None:
    users = SqlUserStore(db)
    sessions = SqlSessionStore(db)
    alice = _user()
    await users.create_user(alice, "h")
    await sessions.create_session(
        WebSession("a" * 64, alice.id, None, None, NOW, NOW + timedelta(hours=1)), "x", "y"
    )
    assert await sessions.get_session("a" * 64, NOW + timedelta(minutes=59)) is not None
    assert await sessions.get_session("a" * 64, NOW + timedelta(hours=1)) is None
    assert await sessions.purge_expired(NOW + timedelta(hours=2)) == 1


async def test_app_state(db: Database) -> None:
    state = SqlAppState(db)
    assert await state.get("k") is None
    await state.set("k", "1")
    await state.set("k", "2")
    assert await state.get("k") == "2"
