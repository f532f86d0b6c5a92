"""A stand-in for Asterisk's AMI in the recorder's tests: channels by unique id, MixMonitor
writing a WAV into the spool the way format_wav does (sizes filled in only when it closes),
Hangup and MixMonitorStop events; and a flagged call in the database."""

from __future__ import annotations

import asyncio
import math
import struct
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Emergency
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
    def __init__(self, spool: Path) -> None:
        self.spool = spool  # the service's view of Asterisk's recordings spool
        self.channels: dict[str, str] = {}  # unique id -> channel name
        self.actions: list[dict[str, str]] = []
        self.refuse_mixmonitor = False
        self.recording: dict[str, Path] = {}  # unique id -> file being written
        self._queues: list[asyncio.Queue[dict[str, str]]] = []

    def subscribe(self) -> asyncio.Queue[dict[str, str]]:
        queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def publish(self, event: dict[str, str]) -> None:
        for queue in self._queues:
            queue.put_nowait(event)

    def call(self, unique_id: str) -> str:
        channel = f"PJSIP/pstn-{len(self.channels):08x}"
        self.channels[unique_id] = channel
        return channel

    async def action(self, fields: dict[str, str], timeout_s: float = 5.0) -> Any:
        self.actions.append(dict(fields))
        name = fields["Action"]
        if name == "CoreShowChannels":
            return [{"Response": "Success"}] + [
                {"Event": "CoreShowChannel", "Channel": c, "Uniqueid": u}
                for u, c in self.channels.items()] + [{"Event": "CoreShowChannelsComplete"}]
        unique_id = next((u for u, c in self.channels.items() if c == fields.get("Channel")), "")
        if name == "MixMonitor":
            if self.refuse_mixmonitor or not unique_id:
                return {"Response": "Error", "Message": "Could not start monitoring"}
            path = self.spool / Path(fields["File"]).name
            path.write_bytes(wav_header(0, closed=False))
            self.recording[unique_id] = path
            self.publish({"Event": "MixMonitorStart", "Uniqueid": unique_id})
            return {"Response": "Success"}
        if name == "StopMixMonitor":
            self.finish(unique_id, 1.5)
            self.publish({"Event": "MixMonitorStop", "Uniqueid": unique_id})
            return {"Response": "Success"}
        return {"Response": "Success"}

    def finish(self, unique_id: str, seconds: float, close: bool = True) -> None:
        """Asterisk writes the audio and (normally) closes the file."""
        path = self.recording.pop(unique_id, None)
        if path is not None:
            audio = tone(seconds)
            path.write_bytes(wav_header(len(audio), closed=close) + audio)

    def hang_up(self, unique_id: str, seconds: float, close: bool = True) -> None:
        self.finish(unique_id, seconds, close)
        self.channels.pop(unique_id, None)
        self.publish({"Event": "Hangup", "Uniqueid": unique_id, "Cause": "16"})


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
