"""A stand-in for Asterisk's AMI in the recorder's tests: channels by unique id, MixMonitor
writing a WAV into the spool the way format_wav does (sizes filled in only when it closes),
Hangup and MixMonitorStop events; and a flagged call in the database."""

from __future__ import annotations

import asyncio
import math
import struct
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

from dialer.adapters.ami import Reply
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Emergency
from dialer.domain.call_events import CallEvent, Channel, ChannelHungUp, RecordingStopped
from recordings_policy.emergency import EmergencyFlag, flag

RATE = 8000


def tone(seconds: float, frequency: float = 440.0) -> bytes:
    frames = int(seconds * RATE)
    return b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / RATE)))
                    for i in range(frames))


def wav_header(data_bytes: int, closed: bool) -> bytes:
    """Asterisk's format_wav header: RIFF and data sizes stay 0 until the file is closed."""
    riff = 36 + data_bytes if closed else 0
    data = data_bytes if closed else 0
    return (b"RIFF" + struct.pack("<I", riff) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16) +
            b"data" + struct.pack("<I", data))


class FakeAmi:
    """The AMI link as the recorder uses it: typed verbs and events; ``actions`` notes each
    action as it would go on the wire."""

    def __init__(self, spool: Path) -> None:
        self.spool = spool  # the service's view of Asterisk's recordings spool
        self.live: dict[str, str] = {}  # unique id -> channel name
        self.actions: list[dict[str, str]] = []
        self.refuse_mixmonitor = False
        self.recording: dict[str, Path] = {}  # unique id -> file being written
        self._queues: list[tuple[asyncio.Queue[CallEvent], tuple[type, ...]]] = []

    def subscribe(self, *kinds: type) -> asyncio.Queue[CallEvent]:
        queue: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._queues.append((queue, kinds))
        return queue

    def publish(self, event: CallEvent) -> None:
        for queue, kinds in self._queues:
            if isinstance(event, kinds):
                queue.put_nowait(event)

    def call(self, unique_id: str) -> str:
        channel = f"PJSIP/pstn-{len(self.live):08x}"
        self.live[unique_id] = channel
        return channel

    async def channels(self, timeout_s: float = 10.0, wait_login: bool = True) -> list[Channel]:
        self.actions.append({"Action": "CoreShowChannels"})
        return [Channel(u, c) for u, c in self.live.items()]

    def _unique_id(self, channel: str) -> str:
        return next((u for u, c in self.live.items() if c == channel), "")

    async def start_mixmonitor(self, channel: str, path: str, options: str) -> Reply:
        self.actions.append({"Action": "MixMonitor", "Channel": channel, "File": path,
                             "Options": options})
        unique_id = self._unique_id(channel)
        if self.refuse_mixmonitor or not unique_id:
            return Reply(False, "Could not start monitoring")
        target = self.spool / Path(path).name
        target.write_bytes(wav_header(0, closed=False))
        self.recording[unique_id] = target
        return Reply(True)

    async def stop_mixmonitor(self, channel: str) -> Reply:
        self.actions.append({"Action": "StopMixMonitor", "Channel": channel})
        unique_id = self._unique_id(channel)
        self.finish(unique_id, 1.5)
        self.publish(RecordingStopped(unique_id))
        return Reply(True)

    def finish(self, unique_id: str, seconds: float, close: bool = True) -> None:
        """Asterisk writes the audio and (normally) closes the file."""
        path = self.recording.pop(unique_id, None)
        if path is not None:
            audio = tone(seconds)
            path.write_bytes(wav_header(len(audio), closed=close) + audio)

    def hang_up(self, unique_id: str, seconds: float, close: bool = True) -> None:
        self.finish(unique_id, seconds, close)
        self.live.pop(unique_id, None)
        self.publish(ChannelHungUp(unique_id, 16))


async def flagged(database: Database, call_id: str, at: datetime, by: str = "op1",
                  reason: str = "threat", consent: str = "granted") -> EmergencyFlag:
    """What OperatorConsole.flag_emergency stores before it calls the hook."""
    the_flag = flag(call_id, reason, consent)
    async with database.engine.begin() as conn:
        await conn.execute(insert(Emergency).values(
            call_id=call_id, flagged_by=by, at=at, reason=reason, reason_text="",
            consent=consent))
        await audit.record(conn, by, "emergency.flag", f"call:{call_id}")
    return the_flag
