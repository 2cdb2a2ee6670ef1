"""The demo meeting that `make run` loads once, so there is something to click through:
an agenda with documents (one of them confidential) and three participants."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from meetroom.meetings.service import MeetingService
from meetroom.records import Classification, Meeting, MeetingRole, Principal
from meetroom.sessions.agenda import AgendaService
from meetroom.sessions.documents import DocumentService

DEMO_KEY = "demo_meeting_id"

DEMO_PARTICIPANTS = (
    ("Nguyễn Văn An", MeetingRole.CHAIR),
    ("Trần Thị Bình", MeetingRole.DELEGATE),
    ("Lê Minh Châu", MeetingRole.GUEST),
)

# (title, presenter, minutes, [(file in media/demo, classification)])
DEMO_AGENDA: tuple[tuple[str, str, int, list[tuple[str, Classification]]], ...] = (
    ("Opening and approval of the agenda", "Nguyễn Văn An", 10, []),
    ("Report on the first-quarter budget", "Trần Thị Bình", 30,
     [("budget-report.pdf", Classification.NORMAL)]),
    ("Plan for digital meeting rooms", "Lê Minh Châu", 30,
     [("digital-rooms-plan.pdf", Classification.CONFIDENTIAL)]),
    ("Any other business", "", 10, []),
)  # fmt: skip


class KeyValue(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str) -> None: ...


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(256 * 1024):
            yield chunk


async def load_demo(
    meetings: MeetingService,
    agenda: AgendaService,
    documents: DocumentService,
    state: KeyValue,
    admin: Principal,
    timezone: str,
    media_dir: Path,
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
        description="Quarterly review of the budget and of the plan for digital meeting rooms.",
        location="Meeting room 1",
    )
    for name, role in DEMO_PARTICIPANTS:
        await meetings.add_participant(admin, meeting.id, name=name, role=role)
    for title, presenter, minutes, files in DEMO_AGENDA:
        item = await agenda.add(
            admin, meeting.id, title=title, presenter=presenter, duration_minutes=minutes
        )
        for filename, classification in files:
            path = media_dir / "demo" / filename
            stored = await documents.store_upload(admin, meeting.id, filename, _chunks(path))
            await documents.add_uploaded(
                admin, meeting.id, stored, agenda_item_id=item.id, classification=classification
            )
    await state.set(DEMO_KEY, meeting.id)
    return meeting
