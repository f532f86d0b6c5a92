"""The suspension orders page (managers): an order entered here halts at once (the service's
Suspensions applies it before the answer), shows on the supervisor board and on every open
operator console, and stays until its release is recorded."""

from __future__ import annotations

import dataclasses

from aiohttp.test_utils import TestClient, TestServer

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer.adapters.db import audit
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.calendar import Suspension
from dialer.services.calls.runner import Campaign
from dialer.services.console.operator_console import OperatorConsole
from dialer.services.console.sessions import OperatorSessions
from dialer.services.governance import suspensions
from dialer.services.runtime.live import operator_topic
from dialer.services.supervision.board import board_message
from tests.component.web.admin_kit import post_form
from tests.component.web.kit import Clock, login
from tests.component.web.test_board import config_file, make_parts
from tests.support.web_parts import service_parts

__all__ = ["config_file"]  # the board's centre: seats and a calling period


async def test_an_order_from_the_page_halts_at_once_and_shows_on_every_board(
        settings: Settings, database: Database, clock: Clock, backend: Backend) -> None:
    parts = make_parts(settings, database, clock)
    sessions = OperatorSessions(parts.link, parts.pool, clock)
    store = DbAttemptStore(database, settings.classification, settings.tz)
    console = OperatorConsole(database, parts.pool, sessions, parts.runner, store,
                              lambda _c: (), lambda: settings, clock, backend.hub)
    service = await service_parts(settings, database, clock, link=parts.link, pool=parts.pool,
                                  runner=parts.runner, board=parts.source, console=console)
    parts.runner.open(Campaign(1, "hoikuryo"))
    app = create_app(dataclasses.replace(backend, board=parts.source, console=console))
    client = TestClient(TestServer(service.attach(app)))
    await client.start_server()
    try:
        csrf = await login(client, "kanri")
        page = await (await client.get("/admin/suspensions")).text()
        assert "発令中の停止命令はありません" in page
        with backend.hub.subscription(operator_topic(7)) as console_feed:
            status, body, location = await post_form(
                client, "/admin/suspensions", csrf, scope="outbound", reason="個人情報の調査",
                city_ref="札幌市財第7号")
            assert (status, location) == (302, "/admin/suspensions"), body
            # applied before the answer: no poll needed for an order entered here
            assert parts.runner.suspension == Suspension(all_calling=True)
            assert not parts.runner.may_dial(Campaign(1, "hoikuryo"))
            pushed = console_feed.get_nowait()
        assert pushed == {"type": "suspension", "suspension": ["架電（全債権）"]}
        assert console.state_message(None, None)["suspension"] == ["架電（全債権）"]
        assert parts.source.changed.is_set()

        board = board_message(await parts.source())
        assert [(o["scope"], o["city_ref"], o["recorded_by"]) for o in board["suspensions"]] \
            == [("outbound", "札幌市財第7号", "kanri")]
        assert [c["state"] for c in board["campaigns"]] == ["suspended"]
        page = await (await client.get("/admin/suspensions")).text()
        assert "個人情報の調査" in page and "札幌市財第7号" in page and "解除を記録" in page

        [order] = await suspensions.active(database)
        status, body, _ = await post_form(client, f"/admin/suspensions/{order.id}/release",
                                          csrf, release_ref="解除第1号")
        assert status == 302, body
        assert parts.runner.suspension == Suspension()
        assert board_message(await parts.source())["suspensions"] == []
        page = await (await client.get("/admin/suspensions")).text()
        assert "解除済み" in page and "解除第1号" in page
        status, body, _ = await post_form(client, f"/admin/suspensions/{order.id}/release",
                                          csrf)
        assert status == 400 and "解除済み" in body
    finally:
        await client.close()
    async with database.engine.connect() as conn:
        actions = [(e.actor, e.action) for e in await audit.entries(conn)]
    assert ("kanri", "suspension.order") in actions and ("kanri", "suspension.release") in actions


async def test_an_order_is_stored_and_a_bad_form_is_400(
        client: TestClient, database: Database) -> None:
    csrf = await login(client, "kanri")
    status, body, _ = await post_form(client, "/admin/suspensions", csrf, scope="data",
                                      reason="", city_ref="第1号")
    assert status == 400 and "reason" in body
    status, body, _ = await post_form(client, "/admin/suspensions", csrf, reason="x",
                                      city_ref="第1号")
    assert status == 400 and "停止する業務を選んでください" in body
    status, body, _ = await post_form(client, "/admin/suspensions", csrf, scope="debt:nope",
                                      reason="x", city_ref="第1号")
    assert status == 400 and "unknown" in body
    status, body, _ = await post_form(client, "/admin/suspensions", csrf, scope="debt:rojin",
                                      reason="x", city_ref="第1号")
    assert status == 302, body
    [order] = await suspensions.active(database)  # the other services poll for it
    assert (order.scope.value, order.debt_type, order.recorded_by) == ("debt_type", "rojin",
                                                                      "kanri")
    status, _body, _ = await post_form(client, "/admin/suspensions/999/release", csrf)
    assert status == 400
    await login(client, "op1")
    assert (await client.get("/admin/suspensions")).status == 403
