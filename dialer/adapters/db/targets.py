"""Targets of one batch: the bulk writer used by the import, and the reads of the call list.

Every query here is scoped by batch: there is no way to look a person up across batches.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.bulk import BulkInsert
from dialer.adapters.db.models import Debt, Exclusion, Target, TargetPhone, User
from dialer.domain.calllist import TargetFacts
from dialer.domain.intake.rows import RowError, TargetRow
from dialer.domain.kana import fold

TARGETS: Table = Target.__table__  # type: ignore[assignment]
PHONES: Table = TargetPhone.__table__  # type: ignore[assignment]
DEBTS: Table = Debt.__table__  # type: ignore[assignment]


class Known(NamedTuple):
    id: int
    name: str
    source_row: int


def name_key(name: str) -> str:
    """Two spellings of one name compare equal when they differ only in width or spaces."""
    return "".join(unicodedata.normalize("NFKC", name).split())


class TargetWriter:
    """Writes validated rows into one batch; rows sharing a 管理番号 become one target."""

    def __init__(self, conn: AsyncConnection, batch_id: int, name_column: str) -> None:
        self._conn = conn
        self._batch_id = batch_id
        self._name_column = name_column
        self._position = 0
        self.targets = 0
        self._targets = BulkInsert(
            conn, TARGETS, ("batch_id", "ref", "name", "kana", "name_key", "kana_key",
                            "source_row", "attempts"),
            returning=("id", "ref"), ignore_duplicates=True)
        self._debts = BulkInsert(conn, DEBTS, ("target_id", "source_row", "fiscal_year",
                                               "installment", "due_date", "amount"))
        self._phones = BulkInsert(conn, PHONES, ("target_id", "number", "position"),
                                  ignore_duplicates=True)

    async def write(self, rows: Sequence[TargetRow]) -> tuple[int, list[RowError]]:
        """Store ``rows``; the number stored and the errors of those refused.

        A 管理番号 seen for the first time is inserted; rows of one already stored (in this
        chunk or an earlier one) add their debt and numbers to it — unless 氏名 differs.
        """
        firsts: dict[str, TargetRow] = {}
        for row in rows:
            firsts.setdefault(row.ref, row)
        known = await self._insert_new(list(firsts.values()))
        missing = firsts.keys() - known.keys()
        if missing:
            known.update(await self._stored(missing))
        accepted, errors = self._check_names(rows, known)
        await self._insert_children(accepted, known)
        return len(accepted), errors

    async def _insert_new(self, firsts: list[TargetRow]) -> dict[str, Known]:
        returned = await self._targets(
            [(self._batch_id, r.ref, r.name, r.kana, fold(r.name)[:100],
              fold(r.kana)[:100] if r.kana else None, r.row, 0) for r in firsts])
        ids: dict[str, int] = {ref: id_ for id_, ref in returned}
        self.targets += len(ids)
        return {r.ref: Known(ids[r.ref], r.name, r.row) for r in firsts if r.ref in ids}

    async def _stored(self, refs: set[str]) -> dict[str, Known]:
        result = await self._conn.execute(
            select(Target.ref, Target.id, Target.name, Target.source_row)
            .where(Target.batch_id == self._batch_id, Target.ref.in_(refs)))
        return {ref: Known(id_, name, row) for ref, id_, name, row in result}

    def _check_names(self, rows: Sequence[TargetRow], known: dict[str, Known]
                     ) -> tuple[list[TargetRow], list[RowError]]:
        accepted: list[TargetRow] = []
        errors: list[RowError] = []
        for row in rows:
            first = known[row.ref]
            if row.name != first.name and name_key(row.name) != name_key(first.name):
                errors.append(RowError(
                    row.row, self._name_column, "***",
                    f"管理番号 already used with another 氏名 (row {first.source_row})"))
            else:
                accepted.append(row)
        return accepted, errors

    async def _insert_children(self, rows: list[TargetRow], known: dict[str, Known]) -> None:
        await self._debts([(known[r.ref].id, r.row, r.fiscal_year, r.installment, r.due_date,
                            r.amount) for r in rows])
        phones = []
        for r in rows:
            target_id = known[r.ref].id
            for number in r.phones:
                self._position += 1
                phones.append((target_id, number, self._position))
        await self._phones(phones)


@dataclass(frozen=True)
class TargetDetail:
    id: int
    ref: str
    name: str
    kana: str | None
    source_row: int
    operator: str | None


async def ids_by_ref(conn: AsyncConnection, batch_id: int, refs: set[str]) -> dict[str, int]:
    result = await conn.execute(select(Target.ref, Target.id).where(
        Target.batch_id == batch_id, Target.ref.in_(refs)))
    return {ref: id_ for ref, id_ in result}


async def facts(conn: AsyncConnection, batch_id: int) -> list[TargetFacts]:
    """What ordering and assignment need, one per target of the batch."""
    debts = (select(Debt.target_id, func.sum(Debt.amount).label("total"),
                    func.min(Debt.due_date).label("due"))
             .group_by(Debt.target_id).subquery())
    excluded = select(Exclusion.target_id).where(Exclusion.target_id == Target.id).exists()
    query = (select(Target.id, Target.source_row, debts.c.total, debts.c.due, Target.attempts,
                    excluded, Target.assigned_to)
             .outerjoin(debts, debts.c.target_id == Target.id)
             .where(Target.batch_id == batch_id))
    return [TargetFacts(id_, row, total, _date(due), attempts, bool(ex), operator)
            for id_, row, total, due, attempts, ex, operator in await conn.execute(query)]


def _date(value: date | str | None) -> date | None:
    """MIN() over a DATE column comes back as text on SQLite."""
    return date.fromisoformat(value) if isinstance(value, str) else value


async def phones(conn: AsyncConnection, batch_id: int) -> dict[int, list[str]]:
    """Each target's numbers in file order."""
    result = await conn.execute(
        select(TargetPhone.target_id, TargetPhone.number).join(Target)
        .where(Target.batch_id == batch_id).order_by(TargetPhone.target_id, TargetPhone.position))
    numbers: dict[int, list[str]] = {}
    for target_id, number in result:
        numbers.setdefault(target_id, []).append(number)
    return numbers


async def debts_of(conn: AsyncConnection, batch_id: int
                   ) -> dict[int, list[tuple[int | None, str | None, date | None, int | None]]]:
    result = await conn.execute(
        select(Debt.target_id, Debt.fiscal_year, Debt.installment, Debt.due_date, Debt.amount)
        .join(Target).where(Target.batch_id == batch_id).order_by(Debt.source_row))
    out: dict[int, list[tuple[int | None, str | None, date | None, int | None]]] = {}
    for target_id, year, installment, due, amount in result:
        out.setdefault(target_id, []).append((year, installment, due, amount))
    return out


async def details(conn: AsyncConnection, batch_id: int) -> dict[int, TargetDetail]:
    result = await conn.execute(
        select(Target.id, Target.ref, Target.name, Target.kana, Target.source_row, User.login)
        .outerjoin(User, User.id == Target.assigned_to).where(Target.batch_id == batch_id))
    return {row[0]: TargetDetail(*row) for row in result}


async def assign(conn: AsyncConnection, pairs: Sequence[tuple[int, int | None]],
                 at: datetime) -> None:
    """Set each target's operator (None: unassign)."""
    if pairs:
        await conn.execute(
            update(TARGETS).where(TARGETS.c.id == bindparam("tid")).values(
                assigned_to=bindparam("op"), assigned_at=bindparam("at")),
            [{"tid": t, "op": o, "at": at if o is not None else None} for t, o in pairs])



async def add_given_phone(conn: AsyncConnection, target_id: int, number: str, at: datetime
                          ) -> int:
    """A number the resident gave on a call (canonical): kept after the file's numbers, marked
    with ``at``, and the one the target is called on next. Its index among the target's numbers
    (a number already known is marked, not added again: earlier attempts keep their index)."""
    rows = (await conn.execute(select(TargetPhone.number, TargetPhone.position)
                               .where(TargetPhone.target_id == target_id)
                               .order_by(TargetPhone.position))).all()
    known = [row.number for row in rows]
    if number in known:
        index = known.index(number)
        await conn.execute(update(TargetPhone).where(
            TargetPhone.target_id == target_id, TargetPhone.number == number).values(
            given_at=at))
    else:
        index = len(known)
        await conn.execute(PHONES.insert().values(
            target_id=target_id, number=number, given_at=at,
            position=(rows[-1].position + 1) if rows else 1))
    await conn.execute(update(Target).where(Target.id == target_id).values(phone_index=index))
    return index
