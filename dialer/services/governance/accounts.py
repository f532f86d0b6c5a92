"""Accounts: who may log in to the console (argon2 passwords, lockout) and who may act as a
manager.

In the console a user proves who they are with their password. On the command line a manager
names themself with ``--as LOGIN``; the account must exist, be active and have the manager or
admin role. Whoever runs the command has a shell on the data server already — this records who
acted and keeps operator accounts out of manager functions. Every change to an account and
every login (success or failure) is in the access log.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from dialer.adapters import passwords
from dialer.adapters.db import audit, users
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.models import ROLES
from dialer.adapters.db.users import UserInfo
from dialer.config import Settings
from dialer.domain import debt_types
from dialer.domain import login as policy_rules
from dialer.domain.debt_types import DebtType
from dialer.domain.login import LoginPolicy

MANAGERS = ("manager", "admin")
_LOGIN = re.compile(r"[a-z][a-z0-9._-]{1,63}")


class NotAllowed(Exception):
    """The account may not do this (unknown, inactive, or not a manager)."""


class AccountError(ValueError):
    pass


MAX_DISPLAY_NAME = 100  # the column's size


async def add_user(database: Database, login: str, display_name: str, role: str,
                   skills: Iterable[str], known: tuple[DebtType, ...],
                   actor: str = "system") -> int:
    """A new account (no password yet: set one with ``set_password``); in the access log."""
    if not _LOGIN.fullmatch(login):
        raise AccountError("login: lower-case ASCII letters, digits, . _ -, 2-64 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(display_name.strip()) > MAX_DISPLAY_NAME:
        raise AccountError(f"name: at most {MAX_DISPLAY_NAME} characters")
    try:
        codes = sorted({debt_types.resolve(s, known).code for s in skills})
    except debt_types.UnknownDebtType as exc:
        raise AccountError(f"skill: {exc}") from None
    async with database.transaction() as conn:
        if await users.by_login(conn, login) is not None:
            raise AccountError(f"login {login!r} exists already")
        user_id = await users.add(conn, login, display_name.strip() or login, role, codes)
        await audit.record(conn, actor, "user.add", f"user:{user_id}", role=role, skills=codes)
        return user_id


def may_manage(actor_role: str, account_role: str) -> bool:
    """Whether an ``actor_role`` may create or change an ``account_role`` account: admins any,
    managers operators and managers, nobody else."""
    if actor_role == "admin":
        return account_role in ROLES
    if actor_role == "manager":
        return account_role in ("operator", "manager")
    return False


async def find(database: Database, login: str) -> UserInfo | None:
    async with database.connect() as conn:
        return await users.by_login(conn, login)


async def list_users(database: Database) -> list[UserInfo]:
    async with database.connect() as conn:
        return await users.list_users(conn)


async def list_accounts(database: Database) -> list[users.Account]:
    """Every account with its login state (last login, temporary password, lockout)."""
    async with database.connect() as conn:
        return await users.accounts(conn)


async def require(conn: Connection, login: str | None,
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


def login_policy(settings: Settings) -> LoginPolicy:
    """The lockout rules the centre configured ([web] login_max_failures, lockout_min)."""
    return LoginPolicy(max_failures=settings.web.login_max_failures,
                       lockout=timedelta(minutes=settings.web.lockout_min))


class LoginRefused(Exception):
    """Wrong login or password, or a locked or disabled account (the message never says which
    of login or password was wrong)."""


# One answer for every refusal: an unknown login, a wrong password, a locked, disabled or
# expired account all read the same, so the login form tells nobody which accounts exist.
REFUSED = ("ログインIDまたはパスワードが違うか、アカウントが一時的に使えません / wrong login or "
           "password, or the account is locked for a while (ask a manager if it persists)")


async def authenticate(database: Database, login: str, password: str, now: datetime,
                       policy: LoginPolicy, address: str = "") -> users.Credentials:
    """The account (and whether its password is a temporary one) if ``password`` is right
    and the account may log in; else LoginRefused (the failure is in the access log either
    way, with its real reason). The attempt is counted before the password is checked, so
    concurrent guesses get ``max_failures`` checks at most; the check runs off the event loop
    (argon2 takes tens of milliseconds) and takes as long whether or not the login exists."""
    async with database.transaction() as conn:
        found = await users.credentials(conn, login)
        claimed = 0
        if found is not None and found.state.active:
            claimed, state = await users.claim_attempt(conn, found.user.id)
            found = dataclasses.replace(found, state=state)
    reason = _refusal(found, claimed, now, policy)
    ok = await asyncio.to_thread(passwords.verify, found.password_hash
                                 if found and reason is None else None, password)
    if reason is None and not ok:
        reason = "wrong password"
    rehashed = None
    if reason is None and found and found.password_hash \
            and passwords.needs_rehash(found.password_hash):
        rehashed = await asyncio.to_thread(passwords.hash_password, password)
    async with database.transaction() as conn:
        if found is None:
            await audit.record(conn, "-", "login.failed", "user:?", address=address,
                               reason="unknown login")
        elif reason is not None:
            user_id = found.user.id
            state = found.state
            if reason == "wrong password":
                state = await _counted_wrong(conn, found, claimed, policy, now)
            await audit.record(conn, login, "login.failed", f"user:{user_id}",
                               address=address, reason=reason,
                               locked=policy_rules.locked(state, now))
        else:
            await users.logged_in(conn, found.user.id, now)
            if rehashed is not None:
                await users.rehash(conn, found.user.id, rehashed)
            await audit.record(conn, login, "login", f"user:{found.user.id}", address=address)
    if found is None or reason is not None:
        raise LoginRefused(REFUSED)
    return found


async def _counted_wrong(conn: Connection, found: users.Credentials, claimed: int,
                         policy: LoginPolicy, now: datetime) -> policy_rules.AccountState:
    """A wrong password, already counted by its claim: only the lock is written (writing the
    count back would undo the claims of attempts still in flight)."""
    state = policy_rules.after_wrong(claimed, found.state, policy, now)
    if state.locked_until != found.state.locked_until:
        await users.save_state(conn, found.user.id, state)
    return state


def _refusal(found: users.Credentials | None, claimed: int, now: datetime,
             policy: LoginPolicy) -> str | None:
    """Why this attempt is refused before its password is checked (None: check it)."""
    if found is None:
        return "unknown login"
    if not found.state.active:
        return "disabled"
    if policy_rules.locked(found.state, now):
        return "locked"
    if not policy_rules.attempt_allowed(claimed, found.state, policy, now):
        return "too many attempts at once"
    if policy_rules.temporary_expired(found.must_change, found.password_set_at, policy, now):
        return "temporary password expired"
    return None


async def session_valid(database: Database, user_id: int, epoch: int) -> bool:
    """Whether a session opened at ``epoch`` still stands: the account is active and its
    password has not been set or changed since (in any process)."""
    async with database.connect() as conn:
        found = await users.session_state(conn, user_id)
    return found is not None and found[0] and found[1] == epoch


async def change_password(database: Database, login: str, current: str, new: str,
                          policy: LoginPolicy, now: datetime | None = None) -> int:
    """The user's own change (after a temporary password, or at will); a wrong current
    password counts as a failed login (it locks the account the same way). Every other
    session of the account ends; the new session epoch."""
    problem = policy_rules.password_problem(new, login, policy)
    if problem:
        raise AccountError(f"new password: {problem}")
    if current == new:
        raise AccountError("new password: must differ from the current one")
    moment = now or datetime.now(UTC)
    async with database.transaction() as conn:
        found = await users.credentials(conn, login)
        claimed = 0
        if found is not None:
            claimed, state = await users.claim_attempt(conn, found.user.id)
            found = dataclasses.replace(found, state=state)
    allowed = found is not None and policy_rules.attempt_allowed(claimed, found.state, policy,
                                                                 moment)
    ok = await asyncio.to_thread(passwords.verify, found.password_hash
                                 if found and allowed else None, current)
    if found is None or not allowed or not ok:
        if found is not None:
            async with database.transaction() as conn:
                state = (await _counted_wrong(conn, found, claimed, policy, moment)
                         if allowed else found.state)
                await audit.record(conn, login, "password.change.failed",
                                   f"user:{found.user.id}",
                                   locked=policy_rules.locked(state, moment))
        raise AccountError("the current password is wrong (or the account is locked)")
    hashed = await asyncio.to_thread(passwords.hash_password, new)
    async with database.transaction() as conn:
        epoch = await users.set_password(conn, found.user.id, hashed, False, moment)
        await audit.record(conn, login, "password.change", f"user:{found.user.id}")
    return epoch


async def set_password(database: Database, actor: str, login: str, password: str | None,
                       policy: LoginPolicy, now: datetime | None = None) -> str:
    """A manager's (or the installer's) reset: ``password`` None sets a temporary one, which
    is returned and must be changed at the first login."""
    temporary = password is None
    chosen = passwords.temporary() if password is None else password
    if not temporary:
        problem = policy_rules.password_problem(chosen, login, policy)
        if problem:
            raise AccountError(f"password: {problem}")
    hashed = await asyncio.to_thread(passwords.hash_password, chosen)
    async with database.transaction() as conn:
        user = await users.by_login(conn, login)
        if user is None:
            raise AccountError(f"no account {login!r}")
        await users.set_password(conn, user.id, hashed, temporary, now or datetime.now(UTC))
        await audit.record(conn, actor, "password.reset", f"user:{user.id}",
                           temporary=temporary)
    return chosen


async def set_active(database: Database, actor: str, login: str, active: bool) -> UserInfo:
    """Enable or disable an account (nobody disables their own)."""
    if not active and actor == login:
        raise AccountError("you cannot disable your own account")
    async with database.transaction() as conn:
        user = await users.by_login(conn, login)
        if user is None:
            raise AccountError(f"no account {login!r}")
        await users.set_active(conn, user.id, active)
        await audit.record(conn, actor, "user.enable" if active else "user.disable",
                           f"user:{user.id}")
    return user
