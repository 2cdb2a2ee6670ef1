"""The demo meeting that `make run` loads once, so there is something to click through."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from meetroom.meetings.service import MeetingService
from meetroom.records import Meeting, MeetingRole, Principal

DEMO_KEY = "demo_meeting_id"

DEMO_AGENDA = """Agenda (placeholder until documents are attached):
1. Opening and approval of the agenda
2. Report on the first-quarter budget
3. Plan for the digital transformation of meeting rooms
4. Any other business"""

DEMO_PARTICIPANTS = (
    ("Nguyễn Văn An", MeetingRole.CHAIR),
    ("Trần Thị Bình", MeetingRole.DELEGATE),
    ("Lê Minh Châu", MeetingRole.GUEST),
)


class KeyValue(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str) -> None: ...


async def load_demo(
    meetings: MeetingService,
    state: KeyValue,
    admin: Principal,
    timezone: str,
    force: bool = False,
) -> Meeting | None:
    """Create the demo meeting unless it was loaded before. Returns it, or None."""
    if not force and await state.get(DEMO_KEY):
        return None
    tz = ZoneInfo(timezone)
    tomorrow = (meetings.clock.now().astimezone(tz) + timedelta(days=1)).date()
    starts = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, 0, tzinfo=tz)
    meeting = await meetings.create(
        admin,
        title="Demo: Quarterly review meeting",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        description=DEMO_AGENDA,
        location="Meeting room 1",
    )
    for name, role in DEMO_PARTICIPANTS:
        await meetings.add_participant(admin, meeting.id, name=name, role=role)
    await state.set(DEMO_KEY, meeting.id)
    return meeting
