"""live_state.state_version: the presenter state's version, bumped by every save, so
that nodes serving the same meeting keep only the newest

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("live_state") as batch:
        batch.add_column(
            sa.Column("state_version", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("live_state") as batch:
        batch.drop_column("state_version")
