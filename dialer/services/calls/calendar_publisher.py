"""Keeps Asterisk's copy of the calendar (extensions_calendar.conf) equal to the service's.

Written at start, every night (the horizon moves) and whenever the configuration file changes;
Asterisk is then asked to reload its dialplan. If the AMI is down, the reload is retried later.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

from dialer.adapters import shared_folders
from dialer.adapters.ami import AmiError, AmiLink
from dialer.config import Settings
from dialer.pbx import render

log = logging.getLogger(__name__)


class CalendarPublisher:
    def __init__(self, ami: AmiLink, today: Callable[[Settings], date]) -> None:
        self._ami = ami
        self._today = today
        self.reload_pending = False

    def path(self, settings: Settings) -> Path:
        return settings.asterisk.conf_dir / render.CALENDAR_FILE

    async def publish(self, settings: Settings) -> bool:
        """Write the include if it changed and reload the dialplan; True if the file changed."""
        text = render.render_calendar(settings, self._today(settings))
        path = self.path(settings)
        changed = not path.is_file() or path.read_text(encoding="utf-8") != text
        if changed:
            _write_atomically(path, text)
            log.info("calendar include rewritten: %s", path)
            self.reload_pending = True
        await self.retry_reload()
        return changed

    async def retry_reload(self) -> None:
        if not self.reload_pending:
            return
        try:
            await self._ami.reload_dialplan()
        except AmiError as exc:
            log.warning("dialplan reload postponed: %s", exc)
            return
        self.reload_pending = False
        log.info("Asterisk dialplan reloaded with the new calendar")


def _write_atomically(path: Path, text: str) -> None:
    shared_folders.make(path.parent)  # Asterisk, another user, includes it
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o644)
    tmp.replace(path)
