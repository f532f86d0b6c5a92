"""Listen-in on the real Asterisk: the manager's phone is rung, ChanSpy attaches to the
resident's channel of the operator's call (bridged with the operator's seat), listen only; it
ends with the call, the operator's seat stays connected, and nothing is written to disk."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.adapters.ami import AmiLink
from dialer.adapters.db.engine import Database
from dialer.adapters.db.migrate import upgrade_database
from dialer.adapters.db.models import AuditEntry
from dialer.config import Settings
from dialer.pbx import sandbox, sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.dial import hang_up, originate_request
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.seats import connect_seat, disconnect_seat
from dialer.services.supervision.listen_in import Listener
from tests.support import ami_wire

AUDIO = {".wav", ".wav49", ".gsm", ".raw", ".sln", ".sln16", ".ulaw", ".alaw", ".g722",
         ".g729", ".mp3", ".ogg", ".au"}


@pytest.fixture
async def farms(sandbox_state: SandboxState, tmp_path: Path) -> AsyncIterator[None]:
    async with sipp.running(["-sn", "uas"], sandbox_state.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], sandbox_state.carrier_port, tmp_path):
        yield


@pytest.fixture
async def chanspy(ami: AmiLink) -> None:
    """asterisk_conf/modules.conf does not load app_chanspy.so yet: load it for this test."""
    answer = await ami_wire.ask(ami, {"Action": "ModuleCheck", "Module": "app_chanspy"})
    if answer.get("Response") != "Success":
        loaded = await ami_wire.ask(ami, {"Action": "ModuleLoad", "Module": "app_chanspy.so",
                                          "LoadType": "load"})
        assert loaded.get("Response") == "Success", dict(loaded)


async def wait_for(events: asyncio.Queue[ami_wire.Raw], match: Callable[[ami_wire.Raw], bool],
                   timeout_s: float = 10.0) -> ami_wire.Raw:
    deadline = time.monotonic() + timeout_s
    while (remaining := deadline - time.monotonic()) > 0:
        raw = await asyncio.wait_for(events.get(), remaining)
        if match(raw):
            return raw
    raise TimeoutError


def files_written(root: Path, since: float) -> list[Path]:
    """Audio files under ``root`` created or changed since ``since`` (any recording)."""
    found = []
    for path in root.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and path.suffix.lower() in AUDIO and path.stat().st_mtime >= since:
                found.append(path)
    return found


async def test_listen_in_spies_on_the_call_listen_only_and_records_nothing(
        ami: AmiLink, sandbox_state: SandboxState, settings: Settings, farms: None,
        chanspy: None, tmp_path: Path) -> None:
    pointed = sandbox.service_settings(settings, sandbox_state)
    pointed = dataclasses.replace(pointed, database=dataclasses.replace(
        pointed.database, url=f"sqlite+aiosqlite:///{tmp_path / 'centre.sqlite3'}"))
    database = Database(pointed)
    await upgrade_database(database)
    operator_seat, manager_phone = sandbox_state.seats[0], sandbox_state.seats[1]
    started = time.time() - 1
    pool = OperatorPool()
    listener = Listener(ami, lambda: pointed, database, pool)
    events = ami_wire.tap(ami)
    seat_channel = await connect_seat(ami, operator_seat)
    try:
        now = datetime.now(UTC)
        pool.add(1, "op1", operator_seat)
        pool.connect(1, seat_channel, now)
        call_id = f"att-{uuid.uuid4().hex}"
        pool.reserve(1, call_id, now)
        ami.originate(originate_request("09000000006", pointed.centre.dedicated_number, 10,
                                       call_id, seat_channel), call_id)
        bridged = await wait_for(events, lambda e: e.get("Event") == "BridgeEnter"
                                 and e.get("Uniqueid") == call_id)
        pool.bridged(call_id, datetime.now(UTC))

        listening = await listener.start("kanri", operator_seat, manager_phone)

        spy = await wait_for(events, lambda e: e.get("Event") == "ChanSpyStart")
        assert spy["SpyeeUniqueid"] == call_id
        assert spy["SpyerChannel"].startswith(f"PJSIP/{manager_phone}-")
        # the spied channel is the one bridged with the operator's seat
        channels = await ami_wire.send(ami, {"Action": "CoreShowChannels"})
        by_id = {m.get("Uniqueid"): m for m in channels if m.get("Event") == "CoreShowChannel"}
        seat_row = next(m for m in by_id.values() if m.get("Channel") == seat_channel)
        assert seat_row.get("BridgeId") == bridged["BridgeUniqueid"]
        spyer = next(m for m in by_id.values()
                     if m.get("Channel") == spy["SpyerChannel"])
        assert spyer.get("Application") == "ChanSpy"
        assert spyer.get("ApplicationData") == f"{call_id},qEuS"
        assert not spyer.get("BridgeId")  # the manager is in no bridge: nobody hears them

        await hang_up(ami, call_id)  # the resident's side ends the call
        stop = await wait_for(events, lambda e: e.get("Event") == "ChanSpyStop")
        assert stop["SpyeeUniqueid"] == call_id
        await wait_for(events, lambda e: e.get("Event") == "Hangup"
                       and e.get("Channel") == spy["SpyerChannel"])  # E: the spy ends too
        live = await ami.live_channel_names()
        assert seat_channel in live  # the operator's seat stays connected
        assert spy["SpyerChannel"] not in live

        async with database.engine.connect() as conn:
            rows = (await conn.execute(select(AuditEntry.actor, AuditEntry.action,
                                              AuditEntry.object, AuditEntry.detail))).all()
        assert [(a, b, c) for a, b, c, _d in rows] == [
            ("kanri", "listen_in.start", f"seat:{operator_seat}")]
        assert json.loads(rows[0][3])["channel"] == listening.channel_id
        assert sandbox_state.host_inner.is_dir()
        assert files_written(sandbox_state.host_inner, started) == []
    finally:
        ami_wire.untap(ami, events)
        await disconnect_seat(ami, seat_channel)
        await database.close()
