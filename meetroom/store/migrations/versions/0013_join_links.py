"""join_links: short join-link tokens, stored as their digest and the nonce they are
made from

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "join_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("participant_id", sa.String(length=26), nullable=True),
        sa.Column("nonce", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_join_links_meeting_id_meetings"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_join_links_participant_id_participants"),
            ondelete="SET NULL",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_join_links")),
        sa.UniqueConstraint("participant_id", name=op.f("uq_join_links_participant_id")),
    )
    op.create_index(op.f("ix_join_links_meeting_id"), "join_links", ["meeting_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_join_links_meeting_id"), table_name="join_links")
    op.drop_table("join_links")
