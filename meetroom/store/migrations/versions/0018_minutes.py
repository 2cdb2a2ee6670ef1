"""minutes: the secretary's notes and conclusions per agenda item, action items, the
minutes' versions, their frozen files, participants' comments, the yearly numbering

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

ID = sa.String(length=26)
WHEN = sa.DateTime(timezone=True)


def _meeting_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["meeting_id"],
        ["meetings.id"],
        name=op.f(f"fk_{table}_meeting_id_meetings"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "item_notes",
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("item_key", ID, nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_by_name", sa.String(length=200), nullable=False),
        _meeting_fk("item_notes"),
        sa.PrimaryKeyConstraint("meeting_id", "item_key", name=op.f("pk_item_notes")),
    )
    op.create_table(
        "action_items",
        sa.Column("id", ID, nullable=False),
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("agenda_item_id", ID, nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_participant_id", ID, nullable=True),
        sa.Column("owner_user_id", ID, nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("done_at", WHEN, nullable=True),
        sa.Column("done_by", sa.String(length=40), nullable=True),
        sa.Column("done_by_name", sa.String(length=200), nullable=False),
        _meeting_fk("action_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_items")),
    )
    op.create_index(
        op.f("ix_action_items_meeting_id"), "action_items", ["meeting_id"], unique=False
    )
    op.create_index(
        op.f("ix_action_items_owner_user_id"), "action_items", ["owner_user_id"], unique=False
    )
    op.create_table(
        "minutes_versions",
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("template", sa.String(length=4), nullable=False),
        sa.Column("opening", sa.Text(), nullable=False),
        sa.Column("closing", sa.Text(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("approvals", sa.Text(), nullable=False),
        sa.Column("frozen_at", WHEN, nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("signed_by", sa.String(length=40), nullable=False),
        sa.Column("signed_by_name", sa.String(length=200), nullable=False),
        sa.Column("signed_at", WHEN, nullable=True),
        sa.Column("comments_until", WHEN, nullable=True),
        _meeting_fk("minutes_versions"),
        sa.PrimaryKeyConstraint("meeting_id", "version", name=op.f("pk_minutes_versions")),
    )
    op.create_table(
        "minutes_files",
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _meeting_fk("minutes_files"),
        sa.PrimaryKeyConstraint("meeting_id", "version", "kind", name=op.f("pk_minutes_files")),
    )
    op.create_table(
        "minutes_comments",
        sa.Column("id", ID, nullable=False),
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=40), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _meeting_fk("minutes_comments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_comments")),
    )
    op.create_index(
        op.f("ix_minutes_comments_meeting_id"), "minutes_comments", ["meeting_id"], unique=False
    )
    op.create_table(
        "minutes_numbers",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_minutes_numbers")),
    )


def downgrade() -> None:
    op.drop_table("minutes_numbers")
    op.drop_index(op.f("ix_minutes_comments_meeting_id"), table_name="minutes_comments")
    op.drop_table("minutes_comments")
    op.drop_table("minutes_files")
    op.drop_table("minutes_versions")
    op.drop_index(op.f("ix_action_items_owner_user_id"), table_name="action_items")
    op.drop_index(op.f("ix_action_items_meeting_id"), table_name="action_items")
    op.drop_table("action_items")
    op.drop_table("item_notes")
