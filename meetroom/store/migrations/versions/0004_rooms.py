"""rooms, and meetings booking them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

The database itself refuses two overlapping bookings of one physical room, so two
requests racing for the same slot cannot both succeed:

- PostgreSQL: an exclusion constraint over (room_id, [starts_at, ends_at)) for rows
  whose room is exclusive (btree_gist provides `=` on strings in a GiST index).
- SQLite: BEFORE INSERT/UPDATE triggers that abort with "room_taken" when an
  overlapping booking exists. SQLite runs one writer at a time, so the check and
  the write cannot interleave with another booking.

Meetings that end exactly when another starts do not overlap (half-open ranges).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

EXCLUSION = "ex_meetings_room_slot"

_OVERLAP = """
    SELECT RAISE(ABORT, 'room_taken') WHERE EXISTS (
        SELECT 1 FROM meetings AS other
        WHERE other.room_id = NEW.room_id AND other.room_exclusive
          AND other.id <> NEW.id
          AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
    );
"""


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("tablets", sa.Integer(), nullable=False),
        sa.Column("has_video_endpoint", sa.Boolean(), nullable=False),
        sa.Column("virtual_only", sa.Boolean(), nullable=False),
        sa.Column("available_from", sa.String(length=5), nullable=True),
        sa.Column("available_until", sa.String(length=5), nullable=True),
        sa.Column("available_days", sa.String(length=20), nullable=False),
        sa.Column("bookers", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("name", name=op.f("uq_rooms_name")),
    )
    if op.get_context().dialect.name == "sqlite":
        # A plain ADD COLUMN: batch mode would copy and drop `meetings`, and with
        # foreign keys on, dropping it would cascade to participants and documents.
        op.execute("ALTER TABLE meetings ADD COLUMN room_id VARCHAR(26) REFERENCES rooms (id)")
        op.execute("ALTER TABLE meetings ADD COLUMN room_exclusive BOOLEAN NOT NULL DEFAULT 0")
    else:
        op.add_column("meetings", sa.Column("room_id", sa.String(length=26), nullable=True))
        op.add_column(
            "meetings",
            sa.Column("room_exclusive", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
        op.create_foreign_key(
            op.f("fk_meetings_room_id_rooms"),
            "meetings",
            "rooms",
            ["room_id"],
            ["id"],
        )
    op.create_index(op.f("ix_meetings_room_id"), "meetings", ["room_id"], unique=False)

    if op.get_context().dialect.name == "postgresql":
        # A trusted extension since PostgreSQL 13: a database owner may create it. In
        # `public`, not in MeetRoom's own schema (database_schema): dropping one
        # deployment's schema must not drop it from under another's constraints (GiST
        # finds its default operator classes whatever the search path).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")
        op.execute(
            f"ALTER TABLE meetings ADD CONSTRAINT {EXCLUSION} EXCLUDE USING gist "
            "(room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (room_exclusive)"
        )
    else:
        op.execute(
            "CREATE TRIGGER meetings_room_taken_insert BEFORE INSERT ON meetings "
            "WHEN NEW.room_id IS NOT NULL AND NEW.room_exclusive "
            f"BEGIN {_OVERLAP} END"
        )
        op.execute(
            "CREATE TRIGGER meetings_room_taken_update "
            "BEFORE UPDATE OF room_id, starts_at, ends_at, room_exclusive ON meetings "
            "WHEN NEW.room_id IS NOT NULL AND NEW.room_exclusive "
            f"BEGIN {_OVERLAP} END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE meetings DROP CONSTRAINT {EXCLUSION}")
    else:
        op.execute("DROP TRIGGER meetings_room_taken_insert")
        op.execute("DROP TRIGGER meetings_room_taken_update")
    op.drop_index(op.f("ix_meetings_room_id"), table_name="meetings")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_constraint(op.f("fk_meetings_room_id_rooms"), type_="foreignkey")
        batch.drop_column("room_exclusive")
        batch.drop_column("room_id")
    op.drop_table("rooms")
