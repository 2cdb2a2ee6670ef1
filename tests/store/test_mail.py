"""The mail outbox in SQL, on SQLite and on PostgreSQL: a due mail is taken by one
sender only, retried, and its contents forgotten long after it was sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from meetroom.config import Settings
from meetroom.ids import MeetingId, ParticipantId, new_id
from meetroom.records.mail import MailAttachment, MailKind, MailStatus, OutgoingMail
from meetroom.store.database import Database
from meetroom.store.mail import SqlMailOutbox

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
MEETING = MeetingId(new_id())


@pytest.fixture
async def outbox(
    make_settings: Callable[..., Awaitable[Settings]], backend: str
) -> AsyncIterator[SqlMailOutbox]:
    settings = await make_settings(backend)
    database = Database.open(settings.effective_database_url, settings.database_schema)
    await database.migrate()
    yield SqlMailOutbox(database)
    await database.close()


def mail(n: int) -> OutgoingMail:
    return OutgoingMail(
        id=new_id(), recipient=f"p{n}@example.vn", recipient_name=f"Người {n}",
        subject=f"Giấy mời {n}", text="văn bản", html="<p>html</p>",
        attachments=(MailAttachment("invite.ics", "text/calendar", "BEGIN:VCALENDAR\r\n",
                                    (("method", "REQUEST"),)),),
        created_at=NOW + timedelta(seconds=n), kind=MailKind.INVITATION, meeting_id=MEETING,
        participant_id=ParticipantId(new_id()),
    )  # fmt: skip


async def test_round_trip_and_one_taker(outbox: SqlMailOutbox) -> None:
    mails = [mail(n) for n in range(6)]
    await outbox.enqueue(mails)
    later = NOW + timedelta(minutes=1)
    # Several senders at once: each mail goes to exactly one of them.
    batches = await asyncio.gather(
        *(outbox.claim_due(later, later + timedelta(minutes=5), 4) for _ in range(3))
    )
    taken = [q.mail.id for batch in batches for q in batch]
    assert len(taken) == len(set(taken))
    first = next(q for batch in batches for q in batch if q.mail.id == mails[0].id)
    assert first.mail == mails[0] and first.status is MailStatus.QUEUED and first.attempts == 0
    # Taken mail is not due again while its lease lasts.
    rest = await outbox.claim_due(later, later + timedelta(minutes=5), 10)
    assert len(taken) + len(rest) == 6
    assert await outbox.claim_due(later, later + timedelta(minutes=5), 10) == []

    await outbox.mark_retry(mails[0].id, 1, "421 try later", later + timedelta(minutes=1))
    await outbox.mark_sent(mails[1].id, 1, later)
    await outbox.mark_failed(mails[2].id, 4, "550 no such user")
    states = {s.id: s for s in await outbox.states_for_meeting(MEETING)}
    assert states[mails[0].id].status is MailStatus.QUEUED
    assert states[mails[0].id].last_error == "421 try later"
    assert states[mails[1].id].status is MailStatus.SENT and states[mails[1].id].sent_at == later
    assert states[mails[2].id].status is MailStatus.FAILED and states[mails[2].id].attempts == 4
    assert await outbox.states_for_meeting(MeetingId(new_id())) == []

    # The retried mail is due after its minute, and only it among these three.
    again = await outbox.claim_due(later + timedelta(minutes=2), later + timedelta(minutes=7), 10)
    assert mails[0].id in [q.mail.id for q in again]
    assert not {mails[1].id, mails[2].id} & {q.mail.id for q in again}

    # Long after, the sent mail's contents are blanked; its record stays.
    assert await outbox.forget_contents(later) == 0
    assert await outbox.forget_contents(later + timedelta(days=31)) == 1
    blanked = await outbox.get(mails[1].id)
    assert blanked is not None and blanked.mail.text == "" and blanked.mail.attachments == ()
    assert blanked.status is MailStatus.SENT
    kept = await outbox.get(mails[0].id)
    assert kept is not None and kept.mail.text == "văn bản"
