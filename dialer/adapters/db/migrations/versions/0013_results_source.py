"""attempts.source: "dialer" for a call this system placed or took, "paper" for a result made on
the paper fallback list and entered afterwards (`dialer results import`)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN with a constant default: SQLite keeps the table and its triggers; every
    # row written before is the dialer's own
    op.add_column("attempts", sa.Column("source", sa.String(8), nullable=False,
                                        server_default="dialer"))


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("source")
