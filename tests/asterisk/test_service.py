"""`dialer serve` wired to the sandbox: the console reports a live Asterisk 22 and database."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import aiohttp

from dialer.app import Service
from dialer.config import Settings
from dialer.pbx import ports
from dialer.pbx.sandbox import SandboxState


async def test_service_reports_asterisk_and_database(
    sandbox_state: SandboxState, settings: Settings, tmp_path: Path
) -> None:
    site = dataclasses.replace(
        settings,
        ami=sandbox_state.ami(),
        web=dataclasses.replace(settings.web, port=ports.free_tcp_port()),
        database=dataclasses.replace(
            settings.database, url=f"sqlite+aiosqlite:///{tmp_path / 'centre.sqlite3'}"),
    )
    service = Service(site)
    await service.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{service.url}api/health") as response:
                body = await response.json()
        assert response.status == 200
        assert body["ami_connected"] is True
        assert body["asterisk_version"].startswith("22.")
        assert body["database_ok"] is True
        assert (tmp_path / "centre.sqlite3").is_file()
    finally:
        await service.stop()
    assert not service.ami.connected
