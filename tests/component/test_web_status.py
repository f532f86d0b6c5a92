"""The console's status page and health API, served by aiohttp with a stand-in health source."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agent_ui.app import create_app
from dialer.services.health import Health

HEALTHY = Health("テストセンター", "011-211-0000", True, "22.10.1", True)


async def client_for(health: Health) -> TestClient:
    async def source() -> Health:
        return health

    client = TestClient(TestServer(create_app(source)))
    await client.start_server()
    return client


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    client = await client_for(HEALTHY)
    yield client
    await client.close()


async def test_status_page_shows_the_centre_and_is_never_cached(client: TestClient) -> None:
    response = await client.get("/")
    assert response.status == 200
    text = await response.text()
    assert "テストセンター" in text and "22.10.1" in text
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_health_is_503_when_asterisk_is_down() -> None:
    client = await client_for(Health("c", "011-211-0000", False, "", True))
    try:
        response = await client.get("/api/health")
        assert response.status == 503
        assert (await response.json())["ok"] is False
    finally:
        await client.close()


async def test_html_in_names_is_escaped() -> None:
    client = await client_for(Health("<script>alert(1)</script>", "x", True, "22", True))
    try:
        text = await (await client.get("/")).text()
        assert "<script>alert(1)" not in text and "&lt;script&gt;" in text
    finally:
        await client.close()


async def test_unknown_paths_and_traversal_are_404(client: TestClient) -> None:
    assert (await client.get("/nope")).status == 404
    assert (await client.get("/static/../../dialer/config.py")).status in (403, 404)
