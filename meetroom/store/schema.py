"""Tables. Every change here needs an Alembic migration in `migrations/versions/`
(a test compares the migrated schema with this metadata)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


ID = sa.String(26)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("locale", sa.String(8), nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("must_change_password", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("time_zone", sa.String(64), nullable=True),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    # SHA-256 of the cookie value: a leaked table does not give away live sessions.
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=True),
    sa.Column(
        "participant_id",
        ID,
        sa.ForeignKey("participants.id", ondelete="CASCADE"),
        nullable=True,
    ),
    sa.Column("address", sa.String(64), nullable=False, default=""),
    sa.Column("user_agent", sa.String(300), nullable=False, default=""),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    # A join link's session: the link version it was opened with (a new link ends it).
    sa.Column("link_version", sa.Integer, nullable=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("address", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_start", UtcDateTime, nullable=False),
    sa.Column("locked_until", UtcDateTime, nullable=True),
)

meetings = sa.Table(
    "meetings",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("location", sa.String(300), nullable=False, default=""),
    sa.Column("starts_at", UtcDateTime, nullable=False, index=True),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("created_by", ID, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # No ON DELETE: deleting a room first lets go of its past meetings, and a
    # booking that slips in meanwhile makes the delete fail instead of vanishing.
    sa.Column("room_id", ID, sa.ForeignKey("rooms.id"), nullable=True, index=True),
    # True when the room is a physical one (not virtual-only): only such bookings take
    # the room. Kept in step with rooms.virtual_only by the store, so that the database
    # itself refuses overlapping bookings (migration 0004: an exclusion constraint on
    # PostgreSQL, triggers on SQLite).
    sa.Column("room_exclusive", sa.Boolean, nullable=False, default=False),
    # A series (migration 0008): RFC 5545 RRULE text without DTSTART, the IANA zone it
    # is expanded in, and the end of its last occurrence (for range queries). A series
    # row is never room_exclusive: its bookings are checked under a lock on the room.
    sa.Column("rrule", sa.Text, nullable=True),
    sa.Column("series_zone", sa.String(64), nullable=True),
    sa.Column("series_until", UtcDateTime, nullable=True),
    # draft | scheduled | in_progress | ended | archived (migration 0009).
    sa.Column("status", sa.String(16), nullable=False, default="scheduled", index=True),
    sa.Column("opened_at", UtcDateTime, nullable=True),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Column("archived_at", UtcDateTime, nullable=True),
)

# Meeting rooms. Created before `meetings` refers to them (migration 0004).
rooms = sa.Table(
    "rooms",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("location", sa.String(300), nullable=False, default=""),
    sa.Column("seats", sa.Integer, nullable=True),
    sa.Column("tablets", sa.Integer, nullable=False, default=0),
    sa.Column("has_video_endpoint", sa.Boolean, nullable=False, default=False),
    sa.Column("virtual_only", sa.Boolean, nullable=False, default=False),
    # "HH:MM" in the server's time zone; null: any time.
    sa.Column("available_from", sa.String(5), nullable=True),
    sa.Column("available_until", sa.String(5), nullable=True),
    # ISO weekdays, comma-separated ("1,2,3,4,5").
    sa.Column("available_days", sa.String(20), nullable=False),
    # Null: everyone who manages meetings; else a list of user ids.
    sa.Column("bookers", sa.JSON, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

participants = sa.Table(
    "participants",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column(
        "meeting_id",
        ID,
        sa.ForeignKey("meetings.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    ),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    # Comma-separated grant names, in a fixed order.
    sa.Column("grants", sa.String(200), nullable=False),
    # Bumped to revoke every join link issued so far.
    sa.Column("link_version", sa.Integer, nullable=False, default=1),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("meeting_id", "user_id", name="uq_participants_meeting_user"),
)

# Join links: the token is HMAC(secret, participant id, nonce), so only its digest and
# the nonce are stored. A revoked link keeps its row (without nonce or participant) so
# that following it says why it no longer works; a removed participant's too.
join_links = sa.Table(
    "join_links",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "meeting_id",
        ID,
        sa.ForeignKey("meetings.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The live link's participant (one at most); null once revoked or removed.
    sa.Column(
        "participant_id",
        ID,
        sa.ForeignKey("participants.id", ondelete="SET NULL"),
        nullable=True,
        unique=True,
    ),
    sa.Column("nonce", sa.String(64), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

app_state = sa.Table(
    "app_state",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

agenda_items = sa.Table(
    "agenda_items",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column(
        "meeting_id",
        ID,
        sa.ForeignKey("meetings.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("presenter", sa.String(200), nullable=False, default=""),
    sa.Column("duration_minutes", sa.Integer, nullable=True),
    sa.Column("notes", sa.Text, nullable=False, default=""),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# One row per distinct file (content-addressed): two uploads of the same bytes share it.
pdf_files = sa.Table(
    "pdf_files",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    # processing | ready | rejected
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("pages", sa.Integer, nullable=False, default=0),
    sa.Column("pages_done", sa.Integer, nullable=False, default=0),
    sa.Column("title", sa.String(500), nullable=True),
    sa.Column("outline", sa.JSON, nullable=False),
    sa.Column("warnings", sa.JSON, nullable=False),
    sa.Column("reject_code", sa.String(32), nullable=True),
    # The English msgid and its parameters: translated when shown.
    sa.Column("reject_message", sa.String(500), nullable=True),
    sa.Column("reject_params", sa.JSON, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    # Fonts the file names without embedding them: [{"font", "replacement", "missing"}].
    sa.Column("fonts", sa.JSON, nullable=False, server_default="[]"),
)

pdf_pages = sa.Table(
    "pdf_pages",
    metadata,
    sa.Column(
        "sha256",
        sa.String(64),
        sa.ForeignKey("pdf_files.sha256", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("page", sa.Integer, primary_key=True),
    sa.Column("width_px", sa.Integer, nullable=False),
    sa.Column("height_px", sa.Integer, nullable=False),
    # For search, later.
    sa.Column("text", sa.Text, nullable=False),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column(
        "meeting_id",
        ID,
        sa.ForeignKey("meetings.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "agenda_item_id",
        ID,
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column(
        "sha256", sa.String(64), sa.ForeignKey("pdf_files.sha256"), nullable=False, index=True
    ),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    # normal | confidential
    sa.Column("classification", sa.String(16), nullable=False),
    sa.Column("allow_download", sa.Boolean, nullable=False, default=False),
    # False: every participant of the meeting; True: only those in document_access.
    sa.Column("restricted", sa.Boolean, nullable=False, default=False),
    sa.Column("uploaded_by", ID, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

document_access = sa.Table(
    "document_access",
    metadata,
    sa.Column(
        "document_id", ID, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "participant_id", ID, sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    ),
)

# One code per viewer, document and day: printed on every watermarked page, it leads
# back to who was shown the page.
watermark_traces = sa.Table(
    "watermark_traces",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("document_id", ID, nullable=False),
    sa.Column("viewer_key", sa.String(40), nullable=False),
    sa.Column("viewer_name", sa.String(200), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("document_id", "viewer_key", "day", name="uq_watermark_traces_viewer_day"),
)

# Who opened what. No foreign keys: the record outlives the document and the people.
document_audit = sa.Table(
    "document_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("document_id", ID, nullable=False, index=True),
    sa.Column("meeting_id", ID, nullable=False),
    sa.Column("document_title", sa.String(500), nullable=False),
    # page_view | download | download_original
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("page", sa.Integer, nullable=True),
    sa.Column("viewer_user_id", ID, nullable=True),
    sa.Column("viewer_participant_id", ID, nullable=True),
    sa.Column("viewer_name", sa.String(200), nullable=False),
    sa.Column("trace_code", sa.String(16), nullable=True),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)

# The live session of a meeting: where the presenter is, and the meeting's last
# sequence number (one row per meeting, updated in the transaction of each operation).
live_state = sa.Table(
    "live_state",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("presenter", sa.JSON, nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Bumped by every save of `presenter`: nodes keep only the newest state they hear of.
    sa.Column("state_version", sa.BigInteger, nullable=False, server_default="0"),
)

# Annotation operations, in order: strokes and notes added, erased, undone, redone.
live_ops = sa.Table(
    "live_ops",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    # The client's id for the operation: a resent operation is recognised, not repeated.
    sa.Column("op_id", sa.String(64), nullable=False),
    # "p:<participant id>" or "u:<user id>"
    sa.Column("author", sa.String(40), nullable=False),
    # stroke | note | erase | undo | redo
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("layer", sa.String(8), nullable=True),
    sa.Column("document_id", ID, nullable=True),
    sa.Column("page", sa.Integer, nullable=True),
    # The target of an erase, undo or redo.
    sa.Column("target", sa.String(64), nullable=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("meeting_id", "op_id", name="uq_live_ops_meeting_op"),
)

# The security audit log: append-only, hash-chained (each entry carries the hash of
# the one before). No foreign keys: entries outlive the users and things they name.
# The database refuses UPDATE and DELETE on it (triggers made by migration 0006).
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("actor_user_id", ID, nullable=True, index=True),
    sa.Column("actor_name", sa.String(200), nullable=False),
    sa.Column("target_type", sa.String(20), nullable=False),
    sa.Column("target_id", sa.String(64), nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_log_target", "target_type", "target_id"),
)

# Actions recorded at most once per key (a document viewed: once per viewer and day),
# written in the same transaction as the entry they stand for.
audit_once = sa.Table(
    "audit_once",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
)

# Groups of users (a department, a committee) invited to a meeting as a whole
# (migration 0007).
groups = sa.Table(
    "groups",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("description", sa.String(1000), nullable=False, default=""),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column("group_id", ID, sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

# Exceptions to one occurrence of a series (migration 0008): cancelled, or moved,
# retitled or in another room (null: as the series says).
meeting_overrides = sa.Table(
    "meeting_overrides",
    metadata,
    sa.Column(
        "meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    ),
    # The occurrence's original start, UTC.
    sa.Column("recurrence_id", UtcDateTime, primary_key=True),
    sa.Column("cancelled", sa.Boolean, nullable=False, default=False),
    sa.Column("starts_at", UtcDateTime, nullable=True, index=True),
    sa.Column("ends_at", UtcDateTime, nullable=True),
    sa.Column("title", sa.String(300), nullable=True),
    sa.Column("room_id", ID, sa.ForeignKey("rooms.id", ondelete="SET NULL"), nullable=True,
              index=True),
)  # fmt: skip
# Who attended a meeting while it was in progress: one row per person (every device
# and reconnection merged). No foreign key to participants: the record outlives them.
attendance = sa.Table(
    "attendance",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    # "p:<participant id>" or "u:<user id>"
    sa.Column("person", sa.String(40), primary_key=True),
    sa.Column("participant_id", ID, nullable=True),
    sa.Column("user_id", ID, nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("first_joined_at", UtcDateTime, nullable=False),
    sa.Column("last_left_at", UtcDateTime, nullable=True),
    # Seconds present in closed intervals; present_since starts the open one.
    sa.Column("seconds", sa.Integer, nullable=False),
    sa.Column("joins", sa.Integer, nullable=False),
    # Comma-separated: tablet, browser, video.
    sa.Column("how", sa.String(40), nullable=False),
    sa.Column("present_since", UtcDateTime, nullable=True),
)

# Mail waiting to be delivered, and what became of it. Written in the request that
# causes it, sent by a background task with retries. No foreign keys: the record of
# a sent invitation outlives the meeting and the participant.
mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("recipient_name", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(500), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    # [{"filename", "content_type", "params", "content"}]
    sa.Column("attachments", sa.JSON, nullable=False),
    # queued | sent | failed
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.String(500), nullable=False, default=""),
    # When a queued mail is due; a sender that takes it moves this forward (a lease).
    sa.Column("next_attempt_at", UtcDateTime, nullable=True, index=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    # invitation | update | cancellation
    sa.Column("kind", sa.String(16), nullable=True),
    sa.Column("meeting_id", ID, nullable=True, index=True),
    sa.Column("participant_id", ID, nullable=True),
)

# Each user's private calendar feed: the token is HMAC(secret, user id, nonce), so
# only a digest is stored and a new nonce invalidates the old address.
calendar_feeds = sa.Table(
    "calendar_feeds",
    metadata,
    sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Meetings gone from a user's calendar, kept a while as cancelled events in the feed.
calendar_cancellations = sa.Table(
    "calendar_cancellations",
    metadata,
    sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("meeting_id", ID, primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("cancelled_at", UtcDateTime, nullable=False, index=True),
)

# The floor (migration 0015). One row per meeting, locked by each change of its
# floor: the queue's order is the order of these locks, on every node.
floor_state = sa.Table(
    "floor_state",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    # Bumped by every change: clients resume from it.
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("current_id", ID, nullable=True),
    sa.Column("speech_started_at", UtcDateTime, nullable=True),
    # Seconds; null: no limit.
    sa.Column("speech_limit", sa.Integer, nullable=True),
    sa.Column("default_limit", sa.Integer, nullable=True),
    sa.Column("per_person_limit", sa.Integer, nullable=True),
    sa.Column("list_closed", sa.Boolean, nullable=False),
    # Null until the first change.
    sa.Column("updated_at", UtcDateTime, nullable=True),
)

# Requests to speak, kept once closed (per-item limits, repeated client ids, the log).
# No foreign key to participants: the record outlives them.
speaker_requests = sa.Table(
    "speaker_requests",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    # Chosen by the client: a repeated ask is recognised, not repeated.
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("participant_id", ID, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    # ordinary | point_of_order | for | against
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("agenda_item_id", ID, nullable=True),
    sa.Column("asked_at", UtcDateTime, nullable=False),
    sa.Column("mic_consent", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    # waiting | speaking | done | withdrawn | removed
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("meeting_id", "client_id", name="uq_speaker_requests_meeting_client"),
    # One open request per person, whatever the code does.
    sa.Index(
        "uq_speaker_requests_open",
        "meeting_id",
        "participant_id",
        unique=True,
        sqlite_where=sa.text("status IN ('waiting', 'speaking')"),
        postgresql_where=sa.text("status IN ('waiting', 'speaking')"),
    ),
)

# The speech log: one entry per request given the floor.
speeches = sa.Table(
    "speeches",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("request_id", ID, primary_key=True),
    sa.Column("participant_id", ID, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("agenda_item_id", ID, nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("seconds", sa.Integer, nullable=False),
    sa.Column("limit_seconds", sa.Integer, nullable=True),
    sa.Column("overrun", sa.Integer, nullable=False),
)

# The quorum rule of a meeting (none | majority | two_thirds | at_least, with N); its
# row is also the lock under which the quorum's log is appended.
quorum_rules = sa.Table(
    "quorum_rules",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.Integer, nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# Each change of a meeting's quorum state while it was in progress, for the minutes.
quorum_log = sa.Table(
    "quorum_log",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.Integer, nullable=True),
    sa.Column("present", sa.Integer, nullable=False),
    sa.Column("members", sa.Integer, nullable=False),
    sa.Column("required", sa.Integer, nullable=False),
    sa.Column("reached", sa.Boolean, nullable=False),
)

# Attendance marked by hand (present, excused, absent), one per participant: the last.
attendance_marks = sa.Table(
    "attendance_marks",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("participant_id", ID, primary_key=True),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    # "p:<participant id>" or "u:<user id>"
    sa.Column("set_by", sa.String(40), nullable=False),
    sa.Column("set_by_name", sa.String(200), nullable=False),
    sa.Column("set_at", UtcDateTime, nullable=False),
)

# Votes (migration 0016). The vote's row is also its lock: a ballot is stored under it
# (shared on PostgreSQL), opening and closing take it alone.
votes = sa.Table(
    "votes",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column(
        "meeting_id",
        ID,
        sa.ForeignKey("meetings.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),  # fmt: skip
    sa.Column("agenda_item_id", ID, nullable=True),
    sa.Column("document_id", ID, nullable=True),
    sa.Column("title", sa.String(300), nullable=False),
    # yes_no_abstain | yes_no | choice
    sa.Column("kind", sa.String(16), nullable=False),
    # JSON: [{"id", "label"}, ...] (choice votes only)
    sa.Column("options", sa.Text, nullable=False),
    sa.Column("max_choices", sa.Integer, nullable=False),
    sa.Column("secret", sa.Boolean, nullable=False),
    sa.Column("rule", sa.String(24), nullable=False),
    sa.Column("tie", sa.String(8), nullable=False),
    sa.Column("duration_seconds", sa.Integer, nullable=True),
    sa.Column("require_quorum", sa.Boolean, nullable=False),
    # draft | open | closed | cancelled
    sa.Column("status", sa.String(10), nullable=False),
    # "p:<participant id>" or "u:<user id>"
    sa.Column("created_by", sa.String(40), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("opened_at", UtcDateTime, nullable=True),
    sa.Column("closes_at", UtcDateTime, nullable=True),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    # JSON quorum states at the open and the close
    sa.Column("quorum_open", sa.Text, nullable=True),
    sa.Column("quorum_close", sa.Text, nullable=True),
    sa.Column("override_reason", sa.String(500), nullable=False),
    sa.Column("board_head", sa.String(64), nullable=True),
    sa.Column("rerun_of", ID, nullable=True),
    # JSON result, written at the close
    sa.Column("result", sa.Text, nullable=True),
    # One open vote per meeting (migration 0017): a tablet shows the one open vote.
    sa.Index(
        "uq_votes_one_open",
        "meeting_id",
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    ),
)

# Who voted (the principal, and who cast it: themselves or their proxy). The key is
# what makes one ballot per voter, whatever the code or the number of nodes. No time,
# nothing of the ballot: only a keyed hash of the client's ballot id, to know a resend.
# Without rowid on SQLite: stored in key order, not in the order people voted.
vote_voters = sa.Table(
    "vote_voters",
    metadata,
    sa.Column("vote_id", ID, sa.ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("participant_id", ID, primary_key=True),
    sa.Column("cast_by", ID, nullable=False),
    sa.Column("voter_token", sa.String(64), nullable=False),
    sqlite_with_rowid=False,
)

# The ballots: the board's entries. No time, no orderable id; for a secret vote no
# participant either (for an open one, who cast it and for whom, shown after the close).
vote_ballots = sa.Table(
    "vote_ballots",
    metadata,
    sa.Column("vote_id", ID, sa.ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("ballot_hash", sa.String(64), primary_key=True),
    # JSON array of the choice, canonical (the domain's order)
    sa.Column("choice", sa.Text, nullable=False),
    sa.Column("receipt_hash", sa.String(64), nullable=False),
    sa.Column("participant_id", ID, nullable=True),
    sa.Column("for_participant_id", ID, nullable=True),
    # One receipt, one ballot (migration 0017): a ballot id reused for another voter
    # would give the same receipt twice on the board.
    sa.Index("uq_vote_ballots_receipt", "vote_id", "receipt_hash", unique=True),
    sqlite_with_rowid=False,
)

# Proxies (migration 0017): the principal votes through the proxy for this meeting. One
# proxy per principal (the key); a proxy may hold several.
vote_proxies = sa.Table(
    "vote_proxies",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("principal_id", ID, primary_key=True),
    sa.Column("proxy_id", ID, nullable=False),
    # "p:<participant id>" or "u:<user id>"
    sa.Column("set_by", sa.String(40), nullable=False),
    sa.Column("set_at", UtcDateTime, nullable=False),
)

# A meeting's default rule for its votes (migration 0017); none: cast majority, ties fail.
vote_defaults = sa.Table(
    "vote_defaults",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("rule", sa.String(24), nullable=False),
    sa.Column("tie", sa.String(8), nullable=False),
    sa.Column("require_quorum", sa.Boolean, nullable=False),
)

# The secretary's notes and conclusion per agenda item (migration 0018); `item_key` is
# the agenda item's id, or "" for the meeting's general part.
item_notes = sa.Table(
    "item_notes",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("item_key", sa.String(26), primary_key=True),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("conclusion", sa.Text, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # "p:<participant id>" or "u:<user id>"
    sa.Column("updated_by", sa.String(40), nullable=False),
    sa.Column("updated_by_name", sa.String(200), nullable=False),
)

# Action items (migration 0018): "My tasks" finds them by owner_user_id across meetings.
action_items = sa.Table(
    "action_items",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column(
        "meeting_id",
        ID,
        sa.ForeignKey("meetings.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),  # fmt: skip
    sa.Column("agenda_item_id", ID, nullable=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("owner_participant_id", ID, nullable=True),
    sa.Column("owner_user_id", ID, nullable=True, index=True),
    sa.Column("owner_name", sa.String(200), nullable=False),
    sa.Column("due", sa.Date, nullable=True),
    # open | done
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("created_by", sa.String(40), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("done_at", UtcDateTime, nullable=True),
    sa.Column("done_by", sa.String(40), nullable=True),
    sa.Column("done_by_name", sa.String(200), nullable=False),
)

# The minutes, one row per version (migration 0018).
minutes_versions = sa.Table(
    "minutes_versions",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    # draft | frozen
    sa.Column("status", sa.String(8), nullable=False),
    # vi | en
    sa.Column("template", sa.String(4), nullable=False),
    sa.Column("opening", sa.Text, nullable=False),
    sa.Column("closing", sa.Text, nullable=False),
    sa.Column("change_note", sa.Text, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("number", sa.String(64), nullable=False),
    # JSON: [{"role", "by", "by_name", "at"}, ...]
    sa.Column("approvals", sa.Text, nullable=False),
    sa.Column("frozen_at", UtcDateTime, nullable=True),
    # JSON of the MinutesDocument frozen (None while a draft)
    sa.Column("document", sa.Text, nullable=True),
    sa.Column("signed_by", sa.String(40), nullable=False),
    sa.Column("signed_by_name", sa.String(200), nullable=False),
    sa.Column("signed_at", UtcDateTime, nullable=True),
    sa.Column("comments_until", UtcDateTime, nullable=True),
)

# The frozen minutes' files (migration 0018): pdf, docx, signed_pdf.
minutes_files = sa.Table(
    "minutes_files",
    metadata,
    sa.Column("meeting_id", ID, sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Participants' comments on a draft sent to them (migration 0018).
minutes_comments = sa.Table(
    "minutes_comments",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column(
        "meeting_id",
        ID,
        sa.ForeignKey("meetings.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),  # fmt: skip
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("author", sa.String(40), nullable=False),
    sa.Column("author_name", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# The last minutes number given in each year (migration 0018).
minutes_numbers = sa.Table(
    "minutes_numbers",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
)
