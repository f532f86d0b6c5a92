"""The status page (managers) and the public health probe."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from aiohttp.test_utils import TestClient, TestServer

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer.domain.inbound import InboundSummary
from dialer.domain.operators import Operator, SeatState
from dialer.domain.reach import Reach
from dialer.services.reports.reach import ListReach
from dialer.services.supervision.board import Board, ResultRow
from dialer.services.supervision.health import Health
from tests.component.web.kit import login


async def test_health_is_public_and_503_when_asterisk_is_down(backend: Backend) -> None:
    async def down() -> Health:
        return Health("c", "011-211-0000", False, "", True)

    client = TestClient(TestServer(create_app(dataclasses.replace(backend, health=down))))
    await client.start_server()
    try:
        response = await client.get("/api/health")
        assert response.status == 503
        assert (await response.json())["ok"] is False
        assert response.headers["Cache-Control"] == "no-store"
    finally:
        await client.close()


async def test_the_favicon_is_public_and_no_404(backend: Backend) -> None:
    client = TestClient(TestServer(create_app(backend)))
    await client.start_server()
    try:
        response = await client.get("/favicon.ico")
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/svg+xml"
        assert (await response.read()).startswith(b"<svg")
    finally:
        await client.close()


async def test_the_status_page_shows_the_board_escaped(backend: Backend) -> None:
    board = Board(datetime(2027, 1, 12, 12, 0), [Operator(1, "<b>op1</b>", "seat01",
                                                         SeatState.ON_CALL)],
                  [ResultRow("101", "納付約束", "", 7), ResultRow("S01", "話中", "", 3)],
                  contacts=7, attempts=10, inbound=InboundSummary(4, 2, 1, 1, 0, 30.0),
                  campaigns=[1], dialing=True,
                  lists=[ListReach(1, "hoikuryo", "2027-01",
                                   Reach(targets=12, excluded=2, contacted=4))])

    async def source() -> Board:
        return board

    client = TestClient(TestServer(create_app(dataclasses.replace(backend, board=source))))
    await client.start_server()
    try:
        await login(client, "kanri")
        response = await client.get("/status")
        text = await response.text()
    finally:
        await client.close()
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "テストセンター" in text and "22.10.1" in text
    assert "接触件数率\n       70.0%" in text and "納付約束" in text and "通話中" in text
    assert "対象者接触率\n       40.0%" in text and "4 / 10 人" in text
    assert "<b>op1</b>" not in text and "&lt;b&gt;op1" in text
    assert "放棄 1" in text
    assert "on_call" not in text and '<meta http-equiv="refresh" content="30">' in text


def test_every_seat_state_has_its_japanese_label() -> None:
    from agent_ui.status_pages import STATE_LABELS

    assert set(STATE_LABELS) == {s.value for s in SeatState}
