"""The only place the service's parts are built, started and stopped (`dialer serve`, `dialer
campaign run` and the demo all run this one `Service`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import cast

from aiohttp import web

from agent_ui import keys
from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer import config
from dialer.adapters.agi import AgiServer
from dialer.adapters.ami import AmiError, AmiLink
from dialer.adapters.db import inbound as inbound_db
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.callers import CallerCandidate
from dialer.adapters.db.engine import Database
from dialer.adapters.db.migrate import upgrade_database
from dialer.adapters.scheduler import Scheduler
from dialer.config import Settings
from dialer.domain import retry
from dialer.domain.reach_scheduling import Policy
from dialer.services.callbacks import gate as callback_gate
from dialer.services.callbacks import messages
from dialer.services.callbacks.admission import SeenOnAmi
from dialer.services.callbacks.callers import CallerFinder, CallerLookup
from dialer.services.callbacks.gate import CallbackGate
from dialer.services.callbacks.hold_music import HoldMusic
from dialer.services.callbacks.tracker import EVENTS as INBOUND_EVENTS
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.calendar_publisher import CalendarPublisher
from dialer.services.calls.campaigns import Campaigns
from dialer.services.calls.line_budget import LineBudget, line_policy
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.call_backs import CallBacks
from dialer.services.console.operator_console import OperatorConsole
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.seat_sync import SeatSync
from dialer.services.console.sessions import OperatorSessions
from dialer.services.governance import access_log, backups
from dialer.services.governance.accounts import login_policy
from dialer.services.governance.suspensions import Suspensions
from dialer.services.recordings.archive import RecordingArchive
from dialer.services.recordings.recorder import Recorder, emergency_hooks
from dialer.services.reports import city_reports as reports
from dialer.services.reports import deadline
from dialer.services.reports.deadline import DeadlineWatch
from dialer.services.runtime.clock import Clock
from dialer.services.runtime.config_watch import ConfigWatcher
from dialer.services.runtime.live import LiveHub
from dialer.services.runtime.live_settings import Adjust, LiveSettings, as_is
from dialer.services.runtime.tasks import cancel_all
from dialer.services.supervision.board import BoardSource, publish_board
from dialer.services.supervision.board_alerts import emergency_hook
from dialer.services.supervision.health import HealthCheck
from dialer.services.supervision.listen_in import Listener

log = logging.getLogger(__name__)

RESTART_DELAY_S = 1.0


class Service:
    """AMI link, database, scheduler, background loops and web console; one start, one stop.

    ``adjust`` is applied to the settings at start and on every reload (the demo uses it to
    point the service at its sandbox). Every part reads the settings in force through
    ``self.live`` (``live.current``, ``live.calendar``), so a reloaded file reaches them all.
    """

    def __init__(self, settings: Settings, config_path: Path | None = None,
                 adjust: Adjust = as_is, watch_interval_s: float = 5.0,
                 clock: Clock | None = None) -> None:
        self.live = LiveSettings(settings, adjust)
        self.now = clock or Clock(self.settings.tz)
        self._build_links()
        self._build_config_watch(config_path, watch_interval_s)
        self._build_seats()
        self._build_callbacks()
        self._build_calls()
        self._build_supervision()
        self._build_web()
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._later: list[tuple[str, Callable[[], Awaitable[None]]]] = []

    @property
    def settings(self) -> Settings:
        """The settings in force now (a reloaded file replaces them)."""
        return self.live.current()

    def _build_links(self) -> None:
        """Asterisk, the database, their health check and the scheduler."""
        self.ami = AmiLink(self.settings.ami)
        self.database = Database(self.settings)
        self.health = HealthCheck(self.settings, self.ami, self.database)
        self.scheduler = Scheduler(self.settings.tz)

    def _build_config_watch(self, config_path: Path | None, watch_interval_s: float) -> None:
        """The configuration file watched; a reload republishes the calendar's dialplan and
        reschedules the daily reports."""
        self.calendar = CalendarPublisher(self.ami, config.today)
        self.watcher = ConfigWatcher(config_path, self.live.replace,
                                     self.calendar.retry_reload, watch_interval_s)
        self.live.on_change(self._config_changed)

    def _build_seats(self) -> None:
        """The operators' seats: who is logged in, their phones kept in step with Asterisk."""
        self.pool = OperatorPool()
        self.seat_sync = SeatSync(self.ami)
        self.ami.on_booted(self.seat_sync.resync)
        self.pool.on_change(self.seat_sync.changed)
        self.sessions = OperatorSessions(self.ami, self.pool, self.now)

    def _build_callbacks(self) -> None:
        """The callback line: calls coming in, the gate's FastAGI answer, who may be calling."""
        self.inbound = InboundTracker(self.ami.live_channel_ids)
        self._inbound_events = self.ami.subscribe(*INBOUND_EVENTS)
        self.callers = CallerLookup(self.database, self.live.calendar, self.now)
        self.gate = CallbackGate(self.live.calendar,
                                 lambda: self.runner.suspension, self.now,
                                 self.inbound.gate_decided, self.callers)
        self.agi = AgiServer(self.settings.agi.host, self.settings.agi.port,
                             {callback_gate.ROUTE: self.gate}, self.settings.agi.allowed_peers,
                             SeenOnAmi(self.inbound.wait_seen, lambda: self.ami.connected))

    def _build_calls(self) -> None:
        """The outbound campaign: the attempts' store and the runner that dials them."""
        calling = self.settings.calling
        self.store = DbAttemptStore(self.database, self.settings.classification,
                                    self.settings.tz, retry.Limits(calling.per_day, calling.total),
                                    instance=self.settings.database.instance,
                                    calendar=self.live.calendar, policy=Policy(calling.policy))
        self.runner = CampaignRunner(
            self.ami, self.store, self.pool, self.live.calendar,
            self.settings.classification, self.settings.centre.dedicated_number, self.now,
            inbound_waiting=self.inbound.waiting,
            callback_result=lambda call, code: inbound_db.set_result(self.database, call, code),
            max_calls_per_s=self.settings.trunk.max_calls_per_s,
            line_budget=LineBudget(lambda: line_policy(self.live.current()),
                                   lambda: self.inbound.calls.values()))
        self.runner.assigned_hold = timedelta(minutes=self.settings.calling.assigned_wait_min)

    def _build_supervision(self) -> None:
        """The board, the live hub, recording, the operator console and listening in."""
        self.report_watch = DeadlineWatch(self.database, self.live.current, self.now)
        self.board = BoardSource(self.database, self.pool, self.runner, self.inbound,
                                 lambda: self.settings.classification, self.now,
                                 settings=self.live.current,
                                 ami_connected=lambda: self.ami.connected,
                                 reports_overdue=lambda: self.report_watch.overdue)
        self.hub = LiveHub()
        self.recorder = Recorder(
            self.ami, RecordingArchive(self.database, self.live.current, self.now),
            self.live.current, self.now)
        self.console = OperatorConsole(
            self.database, self.pool, self.sessions, self.runner, self.store,
            lambda call_id: cast(Sequence[CallerCandidate], self.gate.candidates.get(call_id, ())),
            self.live.current, self.now, self.hub,
            on_emergency=emergency_hooks(self.recorder.started,
                                         emergency_hook(self.hub, self.now)),
            finder=CallerFinder(self.database, self.live.calendar, self.now))
        self.listen_in = Listener(self.ami, self.live.current, self.database, self.pool)

    def _build_web(self) -> None:
        """The web console, and the services its pages use (suspensions, campaigns)."""
        self.web = create_app(Backend(
            self.health, self.board, self.database, self.live.current, self.now,
            self.console, self.hub, login_policy(self.settings)))
        self.web[keys.LISTENER] = self.listen_in
        self.web[keys.RECORDER] = self.recorder
        self.suspensions = Suspensions(self.database, self.runner,
                                       listeners=(self.board.changed.set,
                                                  self.console.suspension_changed))
        self.web[keys.SUSPENSIONS] = self.suspensions
        self.web[keys.CALL_BACKS] = CallBacks(self.database, self.live.calendar,
                                              self.live.current, self.now)
        self.campaigns = Campaigns(self.database, self.runner, self.live.calendar,
                                   lambda: self.now().date(),
                                   listeners=(self.board.changed.set,))
        self.web[keys.CAMPAIGNS] = self.campaigns
        self.hold_music = HoldMusic(self.ami, self.live.current)
        self.web[keys.HOLD_MUSIC] = self.hold_music

    @property
    def url(self) -> str:
        return f"http://{self.settings.web.host}:{self.settings.web.port}/"

    async def start(self) -> None:
        messages.require_all(self.settings)  # the callback line never opens without them
        await upgrade_database(self.database)
        await access_log.require_key(self.database)  # never a service that cannot log
        await self.suspensions.load()  # the city's orders in force, before anything dials
        self.ami.start()
        try:
            await self.ami.wait_connected()
        except AmiError as exc:
            log.warning("%s; the service keeps retrying in the background", exc)
        await self.calendar.publish(self.settings)
        await self.hold_music.reload()  # hold audio installed while nothing could reload it
        await self.agi.start()
        await self.seat_sync.reset([seat.name for seat in self.settings.seats])
        self._supervise("seat-sync", self.seat_sync.run)
        self._supervise("seat-watch", self.sessions.watch)
        self._supervise("inbound-tracker", lambda: self.inbound.run(self._inbound_events))
        self._supervise("inbound-recorder", self._record_inbound)
        self._supervise("console", self.console.run)
        self._supervise("board", lambda: publish_board(self.board, self.hub))
        self._supervise("suspensions", self.suspensions.watch)
        self._supervise("recorder", self.recorder.run)
        self.scheduler.daily("recordings-retention", 3, 30, self.recorder.archive.retention_job)
        await self.runner.recover()
        await self.campaigns.load()  # the campaigns managers left open, before the first tick
        self._supervise("campaigns", self.campaigns.watch)
        self._supervise("attempt-events", self.runner.event_loop)
        self._supervise("dialer", self.runner.dial_loop)
        self.scheduler.daily("calendar-include", 0, 5, self._publish_calendar)
        self.scheduler.every("campaign-windows", 30, self._check_windows)
        self._schedule_reports()
        deadline.schedule_watch(self.scheduler, self.report_watch)
        self._schedule_backup()
        self.scheduler.start()
        self._supervise("config-watch", self.watcher.run)
        self._supervise("ami-liveness", self.ami.liveness_loop)
        self._runner = web.AppRunner(self.web, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.web.host, self.settings.web.port)
        await site.start()
        log.info("console at %s", self.url)
        for name, loop in self._later:
            self._supervise(name, loop)
        self._later.clear()

    async def _record_inbound(self) -> None:
        while True:
            call = await self.inbound.ended.get()
            self.gate.forget(call.channel_id)
            await inbound_db.record(self.database, call)

    async def _check_windows(self) -> None:
        await self.runner.check_windows()

    async def _publish_calendar(self) -> None:
        await self.calendar.publish(self.settings)

    async def _config_changed(self, settings: Settings) -> None:
        """A reloaded configuration (already in force): the parts that act on a change."""
        await self.calendar.publish(settings)
        self._schedule_reports()  # a changed [reports] daily_at applies at once
        self._schedule_backup()  # and a changed [backup] at

    def _schedule_reports(self) -> None:
        """The city's daily reports for yesterday, at [reports] daily_at (before 09:30)."""
        reports.schedule_daily(self.scheduler, self.database, self.live.current, self.now)

    def _schedule_backup(self) -> None:
        """The nightly backup at [backup] at (none when it is empty)."""
        backups.schedule_nightly(self.scheduler, self.database, self.live.current)

    def supervise(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        """Run ``loop`` alongside the service until it stops (restarted if it crashes); a loop
        given before ``start`` begins once the service has started (database migrated)."""
        if self._runner is None:
            self._later.append((name, loop))
        else:
            self._supervise(name, loop)

    def _supervise(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        """Run ``loop`` for the service's lifetime; a crash is logged and the loop restarted."""
        async def guarded() -> None:
            while True:
                try:
                    await loop()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s crashed; restarting in %.0f s", name, RESTART_DELAY_S)
                    await asyncio.sleep(RESTART_DELAY_S)

        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        self._tasks.clear()
        await self.sessions.leave_all()
        await self.agi.stop()
        self.scheduler.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.ami.close()
        await self.database.close()


async def run(service: Service, on_ready: Callable[[Service], None] | None = None) -> None:
    """Run the service until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await service.start()
        if on_ready is not None:
            on_ready(service)
        await stop.wait()
    finally:
        log.info("stopping")
        await service.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):
                loop.remove_signal_handler(signum)
