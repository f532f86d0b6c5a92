"""The per-target call list (架電先別リスト) of a batch: view, order, assignment, paper export.

Ordering and assignment are decided by ``dialer.domain.calllist``; this module loads the facts,
applies the decisions and records them. Managers only (``--as``) for anything that changes the
list or takes it off the data server (the paper fallback, SPEC §9(6)), and every such act lands
in the audit log — without personal data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dialer.adapters import paper
from dialer.adapters.db import audit, batches, targets, users
from dialer.adapters.db.batches import BatchInfo
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.models import utcnow
from dialer.config import Settings
from dialer.domain import calllist
from dialer.domain.calllist import PhoneOrder, TargetFacts, TargetOrder
from dialer.services.governance import accounts, suspensions
from dialer.services.intake.importer import IntakeError

log = logging.getLogger(__name__)
STRATEGIES = ("round_robin", "skill")


@dataclass(frozen=True)
class Entry:
    position: int
    target_id: int
    ref: str
    name: str
    kana: str | None
    phones: tuple[str, ...]
    total_amount: int | None
    earliest_due: date | None
    debts: int
    attempts: int
    operator: str | None


async def load_batch(conn: Connection, batch_id: int) -> BatchInfo:
    batch = await batches.get(conn, batch_id)
    if batch is None:
        raise IntakeError(f"no batch {batch_id}")
    return batch


async def call_list(database: Database, batch_id: int, *, order: TargetOrder | None = None,
                    phone_order: PhoneOrder | None = None) -> tuple[BatchInfo, list[Entry]]:
    """The dialable targets of the batch in calling order (excluded ones left out)."""
    async with database.connect() as conn:
        batch = await load_batch(conn, batch_id)
        return batch, await _entries(conn, batch, order, phone_order)


async def _entries(conn: Connection, batch: BatchInfo, order: TargetOrder | None,
                   phone_order: PhoneOrder | None) -> list[Entry]:
    by = order or TargetOrder(batch.target_order)
    phones_by = phone_order or PhoneOrder(batch.phone_order)
    facts = calllist.order_targets(await targets.facts(conn, batch.id), by)
    numbers = await targets.phones(conn, batch.id)
    details = await targets.details(conn, batch.id)
    debts = await targets.debts_of(conn, batch.id)
    return [
        Entry(i, f.id, details[f.id].ref, details[f.id].name, details[f.id].kana,
              calllist.order_phones(numbers.get(f.id, []), phones_by), f.total_amount,
              f.earliest_due, len(debts.get(f.id, [])), f.attempts, details[f.id].operator)
        for i, f in enumerate(facts, start=1)
    ]


async def set_order(database: Database, batch_id: int, order: TargetOrder,
                    phone_order: PhoneOrder, actor: str | None) -> None:
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        await load_batch(conn, batch_id)
        await batches.set_order(conn, batch_id, order.value, phone_order.value)
        await audit.record(conn, manager.login, "calllist.order", f"batch:{batch_id}",
                           target_order=order.value, phone_order=phone_order.value)


async def assign(database: Database, batch_id: int, actor: str | None, *,
                 strategy: str | None = None, operators: list[str] | None = None,
                 refs: list[str] | None = None, operator: str | None = None,
                 reassign: bool = False) -> dict[str, int]:
    """Assign targets to operators; returns how many each operator got now.

    ``strategy`` round_robin / skill over ``operators`` (default: every active operator), the
    unassigned dialable targets only unless ``reassign``; or ``refs`` to ``operator`` explicitly.
    """
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        batch = await load_batch(conn, batch_id)
        pool = await _pool(conn, batch_id, operators)
        facts = calllist.order_targets(await targets.facts(conn, batch_id),
                                       TargetOrder(batch.target_order))
        pairs = await _pairs(conn, batch, facts, pool, strategy, refs, operator, reassign)
        await targets.assign(conn, pairs, utcnow())
        logins = {o.id: o.login for o in await users.list_users(conn)}
        counts: dict[str, int] = {}
        for _, operator_id in pairs:
            counts[logins[operator_id]] = counts.get(logins[operator_id], 0) + 1
        await audit.record(conn, manager.login, "calllist.assign", f"batch:{batch_id}",
                           strategy=strategy or "explicit", assigned=counts)
    log.info("batch %d: %d targets assigned by %s", batch_id, len(pairs), manager.login)
    return counts


async def _pool(conn: Connection, batch_id: int,
                logins: list[str] | None) -> list[calllist.Operator]:
    every = await users.operators(conn, batch_id)
    if not logins:
        return every
    by_login = {u.login: u.id for u in await users.list_users(conn)}
    missing = [login for login in logins if by_login.get(login) not in {o.id for o in every}]
    if missing:
        raise IntakeError(f"not operator accounts: {', '.join(missing)}")
    wanted = {by_login[login] for login in logins}
    return [o for o in every if o.id in wanted]


async def _pairs(conn: Connection, batch: BatchInfo, facts: list[TargetFacts],
                 pool: list[calllist.Operator], strategy: str | None, refs: list[str] | None,
                 operator: str | None, reassign: bool) -> list[tuple[int, int]]:
    if refs:
        return await _explicit(conn, batch.id, refs, operator, pool)
    todo = facts if reassign else [f for f in facts if f.operator_id is None]
    if strategy == "round_robin":
        return calllist.round_robin(todo, pool)
    if strategy == "skill":
        if reassign:
            pool = [calllist.Operator(o.id, o.skills, o.active, 0) for o in pool]
        return calllist.by_skill(todo, pool, batch.debt_type)
    raise IntakeError(f"strategy must be one of {', '.join(STRATEGIES)} (or give --ref)")


async def _explicit(conn: Connection, batch_id: int, refs: list[str], operator: str | None,
                    pool: list[calllist.Operator]) -> list[tuple[int, int]]:
    user = await users.by_login(conn, operator or "")
    chosen = next((o for o in pool if user is not None and o.id == user.id), None)
    if chosen is None:
        raise IntakeError("--operator must name an operator account")
    ids = await targets.ids_by_ref(conn, batch_id, set(refs))
    if len(ids) != len(set(refs)):
        raise IntakeError(f"{len(set(refs)) - len(ids)} of these 管理番号 are not in the batch")
    facts = [f for f in await targets.facts(conn, batch_id) if f.id in set(ids.values())]
    return calllist.explicit(facts, chosen)


async def unassign(database: Database, batch_id: int, actor: str | None) -> int:
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        await load_batch(conn, batch_id)
        assigned = [f.id for f in await targets.facts(conn, batch_id) if f.operator_id]
        await targets.assign(conn, [(t, None) for t in assigned], utcnow())
        await audit.record(conn, manager.login, "calllist.unassign", f"batch:{batch_id}",
                           targets=len(assigned))
    return len(assigned)


async def export_paper(database: Database, settings: Settings, batch_id: int,
                       actor: str | None, formats: tuple[str, ...] = ("html", "csv")
                       ) -> list[Path]:
    """The print-ready fallback list (SPEC §9(6)): manager only, logged with the files' hashes."""
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        try:
            await suspensions.check_data(conn)
        except suspensions.DataSuspended as exc:
            raise IntakeError(str(exc)) from None
        batch = await load_batch(conn, batch_id)
        entries = await _entries(conn, batch, None, None)
        name = next((d.name for d in settings.debt_types if d.code == batch.debt_type), "")
        sheet = paper.Sheet(settings.centre.name, batch, entries, utcnow(), manager.login, name)
        written = paper.write(sheet, settings.paths.data_dir / "exports", formats)
        try:
            await audit.record(conn, manager.login, "calllist.export", f"batch:{batch_id}",
                               targets=len(entries),
                               files={p.name: paper.sha256(p) for p in written})
        except BaseException:
            for path in written:  # never an export that the audit log does not show
                path.unlink(missing_ok=True)
            raise
    log.info("batch %d: paper fallback list exported by %s (%d targets)", batch_id,
             manager.login, len(entries))
    return written
