"""live session

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_ops",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("op_id", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("layer", sa.String(length=8), nullable=True),
        sa.Column("document_id", sa.String(length=26), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_live_ops_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "seq", name=op.f("pk_live_ops")),
        sa.UniqueConstraint("meeting_id", "op_id", name="uq_live_ops_meeting_op"),
    )
    op.create_table(
        "live_state",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("presenter", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_live_state_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_live_state")),
    )


def downgrade() -> None:
    op.drop_table("live_state")
    op.drop_table("live_ops")
