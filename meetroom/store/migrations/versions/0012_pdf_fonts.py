"""pdf_files.fonts: the fonts a file names without embedding them, what its pages
were drawn with instead, and the letters that replacement lacks

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pdf_files") as batch:
        batch.add_column(sa.Column("fonts", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("pdf_files") as batch:
        batch.drop_column("fonts")
