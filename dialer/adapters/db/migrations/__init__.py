"""Alembic migrations of the service's database; run them with ``dialer.adapters.db.migrate``."""
