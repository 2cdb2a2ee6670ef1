"""votes: the votes, who voted (one row per voter: the key), the ballots (apart, no
time, no participant for secret votes); the two last without rowid on SQLite

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-14
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _vote_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["vote_id"], ["votes.id"], name=op.f(f"fk_{table}_vote_id_votes"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "votes",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("agenda_item_id", sa.String(length=26), nullable=True),
        sa.Column("document_id", sa.String(length=26), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(length=24), nullable=False),
        sa.Column("tie", sa.String(length=8), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("require_quorum", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        _time("created_at"),
        _time("opened_at", nullable=True),
        _time("closes_at", nullable=True),
        _time("closed_at", nullable=True),
        sa.Column("quorum_open", sa.Text(), nullable=True),
        sa.Column("quorum_close", sa.Text(), nullable=True),
        sa.Column("override_reason", sa.String(length=500), nullable=False),
        sa.Column("board_head", sa.String(length=64), nullable=True),
        sa.Column("rerun_of", sa.String(length=26), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_votes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
    )
    op.create_index(op.f("ix_votes_meeting_id"), "votes", ["meeting_id"], unique=False)
    op.create_table(
        "vote_voters",
        sa.Column("vote_id", sa.String(length=26), nullable=False),
        sa.Column("participant_id", sa.String(length=26), nullable=False),
        sa.Column("cast_by", sa.String(length=26), nullable=False),
        sa.Column("voter_token", sa.String(length=64), nullable=False),
        _vote_fk("vote_voters"),
        sa.PrimaryKeyConstraint("vote_id", "participant_id", name=op.f("pk_vote_voters")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "vote_ballots",
        sa.Column("vote_id", sa.String(length=26), nullable=False),
        sa.Column("ballot_hash", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.Text(), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("participant_id", sa.String(length=26), nullable=True),
        sa.Column("for_participant_id", sa.String(length=26), nullable=True),
        _vote_fk("vote_ballots"),
        sa.PrimaryKeyConstraint("vote_id", "ballot_hash", name=op.f("pk_vote_ballots")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("vote_ballots")
    op.drop_table("vote_voters")
    op.drop_index(op.f("ix_votes_meeting_id"), table_name="votes")
    op.drop_table("votes")
