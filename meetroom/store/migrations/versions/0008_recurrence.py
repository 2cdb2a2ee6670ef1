"""recurring meetings: a meeting's RRULE and zone, and exceptions to occurrences

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

A series is one meetings row (its first occurrence) with an RFC 5545 RRULE; its
occurrences are computed, never stored. meeting_overrides holds the exceptions.
Series rows are not room_exclusive: the exclusion constraint (PostgreSQL) and the
triggers (SQLite) of 0004 go on guarding single meetings, and bookings involving a
series are checked under a lock on the room's row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        # A plain ADD COLUMN: batch mode would copy and drop `meetings` (see 0004).
        op.execute("ALTER TABLE meetings ADD COLUMN rrule TEXT")
        op.execute("ALTER TABLE meetings ADD COLUMN series_zone VARCHAR(64)")
        op.execute("ALTER TABLE meetings ADD COLUMN series_until DATETIME")
    else:
        op.add_column("meetings", sa.Column("rrule", sa.Text(), nullable=True))
        op.add_column("meetings", sa.Column("series_zone", sa.String(length=64), nullable=True))
        op.add_column(
            "meetings", sa.Column("series_until", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "meeting_overrides",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("recurrence_id", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("room_id", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_overrides_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_meeting_overrides_room_id_rooms"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "recurrence_id", name=op.f("pk_meeting_overrides")),
    )
    op.create_index(
        op.f("ix_meeting_overrides_starts_at"), "meeting_overrides", ["starts_at"], unique=False
    )
    op.create_index(
        op.f("ix_meeting_overrides_room_id"), "meeting_overrides", ["room_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_meeting_overrides_room_id"), table_name="meeting_overrides")
    op.drop_index(op.f("ix_meeting_overrides_starts_at"), table_name="meeting_overrides")
    op.drop_table("meeting_overrides")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("series_until")
        batch.drop_column("series_zone")
        batch.drop_column("rrule")
