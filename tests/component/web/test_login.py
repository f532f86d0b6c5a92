"""Logging in and out, the lockout, the throttle and the access log of it all."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agent_ui import security
from agent_ui.app import create_app
from agent_ui.keys import Backend
from agent_ui.sessions import SessionStore
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.domain.login import LoginPolicy
from dialer.services.governance import accounts
from tests.component.web.kit import PASSWORD, Clock, login, login_form_token


async def test_a_right_password_opens_the_role_home_page(client: TestClient) -> None:
    await login(client, "op1")
    response = await client.get("/", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/console"
    await login(client, "kanri")
    response = await client.get("/", allow_redirects=False)
    assert response.headers["Location"] == "/board"


async def test_the_session_cookie_is_httponly_and_strict(client: TestClient) -> None:
    token = await login_form_token(client)
    response = await client.post("/login", data={"csrf": token, "login": "op1",
                                                 "password": PASSWORD}, allow_redirects=False)
    cookie = response.cookies["sid"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert not cookie["secure"]  # plain HTTP on loopback only: the demo


async def test_a_wrong_password_says_nothing_about_which_part_was_wrong(
        client: TestClient, database: Database) -> None:
    await login(client, "op1", "wrong-password-1", expect=401)
    await login(client, "nobody", "wrong-password-1", expect=401)
    async with database.engine.connect() as conn:
        entries = await audit.entries(conn)
    failed = [e for e in entries if e.action == "login.failed"]
    assert len(failed) == 2
    assert all("nobody" not in str(e.detail) and "wrong-password" not in str(e.detail)
               for e in failed)


async def test_five_failures_lock_the_account_for_a_while(client: TestClient,
                                                          clock: Clock) -> None:
    for _ in range(5):
        await login(client, "op2", "wrong-password-1", expect=401)
    await login(client, "op2", expect=401)  # locked: even the right password
    clock.advance(16 * 60)
    await login(client, "op2")


async def test_an_address_failing_too_often_is_throttled(client: TestClient) -> None:
    for n in range(10):
        await login(client, f"op{n % 2 + 1}", "wrong-password-1", expect=401)
    await login(client, "kanri", expect=429)


async def test_the_login_form_needs_its_csrf_cookie(client: TestClient) -> None:
    response = await client.post("/login", data={"csrf": "forged", "login": "op1",
                                                 "password": PASSWORD}, allow_redirects=False)
    assert response.status == 403


async def test_logout_ends_the_session(client: TestClient, database: Database) -> None:
    csrf = await login(client, "op1")
    response = await client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 302
    response = await client.get("/password", headers={"Accept": "application/json"})
    assert response.status == 401
    async with database.engine.connect() as conn:
        actions = [e.action for e in await audit.entries(conn)]
    assert "logout" in actions and "login" in actions


async def test_idle_sessions_lock_until_the_password_is_entered_again(
        client: TestClient, clock: Clock) -> None:
    csrf = await login(client, "kanri")
    assert (await client.get("/status")).status == 200
    clock.advance(301)
    response = await client.get("/status", headers={"Accept": "text/html"},
                                allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/locked"
    assert (await client.get("/password", headers={"Accept": "application/json"})).status \
        in (403, 423)
    response = await client.post("/unlock", data={"csrf": csrf, "password": "nope-nope-1"},
                                 allow_redirects=False)
    assert response.status == 401
    response = await client.post("/unlock", data={"csrf": csrf, "password": PASSWORD},
                                 allow_redirects=False)
    assert response.status == 302
    assert (await client.get("/status")).status == 200


async def test_a_temporary_password_must_be_changed_first(client: TestClient,
                                                          database: Database,
                                                          clock: Clock) -> None:
    temporary = await accounts.set_password(database, "kanri", "op2", None, LoginPolicy(),
                                            clock())
    csrf = await login(client, "op2", temporary)
    response = await client.get("/console", headers={"Accept": "text/html"},
                                allow_redirects=False)
    assert response.headers["Location"] == "/password"
    response = await client.post("/password", data={
        "csrf": csrf, "current": temporary, "new": "a-new-secret-9", "repeat": "a-new-secret-9"},
        allow_redirects=False)
    assert response.status == 302
    assert (await client.get("/console", allow_redirects=False)).status != 302



async def test_a_temporary_password_expires(client: TestClient, database: Database,
                                            clock: Clock) -> None:
    temporary = await accounts.set_password(database, "kanri", "op2", None, LoginPolicy(),
                                            clock())
    clock.advance(LoginPolicy().temporary_valid.total_seconds() + 60)
    await login(client, "op2", temporary, expect=401)
    async with database.engine.connect() as conn:
        [entry] = [e for e in await audit.entries(conn) if e.action == "login.failed"][:1]
    assert entry.detail["reason"] == "temporary password expired"


async def test_unknown_and_locked_logins_read_the_same(client: TestClient) -> None:
    for _ in range(5):
        await login(client, "op2", "wrong-password-1", expect=401)
    locked = await client.post("/login", data={"csrf": await login_form_token(client),
                                               "login": "op2", "password": PASSWORD})
    unknown = await client.post("/login", data={"csrf": await login_form_token(client),
                                                "login": "nobody", "password": PASSWORD})
    assert locked.status == unknown.status == 401
    assert _message(await locked.text()) == _message(await unknown.text())


def _message(page: str) -> str:
    found = re.search(r'role="alert">([^<]*)<', page)
    assert found, "the login page says why"
    return found.group(1)


async def test_forty_guesses_at_once_get_five_checks(database: Database, clock: Clock,
                                                     accounts_ready: dict[str, str]) -> None:
    """Attempts in flight are counted before the hash: 40 concurrent wrong passwords check at
    most ``max_failures`` of them and lock the account."""
    policy = LoginPolicy()
    outcomes = await asyncio.gather(*(
        accounts.authenticate(database, "op1", f"guess-{n}", clock(), policy, "203.0.113.9")
        for n in range(40)), return_exceptions=True)
    assert all(isinstance(o, accounts.LoginRefused) for o in outcomes), [
        repr(o) for o in outcomes if not isinstance(o, accounts.LoginRefused)]
    async with database.engine.connect() as conn:
        reasons = [e.detail["reason"] for e in await audit.entries(conn, 100)
                   if e.action == "login.failed"]
    assert reasons.count("wrong password") == policy.max_failures
    assert len(reasons) == 40 and set(reasons) <= {"wrong password", "locked",
                                                   "too many attempts at once"}
    with pytest.raises(accounts.LoginRefused):  # locked: even the right password
        await accounts.authenticate(database, "op1", PASSWORD, clock(), policy)


async def test_a_disabled_account_s_session_ends_within_seconds(
        client: TestClient, database: Database, clock: Clock) -> None:
    """Disabled from the command line (another process: only the database changes)."""
    await login(client, "op1")
    assert (await client.get("/password")).status == 200
    await accounts.set_active(database, "kanri", "op1", False)
    clock.advance(security.RECHECK.total_seconds() + 1)
    assert (await client.get("/password")).status == 401


async def test_a_password_reset_elsewhere_ends_the_sessions(
        client: TestClient, database: Database, clock: Clock) -> None:
    await login(client, "op1")
    await accounts.set_password(database, "kanri", "op1", "another-secret-7", LoginPolicy())
    clock.advance(security.RECHECK.total_seconds() + 1)
    assert (await client.get("/password")).status == 401


async def test_a_password_change_ends_the_user_s_other_sessions(
        client: TestClient, backend: Backend, clock: Clock) -> None:
    other = TestClient(TestServer(create_app(backend)))
    await other.start_server()
    try:
        await login(other, "op1")
        csrf = await login(client, "op1")
        changed = await client.post("/password", data={
            "csrf": csrf, "current": PASSWORD, "new": "a-new-secret-9",
            "repeat": "a-new-secret-9"}, allow_redirects=False)
        assert changed.status == 302
        assert (await client.get("/password")).status == 200  # this one stays
        clock.advance(security.RECHECK.total_seconds() + 1)
        assert (await other.get("/password")).status == 401
    finally:
        await other.close()


async def test_a_wrong_current_password_counts_towards_the_lockout(
        client: TestClient) -> None:
    csrf = await login(client, "op1")
    for _ in range(5):
        response = await client.post("/password", data={
            "csrf": csrf, "current": "not-it-123", "new": "a-new-secret-9",
            "repeat": "a-new-secret-9"}, allow_redirects=False)
        assert response.status == 400
    await login(client, "op1", expect=401)  # locked now, like five wrong logins


def test_expired_sessions_are_swept(clock: Clock) -> None:
    store = SessionStore(timedelta(minutes=5), timedelta(hours=12), clock)
    store.open(1, "op1", "OP1", "operator", False)
    clock.advance(13 * 3600)
    store.open(2, "op2", "OP2", "operator", False)
    assert [s.login for s in store.all()] == ["op2"]


async def test_a_shift_logging_in_at_once_behind_one_address_queues(client: TestClient) -> None:
    """More logins at the same moment than the address may have in flight: they wait their
    turn (none refused) — the throttle counts guesses, it does not turn colleagues away."""
    token = await login_form_token(client)
    logins = ["op1", "op2", "kanri", "sysadm"] * 4  # 16 at once; 10 may be in flight
    statuses = await asyncio.gather(*(
        client.post("/login", data={"csrf": token, "login": login, "password": PASSWORD},
                    allow_redirects=False) for login in logins))
    assert [r.status for r in statuses] == [302] * len(logins)
