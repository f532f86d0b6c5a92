"""Every route of the console, checked from its declaration: anonymous users and the wrong
roles are refused, state changes need the CSRF token and a same-origin Origin, and nothing
is ever cacheable. New routes are covered by being declared."""

from __future__ import annotations

import pytest
from aiohttp import WSServerHandshakeError
from aiohttp.test_utils import TestClient

from agent_ui.keys import ACCESS
from agent_ui.security import Access
from tests.component.web.conftest import ACCOUNTS
from tests.component.web.kit import login

JSON = {"Accept": "application/json"}


def declared(client: TestClient) -> list[tuple[str, str, object]]:
    table = client.app[ACCESS]
    return [(method, path.replace("{", "").replace("}", ""), access)
            for (method, path), access in sorted(table.items(), key=lambda kv: kv[0])]


async def test_there_are_routes_for_every_role(client: TestClient) -> None:
    roles = {role for _m, _p, access in declared(client) if isinstance(access, tuple)
             for role in access}
    assert roles == {"operator", "manager", "admin"}


async def test_every_route_refuses_anonymous_users(client: TestClient) -> None:
    for method, path, access in declared(client):
        if access is Access.PUBLIC:
            continue
        response = await client.request(method, path, headers=JSON, allow_redirects=False)
        assert response.status in (401, 403), f"{method} {path}: {response.status}"
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("user", sorted(ACCOUNTS))
async def test_every_route_refuses_the_wrong_role(client: TestClient, user: str) -> None:
    csrf = await login(client, user)
    role = ACCOUNTS[user]
    for method, path, access in declared(client):
        if not isinstance(access, tuple) or role in access:
            continue
        response = await client.request(method, path, headers=JSON | {"X-CSRF-Token": csrf},
                                        allow_redirects=False)
        assert response.status == 403, f"{user} ({role}) {method} {path}: {response.status}"


async def test_state_changes_need_the_csrf_token(client: TestClient) -> None:
    await login(client, "op1")
    for method, path, access in declared(client):
        if method != "POST" or access is Access.PUBLIC:
            continue
        for headers in (JSON, JSON | {"X-CSRF-Token": "forged"}):
            response = await client.post(path, headers=headers, json={},
                                         allow_redirects=False)
            assert response.status == 403, f"POST {path} without a valid CSRF token"


async def test_cross_origin_posts_are_refused_even_with_the_token(client: TestClient) -> None:
    csrf = await login(client, "op1")
    response = await client.post("/api/console/pause", json={"reason": "x"},
                                 headers={"X-CSRF-Token": csrf, "Origin": "http://evil.test"})
    assert response.status == 403


async def test_websockets_refuse_a_foreign_origin_and_anonymous_users(
        client: TestClient) -> None:
    ws_paths = [p for m, p, _a in declared(client) if p.startswith("/ws/")]
    assert ws_paths
    for path in ws_paths:
        with pytest.raises(WSServerHandshakeError):
            await client.ws_connect(path)
    await login(client, "op1")
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/console", headers={"Origin": "http://evil.test"})
    assert refused.value.status == 403


async def test_unknown_paths_and_traversal_are_404_and_never_cached(client: TestClient) -> None:
    for path in ("/nope", "/static/../../dialer/config.py", "/static/%2e%2e/agent_ui/app.py"):
        response = await client.get(path)
        assert response.status in (403, 404), path
        assert response.headers["Cache-Control"] == "no-store"
