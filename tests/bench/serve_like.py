"""What ``dialer serve`` holds, minus the Asterisk connection, for benchmarks that need a running
service (memory with a large batch): database, campaign runner and autopilot operators,
operator console, live hub with a supervisor board subscribed, the web app on loopback.

The AMI link answers every Originate itself with Asterisk's events (``bench_scale.answers``),
so the runner's whole path — translate, attempt machine, database — runs for every call.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer import config
from dialer.adapters.ami import AmiLink, Originate
from dialer.adapters.ami_events import translate
from dialer.adapters.db import users
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.config_sections import AmiSettings
from dialer.demo.autopilot import autopilot
from dialer.domain.call_events import Channel
from dialer.pbx.ports import free_tcp_port
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.runner import Campaign, CampaignRunner
from dialer.services.console.operator_console import OperatorConsole
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.sessions import OperatorSessions
from dialer.services.runtime.live import BOARD, LiveHub
from dialer.services.runtime.tasks import cancel_all
from dialer.services.supervision.board import BoardSource, publish_board
from dialer.services.supervision.health import Health
from tests.asterisk.kit import PERIOD
from tests.bench import seed

OPERATORS = 20


class AnsweringLink(AmiLink):
    """Connected; every Originate is answered with the events Asterisk would send."""

    def __init__(self, settings: AmiSettings) -> None:
        super().__init__(settings)
        self.placed = 0
        self._rng = random.Random(11)

    @property
    def connected(self) -> bool:
        return True

    def originate(self, fields: Originate, channel_id: str) -> None:
        self.placed += 1
        loop = asyncio.get_running_loop()
        for delay, raw in answers(channel_id, self._rng):
            if (event := translate(raw)) is not None:
                loop.call_later(delay, self._publish, event)

    async def _action(self, fields: Mapping[str, str], timeout_s: float = 5.0) -> Any:
        return []

    async def channels(self, timeout_s: float = 10.0, wait_login: bool = True
                       ) -> list[Channel]:
        return []


def answers(channel_id: str, rng: random.Random) -> list[tuple[float, Mapping[str, str]]]:
    """The AMI events of one call, with their delay after the Originate (seconds)."""
    if rng.random() < 0.3:
        return [(0.3, {"Event": "Newstate", "Uniqueid": channel_id, "ChannelState": "6"}),
                (0.31, {"Event": "BridgeEnter", "Uniqueid": channel_id}),
                (0.32, {"Event": "OriginateResponse", "ChannelId": channel_id,
                        "Response": "Success", "Reason": "4", "Uniqueid": channel_id}),
                (2.3, {"Event": "DialEnd", "DestUniqueid": channel_id, "DialStatus": "ANSWER"}),
                (2.31, {"Event": "Hangup", "Uniqueid": channel_id, "Cause": "16"})]
    return [(0.5, {"Event": "DialEnd", "DestUniqueid": channel_id, "DialStatus": "BUSY"}),
            (0.51, {"Event": "Hangup", "Uniqueid": channel_id, "Cause": "17"}),
            (0.52, {"Event": "OriginateResponse", "ChannelId": channel_id,
                    "Response": "Failure", "Reason": "5", "Uniqueid": channel_id})]


def open_clock() -> Callable[[], datetime]:
    """The calling window's instant, moving with real time (a Tuesday 12:00 in Tokyo)."""
    started = time.monotonic()
    return lambda: seed.NOW + timedelta(seconds=time.monotonic() - started)


async def health() -> Health:
    return Health("bench", "", True, "", True)


async def run_service(path: Path, batch: int, seconds: float) -> int:
    """Run the campaign on ``batch`` of the database at ``path`` for ``seconds``; calls placed."""
    (path.parent / "serve-like.toml").write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{path.name}"\n{PERIOD}')
    settings = config.load(path.parent / "serve-like.toml")
    calendar = config.calendar(settings)
    clock = open_clock()
    database = Database(settings)
    link = AnsweringLink(settings.ami)
    pool = OperatorPool()
    store = DbAttemptStore(database, settings.classification, settings.tz)
    runner = CampaignRunner(link, store, pool, lambda: calendar, settings.classification,
                            settings.centre.dedicated_number, clock,
                            max_calls_per_s=settings.trunk.max_calls_per_s)
    hub = LiveHub()
    console = OperatorConsole(database, pool, OperatorSessions(link, pool, clock), runner, store,
                              lambda _call: (), lambda: settings, clock, hub)
    board = BoardSource(database, pool, runner, InboundTracker(),
                        lambda: settings.classification, clock, settings=lambda: settings,
                        ami_connected=lambda: True)
    app = create_app(Backend(health, board, database, lambda: settings, clock, console, hub))
    site_runner = web.AppRunner(app, access_log=None)
    await site_runner.setup()
    await web.TCPSite(site_runner, "127.0.0.1", free_tcp_port()).start()
    async with database.engine.begin() as conn:
        ids = [await users.add(conn, f"op{n:02d}", f"op{n:02d}", "operator")
               for n in range(OPERATORS)]
    for user_id in ids:
        pool.add(user_id, f"op{user_id}", f"seat{user_id}")
        pool.connect(user_id, f"PJSIP/seat{user_id}-1", clock())
    runner.open(Campaign(batch_id=batch, debt_type="hoikuryo"))
    with hub.subscription(BOARD) as board_queue:
        tasks = [asyncio.create_task(loop) for loop in (
            runner.event_loop(), runner.dial_loop(), console.run(), publish_board(board, hub),
            autopilot(runner, pool, wrap_s=0.5), _drain(board_queue))]
        try:
            await asyncio.sleep(seconds)
        finally:
            await cancel_all(tasks)
            await site_runner.cleanup()
            await database.close()
    return link.placed


async def _drain(queue: asyncio.Queue[Any]) -> None:
    while True:
        await queue.get()
