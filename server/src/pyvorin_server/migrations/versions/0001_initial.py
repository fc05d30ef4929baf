"""initial schema: licences, activations, usage events

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "licences",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("licensee", sa.String(256), nullable=False),
        sa.Column("plan", sa.String(64), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("monthly_compile_limit", sa.BigInteger(), nullable=True),
        sa.Column("issued_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_reason", sa.String(256), nullable=True),
    )
    op.create_table(
        "activations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("licence_id", sa.String(40), sa.ForeignKey("licences.id"), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("hostname", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("deactivated_at", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("licence_id", "slot", name="uq_activation_slot"),
    )
    op.create_index("ix_activations_licence_id", "activations", ["licence_id"])
    op.create_index(
        "uq_active_fingerprint",
        "activations",
        ["licence_id", "fingerprint"],
        unique=True,
        sqlite_where=sa.text("deactivated_at IS NULL"),
        postgresql_where=sa.text("deactivated_at IS NULL"),
    )
    op.create_table(
        "usage_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("licence_id", sa.String(40), sa.ForeignKey("licences.id"), nullable=False),
        sa.Column("activation_id", sa.String(40), sa.ForeignKey("activations.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("licence_id", "idempotency_key", name="uq_usage_idem"),
    )
    op.create_index("ix_usage_events_licence_id", "usage_events", ["licence_id"])
    op.create_index("ix_usage_events_period", "usage_events", ["period"])


def downgrade() -> None:
    op.drop_table("usage_events")
    op.drop_index("uq_active_fingerprint", table_name="activations")
    op.drop_table("activations")
    op.drop_table("licences")
