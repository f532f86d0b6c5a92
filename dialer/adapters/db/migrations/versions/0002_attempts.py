"""attempts: call attempts and each target's retry plan

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("next_due_at", AT, nullable=True))
        batch.add_column(sa.Column("phone_index", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("done", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_index("ix_targets_next_due_at", ["next_due_at"])
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("batch_id", sa.Integer(),
                  sa.ForeignKey("batches.id", ondelete="CASCADE",
                                name="fk_attempts_batch_id_batches"), nullable=False),
        sa.Column("target_id", sa.Integer(),
                  sa.ForeignKey("targets.id", ondelete="CASCADE",
                                name="fk_attempts_target_id_targets"), nullable=False),
        sa.Column("phone_index", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL",
                                name="fk_attempts_operator_id_users"), nullable=True),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("dialed_at", AT, nullable=True),
        sa.Column("answered_at", AT, nullable=True),
        sa.Column("connected_at", AT, nullable=True),
        sa.Column("ended_at", AT, nullable=True),
        sa.Column("result_code", sa.String(8), nullable=True),
        sa.Column("result_at", AT, nullable=True),
        sa.Column("appointment_at", AT, nullable=True),
    )
    op.create_index("ix_attempts_batch_id", "attempts", ["batch_id"])
    op.create_index("ix_attempts_target_id", "attempts", ["target_id"])
    op.create_index("ix_attempts_result_code", "attempts", ["result_code"])


def downgrade() -> None:
    op.drop_table("attempts")
    with op.batch_alter_table("targets") as batch:
        batch.drop_index("ix_targets_next_due_at")
        batch.drop_column("done")
        batch.drop_column("phone_index")
        batch.drop_column("next_due_at")
