"""Helpers for the real-Asterisk tests: a settable clock, a running campaign runner with
autopilot operators, polling, and 8 kHz test tones for the callback messages."""

from __future__ import annotations

import asyncio
import contextlib
import math
import struct
import wave
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dialer.adapters.ami import AmiLink
from dialer.config import Settings
from dialer.demo.autopilot import autopilot
from dialer.domain.calendar import Calendar
from dialer.pbx import sandbox
from dialer.pbx.sandbox import SandboxState
from dialer.services.callbacks import messages
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.runtime.tasks import cancel_all
from tests.asterisk.memory_store import MemoryStore

TOKYO = ZoneInfo("Asia/Tokyo")
OPEN = datetime(2027, 1, 12, 12, 0, tzinfo=TOKYO)  # a Tuesday, inside 11:30-13:30
CLOSED = datetime(2027, 1, 12, 14, 0, tzinfo=TOKYO)
@contextlib.contextmanager
def own_sandbox(settings: Settings, directory: Path) -> Iterator[SandboxState]:
    """A sandbox of a test's own: killing or restarting the session's would disturb the
    other tests."""
    state = sandbox.up(settings, directory, before_boot=messages.install_hold_placeholder)
    try:
        yield state
    finally:
        sandbox.down(directory)


PERIOD = """
[[periods]]
debt_type = "hoikuryo"
month = "2027-01"
calling = ["2027-01-04", "2027-01-29"]
callback = ["2027-01-04", "2027-02-05"]
"""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextlib.asynccontextmanager
async def running_runner(runner: CampaignRunner, pool: OperatorPool) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(runner.event_loop()), asyncio.create_task(runner.dial_loop()),
             asyncio.create_task(autopilot(runner, pool, wrap_s=0, codes=("101",)))]
    try:
        yield
    finally:
        await cancel_all(tasks)


async def until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    for _ in range(int(timeout_s / 0.05)):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


def make_runner(ami: AmiLink, store: MemoryStore, pool: OperatorPool, calendar: Calendar,
                settings: Settings, clock: Clock) -> CampaignRunner:
    return CampaignRunner(ami, store, pool, lambda: calendar, settings.classification,
                          settings.centre.dedicated_number, clock, tick_s=0.05)


def write_tone(path: Path, seconds: float, hz: int = 440) -> None:
    """An 8 kHz mono 16-bit WAV, as Asterisk plays it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * n / 8000)))
                      for n in range(int(8000 * seconds)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(frames)


def install_test_messages(sounds: Path) -> None:
    """Tones for the three messages (440 Hz) and the hold audio (330 Hz), over the placeholder
    the sandbox put in ``hold/`` before Asterisk booted: res_musiconhold plays it by name."""
    for name in ("out_of_hours", "out_of_period", "congestion"):
        write_tone(sounds / f"{name}.wav", 0.6)
    write_tone(sounds / "hold" / "hold.wav", 2.0, hz=330)
