"""The console behind the TLS proxy ([web] public_origin, trusted_proxies, allowed_hosts): the
browser's address comes from X-Forwarded-For only through a trusted proxy (the access log and the
login throttle see the browser, not the proxy, and never a made-up address); the origin a
browser POST must come from is the public one; a Host the centre does not answer to is refused
(DNS rebinding); only the static folder itself is public."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agent_ui import proxy
from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from tests.component.web.kit import login_form_token

PUBLIC = "https://dialer.city.example"


def behind(settings: Settings, **web: object) -> Settings:
    return dataclasses.replace(settings, web=dataclasses.replace(settings.web, **web))


@pytest.fixture
async def make_client(backend: Backend) -> AsyncIterator[object]:
    made: list[TestClient] = []

    async def make(settings: Settings) -> TestClient:
        client = TestClient(TestServer(create_app(dataclasses.replace(
            backend, settings=lambda: settings))))
        await client.start_server()
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


async def failed_login_address(client: TestClient, database: Database, **headers: str) -> str:
    token = await login_form_token(client)
    response = await client.post("/login", data={"csrf": token, "login": "op1",
                                                 "password": "wrong"}, headers=headers)
    assert response.status == 401
    async with database.engine.connect() as conn:
        [entry] = [e for e in await audit.entries(conn, 5) if e.action == "login.failed"][:1]
    return str(entry.detail["address"])


async def test_the_browser_address_comes_only_from_a_trusted_proxy(
    make_client: object, settings: Settings, database: Database,
) -> None:
    trusting = await make_client(behind(settings, trusted_proxies=("127.0.0.1",)))  # type: ignore[operator]
    assert await failed_login_address(trusting, database,
                                      **{"X-Forwarded-For": "203.0.113.9"}) == "203.0.113.9"
    # a browser's made-up hop further left is not believed: the proxy's own entry wins
    assert await failed_login_address(
        trusting, database, **{"X-Forwarded-For": "6.6.6.6, 198.51.100.7"}) == "198.51.100.7"
    direct = await make_client(settings)  # type: ignore[operator]
    assert await failed_login_address(direct, database,
                                      **{"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"


async def test_ten_typos_behind_the_proxy_lock_out_that_browser_only(
    make_client: object, settings: Settings,
) -> None:
    client = await make_client(behind(settings, trusted_proxies=("127.0.0.0/8",)))  # type: ignore[operator]
    token = await login_form_token(client)
    statuses = []
    for _ in range(12):
        response = await client.post("/login", data={"csrf": token, "login": "nobody",
                                                     "password": "x"},
                                     headers={"X-Forwarded-For": "203.0.113.9"})
        statuses.append(response.status)
    assert statuses[-1] == 429  # that browser is throttled…
    other = await client.post("/login", data={"csrf": token, "login": "nobody", "password": "x"},
                              headers={"X-Forwarded-For": "198.51.100.7"})
    assert other.status == 401  # …the next one is not


async def test_posts_must_come_from_the_public_origin(
    make_client: object, settings: Settings,
) -> None:
    client = await make_client(behind(settings, public_origin=PUBLIC,  # type: ignore[operator]
                                      trusted_proxies=("127.0.0.1",)))
    via_proxy = {"Host": "dialer.city.example", "X-Forwarded-Proto": "https"}
    page = await client.get("/login", headers=via_proxy)
    cookie = page.cookies["login_csrf"]
    assert cookie["secure"]  # behind TLS the cookies are Secure (sent back by hand here)
    form = {"csrf": cookie.value, "login": "op1", "password": "wrong"}
    sent = {**via_proxy, "Cookie": f"login_csrf={cookie.value}"}
    ok = await client.post("/login", data=form, headers={**sent, "Origin": PUBLIC})
    assert ok.status == 401  # through the guard: the password was checked
    other = await client.post("/login", data=form, headers={
        **sent, "Origin": f"http://127.0.0.1:{client.port}"})
    assert other.status == 403


async def test_a_host_the_centre_does_not_answer_to_is_refused(
    make_client: object, settings: Settings,
) -> None:
    client = await make_client(behind(settings, public_origin=PUBLIC))  # type: ignore[operator]
    assert (await client.get("/login", headers={"Host": "rebound.attacker.example"})).status \
        == 400
    assert (await client.get("/login", headers={"Host": "dialer.city.example"})).status == 200
    assert (await client.get("/login")).status == 200  # loopback, for the admin on the host


async def test_only_the_static_folder_is_public(client: TestClient) -> None:
    assert (await client.get("/static/console.js")).status == 200
    assert (await client.get("/staticX/console.js")).status in (403, 404)


@pytest.mark.parametrize(("forwarded", "expected"), [
    ("203.0.113.9", "203.0.113.9"),
    ("6.6.6.6, 203.0.113.9", "203.0.113.9"),
    ("203.0.113.9, 10.0.0.5", "203.0.113.9"),  # a second proxy of ours in between
    ("not-an-address", "127.0.0.1"),
    ("", "127.0.0.1"),
])
def test_the_client_is_the_nearest_hop_not_ours(forwarded: str, expected: str) -> None:
    networks = proxy._networks(["127.0.0.1", "10.0.0.0/8"])
    assert proxy.client_address("127.0.0.1", forwarded, networks) == expected
