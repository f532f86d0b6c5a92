"""The only place the service's parts are built, started and stopped (`dialer serve`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from agent_ui.app import create_app
from dialer.adapters.ami import AmiError, AmiLink
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.services.health import HealthCheck

log = logging.getLogger(__name__)


class Service:
    """AMI link, database and web console, with one start and one stop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ami = AmiLink(settings.ami)
        self.database = Database(settings)
        self.health = HealthCheck(settings, self.ami, self.database)
        self.web = create_app(self.health)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.web.host}:{self.settings.web.port}/"

    async def start(self) -> None:
        self.ami.start()
        try:
            await self.ami.wait_connected()
        except AmiError as exc:
            log.warning("%s; the service keeps retrying in the background", exc)
        self._runner = web.AppRunner(self.web, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.web.host, self.settings.web.port)
        await site.start()
        log.info("console at %s", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.ami.close()
        await self.database.close()


async def run(settings: Settings, on_ready: Callable[[Service], None] | None = None) -> None:
    """Run the service until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    service = Service(settings)
    try:
        await service.start()
        if on_ready is not None:
            on_ready(service)
        await stop.wait()
    finally:
        log.info("stopping")
        await service.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):
                loop.remove_signal_handler(signum)
