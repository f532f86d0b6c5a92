"""Alembic environment: no alembic.ini; ``dialer.adapters.db.migrate`` passes the connection."""

from __future__ import annotations

from alembic import context

from dialer.adapters.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through dialer.adapters.db.migrate (dialer db upgrade)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: later revisions copy tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
