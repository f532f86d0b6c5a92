"""Console accounts (minimal until the console issue adds passwords) and operator skills."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Target, User, UserSkill, utcnow
from dialer.domain.calllist import Operator


@dataclass(frozen=True)
class UserInfo:
    id: int
    login: str
    display_name: str
    role: str
    active: bool
    skills: frozenset[str]


async def add(conn: AsyncConnection, login: str, display_name: str, role: str,
              skills: Iterable[str] = ()) -> int:
    result = await conn.execute(insert(User).values(
        login=login, display_name=display_name, role=role, active=True, created_at=utcnow(),
    ).returning(User.id))
    user_id = int(result.scalar_one())
    rows = [{"user_id": user_id, "debt_type": s} for s in sorted(set(skills))]
    if rows:
        await conn.execute(insert(UserSkill), rows)
    return user_id


async def by_login(conn: AsyncConnection, login: str) -> UserInfo | None:
    found = [u for u in await list_users(conn) if u.login == login]
    return found[0] if found else None


async def list_users(conn: AsyncConnection) -> list[UserInfo]:
    skills: dict[int, set[str]] = {}
    for user_id, debt_type in await conn.execute(select(UserSkill.user_id, UserSkill.debt_type)):
        skills.setdefault(user_id, set()).add(debt_type)
    result = await conn.execute(select(User.id, User.login, User.display_name, User.role,
                                       User.active).order_by(User.id))
    return [UserInfo(i, login, name, role, active, frozenset(skills.get(i, ())))
            for i, login, name, role, active in result]


async def operators(conn: AsyncConnection, batch_id: int) -> list[Operator]:
    """Every operator account with its skills and its load in this batch."""
    result = await conn.execute(
        select(Target.assigned_to, func.count()).where(
            Target.batch_id == batch_id, Target.assigned_to.is_not(None))
        .group_by(Target.assigned_to))
    loads: dict[int | None, int] = {user_id: n for user_id, n in result}
    return [Operator(u.id, u.skills, u.active, loads.get(u.id, 0))
            for u in await list_users(conn) if u.role == "operator"]
