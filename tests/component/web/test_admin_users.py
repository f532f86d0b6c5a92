"""Accounts from the admin pages: a new account's temporary password (shown once, changed at
the first login), disable/enable, reset, who may manage whom, and the access log of it."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from agent_ui.keys import SESSIONS
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.services.governance import accounts
from tests.component.web.admin_kit import SECRET, post_form
from tests.component.web.kit import PASSWORD, login, login_form_token


async def _user_id(database: Database, login_name: str) -> int:
    found = [u for u in await accounts.list_users(database) if u.login == login_name]
    assert found, login_name
    return found[0].id


async def _try_login(client: TestClient, user: str, password: str) -> tuple[int, str]:
    token = await login_form_token(client)
    response = await client.post("/login", data={"csrf": token, "login": user,
                                                 "password": password},
                                 allow_redirects=False)
    return response.status, response.headers.get("Location", "")


async def test_the_list_shows_every_account(client: TestClient) -> None:
    await login(client, "kanri")
    response = await client.get("/admin/users")
    page = await response.text()
    assert response.status == 200
    for name in ("op1", "op2", "kanri", "sysadm"):
        assert f"<td>{name}</td>" in page
    assert "最終ログイン" in page


async def test_a_new_account_logs_in_with_its_temporary_password_and_must_change_it(
        client: TestClient, database: Database) -> None:
    csrf = await login(client, "kanri")
    response = await client.post("/admin/users", data=[
        ("csrf", csrf), ("login", "op3"), ("display_name", "オペ 三"), ("role", "operator"),
        ("skills", "hoikuryo"), ("skills", "rojin")])
    page = await response.text()
    assert response.status == 200 and "一度だけ" in page
    found = SECRET.search(page)
    assert found
    temporary = found.group(1)
    created = next(u for u in await accounts.list_users(database) if u.login == "op3")
    assert created.role == "operator" and created.skills == {"hoikuryo", "rojin"}

    status, location = await _try_login(client, "op3", temporary)
    assert (status, location) == (302, "/password")
    response = await client.get("/console", headers={"Accept": "text/html"},
                                allow_redirects=False)
    assert response.headers["Location"] == "/password"
    async with database.engine.connect() as conn:
        entries = await audit.entries(conn, 20)
    added = [e for e in entries if e.action == "user.add"]
    assert added and added[0].actor == "kanri" and added[0].obj == f"user:{created.id}"
    assert added[0].detail == {"role": "operator", "skills": ["hoikuryo", "rojin"]}
    assert all(temporary not in str(e.detail) and "オペ" not in str(e.detail) for e in entries)
    assert any(e.action == "password.reset" and e.actor == "kanri" for e in entries)


async def test_a_duplicate_or_malformed_login_is_a_clear_400(client: TestClient) -> None:
    csrf = await login(client, "kanri")
    for bad in ("op1", "Bad Login", ""):
        status, page, _ = await post_form(client, "/admin/users", csrf, login=bad,
                                          display_name="x", role="operator")
        assert status == 400, bad
        assert 'class="error"' in page and "Traceback" not in page
    status, _, _ = await post_form(client, "/admin/users", csrf, login="op9",
                                   display_name="x", role="boss")
    assert status == 400


async def test_a_manager_cannot_create_or_change_an_admin_but_an_admin_can(
        client: TestClient, database: Database) -> None:
    csrf = await login(client, "kanri")
    status, page, _ = await post_form(client, "/admin/users", csrf, login="root2",
                                      display_name="x", role="admin")
    assert status == 403 and "only an admin" in page
    assert '<option value="admin"' not in (await (await client.get("/admin/users")).text())
    admin_id = await _user_id(database, "sysadm")
    status, _, _ = await post_form(client, f"/admin/users/{admin_id}/active", csrf, active="0")
    assert status == 403
    status, _, _ = await post_form(client, f"/admin/users/{admin_id}/password", csrf)
    assert status == 403
    assert [u.active for u in await accounts.list_users(database) if u.login == "sysadm"] \
        == [True]

    csrf = await login(client, "sysadm")
    status, page, _ = await post_form(client, "/admin/users", csrf, login="root2",
                                      display_name="x", role="admin")
    assert status == 200 and SECRET.search(page)


async def test_disabling_refuses_the_login_and_ends_the_sessions_enabling_restores(
        client: TestClient, database: Database) -> None:
    op1 = await _user_id(database, "op1")
    await login(client, "op1")
    op1_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["sid"].value
    csrf = await login(client, "kanri")
    status, _, location = await post_form(client, f"/admin/users/{op1}/active", csrf,
                                          active="0")
    assert (status, location) == (302, "/admin/users")
    assert client.app[SESSIONS].get(op1_cookie) is None  # logged out at once
    assert (await _try_login(client, "op1", PASSWORD))[0] == 401

    csrf = await login(client, "kanri")
    status, _, _ = await post_form(client, f"/admin/users/{op1}/active", csrf, active="1")
    assert status == 302
    assert (await _try_login(client, "op1", PASSWORD)) == (302, "/console")
    async with database.engine.connect() as conn:
        actions = [(e.actor, e.action, e.obj) for e in await audit.entries(conn, 30)]
    assert ("kanri", "user.disable", f"user:{op1}") in actions
    assert ("kanri", "user.enable", f"user:{op1}") in actions


async def test_nobody_can_disable_or_reset_themselves(client: TestClient,
                                                     database: Database) -> None:
    me = await _user_id(database, "kanri")
    csrf = await login(client, "kanri")
    status, page, _ = await post_form(client, f"/admin/users/{me}/active", csrf, active="0")
    assert status == 400 and "自分のアカウントは無効にできません" in page
    status, _, _ = await post_form(client, f"/admin/users/{me}/password", csrf)
    assert status == 400
    assert [u.active for u in await accounts.list_users(database) if u.login == "kanri"] \
        == [True]


async def test_a_reset_password_is_shown_once_and_the_old_one_stops_working(
        client: TestClient, database: Database) -> None:
    op2 = await _user_id(database, "op2")
    csrf = await login(client, "kanri")
    status, page, _ = await post_form(client, f"/admin/users/{op2}/password", csrf)
    found = SECRET.search(page)
    assert status == 200 and found
    assert (await _try_login(client, "op2", PASSWORD))[0] == 401
    assert await _try_login(client, "op2", found.group(1)) == (302, "/password")


async def test_unknown_accounts_and_bad_bodies_are_4xx(client: TestClient) -> None:
    csrf = await login(client, "kanri")
    headers = {"X-CSRF-Token": csrf}
    for path in ("/admin/users", "/admin/users/1/active", "/admin/users/x/active",
                 "/admin/users/9999/password"):
        response = await client.post(path, json={}, headers=headers, allow_redirects=False)
        assert 400 <= response.status < 500, path
    status, _, _ = await post_form(client, "/admin/users/9999/active", csrf, active="0")
    assert status == 404
