"""Notices when the configuration file changes and hands over the new, validated settings.

An invalid new file is refused (every problem logged) and the service keeps running on the last
good settings, so a typo in the TOML never takes the centre down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from dialer import config
from dialer.config import ConfigError, Settings

log = logging.getLogger(__name__)

OnChange = Callable[[Settings], Awaitable[None]]
Tick = Callable[[], Awaitable[None]]


class ConfigWatcher:
    def __init__(self, path: Path | None, on_change: OnChange, tick: Tick,
                 interval_s: float = 5.0) -> None:
        self._path = path
        self._on_change = on_change
        self._tick = tick
        self._interval_s = interval_s
        self._seen = self._signature()

    def _signature(self) -> tuple[int, int] | None:
        if self._path is None:
            return None
        try:
            stat = self._path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.check()
            await self._tick()

    async def check(self) -> bool:
        """Load the file if it changed; True when new settings were handed over."""
        signature = self._signature()
        if signature is None or signature == self._seen:
            return False
        self._seen = signature
        try:
            settings = config.load(self._path)
        except ConfigError as exc:
            log.error("%s: kept the previous configuration (%d problems)\n%s",
                      exc.source, len(exc.problems), "\n".join(exc.problems))
            return False
        log.info("configuration reloaded from %s", self._path)
        await self._on_change(settings)
        return True
