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


async def test_the_board_shows_operators_results_and_the_contact_rate() -> None:
    from datetime import datetime

    from dialer.domain.inbound import InboundSummary
    from dialer.domain.operators import Operator, SeatState
    from dialer.services.board import Board, ResultRow

    board = Board(datetime(2027, 1, 12, 12, 0), [Operator(1, "<b>op1</b>", "seat01",
                                                         SeatState.ON_CALL)],
                  [ResultRow("101", "納付約束", "", 7), ResultRow("S01", "話中", "", 3)],
                  contacts=7, attempts=10, inbound=InboundSummary(4, 2, 1, 1, 0, 30.0),
                  campaigns=[1], dialing=True)

    async def health() -> Health:
        return HEALTHY

    async def source() -> Board:
        return board

    client = TestClient(TestServer(create_app(health, source)))
    await client.start_server()
    try:
        text = await (await client.get("/")).text()
    finally:
        await client.close()
    assert "接触率 70.0%" in text and "納付約束" in text and "on_call" in text
    assert "<b>op1</b>" not in text and "&lt;b&gt;op1" in text
    assert "放棄 1" in text
