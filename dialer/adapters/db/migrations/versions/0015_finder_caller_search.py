"""the caller search and what a caller gives on the call: targets' folded name and kana (indexed
per batch), numbers given by the resident (with the day), and the note and call-back request of
a caller whose identity could not be confirmed

Revision ID: 0015
Revises: 0014
Create Date: 2027-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dialer.domain.kana import fold

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TARGETS = sa.table("targets", sa.column("id", sa.Integer), sa.column("name", sa.String),
                    sa.column("kana", sa.String), sa.column("name_key", sa.String),
                    sa.column("kana_key", sa.String))
_CHUNK = 5000


def upgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("name_key", sa.String(100), nullable=True))
        batch.add_column(sa.Column("kana_key", sa.String(100), nullable=True))
    _fill_keys()
    op.create_index("ix_targets_name_key", "targets", ["batch_id", "name_key"])
    op.create_index("ix_targets_kana_key", "targets", ["batch_id", "kana_key"])
    with op.batch_alter_table("target_phones") as batch:
        batch.add_column(sa.Column("given_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("inbound_calls") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("callback_number", sa.String(16), nullable=True))
        batch.add_column(sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("noted_by", sa.String(64), nullable=True))


def _fill_keys() -> None:
    """The keys of the targets already imported, a chunk of rows at a time."""
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(sa.select(_TARGETS.c.id, _TARGETS.c.name, _TARGETS.c.kana)
                            .where(_TARGETS.c.id > after).order_by(_TARGETS.c.id)
                            .limit(_CHUNK)).all()
        if not rows:
            return
        conn.execute(_TARGETS.update().where(_TARGETS.c.id == sa.bindparam("b_id")).values(
            name_key=sa.bindparam("b_name"), kana_key=sa.bindparam("b_kana")),
            [{"b_id": r.id, "b_name": fold(r.name)[:100],
              "b_kana": fold(r.kana)[:100] if r.kana else None} for r in rows])
        after = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("inbound_calls") as batch:
        for column in ("noted_by", "callback_at", "callback_number", "note"):
            batch.drop_column(column)
    with op.batch_alter_table("target_phones") as batch:
        batch.drop_column("given_at")
    op.drop_index("ix_targets_kana_key", "targets")
    op.drop_index("ix_targets_name_key", "targets")
    with op.batch_alter_table("targets") as batch:
        batch.drop_column("kana_key")
        batch.drop_column("name_key")
