"""The campaigns page (managers): a campaign opened here is dialed at once by this service
(the service's Campaigns applies it before the answer) and by every other one within a second;
closed here, no new call; refused for a debt type whose calling period has ended; in the
access log. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.services.calls.runner import Campaign
from dialer.services.supervision.board import board_message
from tests.component.conftest import config_text
from tests.component.governance.test_campaigns import PERIODS, add_batch
from tests.component.web.admin_kit import post_form
from tests.component.web.kit import Clock, login
from tests.component.web.test_board import PERIOD, make_parts
from tests.support.approved_documents import approve_documents
from tests.support.web_parts import service_parts

pytestmark = pytest.mark.db_tier


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "dialer.toml"
    seats = PERIOD.split("[[periods]]")[0]
    path.write_text(config_text(database_url) + seats + PERIODS, encoding="utf-8")
    return path


async def test_a_manager_opens_and_closes_a_campaign_from_the_page(
        settings: Settings, database: Database, clock: Clock, backend: Backend) -> None:
    parts = make_parts(settings, database, clock)
    service = await service_parts(settings, database, clock, link=parts.link, pool=parts.pool,
                                  runner=parts.runner, board=parts.source)
    batch = await add_batch(database)
    ended = await add_batch(database, "kyushoku")
    app = create_app(dataclasses.replace(backend, board=parts.source))
    client = TestClient(TestServer(service.attach(app)))
    await client.start_server()
    try:
        csrf = await login(client, "kanri")
        page = await (await client.get("/admin/campaigns")).text()
        assert "未開始" in page and f"/admin/campaigns/{batch}/open" in page
        status, body, _ = await post_form(client, f"/admin/campaigns/{batch}/open", csrf)
        assert status == 400 and "架電を開始できません" in body and "業務マニュアル" in body
        await approve_documents(database, "hoikuryo")

        status, body, location = await post_form(
            client, f"/admin/campaigns/{batch}/open", csrf, ring_timeout="25")
        assert (status, location) == (302, "/admin/campaigns"), body
        # applied before the answer: no poll needed for a campaign opened here
        assert parts.runner.campaigns == {batch: Campaign(batch, "hoikuryo", 25.0, month="2027-01")}
        assert parts.source.changed.is_set()
        board = board_message(await parts.source())
        assert [c["batch_id"] for c in board["campaigns"]] == [batch]
        page = await (await client.get("/admin/campaigns")).text()
        assert "架電中" in page and f"/admin/campaigns/{batch}/close" in page

        status, body, _ = await post_form(client, f"/admin/campaigns/{ended}/open", csrf)
        assert status == 400 and "架電を開始できません" in body and "has ended" in body
        status, body, _ = await post_form(client, f"/admin/campaigns/{batch}/open", csrf,
                                          ring_timeout="soon")
        assert status == 400 and "not a number" in body

        status, body, _ = await post_form(client, f"/admin/campaigns/{batch}/close", csrf)
        assert status == 302, body
        assert parts.runner.campaigns == {}
        page = await (await client.get("/admin/campaigns")).text()
        assert "終了（" in page and "kanri" in page
        status, body, _ = await post_form(client, f"/admin/campaigns/{batch}/close", csrf)
        assert status == 400 and "not open" in body
    finally:
        await client.close()
    async with database.engine.connect() as conn:
        logged = [(e.action, e.actor) for e in await audit.entries(conn)]
    assert ("campaign.open", "kanri") in logged and ("campaign.close", "kanri") in logged


async def test_the_page_stores_the_change(
        client: TestClient, database: Database) -> None:
    batch = await add_batch(database)
    await approve_documents(database, "hoikuryo")
    csrf = await login(client, "kanri")
    status, body, _ = await post_form(client, f"/admin/campaigns/{batch}/open", csrf)
    assert status == 302, body
    page = await (await client.get("/admin/campaigns")).text()
    assert "架電中" in page
