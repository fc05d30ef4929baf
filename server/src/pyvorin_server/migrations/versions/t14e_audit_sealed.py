"""the audit trail's subjects and before/after states sealed at rest, subjects found by a
blind index (issue 14, part C)

The events already stored are sealed and indexed by the server at its next start (and by
``pyvorin-server maintenance`` and the CLI): a migration has no access to the
key-encryption key. Until then they read back as they are (the columns accept legacy
clear values) and are found by their clear subject.

Revision ID: t14e
Revises: t14d
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t14e"
down_revision = "t14d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("subject_index", sa.String(64), nullable=True))
        # sealed values are longer than the plain ones (before/after are Text already)
        batch.alter_column("subject", type_=sa.Text(), existing_nullable=False)
    op.create_index("ix_audit_events_subject_index", "audit_events", ["subject_index"])


def downgrade() -> None:
    # Sealed subjects and states stay sealed: downgrade only after restoring a backup.
    op.drop_index("ix_audit_events_subject_index", table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("subject_index")
