"""Emergency recordings in Chromium: the board lists a finished recording's report until the
manager presses 確認; the admin recordings page plays it (an <audio> element fed by the
decrypting route) — with no script error and no CSP violation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.adapters.db import migrate, users
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.domain.login import LoginPolicy
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.governance import accounts
from dialer.services.recordings.archive import RecordingArchive
from dialer.services.runtime.live import LiveHub
from dialer.services.supervision.board import BoardSource, publish_board
from dialer.services.supervision.health import Health
from recordings_policy.lifecycle import begin
from tests.component.recordings.kit import flagged, tone, wav_header
from tests.support.browser import screenshot, serve
from tests.support.web_parts import service_parts

PASSWORD = "manager-pass-42"
NOW = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)
FILE_ID = "7" * 32


@dataclass
class Site:
    url: str
    recording_id: int


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    (tmp_path / "dialer.toml").write_text(
        '[database]\nurl = "sqlite+aiosqlite:///centre.sqlite3"\n', encoding="utf-8")
    settings = config.load(tmp_path / "dialer.toml")
    database = Database(settings)
    await migrate.upgrade_database(database)
    async with database.engine.begin() as conn:
        await users.add(conn, "kanri", "KANRI", "manager")
    await accounts.set_password(database, "setup", "kanri", PASSWORD, LoginPolicy())

    def clock() -> datetime:
        return NOW

    archive = RecordingArchive(database, lambda: settings, clock)
    recording_id = await archive.open(begin(await flagged(database, "att-5", NOW), FILE_ID),
                                      "op1")
    spool = settings.paths.recordings_spool
    spool.mkdir(parents=True)
    audio = tone(1.5)
    (spool / f"{FILE_ID}.wav").write_bytes(wav_header(len(audio), closed=True) + audio)
    await archive.store(recording_id, spool / f"{FILE_ID}.wav", "")

    pool, hub = OperatorPool(), LiveHub()
    runner = CampaignRunner(AmiLink(settings.ami), DbAttemptStore(
        database, settings.classification, settings.tz), pool, lambda: config.calendar(settings),
        settings.classification, settings.centre.dedicated_number, clock)
    source = BoardSource(database, pool, runner, InboundTracker(),
                         lambda: settings.classification, clock, settings=lambda: settings,
                         ami_connected=lambda: True, wall=lambda: NOW.timestamp())

    async def health() -> Health:
        return Health(settings.centre.name, "011-211-0000", True, "22.10.1", True)

    app = create_app(Backend(health, source, database, lambda: settings, clock, hub=hub))
    (await service_parts(settings, database, clock, pool=pool, runner=runner,
                         board=source)).attach(app)
    publisher = asyncio.create_task(publish_board(source, hub, interval_s=0.2))
    try:
        async with serve(app) as url:
            yield Site(url, recording_id)
    finally:
        publisher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await publisher
        await database.close()


async def test_the_board_shows_the_report_until_acknowledged_and_the_page_plays_it(
        site: Site, page: Page) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    await page.goto(f"{site.url}/login")
    await page.fill("input[name=login]", "kanri")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{site.url}/board")

    row = page.locator(f"#recording-{site.recording_id}")
    await expect(row).to_contain_text("保管中")
    assert "脅迫" in await row.inner_text() and "att-5" in await row.inner_text()
    await screenshot(page, "board-recordings")
    await row.locator("button").click()
    await expect(page.locator("#recordings-card")).to_be_hidden()

    await page.goto(f"{site.url}/admin/recordings")
    audio = page.locator(f"#recording-{site.recording_id} audio")
    await expect(audio).to_have_count(1)
    duration = await audio.evaluate(
        """(el) => new Promise((resolve, reject) => {
             el.addEventListener("loadedmetadata", () => resolve(el.duration));
             el.addEventListener("error", () => reject(new Error("audio error")));
             el.load();
           })""")
    assert abs(duration - 1.5) < 0.1
    assert "確認済み" in await page.inner_text(f"#recording-{site.recording_id}")
    await screenshot(page, "admin-recordings")
    assert problems == []
