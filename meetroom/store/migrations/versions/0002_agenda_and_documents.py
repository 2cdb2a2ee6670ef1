"""agenda and documents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=26), nullable=False),
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("document_title", sa.String(length=500), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("viewer_user_id", sa.String(length=26), nullable=True),
        sa.Column("viewer_participant_id", sa.String(length=26), nullable=True),
        sa.Column("viewer_name", sa.String(length=200), nullable=False),
        sa.Column("trace_code", sa.String(length=16), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_audit")),
    )
    with op.batch_alter_table("document_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_audit_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "pdf_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("outline", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("reject_code", sa.String(length=32), nullable=True),
        sa.Column("reject_message", sa.String(length=500), nullable=True),
        sa.Column("reject_params", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_pdf_files")),
    )
    op.create_table(
        "watermark_traces",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("document_id", sa.String(length=26), nullable=False),
        sa.Column("viewer_key", sa.String(length=40), nullable=False),
        sa.Column("viewer_name", sa.String(length=200), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_watermark_traces")),
        sa.UniqueConstraint(
            "document_id", "viewer_key", "day", name="uq_watermark_traces_viewer_day"
        ),
    )
    op.create_table(
        "pdf_pages",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("width_px", sa.Integer(), nullable=False),
        sa.Column("height_px", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["pdf_files.sha256"],
            name=op.f("fk_pdf_pages_sha256_pdf_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", "page", name=op.f("pk_pdf_pages")),
    )
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("presenter", sa.String(length=200), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_agenda_items_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_items_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "documents",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("meeting_id", sa.String(length=26), nullable=False),
        sa.Column("agenda_item_id", sa.String(length=26), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("classification", sa.String(length=16), nullable=False),
        sa.Column("allow_download", sa.Boolean(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_documents_agenda_item_id_agenda_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_documents_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["pdf_files.sha256"], name=op.f("fk_documents_sha256_pdf_files")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_documents_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_documents_agenda_item_id"), ["agenda_item_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_documents_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_sha256"), ["sha256"], unique=False)

    op.create_table(
        "document_access",
        sa.Column("document_id", sa.String(length=26), nullable=False),
        sa.Column("participant_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_access_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_document_access_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "participant_id", name=op.f("pk_document_access")),
    )


def downgrade() -> None:
    op.drop_table("document_access")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_sha256"))
        batch_op.drop_index(batch_op.f("ix_documents_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_documents_agenda_item_id"))

    op.drop_table("documents")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_items_meeting_id"))

    op.drop_table("agenda_items")
    op.drop_table("pdf_pages")
    op.drop_table("watermark_traces")
    op.drop_table("pdf_files")
    with op.batch_alter_table("document_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_audit_document_id"))

    op.drop_table("document_audit")
