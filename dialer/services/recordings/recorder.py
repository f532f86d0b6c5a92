"""Emergency recording on a live call: the emergency flag starts MixMonitor on that call over
the AMI; the recording stops when the call ends or a manager stops it; the file is then sealed
into the store and reported (``RecordingArchive``).

Nothing else starts a recording (``recordings_policy``): no dialplan line records, and this is
the only code that sends ``MixMonitor``. ``started`` is the operator console's emergency hook
(``OperatorConsole(on_emergency=…)``); it never raises — a recording that cannot start is
stored as failed, reported, and shown on the board like any other.

The call is the resident's channel, named by its unique id (the attempt id of an outbound call,
the caller's Uniqueid of a callback): it carries both voices and ends with the call. MixMonitor
runs with no option: both directions mixed into one 8 kHz WAV, written by Asterisk into the
recordings spool (``[asterisk] recordings_spool``; the service reads it as ``[paths]
recordings_spool``). ``format_wav`` fills in the WAV's sizes when it closes the file; the
service seals the file only then.

Asterisk sends ``FullyBooted`` at every AMI login, so ``run`` reconciles at start and after
every reconnect: a recording whose call ended unseen is stored, one whose call goes on is
followed again, and plain spool files of no running recording are destroyed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dialer.adapters.ami import AmiError, AmiLink
from dialer.adapters.recording_vault import shred, wav_closed
from dialer.config import Settings
from dialer.domain.call_events import AsteriskBooted, ChannelHungUp, RecordingStopped
from dialer.services.recordings.archive import RecordingArchive, RecordingRefused
from recordings_policy import lifecycle
from recordings_policy.emergency import EmergencyFlag
from recordings_policy.lifecycle import State

log = logging.getLogger(__name__)

EmergencyHook = Callable[[EmergencyFlag, str], Awaitable[None]]
MIXMONITOR_OPTIONS = ""  # none: both directions, mixed, from now until the channel ends
CLOSE_WAIT_S = 5.0  # how long Asterisk may take to close the file after the call ends
RECONCILE_WAIT_S = 0.5  # a call that ended unseen: its file is closed by now, or never will be
POLL_S = 0.02
ASTERISK = "asterisk"  # stopped_by when Asterisk stopped it without us (restart, other client)


@dataclass
class Active:
    recording_id: int
    file_id: str
    call_id: str
    channel: str = ""
    stopping_by: str = ""
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # MixMonitor answered
    running: bool = False


async def _until_closed(spool: Path, timeout_s: float = CLOSE_WAIT_S) -> bool:
    """Wait until Asterisk has closed the WAV (its sizes filled in); False on timeout (the
    archive then repairs the header)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        if await asyncio.to_thread(wav_closed, spool):
            return True
        await asyncio.sleep(POLL_S)  # a file written by another process: nothing to await
    return False


def _spool_files(spool: Path) -> list[Path]:
    if not spool.is_dir():
        return []
    return [p for p in spool.iterdir() if p.suffix == lifecycle.SPOOL_SUFFIX
            and lifecycle.FILE_ID.fullmatch(p.stem) and (p.is_symlink() or p.is_file())]


def emergency_hooks(*hooks: EmergencyHook) -> EmergencyHook:
    """Several emergency hooks as one, run in order (the recorder first: it has 1 s)."""
    async def hook(flag: EmergencyFlag, login: str) -> None:
        for each in hooks:
            await each(flag, login)
    return hook


class Recorder:
    def __init__(self, link: AmiLink, archive: RecordingArchive,
                 settings: Callable[[], Settings], clock: Callable[[], datetime],
                 file_ids: Callable[[], str] = lambda: secrets.token_hex(16)) -> None:
        self._link, self.archive, self._settings, self._clock = link, archive, settings, clock
        self._file_ids = file_ids
        self._events = link.subscribe(ChannelHungUp, RecordingStopped, AsteriskBooted)
        self.active: dict[str, Active] = {}  # call id -> the recording running on it
        self._starting: set[str] = set()  # call ids whose recording is being started
        self.start_latencies_s: list[float] = []  # hook entered -> MixMonitor accepted

    # --- start -----------------------------------------------------------------------------
    async def started(self, flag: EmergencyFlag, login: str) -> None:
        """The emergency hook: record that call from now on (never raises)."""
        began = time.perf_counter()
        call_id = flag.call_id
        if call_id in self.active or call_id in self._starting:
            log.info("call %s: already being recorded", call_id)
            return
        self._starting.add(call_id)
        try:
            await self._start(flag, login, began)
        except Exception:  # the flag is stored whatever happens here; never fail it
            log.exception("call %s: recording not started", call_id)
        finally:
            self._starting.discard(call_id)

    async def _start(self, flag: EmergencyFlag, login: str, began: float) -> None:
        try:
            start = lifecycle.begin(flag, self._file_ids())
            recording_id = await self.archive.open(start, login)
        except (RecordingRefused, lifecycle.RecordingRuleError) as exc:
            log.error("call %s: recording not started: %s", flag.call_id, exc)
            return
        active = Active(recording_id, start.file_id, start.call_id)
        self.active[start.call_id] = active
        try:
            active.channel = await self._mixmonitor(start.call_id, start.file_id)
            active.running = True
            self.start_latencies_s.append(time.perf_counter() - began)
            log.warning("call %s: emergency recording %s started (%.0f ms after the flag)",
                        start.call_id, recording_id, self.start_latencies_s[-1] * 1000)
        except (AmiError, RecordingRefused) as exc:
            self.active.pop(start.call_id, None)
            log.error("call %s: recording %s could not start: %s", start.call_id,
                      recording_id, exc)
            await self.archive.failed(recording_id, str(exc))
        finally:
            active.ready.set()

    async def _mixmonitor(self, call_id: str, file_id: str) -> str:
        channel = await self._channel_of(call_id)
        if channel is None:
            raise RecordingRefused("the call has already ended")
        target = self._settings().asterisk.recordings_spool / lifecycle.spool_name(file_id)
        reply = await self._link.start_mixmonitor(channel, str(target), MIXMONITOR_OPTIONS)
        if not reply.ok:
            raise RecordingRefused(f"Asterisk refused MixMonitor: {reply.message or 'no answer'}")
        return channel

    async def _channel_of(self, call_id: str) -> str | None:
        for channel in await self._link.channels(timeout_s=5, wait_login=False):
            if channel.channel_id == call_id and channel.name:
                return channel.name
        return None

    # --- stop ------------------------------------------------------------------------------
    async def stop(self, actor: str, recording_id: int) -> None:
        """A manager stops a running recording; the call goes on unrecorded."""
        active = next((a for a in self.active.values() if a.recording_id == recording_id),
                      None)
        if active is None or not active.running:
            raise RecordingRefused("this recording is not running")
        active.stopping_by = actor
        try:
            await self._link.stop_mixmonitor(active.channel)
        except AmiError as exc:
            active.stopping_by = ""
            raise RecordingRefused(f"Asterisk did not stop it: {exc}") from None
        await self.archive.log_stop(actor, recording_id, active.call_id)

    # --- end -------------------------------------------------------------------------------
    async def run(self) -> None:
        """For the service's lifetime: a recorded call that ends (or a recording stopped) is
        sealed into the store and reported."""
        while True:
            event = await self._events.get()
            if isinstance(event, ChannelHungUp | RecordingStopped):
                active = self.active.get(event.channel_id)
                if active is not None:
                    await self._ended(active, isinstance(event, RecordingStopped))
            elif isinstance(event, AsteriskBooted):  # Asterisk (re)started: its calls are gone
                await self.reconcile()

    async def _ended(self, active: Active, stopped: bool) -> None:
        await active.ready.wait()
        if self.active.get(active.call_id) is not active:
            return  # it never started (already reported as failed) or is finished
        del self.active[active.call_id]
        stopped_by = (active.stopping_by or ASTERISK) if stopped else ""
        await self._finish(active.recording_id, active.file_id, stopped_by)

    async def _finish(self, recording_id: int, file_id: str, stopped_by: str,
                      wait_s: float = CLOSE_WAIT_S) -> None:
        spool = self._settings().paths.recordings_spool / lifecycle.spool_name(file_id)
        await _until_closed(spool, wait_s)
        await self.archive.store(recording_id, spool, stopped_by)

    async def reconcile(self) -> None:
        """Recordings the database says are running (the service restarted, or Asterisk did):
        one whose call is still up goes on being recorded; one whose call is gone is stored."""
        try:
            rows = await self.archive.in_state(State.RECORDING)
            for row in rows:
                if row.call_id in self._starting:
                    continue
                active = self.active.get(row.call_id)
                if active is not None and active.recording_id == row.id \
                        and not active.ready.is_set():
                    continue  # starting right now
                channel = await self._channel_of(row.call_id)
                if channel is not None and (active is None or active.recording_id == row.id):
                    if active is None:
                        active = Active(row.id, row.file_id, row.call_id, channel, running=True)
                        active.ready.set()
                        self.active[row.call_id] = active
                    continue
                if active is not None and active.recording_id == row.id:
                    del self.active[row.call_id]
                log.warning("call %s: recording %s ended unseen; storing it", row.call_id,
                            row.id)
                await self._finish(row.id, row.file_id, "", RECONCILE_WAIT_S)
        except AmiError as exc:
            log.warning("recordings not reconciled yet: %s", exc)
            return
        await self._sweep({r.file_id for r in rows})

    async def _sweep(self, recording: set[str]) -> None:
        """Plain audio in the spool that belongs to no running recording (a crash between
        sealing and bookkeeping) is destroyed: nothing plain stays behind."""
        spool = self._settings().paths.recordings_spool
        keep = recording | {a.file_id for a in self.active.values()}
        for path in await asyncio.to_thread(_spool_files, spool):
            if path.stem not in keep:
                log.warning("destroying an orphan spool file %s", path.name)
                await asyncio.to_thread(shred, path)

    def is_recording(self, call_id: str) -> bool:
        return call_id in self.active
