"""Console accounts: roles, skills, argon2 password hashes and the lockout state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Target, User, UserSkill, utcnow
from dialer.domain.calllist import Operator
from dialer.domain.login import AccountState


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


async def skills(conn: AsyncConnection, user_id: int) -> frozenset[str]:
    """The debt types the account takes (empty: none listed, any)."""
    return frozenset((await conn.execute(
        select(UserSkill.debt_type).where(UserSkill.user_id == user_id))).scalars())


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


@dataclass(frozen=True)
class Credentials:
    user: UserInfo
    password_hash: str | None
    must_change: bool
    state: AccountState
    last_login_at: datetime | None
    epoch: int = 0
    password_set_at: datetime | None = None


async def credentials(conn: AsyncConnection, login: str) -> Credentials | None:
    user = await by_login(conn, login)
    if user is None:
        return None
    row = (await conn.execute(select(
        User.password_hash, User.must_change, User.failed_logins, User.locked_until,
        User.last_login_at, User.session_epoch, User.password_set_at)
        .where(User.id == user.id))).one()
    return Credentials(user, row[0], bool(row[1]), AccountState(user.active, row[2], row[3]),
                       row[4], int(row[5]), row[6])


async def claim_attempt(conn: AsyncConnection, user_id: int) -> tuple[int, AccountState]:
    """Count a login attempt before its password is checked, in one statement (concurrent
    attempts each see their own number): the count including this one, and the account's
    state read in that same statement (a lock written meanwhile is seen)."""
    result = await conn.execute(update(User).where(User.id == user_id).values(
        failed_logins=User.failed_logins + 1).returning(
        User.failed_logins, User.active, User.locked_until))
    count, active, locked_until = result.one()
    return int(count), AccountState(bool(active), int(count) - 1, locked_until)


async def session_state(conn: AsyncConnection, user_id: int) -> tuple[bool, int] | None:
    """(active, session epoch) of the account, None when it is gone."""
    row = (await conn.execute(select(User.active, User.session_epoch)
                              .where(User.id == user_id))).one_or_none()
    return (bool(row[0]), int(row[1])) if row is not None else None


async def save_state(conn: AsyncConnection, user_id: int, state: AccountState) -> None:
    await conn.execute(update(User).where(User.id == user_id).values(
        failed_logins=state.failed_logins, locked_until=state.locked_until))


async def logged_in(conn: AsyncConnection, user_id: int, now: datetime) -> None:
    await conn.execute(update(User).where(User.id == user_id).values(
        failed_logins=0, locked_until=None, last_login_at=now))


async def set_password(conn: AsyncConnection, user_id: int, password_hash: str,
                       must_change: bool, now: datetime | None = None) -> int:
    """Set the hash; every earlier session of the account ends (a new epoch, returned)."""
    result = await conn.execute(update(User).where(User.id == user_id).values(
        password_hash=password_hash, must_change=must_change, failed_logins=0,
        locked_until=None, password_set_at=now or utcnow(),
        session_epoch=User.session_epoch + 1).returning(User.session_epoch))
    return int(result.scalar_one())


async def rehash(conn: AsyncConnection, user_id: int, password_hash: str) -> None:
    """The same password under newer hashing parameters (sessions and its age unchanged)."""
    await conn.execute(update(User).where(User.id == user_id).values(
        password_hash=password_hash))


async def set_active(conn: AsyncConnection, user_id: int, active: bool) -> None:
    await conn.execute(update(User).where(User.id == user_id).values(
        active=active, session_epoch=User.session_epoch + 1))


@dataclass(frozen=True)
class Account:
    """An account as the admin pages list it: no password hash, only whether one is set."""

    user: UserInfo
    has_password: bool
    must_change: bool
    locked_until: datetime | None
    last_login_at: datetime | None


async def accounts(conn: AsyncConnection) -> list[Account]:
    state = {row[0]: row[1:] for row in await conn.execute(select(
        User.id, User.password_hash.is_not(None), User.must_change, User.locked_until,
        User.last_login_at))}
    return [Account(u, bool(state[u.id][0]), bool(state[u.id][1]), state[u.id][2],
                    state[u.id][3]) for u in await list_users(conn)]
