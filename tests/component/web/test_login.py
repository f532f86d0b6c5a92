"""Logging in and out, the lockout, the throttle and the access log of it all."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
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
    response = await client.get("/api/console", headers={"Accept": "application/json"})
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
    assert (await client.get("/api/console", headers={"Accept": "application/json"})).status \
        in (403, 423)
    response = await client.post("/unlock", data={"csrf": csrf, "password": "nope-nope-1"},
                                 allow_redirects=False)
    assert response.status == 401
    response = await client.post("/unlock", data={"csrf": csrf, "password": PASSWORD},
                                 allow_redirects=False)
    assert response.status == 302
    assert (await client.get("/status")).status == 200


async def test_a_temporary_password_must_be_changed_first(client: TestClient,
                                                          database: Database) -> None:
    from dialer.domain.login import LoginPolicy
    from dialer.services.governance import accounts

    temporary = await accounts.set_password(database, "kanri", "op2", None, LoginPolicy())
    csrf = await login(client, "op2", temporary)
    response = await client.get("/console", headers={"Accept": "text/html"},
                                allow_redirects=False)
    assert response.headers["Location"] == "/password"
    response = await client.post("/password", data={
        "csrf": csrf, "current": temporary, "new": "a-new-secret-9", "repeat": "a-new-secret-9"},
        allow_redirects=False)
    assert response.status == 302
    assert (await client.get("/console", allow_redirects=False)).status != 302
