"""What the soak observes from outside the service: the calls as Asterisk reports them (an AMI
link of its own), the frames the consoles receive, the service's and Asterisk's memory and CPU.

Event lag is measured end to end on every call: from the moment Asterisk's ``BridgeEnter`` of
the call reaches this process to the moment the operator's console receives the record of that
call (the screen-pop), and from the resident's ``Hangup`` to the console's wrap-up frame. Both
ends are stamped with ``time.perf_counter()`` in this process, the service in another.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dialer.adapters.ami import AmiLink
from dialer.adapters.ami_actions import Raw
from dialer.adapters.ami_actions import messages as _messages
from dialer.adapters.ami_actions import plain as _plain
from dialer.config import AmiSettings
from tests.bench.results import percentile
from tests.support.console_client import ConsoleUser

CALL_PREFIX = "att-"


class CallWatch(AmiLink):
    """An AMI link noting, for every outbound call (ChannelId ``att-…``), when it was placed,
    bridged and hung up, and whether its Originate failed."""

    def __init__(self, settings: AmiSettings) -> None:
        super().__init__(settings)
        self.placed: dict[str, float] = {}
        self.bridged: dict[str, float] = {}
        self.hung_up: dict[str, float] = {}
        self.failed: dict[str, float] = {}

    def _on_event(self, message: Any) -> None:
        self.see(_plain(message), time.perf_counter())  # every event, as Asterisk sent it
        super()._on_event(message)

    def _originate_done(self, future: asyncio.Future[Any], channel_id: str) -> None:
        if not future.cancelled() and future.exception() is None and not any(
                m.get("Response") == "Success" and m.get("Event") == "OriginateResponse"
                for m in _messages(future.result())):
            self.failed.setdefault(channel_id, time.perf_counter())
        super()._originate_done(future, channel_id)

    def see(self, raw: Raw, at: float) -> None:
        event = raw.get("Event")
        call = raw.get("ChannelId" if event == "OriginateResponse" else "Uniqueid", "")
        if not call.startswith(CALL_PREFIX) or ";" in call:  # ";2": a Local channel's far half
            return
        if event == "Newchannel":
            self.placed.setdefault(call, at)
        elif event == "BridgeEnter":
            self.bridged.setdefault(call, at)
        elif event == "Hangup":
            self.hung_up.setdefault(call, at)
        elif event == "OriginateResponse" and raw.get("Response") != "Success":
            self.failed.setdefault(call, at)

    def up(self) -> int:
        """Calls on the line now (ringing or talking)."""
        return sum(1 for call in self.placed if call not in self.hung_up)

    def talking(self) -> int:
        return sum(1 for call in self.bridged if call not in self.hung_up)


def first_frames(users: Iterable[ConsoleUser], state: str, with_record: bool = False
                 ) -> dict[str, float]:
    """{call id: arrival of the first console frame showing that call in ``state``}."""
    seen: dict[str, float] = {}
    for user in users:
        for frame, at in zip(user.frames, user.arrived_at, strict=True):
            call = frame.get("call") or {}
            if frame.get("type") != "state" or frame.get("state") != state or not call:
                continue
            if with_record and not call.get("record"):
                continue
            seen.setdefault(call["id"], at)
    return seen


def lags_ms(start: dict[str, float], end: dict[str, float], since: float, until: float
            ) -> tuple[list[float], int]:
    """Lags of the calls whose ``start`` falls in [since, until): (milliseconds, missing)."""
    chosen = [call for call, at in start.items() if since <= at < until]
    found = [(end[call] - start[call]) * 1000 for call in chosen if call in end]
    return found, len(chosen) - len(found)


@dataclasses.dataclass(frozen=True)
class Sample:
    at: float  # seconds since the plateau began (negative: the ramp)
    rss_mb: float
    asterisk_rss_mb: float
    cpu_s: float
    asterisk_cpu_s: float
    calls_up: int
    talking: int
    waiting: int  # operators ready, waiting for a call
    frames: int  # websocket frames the consoles received so far
    open_websockets: int


def last_state(user: ConsoleUser) -> str:
    """The operator's state as their console shows it now."""
    for frame in reversed(user.frames):
        if frame.get("type") == "state":
            return str(frame.get("state"))
    return ""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def slope_per_min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_v = sum(v for _, v in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread if spread else 0.0


def window_figures(prefix: str, lags: list[float], missing: int) -> dict[str, Any]:
    return {f"{prefix}_p50": round(percentile(lags, 50), 1) if lags else None,
            f"{prefix}_p99": round(percentile(lags, 99), 1) if lags else None,
            f"{prefix}_n": len(lags), f"{prefix}_missing": missing}
