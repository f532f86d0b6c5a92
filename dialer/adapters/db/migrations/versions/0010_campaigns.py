"""campaigns: a batch's outbound campaign, opened and closed by a manager, kept across restarts

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(),
                  sa.ForeignKey("batches.id", ondelete="CASCADE",
                                name=op.f("fk_campaigns_batch_id_batches")),
                  nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("ring_timeout_s", sa.Float(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("abandon_cap", sa.Float(), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", AT, nullable=False),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("closed_at", AT, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("batch_id", name=op.f("uq_campaigns_batch_id")),
        sa.CheckConstraint("state IN ('open', 'closed')", name=op.f("ck_campaigns_state")),
        sa.CheckConstraint("mode IN ('progressive', 'predictive')",
                           name=op.f("ck_campaigns_mode")),
    )


def downgrade() -> None:
    op.drop_table("campaigns")
