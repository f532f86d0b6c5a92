"""Accounts for assignment and manager-only functions (passwords come with the console issue).

On the command line a manager names themself with ``--as LOGIN``; the account must exist, be
active and have the manager or admin role. Whoever runs the command has a shell on the data
server already — this records who acted and keeps operator accounts out of manager functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db import users
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import ROLES
from dialer.adapters.db.users import UserInfo
from dialer.domain import debt_types
from dialer.domain.debt_types import DebtType

MANAGERS = ("manager", "admin")
_LOGIN = re.compile(r"[a-z][a-z0-9._-]{1,63}")


class NotAllowed(Exception):
    """The account may not do this (unknown, inactive, or not a manager)."""


class AccountError(ValueError):
    pass


async def add_user(database: Database, login: str, display_name: str, role: str,
                   skills: Iterable[str], known: tuple[DebtType, ...]) -> int:
    if not _LOGIN.fullmatch(login):
        raise AccountError("login: lower-case ASCII letters, digits, . _ -, 2-64 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    codes = [debt_types.resolve(s, known).code for s in skills]
    async with database.engine.begin() as conn:
        if await users.by_login(conn, login) is not None:
            raise AccountError(f"login {login!r} exists already")
        return await users.add(conn, login, display_name.strip() or login, role, codes)


async def list_users(database: Database) -> list[UserInfo]:
    async with database.engine.connect() as conn:
        return await users.list_users(conn)


async def require(conn: AsyncConnection, login: str | None,
                  roles: tuple[str, ...] = MANAGERS) -> UserInfo:
    """The active account ``login`` with one of ``roles``, or ``NotAllowed``."""
    if not login:
        raise NotAllowed(f"name yourself with --as LOGIN (role {' or '.join(roles)})")
    user = await users.by_login(conn, login)
    if user is None or not user.active:
        raise NotAllowed(f"no active account {login!r}")
    if user.role not in roles:
        raise NotAllowed(f"{login!r} is {user.role}; this needs {' or '.join(roles)}")
    return user
