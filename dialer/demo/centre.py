"""The demo centre: what `make demo` runs on top of the service.

Fictitious residents (a generated CP932 file, imported like the city's), a calling period around
the demo's clock, simulated residents behind the carrier and simulated seat phones (sipp),
autopilot operators on some seats, and the campaign opened — so the boards move by themselves
while a person watches the console; after a while, residents called earlier call the dedicated
number back (the callback queue and the identity check); every third of them calls in the evening,
after the windows closed (the dedicated number's clock for that caller is shifted), and hears the
out-of-hours message, counted on the board.
"""

from __future__ import annotations

import asyncio
import calendar as monthcal
import dataclasses
import itertools
import logging
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dialer import config
from dialer.adapters.db import batches, users
from dialer.adapters.db.callers import called_numbers
from dialer.app import Service
from dialer.config import Settings
from dialer.demo.autopilot import autopilot
from dialer.demo.documents import seed_demo_documents
from dialer.demo.seed import write_demo_file
from dialer.domain import debt_types
from dialer.domain.calendar import Calendar, DateRange, Period
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls import campaigns
from dialer.services.calls.campaigns import Opening
from dialer.services.governance import accounts
from dialer.services.intake.importer import ImportRequest, IntakeRefused, import_file

log = logging.getLogger(__name__)

DEMO_DEBT_TYPE = "hoikuryo"
AUTOPILOTS = 3
EVENING_EVERY = 3  # every third simulated callback arrives after hours
# The demo's own console accounts (fictitious centre, loopback only), printed in the banner.
DEMO_ACCOUNTS = (("op01", "デモ オペレーター", "operator", "demo-pass-0001"),
                 ("kanri", "デモ 業務管理者", "manager", "demo-manager-01"))
DEMO_MANAGER = "kanri"  # opens the demo's campaign
DEMO_OPENING = Opening(20.0, "progressive", 0.01)


def with_demo_period(settings: Settings, day: date) -> Settings:
    """The demo's debt type callable all month around ``day``; callbacks a week longer."""
    first = day.replace(day=1)
    last = day.replace(day=monthcal.monthrange(day.year, day.month)[1])
    period = Period(f"{day:%Y-%m}", DateRange(first, last),
                    DateRange(first, last + timedelta(days=7)))
    periods = {**settings.calendar.periods, DEMO_DEBT_TYPE: (period,)}
    return dataclasses.replace(
        settings, calendar=dataclasses.replace(settings.calendar, periods=periods))


def demo_instant(settings: Settings, now: datetime) -> datetime:
    """Now if a window is open, else a minute into the next window (the demo clock's start)."""
    cal = config.calendar(with_demo_period(settings, now.date()))
    if cal.is_open(now):
        return now
    opening = cal.next_window_open(now) or now
    return opening + timedelta(minutes=1)


async def run_demo_centre(service: Service, seats: tuple[str, ...],
                          announce: Callable[[], None] = lambda: None) -> None:
    """Seed, put autopilot operators on seats, open the campaign, ``announce`` (the banner:
    the accounts it prints exist by then), and keep the autopilots working."""
    batch_id = await _seed(service)
    await _seed_console(service)
    pilots = []
    async with service.database.transaction() as conn:
        for n in range(1, AUTOPILOTS + 1):
            login = f"autopilot{n:02d}"
            found = await users.by_login(conn, login)
            pilots.append((found.id if found else await users.add(
                conn, login, f"自動オペレーター{n}", "operator"), login))
    for (user_id, login), seat in zip(pilots, seats[1:], strict=False):  # seat01 left for you
        await service.sessions.go_ready(user_id, login, seat)
    await _open_campaign(service, batch_id)
    log.info("demo: %d autopilot operators dialing batch %d", len(pilots), batch_id)
    announce()
    await autopilot(service.runner, service.pool, {uid for uid, _ in pilots}, wrap_s=3.0)


async def _open_campaign(service: Service, batch_id: int) -> None:
    """Opened by the demo's manager the way a manager would (stored, in the access log), so
    the board and the campaigns page show it and a manager can close and open it again; a
    campaign left open by an earlier demo run is open already (the service loaded it)."""
    opened = {c.batch_id for c in await campaigns.listing(service.database, only_open=True)}
    if batch_id not in opened:
        await service.campaigns.open(batch_id, DEMO_MANAGER, DEMO_OPENING)


async def _seed(service: Service) -> int:
    settings = service.settings
    path = write_demo_file(settings.paths.data_dir / "demo" / f"{DEMO_DEBT_TYPE}-demo.csv")
    month = f"{service.now():%Y-%m}"
    try:
        result = await import_file(service.database, settings,
                                   ImportRequest(path, DEMO_DEBT_TYPE, month, actor="demo"))
        return result.batch
    except IntakeRefused:  # imported by an earlier demo run: reuse that batch
        async with service.database.connect() as conn:
            known = [b for b in await batches.list_all(conn) if b.debt_type == DEMO_DEBT_TYPE]
        return known[-1].id


async def _seed_console(service: Service) -> None:
    """The person trying the demo logs in with these; the approved demo script and Q&A."""
    settings = service.settings
    policy = accounts.login_policy(settings)
    for login, name, role, password in DEMO_ACCOUNTS:
        if await accounts.find(service.database, login) is None:
            skills = [DEMO_DEBT_TYPE] if role == "operator" else []
            await accounts.add_user(service.database, login, name, role, skills,
                                    settings.debt_types)
        await accounts.set_password(service.database, "demo", login, password, policy)
    await seed_demo_documents(
        service.database, debt_types.resolve(DEMO_DEBT_TYPE, settings.debt_types),
        settings.centre.name, settings.centre.dedicated_number)


class EveningCallers:
    """The clock the dedicated number judges each caller by: the demo's clock, except for the
    callers marked as calling in the evening — for them it is half an hour after the day's last
    window, so they hear the out-of-hours message while the rest of the centre keeps working."""

    def __init__(self, clock: Callable[[], datetime], calendar: Callable[[], Calendar]) -> None:
        self._clock = clock
        self._calendar = calendar
        self.numbers: set[str] = set()

    def __call__(self, caller: str) -> datetime:
        now = self._clock()
        if _digits(caller) not in self.numbers:
            return now
        windows = self._calendar().windows_on(now.date())
        if not windows:
            return now
        last = max(w.end for w in windows)
        evening = datetime.combine(now.date(), last, now.tzinfo) + timedelta(minutes=30)
        return min(evening, datetime.combine(now.date(), time(23, 59), now.tzinfo))


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


async def simulated_callers(service: Service, state: SandboxState, workdir: Path,
                            first_after_s: float = 45.0, every_s: float = 40.0) -> None:
    """Residents who were called earlier call the dedicated number back, one at a time: they
    wait in the queue (hearing the congestion message when every operator is busy) and reach
    a free operator, who confirms their identity before the record opens. Every
    ``EVENING_EVERY``-th one calls after hours and hears the out-of-hours message."""
    evening = EveningCallers(service.now, lambda: config.calendar(service.settings))
    service.gate.clock_for = evening
    await asyncio.sleep(first_after_s)
    for n in itertools.count(1):
        numbers = await called_numbers(service.database)
        number = random.choice(numbers) if numbers else None  # noqa: S311 - a simulation
        if number is not None:
            if n % EVENING_EVERY == 0:
                evening.numbers.add(_digits(number))
            caller = await sipp.call_in(state.sip_port, state.callers_port,
                                        service.settings.centre.dedicated_number, number,
                                        workdir, wait_ms=90_000)
            await caller.stop(grace_s=120)
            evening.numbers.discard(_digits(number))
        await asyncio.sleep(every_s)
