"""The live session's store, for real: a migrated SQLite database (a copy of the
session's template, see tests/dbtemplate.py) holding one meeting, without the rest of
the services."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.ids import MeetingId, new_id
from meetroom.records.meetings import Meeting
from meetroom.store.database import Database
from meetroom.store.live import SqlLiveStore
from meetroom.store.meetings import SqlMeetingStore
from tests.sessions.live.parts import Stored


@pytest.fixture
async def stored(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock
) -> AsyncIterator[Stored]:
    settings = await make_settings("sqlite")
    db = Database.open(settings.effective_database_url)
    now = clock.now()
    meeting = Meeting(
        id=MeetingId(new_id()), title="Budget", description="", location="",
        starts_at=now, ends_at=now + timedelta(hours=1), created_by=None, created_at=now,
        updated_at=now,
    )  # fmt: skip
    await SqlMeetingStore(db).create_meeting(meeting)  # the operations' foreign key
    yield Stored(SqlLiveStore(db), meeting.id, now)
    await db.close()
