"""What the boards show about the service itself: is Asterisk reachable, is the database."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from dialer.adapters.ami import AmiError, AmiLink
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain import phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    centre: str
    dedicated_number: str
    ami_connected: bool
    asterisk_version: str
    database_ok: bool

    @property
    def ok(self) -> bool:
        return self.ami_connected and self.database_ok


class HealthCheck:
    """The service's health, asked of Asterisk and the database at most once a ``ttl_s``
    (the public probe cannot make the service flood Asterisk)."""

    def __init__(self, settings: Settings, ami: AmiLink, database: Database,
                 ttl_s: float = 1.0) -> None:
        self._settings = settings
        self._ami = ami
        self._database = database
        self._ttl_s = ttl_s
        self._last: tuple[float, Health] | None = None

    async def __call__(self) -> Health:
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < self._ttl_s \
                and self._last[1].ami_connected == self._ami.connected:
            return self._last[1]
        health = await self._fresh()
        self._last = (now, health)
        return health

    async def _fresh(self) -> Health:
        return Health(
            centre=self._settings.centre.name,
            dedicated_number=phone.display(self._settings.centre.dedicated_number),
            ami_connected=self._ami.connected,
            asterisk_version=await self._asterisk_version(),
            database_ok=await self._database.ping(),
        )

    async def _asterisk_version(self) -> str:
        if not self._ami.connected:
            return ""
        try:
            return (await self._ami.core_settings()).asterisk_version
        except AmiError as exc:
            log.warning("AMI did not answer CoreSettings: %s", exc)
            return ""
