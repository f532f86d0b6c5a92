"""attempts.result_at index: the boards and the daily report read one day's results

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attempts_result_at", "attempts", ["result_at"])


def downgrade() -> None:
    op.drop_index("ix_attempts_result_at", "attempts")
