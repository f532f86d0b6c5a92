"""attempts.instance: which `dialer serve` placed the call, when several share one database

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (nullable): SQLite keeps the table and its triggers; rows written before
    # have none and are taken back by whichever dialer restarts first, as before
    op.add_column("attempts", sa.Column("instance", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("instance")
