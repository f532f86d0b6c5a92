"""targets: the campaign runner's next target found through an index, not a scan of the batch

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_targets_due", "targets", ["batch_id", "done", "attempts", "next_due_at"])


def downgrade() -> None:
    op.drop_index("ix_targets_due", "targets")
