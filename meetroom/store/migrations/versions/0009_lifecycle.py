"""meetings' lifecycle status and attendance

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29

Existing meetings become `scheduled`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TIMES = ("opened_at", "closed_at", "archived_at")


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        # A plain ADD COLUMN: batch mode would copy and drop `meetings` (cascading to
        # participants and documents, and losing the room triggers of 0004).
        op.execute(
            "ALTER TABLE meetings ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'scheduled'"
        )
        for name in _TIMES:
            op.execute(f"ALTER TABLE meetings ADD COLUMN {name} DATETIME")
    else:
        op.add_column(
            "meetings",
            sa.Column("status", sa.String(length=16), nullable=False, server_default="scheduled"),
        )
        op.alter_column("meetings", "status", server_default=None)
        for name in _TIMES:
            op.add_column("meetings", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_meetings_status"), "meetings", ["status"], unique=False)
    op.create_table(
        "attendance",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("person", sa.String(length=40), nullable=False),
        sa.Column("participant_id", sa.String(length=26), nullable=True),
        sa.Column("user_id", sa.String(length=26), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("first_joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("joins", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(length=40), nullable=False),
        sa.Column("present_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_attendance_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "person", name=op.f("pk_attendance")),
    )


def downgrade() -> None:
    op.drop_table("attendance")
    op.drop_index(op.f("ix_meetings_status"), table_name="meetings")
    for name in (*reversed(_TIMES), "status"):
        if op.get_context().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE meetings DROP COLUMN {name}")  # no copy (see upgrade)
        else:
            op.drop_column("meetings", name)
