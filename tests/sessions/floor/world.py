"""A meeting and its participants in a real database, for the floor's store and
service tests (a helper module, not a test module)."""

from __future__ import annotations

from datetime import datetime, timedelta

from meetroom.ids import MeetingId, ParticipantId, new_id
from meetroom.meetings.roles import default_grants
from meetroom.records.meetings import Meeting, MeetingRole, MeetingStatus, Participant
from meetroom.store.database import Database
from meetroom.store.meetings import SqlMeetingStore


async def add_meeting(
    db: Database, now: datetime, status: MeetingStatus = MeetingStatus.IN_PROGRESS
) -> Meeting:
    meeting = Meeting(
        id=MeetingId(new_id()), title="Phiên họp", description="", location="",
        starts_at=now, ends_at=now + timedelta(hours=2), created_by=None, created_at=now,
        updated_at=now, status=status,
    )  # fmt: skip
    await SqlMeetingStore(db).create_meeting(meeting)
    return meeting


async def add_participant(
    db: Database, meeting: Meeting, name: str, role: MeetingRole = MeetingRole.DELEGATE
) -> Participant:
    person = Participant(
        id=ParticipantId(new_id()), meeting_id=meeting.id, user_id=None, name=name, role=role,
        grants=default_grants(role), link_version=1, created_at=meeting.created_at,
    )  # fmt: skip
    await SqlMeetingStore(db).add_participant(person)
    return person
