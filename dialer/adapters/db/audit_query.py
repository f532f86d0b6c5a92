"""Reading the access log page by page with filters (the admin pages); the log itself, its hash
chain and the export are in ``audit``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, ColumnElement, String, cast, func, literal, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.audit import Row
from dialer.adapters.db.models import Attempt, AuditEntry, Target, User

_COLUMNS = (AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
            AuditEntry.object, AuditEntry.detail, AuditEntry.prev_hash, AuditEntry.hash)


@dataclass(frozen=True)
class Filter:
    """Every field optional: the actor exactly, prefixes of the action and the object, and
    ``start <= at < end`` (aware datetimes).

    For the city's investigations, everything about one target, batch or account:

    * ``target``: rows on ``target:<id>``, and on its calls (``call:<attempt id>`` objects, or
      a ``call`` in the detail);
    * ``batch``: rows on ``batch:<id>``, with ``batch`` in the detail, on its targets and on
      its calls;
    * ``user`` (a login): what the account did (actor), what was done to it (``user:<id>``),
      and listen-ins on its calls (``operator`` in the detail).

    Calls and targets are found through the database's attempts and targets, so after an
    erasure only the rows naming the target or batch directly are found.
    """

    actor: str = ""
    action: str = ""
    obj: str = ""
    start: datetime | None = None
    end: datetime | None = None
    target: int | None = None
    batch: int | None = None
    user: str = ""

    def described(self) -> dict[str, object]:
        """The investigation filters given (for the export's own access-log row)."""
        given = {"target": self.target, "batch": self.batch, "user": self.user}
        return {k: v for k, v in given.items() if v not in (None, "")}


def _detail(conn: AsyncConnection) -> ColumnElement[object]:
    """The detail column as JSON (stored as text: PostgreSQL needs a cast, SQLite does not)."""
    if conn.dialect.name == "postgresql":
        return cast(AuditEntry.detail, JSON)
    return type_coerce(AuditEntry.detail, JSON)


def _about(f: Filter, detail: ColumnElement[object]) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    call_of = detail["call"].as_string()  # type: ignore[index]
    if f.target is not None:
        calls = select(Attempt.id).where(Attempt.target_id == f.target)
        found.append(or_(
            AuditEntry.object == f"target:{f.target}",
            AuditEntry.object.in_(select(literal("call:").concat(Attempt.id))
                                  .where(Attempt.target_id == f.target)),
            call_of.in_(calls)))
    if f.batch is not None:
        calls = select(Attempt.id).where(Attempt.batch_id == f.batch)
        found.append(or_(
            AuditEntry.object == f"batch:{f.batch}",
            detail["batch"].as_integer() == f.batch,  # type: ignore[index]
            AuditEntry.object.in_(select(literal("target:").concat(cast(Target.id, String)))
                                  .where(Target.batch_id == f.batch)),
            AuditEntry.object.in_(select(literal("call:").concat(Attempt.id))
                                  .where(Attempt.batch_id == f.batch)),
            call_of.in_(calls)))
    if f.user:
        user_id = select(User.id).where(User.login == f.user).scalar_subquery()
        found.append(or_(
            AuditEntry.actor == f.user,
            AuditEntry.object == literal("user:").concat(cast(user_id, String)),
            detail["operator"].as_string() == f.user))  # type: ignore[index]
    return found


def _conditions(f: Filter, conn: AsyncConnection) -> list[ColumnElement[bool]]:
    found = _about(f, _detail(conn))
    if f.actor:
        found.append(AuditEntry.actor == f.actor)
    if f.action:
        found.append(AuditEntry.action.startswith(f.action, autoescape=True))
    if f.obj:
        found.append(AuditEntry.object.startswith(f.obj, autoescape=True))
    if f.start is not None:
        found.append(AuditEntry.at >= f.start)
    if f.end is not None:
        found.append(AuditEntry.at < f.end)
    return found


async def page(conn: AsyncConnection, f: Filter, limit: int, offset: int
               ) -> tuple[list[Row], int]:
    """The matching rows, newest first, ``offset`` .. ``offset + limit``; and how many match."""
    where = _conditions(f, conn)
    total = await conn.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    result = await conn.execute(select(*_COLUMNS).where(*where)
                                .order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return [Row(*r) for r in result], int(total or 0)


async def in_order(conn: AsyncConnection, f: Filter) -> list[Row]:
    """Every matching row in chain (id) order (the export)."""
    result = await conn.execute(select(*_COLUMNS).where(*_conditions(f, conn))
                                .order_by(AuditEntry.id))
    return [Row(*r) for r in result]
