"""users' e-mail addresses and names sealed at rest, found by a blind index (issue 14,
part C)

The addresses already stored are sealed and indexed by the server at its next start (and
by ``pyvorin-server maintenance``): a migration has no access to the key-encryption key.

Revision ID: t14d
Revises: t14c
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t14d"
down_revision = "t14c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_index", sa.String(64), nullable=True))
        # sealed values are longer than the plain ones
        batch.alter_column("email", type_=sa.Text(), existing_nullable=False)
        batch.alter_column("name", type_=sa.Text(), existing_nullable=False)
    op.create_index("uq_users_email_index", "users", ["email_index"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_email_index", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_index")
