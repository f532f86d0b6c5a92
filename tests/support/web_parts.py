"""The service parts ``dialer serve`` puts into the web app next to its Backend (dialer/app.py):
listen-in, the recorder, the suspension orders, the campaigns and the hold-audio reload. The
tests' apps get the same objects, built and loaded the same way, so every page runs the one path
production runs.

Nothing here connects to Asterisk: the AMI link is one that never connects unless a test gives
its own (and its own pool, runner, board or console, to share them with the rest of its app).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from agent_ui import keys
from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.services.callbacks.hold_music import HoldMusic
from dialer.services.calls.campaigns import Campaigns
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.operator_console import OperatorConsole
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.governance.suspensions import Suspensions
from dialer.services.recordings.archive import RecordingArchive
from dialer.services.recordings.recorder import Recorder
from dialer.services.supervision.board import BoardSource
from dialer.services.supervision.listen_in import Listener


@dataclass(frozen=True)
class ServiceParts:
    listener: Listener
    recorder: Recorder
    suspensions: Suspensions
    campaigns: Campaigns
    hold_music: HoldMusic

    def attach(self, app: web.Application) -> web.Application:
        """Put every part on ``app``, under the keys ``dialer/app.py`` fills."""
        app[keys.LISTENER] = self.listener
        app[keys.RECORDER] = self.recorder
        app[keys.SUSPENSIONS] = self.suspensions
        app[keys.CAMPAIGNS] = self.campaigns
        app[keys.HOLD_MUSIC] = self.hold_music
        return app


async def service_parts(settings: Settings, database: Database, clock: Callable[[], datetime],
                        *, link: AmiLink | None = None, pool: OperatorPool | None = None,
                        runner: CampaignRunner | None = None, board: BoardSource | None = None,
                        console: OperatorConsole | None = None,
                        listener: Listener | None = None) -> ServiceParts:
    """The parts as ``Service.__init__`` builds them (the suspensions and campaigns telling the
    board and the console, when given, of every change), loaded as ``Service.start`` loads
    them."""
    link = link or AmiLink(settings.ami)  # never connected
    pool = pool or OperatorPool()
    if runner is None:
        store = DbAttemptStore(database, settings.classification, settings.tz)
        runner = CampaignRunner(link, store, pool, lambda: config.calendar(settings),
                                settings.classification, settings.centre.dedicated_number,
                                clock)
    on_board: tuple[Callable[[], object], ...] = (board.changed.set,) if board else ()
    on_console: tuple[Callable[[], object], ...] = (
        (console.suspension_changed,) if console else ())
    recorder = Recorder(link, RecordingArchive(database, lambda: settings, clock),
                        lambda: settings, clock)
    suspensions = Suspensions(database, runner, listeners=on_board + on_console)
    campaigns = Campaigns(database, runner, lambda: config.calendar(settings),
                          lambda: clock().astimezone(settings.tz).date(), listeners=on_board)
    await suspensions.load()
    await campaigns.load()
    return ServiceParts(listener or Listener(link, lambda: settings, database, pool), recorder,
                        suspensions, campaigns, HoldMusic(link, lambda: settings))
