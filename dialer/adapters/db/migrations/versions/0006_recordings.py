"""recordings: encrypted emergency recordings, their reports and erasures

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)
STATES = ("recording", "stored", "failed", "erased")


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("file_id", sa.String(32), nullable=False),
        sa.Column("emergency_id", sa.Integer(),
                  sa.ForeignKey("emergencies.id", name="fk_recordings_emergency_id_emergencies"),
                  nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", AT, nullable=False),
        sa.Column("ended_at", AT, nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("stopped_by", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("failure", sa.String(200), nullable=False),
        sa.Column("reported_at", AT, nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", AT, nullable=True),
        sa.UniqueConstraint("file_id", name="uq_recordings_file_id"),
        sa.CheckConstraint(f"state IN {STATES}", name="ck_recordings_state"),
    )
    op.create_index("ix_recordings_emergency_id", "recordings", ["emergency_id"])
    op.create_index("ix_recordings_call_id", "recordings", ["call_id"])
    op.create_table(
        "recording_erasures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recording_id", sa.Integer(),
                  sa.ForeignKey("recordings.id",
                                name="fk_recording_erasures_recording_id_recordings"),
                  nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.Column("erased_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.UniqueConstraint("recording_id", name="uq_recording_erasures_recording_id"),
    )


def downgrade() -> None:
    op.drop_table("recording_erasures")
    op.drop_index("ix_recordings_call_id", "recordings")
    op.drop_index("ix_recordings_emergency_id", "recordings")
    op.drop_table("recordings")
