"""build tickets, offline build reports and audit checkpoints (issue 13, findings 6, 8)

Revision ID: t13h
Revises: t13g
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t13h"
down_revision = "t13g"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "build_tickets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("licence_id", sa.String(40), nullable=False),
        sa.Column("activation_id", sa.String(40), nullable=False),
        sa.Column("serial", sa.BigInteger(), nullable=False),
        sa.Column("module", sa.String(256), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("quota_id", sa.String(64), nullable=True),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("built_at", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("licence_id", "serial", name="uq_ticket_serial"),
        sa.UniqueConstraint("quota_id", "slot", name="uq_ticket_quota_slot"),
    )
    op.create_index("ix_build_tickets_licence_id", "build_tickets", ["licence_id"])
    op.create_index("ix_build_tickets_recorded_at", "build_tickets", ["recorded_at"])
    op.create_table(
        "audit_checkpoints",
        sa.Column("activation_id", sa.String(40), primary_key=True),
        sa.Column("log_id", sa.String(32), primary_key=True),
        sa.Column("licence_id", sa.String(40), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(2048), nullable=False),
        sa.Column("rollbacks", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("replaced_log", sa.String(32), nullable=True),
        sa.Column("replaced_seq", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_audit_checkpoints_licence_id", "audit_checkpoints", ["licence_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_checkpoints_licence_id", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_index("ix_build_tickets_recorded_at", table_name="build_tickets")
    op.drop_index("ix_build_tickets_licence_id", table_name="build_tickets")
    op.drop_table("build_tickets")
