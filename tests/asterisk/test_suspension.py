"""Suspension orders on the real sandbox (§14(11)ウ): `dialer suspend`, typed in another
process while a campaign dials, stops new dials within one second; the callback line answers
SUSPENDED (the out-of-period message); the operator's console and the board show the order; a
restarted service keeps it until `dialer release`. At the end, `dialer erase --all` leaves
none of the residents' names or numbers in the database file, its WAL, the recording store, the
outbox or the data folder of a centre that really ran."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import select

from dialer import config
from dialer.adapters.db.migrate import upgrade_database
from dialer.adapters.db.models import InboundCallRecord
from dialer.app import Service
from dialer.config import Settings
from dialer.demo.centre import with_demo_period
from dialer.domain.calendar import Suspension
from dialer.domain.login import LoginPolicy
from dialer.pbx import ports, sandbox, sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign
from dialer.services.governance import accounts
from dialer.services.governance.suspensions import Suspensions
from dialer.services.intake.importer import ImportRequest, import_file
from dialer.services.runtime.clock import Clock
from tests.asterisk.centre import AT, CALLER, PASSWORD, Centre
from tests.asterisk.kit import TOKYO, install_test_messages, until
from tests.component.governance.conftest import until as seconds_until
from tests.component.intake.files import write_csv

# Forty residents who are busy (number ending in 1): every dial ends at once, so the campaign
# keeps dialing, one call after another, until it is stopped.
BUSY = [[f"S{n:03d}", f"話中　{n:03d}", "", f"09077{n:05d}1", "", "R5", "1", "R5.4.30", "1000"]
        for n in range(1, 41)]


def app_wired(service: Service) -> Suspensions | None:
    found = getattr(service, "suspensions", None)
    return found if isinstance(found, Suspensions) else None


def wire(service: Service) -> Suspensions:
    """The service's suspension orders, wired as dialer/app.py is to wire them (used while the
    service does not build its own ``suspensions``)."""
    orders = Suspensions(service.database, service.runner,
                         listeners=(service.board.changed.set, service.console.suspension_changed))
    service.suspensions = orders  # type: ignore[attr-defined]
    return orders


async def start_wired(service: Service) -> None:
    """Start ``service`` with its orders loaded before anything dials or answers."""
    if app_wired(service) is not None:
        await service.start()
        return
    orders = wire(service)
    await upgrade_database(service.database)
    await orders.load()
    await service.start()
    service.supervise("suspensions", orders.watch)


async def attach(service: Service) -> None:
    """The same for a service already started (the ``centre`` fixture's)."""
    if app_wired(service) is None:
        orders = wire(service)
        await orders.load()
        service.supervise("suspensions", orders.watch)


def cli_config(tmp_path: Path, service: Service) -> Path:
    """A configuration for `dialer` commands typed beside the running service: its database."""
    database = config.database_file(service.settings)
    path = tmp_path / "cli.toml"
    path.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{database}"\n', encoding="utf-8")
    return path


async def dialer(cfg: Path, *args: str) -> str:
    """`dialer ARGS…` in a process of its own (it cannot reach the service's memory)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dialer", "--config", str(cfg), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


def count_originates(service: Service) -> list[float]:
    """When each Originate of a call to a resident left for Asterisk (monotonic seconds); the
    seat phones' own calls (an operator going ready) are not counted."""
    sent: list[float] = []
    original = service.ami.originate

    def counting(fields: object, channel_id: str) -> None:
        if channel_id.startswith("att-"):
            sent.append(time.monotonic())
        original(fields, channel_id)  # type: ignore[arg-type]

    service.ami.originate = counting  # type: ignore[method-assign]
    return sent


async def test_an_order_typed_in_another_process_stops_the_campaign_within_a_second(
        centre: Centre, tmp_path: Path) -> None:
    service, operator = centre.service, centre.operator
    await attach(service)
    batch = (await import_file(service.database, service.settings, ImportRequest(
        write_csv(tmp_path / "hoikuryo-busy.csv", BUSY), "hoikuryo", "2027-01"))).batch
    cfg = cli_config(tmp_path, service)
    sent = count_originates(service)
    status, _ = await operator.post("/api/console/ready", {"seat": "seat01"})
    assert status == 200
    service.runner.open(Campaign(batch, "hoikuryo", ring_timeout_s=5))
    assert await until(lambda: len(sent) >= 3, 20)  # dialing, one busy resident after another

    await dialer(cfg, "suspend", "--scope", "outbound", "--scope", "callbacks",
                 "--reason", "市の指示（調査）", "--city-ref", "札幌市財第1号", "--as", "kanri")
    recorded = time.monotonic()  # the order is committed: the process has exited
    applied = await seconds_until(lambda: service.runner.suspension.all_calling, 1.0)
    assert applied is not None and applied < 1.0
    await asyncio.sleep(3.0)
    late = [t - recorded for t in sent if t > recorded + 1.0]
    assert late == [], f"Originates after the order: {late}"
    assert service.runner.suspension == Suspension(all_calling=True, callbacks=True)
    frame = await operator.frame(lambda f: f.get("type") == "suspension"
                                 and bool(f["suspension"]), timeout_s=5)
    assert frame["suspension"] == ["架電（全債権）", "折返し対応"]
    board = await service.board()
    assert [str(c.state) for c in board.campaign_states] == ["suspended"]
    assert [o.city_ref for o in board.suspensions] == ["札幌市財第1号", "札幌市財第1号"]

    # the callback line answers SUSPENDED: the out-of-period message, then the line hangs up
    caller = await sipp.call_in(centre.state.sip_port, centre.state.callers_port,
                                service.settings.centre.dedicated_number, CALLER, tmp_path,
                                20000)
    try:
        async def gate_said() -> tuple[str, str] | None:
            async with service.database.engine.connect() as conn:
                row = (await conn.execute(select(InboundCallRecord.gate_state,
                                                 InboundCallRecord.message))).first()
            return (row[0], row[1]) if row else None
        for _ in range(200):
            if await gate_said():
                break
            await asyncio.sleep(0.1)
        assert await gate_said() == ("SUSPENDED", "out_of_period")
    finally:
        await caller.stop(grace_s=5)

    before = len(sent)
    out = await dialer(cfg, "suspensions", "--json")
    for order_id in (o["id"] for o in json.loads(out)):
        await dialer(cfg, "release", str(order_id), "--as", "kanri")
    released = time.monotonic()
    assert await until(lambda: len(sent) > before, 10)  # dialing again once released
    assert sent[before] - released < 1.5
    service.runner.close(batch)


@asynccontextmanager
async def a_service(state: SandboxState, tmp_path: Path) -> AsyncIterator[Service]:
    """The real service on the sandbox (as tests/asterisk/centre.py builds it), on one SQLite
    file in ``tmp_path``: a second one started later is the same centre restarted."""
    path = tmp_path / "dialer.toml"
    path.write_text("")
    web_port = ports.free_tcp_port()

    def adjust(settings: Settings) -> Settings:
        pointed = with_demo_period(sandbox.service_settings(settings, state), AT.date())
        return dataclasses.replace(
            pointed, web=dataclasses.replace(pointed.web, port=web_port),
            database=dataclasses.replace(
                pointed.database, url=f"sqlite+aiosqlite:///{tmp_path / 'centre.sqlite3'}"))

    service = Service(config.load(path), path, adjust=adjust, watch_interval_s=60,
                      clock=Clock(TOKYO, AT))
    try:
        await start_wired(service)
        yield service
    finally:
        await service.stop()


async def test_an_order_survives_a_restart_until_it_is_released(
        sandbox_state: SandboxState, tmp_path: Path) -> None:
    install_test_messages(sandbox_state.host_inner / "sounds")
    async with sipp.running(["-sn", "uas"], sandbox_state.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], sandbox_state.carrier_port, tmp_path):
        async with a_service(sandbox_state, tmp_path) as first:
            settings = first.settings
            batch = (await import_file(first.database, settings, ImportRequest(
                write_csv(tmp_path / "hoikuryo-busy.csv", BUSY), "hoikuryo", "2027-01"))).batch
            for login, role in (("kanri", "manager"), ("op1", "operator")):
                await accounts.add_user(first.database, login, login, role, ["hoikuryo"],
                                        settings.debt_types)
                await accounts.set_password(first.database, "setup", login, PASSWORD,
                                            LoginPolicy())
            op1 = await accounts.find(first.database, "op1")
            assert op1 is not None
            cfg = cli_config(tmp_path, first)
            await dialer(cfg, "suspend", "--scope", "保育所等保育料", "--reason", "調査",
                         "--city-ref", "札幌市財第2号", "--as", "kanri")
            assert await until(lambda: first.runner.suspension.stops_calling("hoikuryo"), 1)

        async with a_service(sandbox_state, tmp_path) as second:  # the restart
            assert second.runner.suspension == Suspension(debt_types=frozenset({"hoikuryo"}))
            sent = count_originates(second)
            await second.sessions.go_ready(op1.id, "op1", "seat01")
            second.runner.open(Campaign(batch, "hoikuryo", ring_timeout_s=5))
            await asyncio.sleep(3.0)
            assert sent == []  # an operator ready, the window open: still nothing dialed
            board = await second.board()
            assert [str(c.state) for c in board.campaign_states] == ["suspended"]

            await dialer(cfg, "release", "1", "--ref", "解除", "--as", "kanri")
            released = time.monotonic()
            assert await until(lambda: bool(sent), 10)
            assert sent[0] - released < 1.5
            second.runner.close(batch)
            db_file = config.database_file(second.settings)
            paths = second.settings.paths

    # End of contract: erase everything this centre held, then look for it byte by byte.
    assert db_file is not None
    values = [v for row in BUSY for v in (row[1], row[3])]
    places = [db_file, db_file.with_name(db_file.name + "-wal"), paths.recordings_dir,
              paths.outbox_dir, paths.data_dir]
    assert byte_scan(places, values)  # the scan does see them before
    out = await dialer(cfg, "erase", "--all", "--yes", "--as", "kanri", "--json")
    assert json.loads(out)["ok"]
    assert byte_scan(places, values) == []


def byte_scan(places: list[Path], values: list[str]) -> list[tuple[str, str]]:
    """Every (file, value) where a value's UTF-8 or CP932 bytes occur."""
    files = [f for p in places for f in ([p] if p.is_file() else
                                         sorted(p.rglob("*")) if p.is_dir() else [])
             if f.is_file()]
    return [(str(f), v) for f in files for v in values for enc in ("utf-8", "cp932")
            if v.encode(enc) in f.read_bytes()]
