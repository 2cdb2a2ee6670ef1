"""votes: proxies for a meeting (one per principal), the meeting's default rule, one
open vote per meeting, one ballot per receipt

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-15
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _meeting_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["meeting_id"],
        ["meetings.id"],
        name=op.f(f"fk_{table}_meeting_id_meetings"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "vote_proxies",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("principal_id", sa.String(length=26), nullable=False),
        sa.Column("proxy_id", sa.String(length=26), nullable=False),
        sa.Column("set_by", sa.String(length=40), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        _meeting_fk("vote_proxies"),
        sa.PrimaryKeyConstraint("meeting_id", "principal_id", name=op.f("pk_vote_proxies")),
    )
    op.create_table(
        "vote_defaults",
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("rule", sa.String(length=24), nullable=False),
        sa.Column("tie", sa.String(length=8), nullable=False),
        sa.Column("require_quorum", sa.Boolean(), nullable=False),
        _meeting_fk("vote_defaults"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_vote_defaults")),
    )
    op.create_index(
        "uq_vote_ballots_receipt", "vote_ballots", ["vote_id", "receipt_hash"], unique=True
    )
    op.create_index(
        "uq_votes_one_open",
        "votes",
        ["meeting_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_votes_one_open", table_name="votes")
    op.drop_index("uq_vote_ballots_receipt", table_name="vote_ballots")
    op.drop_table("vote_defaults")
    op.drop_table("vote_proxies")
