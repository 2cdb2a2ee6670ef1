"""Records of outgoing mail and its queue."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from meetroom.ids import (
    MeetingId,
    ParticipantId,
)


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class MailKind(enum.StrEnum):
    """Why a mail was sent: a meeting's invitation, its update, its cancellation."""

    INVITATION = "invitation"
    UPDATE = "update"
    CANCELLATION = "cancellation"


@dataclass(frozen=True, slots=True)
class MailAttachment:
    filename: str
    content_type: str  # e.g. "text/calendar"
    content: str
    # Content-Type parameters, e.g. {"method": "REQUEST"}.
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One message to one recipient, as the outbox keeps it until it is delivered."""

    id: str
    recipient: str  # the address
    recipient_name: str
    subject: str
    text: str
    html: str
    attachments: tuple[MailAttachment, ...]
    created_at: datetime
    # What it is about, so the meeting page can show each participant's delivery.
    kind: MailKind | None = None
    meeting_id: MeetingId | None = None
    participant_id: ParticipantId | None = None


@dataclass(frozen=True, slots=True)
class QueuedMail:
    mail: OutgoingMail
    status: MailStatus
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class MailState:
    """What became of one queued mail, without its contents."""

    id: str
    kind: MailKind | None
    participant_id: ParticipantId | None
    status: MailStatus
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
