"""Helpers of the fault tests (issue 12): the real service on the session sandbox (its AMI port
may be a proxy's), a batch of residents picked by their numbers' last digit (see
``dialer/pbx/sipp/residents.xml``), operators whose results can be held back, and the calls the
simulated residents really received, counted per number from their own SIP trace."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from dialer import config
from dialer.adapters.db import users
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, TargetPhone
from dialer.app import Service
from dialer.config import Settings
from dialer.demo.centre import with_demo_period
from dialer.domain.operators import SeatState
from dialer.pbx import ports, sandbox
from dialer.pbx.sandbox import SandboxState
from dialer.pbx.sipp import SippRun, header
from dialer.services.intake.importer import ImportRequest, import_file
from dialer.services.runtime.clock import Clock
from dialer.services.runtime.tasks import cancel_all
from tests.asterisk.centre import AT
from tests.asterisk.kit import TOKYO, install_test_messages
from tests.component.intake.files import write_csv

INVITE = re.compile(r"^\s*INVITE sip:(\d+)@", re.M)


def resident_rows(numbers: Sequence[str]) -> list[list[str]]:
    """One target per number (a fictitious resident each)."""
    return [[f"F{n:03d}", "障害　試験", "", number, "", "R5", "1", "R5.4.30", "1000"]
            for n, number in enumerate(numbers, start=1)]


def adjuster(state: SandboxState, database: Path, web_port: int, ami_port: int | None = None
             ) -> Callable[[Settings], Settings]:
    """``Service(adjust=…)`` for the sandbox: its AMI (or ``ami_port``), a SQLite file."""
    def adjust(settings: Settings) -> Settings:
        pointed = with_demo_period(sandbox.service_settings(settings, state), AT.date())
        ami = pointed.ami if ami_port is None else dataclasses.replace(pointed.ami, port=ami_port)
        return dataclasses.replace(
            pointed, ami=ami, web=dataclasses.replace(pointed.web, port=web_port),
            database=dataclasses.replace(pointed.database, url=f"sqlite+aiosqlite:///{database}"))
    return adjust


@dataclass
class Served:
    service: Service
    batch: int


@contextlib.asynccontextmanager
async def serving(state: SandboxState, tmp_path: Path, numbers: Sequence[str], *,
                  ami_port: int | None = None) -> AsyncIterator[Served]:
    """The real service (its clock at ``centre.AT``, inside a calling window and period) with
    a batch of one target per number."""
    path = tmp_path / "dialer.toml"
    path.write_text("")
    install_test_messages(state.host_inner / "sounds")
    adjust = adjuster(state, tmp_path / "centre.sqlite3", ports.free_tcp_port(), ami_port)
    service = Service(config.load(path), path, adjust=adjust, watch_interval_s=60,
                      clock=Clock(TOKYO, AT))
    await service.start()
    try:
        batch = (await import_file(service.database, service.settings, ImportRequest(
            write_csv(tmp_path / "hoikuryo.csv", resident_rows(numbers)), "hoikuryo",
            "2027-01"))).batch
        yield Served(service, batch)
    finally:
        await service.stop()


async def seat_operators(service: Service, seats: Iterable[str]) -> list[int]:
    """One operator per seat, ready (their seat phone connected)."""
    ids = []
    for n, seat in enumerate(seats, start=1):
        login = f"fault{n:02d}"
        async with service.database.engine.begin() as conn:
            user_id = await users.add(conn, login, f"障害試験{n}", "operator")
        await service.sessions.go_ready(user_id, login, seat)
        ids.append(user_id)
    return ids


class Pilot:
    """Operators who end every call's wrap-up with ``code`` — unless held (``hold``)."""

    def __init__(self, service: Service, code: str = "101") -> None:
        self.service, self.code = service, code
        self.held: set[int] = set()
        self.saved: list[str] = []  # attempt ids, in order

    async def run(self) -> None:
        runner, pool = self.service.runner, self.service.pool
        while True:
            for op in pool.all():
                if op.state is SeatState.WRAP_UP and op.user_id not in self.held:
                    self.saved.append(await runner.save_result(op.user_id, self.code))
            await asyncio.sleep(0.05)

    def in_wrap_up(self, user_ids: Iterable[int]) -> bool:
        return all(self.service.pool.get(u).state is SeatState.WRAP_UP for u in user_ids)


@contextlib.asynccontextmanager
async def piloting(service: Service, code: str = "101") -> AsyncIterator[Pilot]:
    pilot = Pilot(service, code)
    task = asyncio.create_task(pilot.run())
    try:
        yield pilot
    finally:
        await cancel_all([task])


def calls_received(residents: SippRun) -> Counter[str]:
    """Calls the simulated residents received, per number dialled (distinct Call-IDs: a
    retransmitted INVITE is one call)."""
    seen: set[tuple[str, str]] = set()
    for message in residents.received("INVITE"):
        number = INVITE.search(message)
        if number is not None:
            seen.add((number.group(1), header(message, "Call-ID") or ""))
    return Counter(number for number, _call in seen)


@dataclass(frozen=True)
class AttemptRow:
    id: str
    number: str
    phase: str
    result_code: str | None


async def attempt_rows(database: Database, batch: int) -> list[AttemptRow]:
    """The batch's outbound attempts with the number each dialled (one number per target)."""
    async with database.engine.connect() as conn:
        rows = (await conn.execute(
            select(Attempt.id, TargetPhone.number, Attempt.phase, Attempt.result_code)
            .join(TargetPhone, TargetPhone.target_id == Attempt.target_id)
            .where(Attempt.batch_id == batch, Attempt.direction == "out")
            .order_by(Attempt.created_at))).all()
    return [AttemptRow(*row) for row in rows]
