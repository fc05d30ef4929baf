"""rate limits shared by every server process (issue 13, finding 7)

Revision ID: t13g
Revises: t14a
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t13g"
down_revision = "t14a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("reset_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_rate_limits_reset_at", "rate_limits", ["reset_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_reset_at", table_name="rate_limits")
    op.drop_table("rate_limits")
