"""security, part B of issue 14: data keys, request nonces, JWT signing keys, refresh
tokens, client reports; request keys of activations; licensee and hostname sealed

Revision ID: t14a
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t14a"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kek_id", sa.String(40), nullable=False),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("wrapped", sa.String(128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "request_nonces",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_request_nonces_expires_at", "request_nonces", ["expires_at"])
    op.create_table(
        "jwt_signing_keys",
        sa.Column("kid", sa.String(40), primary_key=True),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("retire_at", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("family_id", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("jkt", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(512), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])
    op.create_index("ix_refresh_tokens_created_at", "refresh_tokens", ["created_at"])
    op.create_table(
        "client_reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("licence_id", sa.String(40), nullable=False),
        sa.Column("activation_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_client_reports_licence_id", "client_reports", ["licence_id"])
    op.create_index("ix_client_reports_created_at", "client_reports", ["created_at"])
    op.add_column("activations", sa.Column("request_key", sa.Text(), nullable=True))
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce lengths
        op.alter_column("activations", "hostname", type_=sa.Text(), existing_nullable=False)
        op.alter_column("licences", "licensee", type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    # Sealed licensee/hostname values stay sealed: downgrade only after restoring a backup.
    op.drop_column("activations", "request_key")
    op.drop_table("client_reports")
    op.drop_table("refresh_tokens")
    op.drop_table("jwt_signing_keys")
    op.drop_index("ix_request_nonces_expires_at", table_name="request_nonces")
    op.drop_table("request_nonces")
    op.drop_table("data_keys")
