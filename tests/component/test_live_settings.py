"""One live settings object: a changed configuration file reaches every part of a built service
(the dialplan's calendar include, the daily reports' time, the pages' settings) without a restart;
an invalid file is refused and the last good settings stay in force."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from agent_ui import keys
from dialer import config
from dialer.app import Service
from dialer.config import Settings
from dialer.services.reports import city_reports as reports
from dialer.services.runtime.live_settings import LiveSettings

TOKYO_NOON = datetime.fromisoformat("2027-01-12T12:00:00+09:00")


async def test_replace_adjusts_then_tells_the_hooks_in_order() -> None:
    def adjust(s: Settings) -> Settings:
        return dataclasses.replace(s, centre=dataclasses.replace(s.centre, name="adjusted"))

    live = LiveSettings(Settings(), adjust)
    assert live.current().centre.name == "adjusted"
    heard: list[tuple[str, str]] = []

    async def first(s: Settings) -> None:
        heard.append(("first", s.centre.name))

    async def second(s: Settings) -> None:
        heard.append(("second", live.current().centre.name))

    live.on_change(first)
    live.on_change(second)
    new = dataclasses.replace(Settings(), trunk=dataclasses.replace(Settings().trunk,
                                                                     max_calls_per_s=1.5))
    await live.replace(new)
    assert heard == [("first", "adjusted"), ("second", "adjusted")]
    assert live.current().trunk.max_calls_per_s == 1.5
    assert live.current().centre.name == "adjusted"
    assert live.calendar() == config.calendar(live.current())


async def test_a_changed_file_reaches_the_built_service(tmp_path: Path) -> None:
    path = tmp_path / "dialer.toml"
    path.write_text("")

    def adjust(s: Settings) -> Settings:
        return dataclasses.replace(
            s, asterisk=dataclasses.replace(s.asterisk, conf_dir=tmp_path / "asterisk"),
            database=dataclasses.replace(
                s.database, url=f"sqlite+aiosqlite:///{tmp_path / 'centre.sqlite3'}"))

    service = Service(config.load(path), path, adjust=adjust, watch_interval_s=60)
    try:
        backend = service.web[keys.BACKEND]
        assert backend.settings() is service.settings
        next_year = config.today(service.settings).year + 1
        path.write_text(f'[calendar]\nclosed_days = ["{next_year}-06-10"]\n'
                        '[reports]\ndaily_at = "07:45"\n')
        assert await service.watcher.check()
        closed = {str(d) for d in service.settings.calendar.closed_days}
        assert f"{next_year}-06-10" in closed
        assert service.settings.asterisk.conf_dir == tmp_path / "asterisk"  # adjusted again
        assert backend.settings() is service.settings
        assert service.live.calendar() == config.calendar(service.settings)
        include = service.calendar.path(service.settings).read_text()
        assert "10,jun," in include
        fires = service.scheduler.next_run(reports.JOB_NAME, TOKYO_NOON)
        assert fires is not None and fires.astimezone(service.settings.tz).strftime(
            "%H:%M") == "07:45"

        path.write_text('[calendar]\nclosed_days = ["not a date"]\n')
        assert not await service.watcher.check()
        assert service.settings.calendar.closed_days  # still the last good one
    finally:
        service.scheduler.stop()
        await service.database.close()
