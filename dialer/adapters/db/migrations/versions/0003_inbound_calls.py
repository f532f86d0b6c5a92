"""inbound calls: every call to the dedicated number, as it went through the IVR

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbound_calls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("started_at", AT, nullable=True),
        sa.Column("gate_state", sa.String(16), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("message", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("wait_s", sa.Float(), nullable=True),
        sa.Column("operator_seat", sa.String(32), nullable=False),
        sa.Column("ended_at", AT, nullable=True),
        sa.Column("end", sa.String(16), nullable=False),
        sa.Column("result_code", sa.String(8), nullable=True),
    )
    op.create_index("ix_inbound_calls_started_at", "inbound_calls", ["started_at"])


def downgrade() -> None:
    op.drop_table("inbound_calls")
