"""`dialer accounts review`: roles, last logins, unused accounts (§9(4)); itself logged."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from dialer.adapters.db import audit, users
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import User
from tests.component.conftest import Dialer


async def test_the_review_shows_roles_last_logins_and_the_unused_accounts(
        database: Database, dialer: Dialer) -> None:
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=120)
    async with database.engine.begin() as conn:
        for login, role in (("kanri", "manager"), ("op1", "operator"), ("op2", "operator"),
                            ("op3", "operator"), ("new", "operator"), ("old", "operator")):
            await users.add(conn, login, login.upper(), role)
        await conn.execute(update(User).values(created_at=long_ago, password_hash="x",
                                               must_change=False))
        await conn.execute(update(User).where(User.login.in_(["kanri", "op1"]))
                           .values(last_login_at=now - timedelta(days=1)))
        await conn.execute(update(User).where(User.login == "op2")
                           .values(last_login_at=now - timedelta(days=45)))
        await conn.execute(update(User).where(User.login == "op3")  # temporary, never used
                           .values(must_change=True))
        await conn.execute(update(User).where(User.login == "new")
                           .values(created_at=now - timedelta(days=1), must_change=True))
        await conn.execute(update(User).where(User.login == "old").values(active=False))

    code, out, err = await asyncio.to_thread(dialer, "accounts", "review", "--json")
    assert code == 0, err
    report = json.loads(out)
    flags = {a["login"]: a["flags"] for a in report["accounts"]}
    assert flags == {"kanri": [], "op1": [], "op2": ["idle"],
                     "op3": ["never_logged_in", "temporary_password"], "new": [],
                     "old": ["disabled"]}
    assert [a["login"] for a in report["accounts"] if a["unused"]] == ["op2", "op3"]
    assert report["summary"]["active_by_role"] == {"manager": 1, "operator": 4}
    assert report["summary"]["unused"] == 2

    code, out, _ = await asyncio.to_thread(dialer, "accounts", "review", "--days", "60",
                                           "--unused")
    assert code == 0
    assert [line.split()[1] for line in out.splitlines() if line.startswith("UNUSED")] == [
        "op3"]
    assert "unused: 1" in out and "dialer user disable" in out
    code, _out, err = await asyncio.to_thread(dialer, "accounts", "review", "--days", "0")
    assert code == 2
    async with database.engine.connect() as conn:
        assert [e.action for e in await audit.entries(conn)].count("accounts.review") == 2
