"""the floor: the floor's state, requests to speak (one open per person, a client id
once per meeting), the speech log, the quorum rule and its log, attendance marks

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OPEN = "status IN ('waiting', 'speaking')"


def _meeting_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["meeting_id"], ["meetings.id"], name=op.f(f"fk_{table}_meeting_id_meetings"),
        ondelete="CASCADE",
    )  # fmt: skip


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "floor_state",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("current_id", sa.String(length=26), nullable=True),
        _time("speech_started_at", nullable=True),
        sa.Column("speech_limit", sa.Integer(), nullable=True),
        sa.Column("default_limit", sa.Integer(), nullable=True),
        sa.Column("per_person_limit", sa.Integer(), nullable=True),
        sa.Column("list_closed", sa.Boolean(), nullable=False),
        _time("updated_at", nullable=True),
        _meeting_fk("floor_state"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_floor_state")),
    )
    op.create_table(
        "speaker_requests",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("participant_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("agenda_item_id", sa.String(length=26), nullable=True),
        _time("asked_at"),
        sa.Column("mic_consent", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        _time("closed_at", nullable=True),
        _meeting_fk("speaker_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_requests")),
        sa.UniqueConstraint(
            "meeting_id", "client_id", name=op.f("uq_speaker_requests_meeting_client")
        ),
    )
    op.create_index(
        "uq_speaker_requests_open",
        "speaker_requests",
        ["meeting_id", "participant_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_table(
        "speeches",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("request_id", sa.String(length=26), nullable=False),
        sa.Column("participant_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agenda_item_id", sa.String(length=26), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _time("started_at"),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("limit_seconds", sa.Integer(), nullable=True),
        sa.Column("overrun", sa.Integer(), nullable=False),
        _meeting_fk("speeches"),
        sa.PrimaryKeyConstraint("meeting_id", "request_id", name=op.f("pk_speeches")),
    )
    op.create_table(
        "quorum_rules",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        _time("updated_at"),
        _meeting_fk("quorum_rules"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_quorum_rules")),
    )
    op.create_table(
        "quorum_log",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        _time("at"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        _meeting_fk("quorum_log"),
        sa.PrimaryKeyConstraint("meeting_id", "seq", name=op.f("pk_quorum_log")),
    )
    op.create_table(
        "attendance_marks",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("participant_id", sa.String(length=26), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("set_by", sa.String(length=40), nullable=False),
        sa.Column("set_by_name", sa.String(length=200), nullable=False),
        _time("set_at"),
        _meeting_fk("attendance_marks"),
        sa.PrimaryKeyConstraint("meeting_id", "participant_id", name=op.f("pk_attendance_marks")),
    )


def downgrade() -> None:
    op.drop_table("attendance_marks")
    op.drop_table("quorum_log")
    op.drop_table("quorum_rules")
    op.drop_table("speeches")
    op.drop_index("uq_speaker_requests_open", table_name="speaker_requests")
    op.drop_table("speaker_requests")
    op.drop_table("floor_state")
