"""Batches as a whole: list them, their exclusions, and delete one with all its personal data."""

from __future__ import annotations

import logging

from dialer.adapters import paper
from dialer.adapters.db import audit, batches, exclusions
from dialer.adapters.db.batches import BatchInfo
from dialer.adapters.db.engine import Database
from dialer.adapters.db.exclusions import ExclusionInfo
from dialer.config import Settings
from dialer.services.governance import accounts
from dialer.services.intake.calllist import load_batch

log = logging.getLogger(__name__)


async def list_batches(database: Database) -> list[BatchInfo]:
    async with database.connect() as conn:
        return await batches.list_all(conn)


async def exclusions_of(database: Database, batch_id: int) -> list[ExclusionInfo]:
    """The batch's exclusions and their reasons (for the reports)."""
    async with database.connect() as conn:
        await load_batch(conn, batch_id)
        return await exclusions.of_batch(conn, batch_id)


async def delete_batch(database: Database, settings: Settings, batch_id: int,
                       actor: str | None) -> int:
    """Delete the batch; its targets, numbers, debts and exclusions go with it (cascade), and
    so do the paper lists exported from it. Error reports hold no personal data and stay."""
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        batch = await load_batch(conn, batch_id)
        deleted = await batches.delete_batch(conn, batch_id)
        exports = paper.remove_exports(settings.paths.data_dir / "exports", batch_id)
        await audit.record(conn, manager.login, "intake.delete_batch", f"batch:{batch_id}",
                           debt_type=batch.debt_type, month=batch.month, sha256=batch.sha256,
                           targets=deleted, exports_removed=exports)
    log.info("batch %d deleted by %s (%d targets)", batch_id, manager.login, deleted)
    return deleted
