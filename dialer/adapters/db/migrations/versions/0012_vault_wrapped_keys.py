"""recordings: each recording's own data key, wrapped under the recordings key (emptied when the
recording is erased)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("wrapped_key", sa.String(160), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("wrapped_key")
