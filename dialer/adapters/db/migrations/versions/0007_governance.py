"""governance: the city's suspension orders

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)
SCOPES = ("outbound", "debt_type", "callbacks", "data")


def upgrade() -> None:
    op.create_table(
        "suspension_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("debt_type", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("city_ref", sa.String(100), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", AT, nullable=False),
        sa.Column("released_by", sa.String(64), nullable=True),
        sa.Column("released_at", AT, nullable=True),
        sa.Column("release_ref", sa.String(100), nullable=True),
        sa.CheckConstraint(f"scope IN {SCOPES}", name=op.f("ck_suspension_orders_scope")),
    )


def downgrade() -> None:
    op.drop_table("suspension_orders")
