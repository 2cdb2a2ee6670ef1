"""The mail outbox in SQL: queued mail, taken by one sender at a time, and what
became of each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from meetroom.ids import MeetingId, ParticipantId
from meetroom.records.mail import (
    MailAttachment,
    MailKind,
    MailState,
    MailStatus,
    OutgoingMail,
    QueuedMail,
)
from meetroom.store.database import Database
from meetroom.store.schema import mail_outbox


def _attachments(value: Any) -> tuple[MailAttachment, ...]:
    return tuple(
        MailAttachment(
            filename=a["filename"],
            content_type=a["content_type"],
            content=a["content"],
            params=tuple((str(k), str(v)) for k, v in a.get("params", [])),
        )
        for a in value or []
    )


def _queued(row: Any) -> QueuedMail:
    return QueuedMail(
        mail=OutgoingMail(
            id=row.id,
            recipient=row.recipient,
            recipient_name=row.recipient_name,
            subject=row.subject,
            text=row.body,
            html=row.html,
            attachments=_attachments(row.attachments),
            created_at=row.created_at,
            kind=MailKind(row.kind) if row.kind else None,
            meeting_id=MeetingId(row.meeting_id) if row.meeting_id else None,
            participant_id=ParticipantId(row.participant_id) if row.participant_id else None,
        ),
        status=MailStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )


class SqlMailOutbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(self, mails: Sequence[OutgoingMail]) -> None:
        if not mails:
            return
        rows = [
            {
                "id": m.id,
                "recipient": m.recipient,
                "recipient_name": m.recipient_name[:200],
                "subject": m.subject[:500],
                "body": m.text,
                "html": m.html,
                "attachments": [
                    {
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "params": [list(p) for p in a.params],
                        "content": a.content,
                    }
                    for a in m.attachments
                ],
                "status": MailStatus.QUEUED.value,
                "attempts": 0,
                "last_error": "",
                "next_attempt_at": m.created_at,
                "created_at": m.created_at,
                "kind": m.kind.value if m.kind else None,
                "meeting_id": m.meeting_id,
                "participant_id": m.participant_id,
            }
            for m in mails
        ]
        async with self.db.begin() as conn:
            await conn.execute(mail_outbox.insert(), rows)

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[QueuedMail]:
        """Queued mail that is due, each taken by moving its due time to `lease_until`
        with a conditional update: of several senders (nodes) only one gets a mail."""
        due = (
            sa.select(mail_outbox.c.id, mail_outbox.c.next_attempt_at)
            .where(
                mail_outbox.c.status == MailStatus.QUEUED.value,
                mail_outbox.c.next_attempt_at <= now,
            )
            .order_by(mail_outbox.c.next_attempt_at, mail_outbox.c.id)
            .limit(limit)
        )
        async with self.db.connect() as conn:
            candidates = (await conn.execute(due)).all()
        taken: list[str] = []
        # One short write each (no read before it in the transaction): on SQLite a
        # read-then-write transaction can fail at once when another writer got first.
        for mail_id, due_at in candidates:
            async with self.db.begin() as conn:
                result = await conn.execute(
                    mail_outbox.update()
                    .where(
                        mail_outbox.c.id == mail_id,
                        mail_outbox.c.status == MailStatus.QUEUED.value,
                        mail_outbox.c.next_attempt_at == due_at,
                    )
                    .values(next_attempt_at=lease_until)
                )
            if result.rowcount:
                taken.append(mail_id)
        if not taken:
            return []
        async with self.db.connect() as conn:
            rows = await conn.execute(
                mail_outbox.select()
                .where(mail_outbox.c.id.in_(taken))
                .order_by(mail_outbox.c.created_at, mail_outbox.c.id)
            )
            return [_queued(r) for r in rows]

    async def mark_sent(self, mail_id: str, attempts: int, now: datetime) -> None:
        await self._set(
            mail_id, status=MailStatus.SENT.value, attempts=attempts, sent_at=now,
            next_attempt_at=None, last_error="",
        )  # fmt: skip

    async def mark_retry(
        self, mail_id: str, attempts: int, error: str, next_attempt_at: datetime
    ) -> None:
        await self._set(
            mail_id, attempts=attempts, last_error=error[:500], next_attempt_at=next_attempt_at
        )

    async def mark_failed(self, mail_id: str, attempts: int, error: str) -> None:
        await self._set(
            mail_id, status=MailStatus.FAILED.value, attempts=attempts,
            last_error=error[:500], next_attempt_at=None,
        )  # fmt: skip

    async def _set(self, mail_id: str, **values: Any) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                mail_outbox.update().where(mail_outbox.c.id == mail_id).values(**values)
            )

    async def states_for_meeting(self, meeting_id: MeetingId) -> list[MailState]:
        """What became of every mail about one meeting, oldest first (no contents)."""
        c = mail_outbox.c
        query = (
            sa.select(
                c.id,
                c.kind,
                c.participant_id,
                c.status,
                c.attempts,
                c.last_error,
                c.created_at,
                c.sent_at,
            )  # fmt: skip
            .where(c.meeting_id == meeting_id)
            .order_by(c.created_at, c.id)
        )
        async with self.db.connect() as conn:
            rows = await conn.execute(query)
        return [
            MailState(
                id=r.id,
                kind=MailKind(r.kind) if r.kind else None,
                participant_id=ParticipantId(r.participant_id) if r.participant_id else None,
                status=MailStatus(r.status),
                attempts=r.attempts,
                last_error=r.last_error,
                created_at=r.created_at,
                sent_at=r.sent_at,
            )
            for r in rows
        ]

    async def get(self, mail_id: str) -> QueuedMail | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(mail_outbox.select().where(mail_outbox.c.id == mail_id))
            ).first()
        return _queued(row) if row else None

    async def forget_contents(self, sent_before: datetime) -> int:
        """Blank the bodies of mail sent long ago: they hold personal join links. The
        record that it was sent stays."""
        async with self.db.begin() as conn:
            result = await conn.execute(
                mail_outbox.update()
                .where(
                    mail_outbox.c.status == MailStatus.SENT.value,
                    mail_outbox.c.sent_at < sent_before,
                    mail_outbox.c.body != "",
                )
                .values(body="", html="", attachments=[])
            )
        return int(result.rowcount or 0)
