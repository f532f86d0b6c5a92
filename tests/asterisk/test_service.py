"""`dialer serve` wired to the sandbox: health, and the calendar kept in step with the TOML."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.adapters.db import inbound as inbound_db
from dialer.app import Service
from dialer.config import Settings
from dialer.domain.calendar import CallbackState
from dialer.pbx import ports, render, sandbox, sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.callbacks.messages import MessagesMissing
from tests.asterisk.kit import install_test_messages
from tests.support import ami_wire


@pytest.fixture
async def service(sandbox_state: SandboxState, tmp_path: Path) -> AsyncIterator[Service]:
    path = tmp_path / "dialer.toml"
    path.write_text("[centre]\nname = \"テスト納付案内センター\"\n")
    web_port = ports.free_tcp_port()

    def adjust(settings: Settings) -> Settings:
        pointed = sandbox.service_settings(settings, sandbox_state)
        return dataclasses.replace(
            pointed,
            web=dataclasses.replace(pointed.web, port=web_port),
            database=dataclasses.replace(
                pointed.database, url=f"sqlite+aiosqlite:///{tmp_path / 'centre.sqlite3'}"),
        )

    install_test_messages(sandbox_state.host_inner / "sounds")
    running = Service(config.load(path), path, adjust=adjust, watch_interval_s=0.2)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
    assert not running.ami.connected


async def test_service_reports_asterisk_and_database(service: Service, tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{service.url}api/health") as response:
            body = await response.json()
    assert response.status == 200
    # the public probe: up or not, nothing more (no version for a scanner, no name)
    assert body == {"ok": True, "ami_connected": True, "database_ok": True}
    health = await service.health()  # the managers' status page shows the rest
    assert health.asterisk_version.startswith("22.")
    assert health.centre == "テスト納付案内センター"
    assert (tmp_path / "centre.sqlite3").is_file()
    assert {"calendar-include", "campaign-windows"} <= set(service.scheduler.job_names())


async def dialplan_has(state: SandboxState, text: str, timeout_s: float = 5.0) -> bool:
    for _ in range(int(timeout_s / 0.1)):
        if text in sandbox.asterisk_rx(state, "dialplan show callback-calendar"):
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_changed_configuration_reaches_the_dialplan(
    service: Service, sandbox_state: SandboxState, tmp_path: Path
) -> None:
    next_year = config.today(service.settings).year + 1
    closed = f"{next_year}-06-10"
    assert not await dialplan_has(sandbox_state, "10,jun,", timeout_s=0.2)
    (tmp_path / "dialer.toml").write_text(f'[calendar]\nclosed_days = ["{closed}"]\n')
    assert await dialplan_has(sandbox_state, "GotoIfTime(*,*,10,jun,Asia/Tokyo?out_of_hours)")
    include = sandbox_state.host_inner / "etc" / render.CALENDAR_FILE
    assert closed in include.read_text()

    # A broken edit is refused: the service keeps the last good calendar.
    (tmp_path / "dialer.toml").write_text('[calendar]\nclosed_days = ["not a date"]\n')
    await asyncio.sleep(0.6)
    assert service.settings.calendar.closed_days  # still the previous, valid one
    assert await dialplan_has(sandbox_state, "10,jun,")


async def test_the_service_answers_the_gate_itself(
    service: Service, sandbox_state: SandboxState, ami: AmiLink, tmp_path: Path,
) -> None:
    events = ami_wire.tap(ami)
    caller = await sipp.call_in(sandbox_state.sip_port, sandbox_state.callers_port,
                                service.settings.centre.dedicated_number, "09055550002",
                                tmp_path, 8000)
    await caller.stop(grace_s=15)
    await asyncio.sleep(0.2)
    seen = [events.get_nowait() for _ in range(events.qsize())]
    ami_wire.untap(ami, events)
    assert not [e for e in seen if e.get("UserEvent") == "DialerGateFallback"]
    assert service.gate.state() is CallbackState.OUT_OF_PERIOD  # no period configured
    for _ in range(40):  # the ended call is recorded for the reports
        recorded = await inbound_db.counts_since(service.database, datetime(2000, 1, 1, tzinfo=UTC))
        if recorded:
            break
        await asyncio.sleep(0.05)
    assert recorded == {"message": 1}
    assert [Path(e["AppData"]).name for e in seen if e.get("Event") == "Newexten"
            and e.get("Application") == "Playback"] == ["out_of_period"]


async def test_the_service_refuses_to_open_the_line_without_its_messages(
    sandbox_state: SandboxState, tmp_path: Path,
) -> None:
    settings = sandbox.service_settings(config.load(None), sandbox_state)
    settings = dataclasses.replace(settings, paths=dataclasses.replace(
        settings.paths, sounds_dir=tmp_path / "no-sounds"))
    with pytest.raises(MessagesMissing) as caught:
        await Service(settings).start()
    assert set(caught.value.names) == {"out_of_hours", "out_of_period", "congestion"}
