"""board.js in Chromium: the live board fills from the websocket (figures, hourly SVG chart,
operators), an emergency alert shows a red banner until dismissed, listen-in is asked for with
the manager's phone — with no script error and no CSP violation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import insert, update

from agent_ui import keys
from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer import config
from dialer.adapters.ami import AmiLink, Originate, originate_headers
from dialer.adapters.db import migrate, users
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Batch, Target
from dialer.domain.login import LoginPolicy
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.runner import Campaign, CampaignRunner
from dialer.services.console.call_backs import CallBacks
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.governance import accounts
from dialer.services.runtime.live import LiveHub
from dialer.services.supervision.board import BoardSource, publish_board
from dialer.services.supervision.board_alerts import emergency_alert
from dialer.services.supervision.health import Health
from dialer.services.supervision.listen_in import Listener
from recordings_policy.emergency import EmergencyFlag
from tests.support.browser import screenshot, serve
from tests.support.web_parts import service_parts

PASSWORD = "manager-pass-42"  # the test account's password
NOW = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo, a Tuesday
CONFIG = """
[database]
url = "sqlite+aiosqlite:///centre.sqlite3"
[paths]
data_dir = "data"
[[seats]]
name = "seat01"
contact = "sip:seat01@127.0.0.1:5999"
[[seats]]
name = "kanri01"
contact = "sip:kanri01@127.0.0.1:5999"
[[periods]]
debt_type = "hoikuryo"
month = "2027-01"
calling = ["2027-01-04", "2027-01-29"]
callback = ["2027-01-04", "2027-02-05"]
"""
# (local hour, code) of today's outbound results: 6 calls, 4 contacts
CALL_BACK_AT = NOW + timedelta(hours=2)  # agreed by op1 on the 106 call: 14:00 in Tokyo
RESULTS = [(10, "101"), (10, "S02"), (11, "103"), (11, "101"), (12, "S01"), (12, "106")]


class FakeLink:
    connected = True

    def __init__(self) -> None:
        self.originated: list[dict[str, Any]] = []

    async def module_loaded(self, module: str) -> bool:
        return True

    def originate(self, request: Originate, channel_id: str) -> None:
        self.originated.append(originate_headers(request, channel_id))


@dataclass
class Board:
    url: str
    hub: LiveHub
    link: FakeLink


@pytest.fixture
async def board(tmp_path: Path) -> AsyncIterator[Board]:
    (tmp_path / "dialer.toml").write_text(CONFIG, encoding="utf-8")
    settings = config.load(tmp_path / "dialer.toml")
    database = Database(settings)
    await migrate.upgrade_database(database)
    async with database.engine.begin() as conn:
        ids = {login: await users.add(conn, login, login.upper(), role)
               for login, role in (("kanri", "manager"), ("op1", "operator"))}
        batch = (await conn.execute(insert(Batch).values(
            debt_type="hoikuryo", month="2027-01", source_name="f.csv", sha256="0" * 64,
            encoding="cp932", imported_by="kanri").returning(Batch.id))).scalar_one()
        target = (await conn.execute(insert(Target).values(
            batch_id=batch, ref="R1", name="テスト", source_row=2)
            .returning(Target.id))).scalar_one()
        for n, (hour, code) in enumerate(RESULTS):
            at = datetime(2027, 1, 11, 15, 0, tzinfo=UTC) + timedelta(hours=hour, minutes=n)
            promise = {"appointment_at": CALL_BACK_AT, "operator_id": ids["op1"]} \
                if code == "106" else {}
            await conn.execute(insert(Attempt).values(
                id=f"a{n}", batch_id=batch, target_id=target, phase="done", created_at=at,
                result_code=code, result_at=at, direction="out", **promise))
        await conn.execute(update(Target).where(Target.id == target).values(
            next_due_at=CALL_BACK_AT))
    await accounts.set_password(database, "setup", "kanri", PASSWORD, LoginPolicy())

    def clock() -> datetime:
        return NOW

    pool, link, hub = OperatorPool(), FakeLink(), LiveHub()
    runner = CampaignRunner(AmiLink(settings.ami), DbAttemptStore(database, settings.classification,
                                                                  settings.tz),
                            pool, lambda: config.calendar(settings), settings.classification,
                            settings.centre.dedicated_number, clock)
    runner.open(Campaign(batch, "hoikuryo"))
    pool.add(2, "op1", "seat01", frozenset({"hoikuryo"}))
    pool.connect(2, "PJSIP/seat01-00000001", NOW - timedelta(minutes=4))
    pool.reserve(2, "att-7", NOW - timedelta(minutes=2))
    pool.bridged("att-7", NOW - timedelta(seconds=70))
    source = BoardSource(database, pool, runner, InboundTracker(),
                         lambda: settings.classification, clock, settings=lambda: settings,
                         ami_connected=lambda: True, wall=lambda: NOW.timestamp())

    async def health() -> Health:
        return Health(settings.centre.name, "011-211-0000", True, "22.10.1", True)

    app = create_app(Backend(health, source, database, lambda: settings, clock, hub=hub))
    listener = Listener(link, lambda: settings, database, pool)  # type: ignore[arg-type]
    (await service_parts(settings, database, clock, pool=pool, runner=runner, board=source,
                         listener=listener)).attach(app)
    app[keys.CALL_BACKS] = CallBacks(database, lambda: config.calendar(settings),
                                     lambda: settings, clock)
    publisher = asyncio.create_task(publish_board(source, hub, interval_s=0.2))
    try:
        async with serve(app) as url:
            yield Board(url, hub, link)
    finally:
        publisher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await publisher
        await database.close()


async def test_the_board_fills_live_alerts_and_asks_for_listen_in(board: Board,
                                                                  page: Page) -> None:
    # (``board`` first: the page, and its websocket, are closed before the server stops)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)  # the favicon too
    await page.set_viewport_size({"width": 1400, "height": 1000})
    await page.goto(f"{board.url}/login")
    await page.fill("input[name=login]", "kanri")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{board.url}/board")

    await expect(page.locator("#total-calls")).to_have_text("6")  # CSP: no eval, no strings
    assert await page.inner_text("#total-rate") == "66.7%"  # 接触件数率: 4 contacts, 6 calls
    assert await page.inner_text("#person-rate") == "100.0%"  # the one person was reached
    assert "met" in (await page.get_attribute("#person-rate", "class") or "")
    assert await page.inner_text("#persons-contacted") == "1"
    assert await page.inner_text("#person-rate-hoikuryo") == "100.0%"
    assert await page.locator("svg.hours rect.calls").count() == 12  # 9:00-20:00 at least
    assert await page.locator("svg.hours circle.rate").count() == 3
    assert await page.locator("#debt-types tr").count() == 8  # every configured debt type
    assert await page.inner_text("#contact-rate-hoikuryo") == "66.7%"
    assert await page.inner_text("#contact-rate-kyushoku") == "—"
    assert "保育所等保育料" in await page.inner_text("#debt-types")
    # the one target is due again at the agreed call back, 14:00: the centre is quiet, and says why
    campaigns = await page.inner_text("#campaigns")
    assert "本日の架電対象なし" in campaigns and "次回 1/12 14:00" in campaigns, campaigns
    assert "通話中" in await page.inner_text("#operators")
    assert "保育所等保育料" in await page.inner_text("#operators")  # op1's skill
    await expect(page.locator("#call-backs-targets tr")).to_have_count(1)  # the call-back list
    assert (await page.inner_text("#call-backs-targets tr")).split("\t")[1:] == [
        "保育所等保育料", "R1", "op1", "予定"]
    assert "約束 1 件" in await page.inner_text("#call-backs-count")

    emergency_alert(board.hub, EmergencyFlag("att-7", "threat", "not_asked"), "op1", NOW)
    banner = page.locator(".alerts .alert")
    await banner.wait_for()
    assert "脅迫" in await banner.inner_text() and "att-7" in await banner.inner_text()
    await screenshot(page, "board")
    await banner.locator("button").click()
    await banner.wait_for(state="detached")

    await page.select_option("#listen-phone", "kanri01")
    await page.click("#operators button")
    await expect(page.locator("#listen-message")).to_contain_text("呼び出しています")
    assert board.link.originated[0]["Data"] == "att-7,qEuS"
    assert problems == []
