"""Plain records passed between the store and the domain.

They live in layer 0 so that `store/` can build them and the domain can use them
without either importing the other.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, Protocol

from meetroom.ids import (
    AgendaItemId,
    DocumentId,
    GroupId,
    MeetingId,
    ParticipantId,
    RoomId,
    UserId,
)


class AccountRole(enum.StrEnum):
    ADMIN = "admin"
    SECRETARY = "secretary"
    CHAIR = "chair"
    DELEGATE = "delegate"
    GUEST = "guest"


class MeetingRole(enum.StrEnum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    DELEGATE = "delegate"
    GUEST = "guest"
    OBSERVER = "observer"


class Grant(enum.StrEnum):
    CAN_PUBLISH = "can_publish"
    CAN_ANNOTATE_SHARED = "can_annotate_shared"
    CAN_VOTE = "can_vote"
    CAN_PRESENT = "can_present"
    MODERATOR = "moderator"


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    username: str
    display_name: str
    role: AccountRole
    locale: str | None
    disabled: bool
    must_change_password: bool
    created_at: datetime
    # Where invitations are mailed; None: no e-mail.
    email: str | None = None
    # IANA zone times are shown in; None: the server's.
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class UserWithSecret:
    user: User
    password_hash: str


class MeetingStatus(enum.StrEnum):
    """Where a meeting is in its life (see `meetroom.meetings.lifecycle`)."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class Meeting:
    id: MeetingId
    title: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    created_by: UserId | None
    created_at: datetime
    updated_at: datetime
    # The room booked for it, if any.
    room_id: RoomId | None = None
    # A series: an RFC 5545 RRULE (without DTSTART) expanded in `series_zone` from
    # starts_at/ends_at, the first occurrence; `series_until` is the end of the last
    # occurrence (UTC), so that range queries find a series without expanding it.
    rrule: str | None = None
    series_zone: str | None = None
    series_until: datetime | None = None

    # Its lifecycle; changed only through `meetroom.meetings.lifecycle`.
    status: MeetingStatus = MeetingStatus.SCHEDULED
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MeetingOverride:
    """An exception to one occurrence of a series: cancelled, or moved/retitled/in
    another room (None: as the series says)."""

    meeting_id: MeetingId
    # The occurrence's original start (UTC), as the RRULE gives it.
    recurrence_id: datetime
    cancelled: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    title: str | None = None
    room_id: RoomId | None = None


@dataclass(frozen=True, slots=True)
class Room:
    """A meeting room that meetings book; a virtual-only room is never taken."""

    id: RoomId
    name: str
    location: str
    seats: int | None
    tablets: int
    has_video_endpoint: bool
    virtual_only: bool
    # Local wall-clock hours (in the server's time zone) when it may be booked;
    # None: any time.
    available_from: time | None
    available_until: time | None
    # ISO weekdays (1 = Monday … 7 = Sunday) it may be booked on.
    available_days: frozenset[int]
    # Who may book it besides administrators: None = everyone who manages meetings.
    bookers: frozenset[UserId] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Participant:
    id: ParticipantId
    meeting_id: MeetingId
    user_id: UserId | None
    name: str
    role: MeetingRole
    grants: frozenset[Grant]
    link_version: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JoinLink:
    """A participant's join link as stored: the digest of its token, and the nonce the
    server rebuilds the token from to show it again."""

    token_hash: str
    meeting_id: MeetingId
    # None: the participant was removed from the meeting.
    participant_id: ParticipantId | None
    # None: revoked (replaced by a newer link); it can no longer be shown.
    nonce: str | None
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WebSession:
    """A login: either a user's (all they may see) or a join link's (one meeting)."""

    id: str
    user_id: UserId | None
    meeting_id: MeetingId | None
    participant_id: ParticipantId | None
    created_at: datetime
    expires_at: datetime
    # A join link's session: the participant's link version it was opened with. A new
    # link (a higher version) ends it. None: a user's session, or one opened before
    # versions were recorded (it ends with the next new link all the same).
    link_version: int | None = None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: str
    user_id: UserId
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class LoginFailures:
    address: str
    failures: int
    window_start: datetime
    locked_until: datetime | None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking. A join-link principal is confined to one meeting."""

    user: User | None = None
    participant: Participant | None = None
    session_id: str | None = None
    via_api_token: bool = False
    # Where the request came from (the client's address), for the audit log.
    address: str = ""
    # The server's address as this request reached it (e.g. https://meet.lan), for
    # links made on the principal's behalf, such as those in invitation e-mails.
    origin: str = ""

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.participant is not None

    @property
    def meeting_scope(self) -> MeetingId | None:
        if self.user is None and self.participant is not None:
            return self.participant.meeting_id
        return None


class Classification(enum.StrEnum):
    NORMAL = "normal"
    CONFIDENTIAL = "confidential"


class FileStatus(enum.StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class AgendaItem:
    id: AgendaItemId
    meeting_id: MeetingId
    position: int
    title: str
    presenter: str
    duration_minutes: int | None
    notes: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    title: str
    page: int | None
    level: int


@dataclass(frozen=True, slots=True)
class FontSubstitution:
    """A font a PDF names without embedding it, and the font its pages were drawn with."""

    font: str  # as people know it: "Times New Roman"
    replacement: str  # "Liberation Serif"
    # Letters the replacement has no glyph for, drawn as nothing (a sample, sorted).
    missing: str = ""


MAX_MISSING_LETTERS = 24
# A file may name thousands of fonts: those with missing letters are kept first.
MAX_FONTS = 20


def merge_fonts(items: Iterable[FontSubstitution]) -> tuple[FontSubstitution, ...]:
    """One entry per font and replacement (a font's styles, several pages' reports)."""
    merged: dict[tuple[str, str], set[str]] = {}
    for item in items:
        merged.setdefault((item.font, item.replacement), set()).update(item.missing)
    kept = sorted(merged.items(), key=lambda entry: not entry[1])[:MAX_FONTS]
    return tuple(
        FontSubstitution(font, replacement, "".join(sorted(missing)[:MAX_MISSING_LETTERS]))
        for (font, replacement), missing in sorted(kept)
    )


@dataclass(frozen=True, slots=True)
class PdfFile:
    """What is known about one distinct file, shared by every document made from it."""

    sha256: str
    size_bytes: int
    status: FileStatus
    pages: int
    pages_done: int
    title: str | None
    outline: tuple[OutlineEntry, ...]
    warnings: tuple[str, ...]
    reject_code: str | None
    reject_message: str | None
    reject_params: dict[str, object]
    created_at: datetime
    finished_at: datetime | None
    # Fonts not embedded in the file, found as its pages were rendered.
    fonts: tuple[FontSubstitution, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    id: DocumentId
    meeting_id: MeetingId
    agenda_item_id: AgendaItemId | None
    position: int
    sha256: str
    filename: str
    title: str
    classification: Classification
    allow_download: bool
    # None: every participant of the meeting; else only these participants.
    access: frozenset[ParticipantId] | None
    uploaded_by: UserId | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class WatermarkTrace:
    code: str
    document_id: DocumentId
    viewer_key: str
    viewer_name: str
    day: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    document_id: DocumentId
    meeting_id: MeetingId
    document_title: str
    action: str
    page: int | None
    viewer_user_id: UserId | None
    viewer_participant_id: ParticipantId | None
    viewer_name: str
    trace_code: str | None
    address: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LiveOp:
    """One stored annotation operation of a meeting's live session."""

    seq: int
    op_id: str
    author: str  # "p:<participant id>" or "u:<user id>"
    kind: str  # stroke | note | erase | undo | redo
    layer: str | None
    document_id: str | None
    page: int | None
    target: str | None  # of an erase, undo or redo
    body: dict[str, Any]


class AuditAction(enum.StrEnum):
    """Security-relevant actions recorded in the audit log (see `AuditTrail`)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    USER_CREATED = "user_created"
    USER_CHANGED = "user_changed"
    ROLE_CHANGED = "role_changed"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    USERS_IMPORTED = "users_imported"
    GROUP_CREATED = "group_created"
    GROUP_CHANGED = "group_changed"
    GROUP_DELETED = "group_deleted"
    ROOM_CREATED = "room_created"
    ROOM_CHANGED = "room_changed"
    ROOM_DELETED = "room_deleted"
    MEETING_CREATED = "meeting_created"
    MEETING_CHANGED = "meeting_changed"
    MEETING_DELETED = "meeting_deleted"
    MEETING_STATUS_CHANGED = "meeting_status_changed"
    PARTICIPANT_ADDED = "participant_added"
    PARTICIPANT_CHANGED = "participant_changed"
    PARTICIPANT_REMOVED = "participant_removed"
    DOCUMENT_UPLOADED = "document_uploaded"
    DOCUMENT_VIEWED = "document_viewed"
    DOCUMENT_DOWNLOADED = "document_downloaded"
    DOCUMENT_DELETED = "document_deleted"
    DOCUMENT_CHANGED = "document_changed"
    JOIN_LINK_REISSUED = "join_link_reissued"
    # The log's hashes are keyed from this entry on (the first start after an upgrade).
    AUDIT_KEYED = "audit_keyed"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One entry of the security audit log, as stored (hash-chained) by the store."""

    seq: int
    action: AuditAction
    actor_user_id: UserId | None
    actor_name: str
    target_type: str  # user | meeting | document | room | group | "" (none)
    target_id: str
    details: dict[str, Any]
    address: str
    at: datetime
    prev_hash: str
    hash: str


class AuditTrail(Protocol):
    """Records a security-relevant action. The domain services take one; the address
    is the actor's (`Principal.address`) unless given."""

    async def record(
        self,
        actor: Principal | None,
        action: AuditAction,
        *,
        target_type: str = "",
        target_id: str = "",
        details: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> None: ...


# The prev_hash of the first audit entry.
AUDIT_GENESIS_HASH = "0" * 64


def _audit_canonical(entry: AuditRecord) -> bytes:
    """Every field but `hash` itself: sorted keys, no spaces, UTF-8, the time in UTC
    with microseconds. Details must already be plain JSON (as stored), so the hash can
    be recomputed from what is read back."""
    canonical = {
        "seq": entry.seq,
        "action": str(entry.action),
        "actor_user_id": entry.actor_user_id,
        "actor_name": entry.actor_name,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details,
        "address": entry.address,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev_hash": entry.prev_hash,
    }
    text = json.dumps(
        canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def audit_hash(entry: AuditRecord) -> str:
    """The plain SHA-256 (hex) of entries written before the log had a key: anyone
    can recompute it, so it shows accidents, not someone able to write the database."""
    return hashlib.sha256(_audit_canonical(entry)).hexdigest()


def audit_hmac(entry: AuditRecord, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the same canonical form with the audit key, which is kept
    outside the database: without it an entry cannot be changed and sealed again."""
    return hmac.new(key, _audit_canonical(entry), hashlib.sha256).hexdigest()


def audit_key_id(key: bytes) -> str:
    """Names a key without revealing it (in the anchored head and the log)."""
    return hmac.new(key, b"meetroom audit key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The last entry of the audit log as recorded outside the database: a log that
    ends before it was cut at the end, one with another entry there was rewritten."""

    key_id: str
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit entries to list; empty fields do not filter."""

    since: datetime | None = None  # at >= since
    until: datetime | None = None  # at < until
    actions: frozenset[AuditAction] = frozenset()
    actor: str = ""  # a user id, or part of the actor's name
    target_type: str = ""
    target_id: str = ""
    address: str = ""  # the address, or its beginning (10.1.2.)


@dataclass(frozen=True, slots=True)
class Group:
    """People invited together (a department, a committee)."""

    id: GroupId
    name: str
    description: str
    members: frozenset[UserId]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Attendance:
    """One person's presence in a meeting while it was in progress: every device and
    reconnection of theirs merged into one record."""

    meeting_id: MeetingId
    person: str  # "p:<participant id>" or "u:<user id>", as in the live session
    participant_id: ParticipantId | None
    user_id: UserId | None
    name: str
    role: str
    first_joined_at: datetime
    last_left_at: datetime | None
    # Seconds present in closed intervals; `present_since` starts the open one.
    seconds: int
    joins: int
    how: frozenset[str]  # tablet | browser | video
    present_since: datetime | None

    def seconds_at(self, now: datetime) -> int:
        """Seconds present up to `now`, the open interval included."""
        extra = (now - self.present_since).total_seconds() if self.present_since else 0
        return self.seconds + max(0, int(extra))


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


@dataclass(frozen=True, slots=True)
class CalendarCancellation:
    """A meeting gone from one user's calendar (deleted, or the user removed from it),
    kept for a while so that subscribed calendars learn it was cancelled."""

    user_id: UserId
    meeting_id: MeetingId
    title: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    cancelled_at: datetime
