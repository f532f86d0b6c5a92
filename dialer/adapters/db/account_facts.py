"""What the account review reads: every account's role, creation, last login and password
state (never the hash itself)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import User
from dialer.domain.account_review import AccountFacts


async def all_accounts(conn: AsyncConnection) -> list[AccountFacts]:
    result = await conn.execute(select(
        User.login, User.display_name, User.role, User.active, User.created_at,
        User.last_login_at, User.password_hash.is_not(None), User.must_change,
        User.locked_until).order_by(User.id))
    return [AccountFacts(login, name, role, bool(active), created, last, bool(has), bool(must),
                         locked)
            for login, name, role, active, created, last, has, must, locked in result]
