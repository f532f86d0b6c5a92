"""The trunk's lines on the real sandbox: a trunk of 6 lines with 2 kept for callbacks,
predictive dialing with 6 operators (enough to fill it), and a burst of callers within the
reserve. Checked on the wire, from the carrier's side: the INVITEs the simulated residents
received and the calls the simulated callers placed (sipp's message traces, one clock) — outbound
never holds more than ``max_lines - reserve`` lines, both directions together never more than
``max_lines`` (a 6-line carrier would have refused no one), and every caller is answered (200,
no busy or congestion response) and queued. And a waiting caller hears the congestion message
within ``[asterisk] congestion_start_s`` of joining the queue: in the audio Asterisk sends the
caller (the test messages are tones told apart by their pitch)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dialer.adapters.agi import AgiServer
from dialer.adapters.ami import AmiLink
from dialer.config import Settings
from dialer.domain.calendar import Calendar, Suspension
from dialer.domain.line_budget import LinePolicy
from dialer.domain.pacing import Mode, Policy
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.callbacks.admission import SeenOnAmi
from dialer.services.callbacks.gate import ROUTE, CallbackGate
from dialer.services.callbacks.tracker import EVENTS as INBOUND_EVENTS
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.line_budget import LineBudget
from dialer.services.calls.runner import Campaign, CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.seat_sync import SeatSync
from dialer.services.console.seats import connect_seat, disconnect_seat
from tests.asterisk.kit import OPEN, Clock, install_test_messages, running_runner, until
from tests.asterisk.memory_store import MemoryStore, MemTarget
from tests.support import ami_wire

LINES = LinePolicy(6, reserve_min=2, blocking=0.001)
CALLERS = ("09055550101", "09055550102")
CALLER_STAYS_MS = 6000
PREDICTIVE = Policy(mode=Mode.PREDICTIVE, abandon_cap=0.5, min_operators=1, min_samples=0,
                    min_window_calls=1, prior_bias=0.5)
STAMP = re.compile(r"^-{10,}\s+(\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d\.\d+)\s*$", re.M)
ENDS = re.compile(r"^(CANCEL |BYE |SIP/2\.0 [3-6]\d\d )")


@dataclass
class Line:
    call_id: str
    start: float
    end: float = float("inf")


def traced(path: Path) -> list[tuple[float, str]]:
    """The messages of a sipp trace with their instants (sipp writes the clock of each)."""
    parts = STAMP.split(path.read_text(errors="replace"))
    return [(datetime.fromisoformat(f"{parts[i]} {parts[i + 1]}").timestamp(),
             sipp._body(parts[i + 2])) for i in range(1, len(parts) - 2, 3)]


def lines_held(messages: list[tuple[float, str]]) -> list[Line]:
    """Each call's time on a line, as the carrier sees it: from its INVITE to the first
    CANCEL, BYE or failure response."""
    calls: dict[str, Line] = {}
    for at, message in messages:
        call_id, first = sipp.header(message, "Call-ID") or "", message.splitlines()[0]
        if first.startswith("INVITE ") and call_id not in calls:
            calls[call_id] = Line(call_id, at)
        elif ENDS.match(first) and call_id in calls and calls[call_id].end == float("inf"):
            calls[call_id].end = at
    return list(calls.values())


def most_at_once(lines: list[Line]) -> int:
    """The most lines held at one instant (a line ending frees it for one starting then)."""
    edges = sorted([(line.start, 1) for line in lines] + [(line.end, -1) for line in lines])
    held = most = 0
    for _at, step in edges:
        held += step
        most = max(most, held)
    return most


@contextlib.asynccontextmanager
async def callback_line(ami: AmiLink, state: SandboxState, calendar: Calendar
                        ) -> AsyncIterator[InboundTracker]:
    """The gate and the inbound tracker as the service runs them (the line is OPEN)."""
    tracker = InboundTracker()
    gate = CallbackGate(lambda: calendar, Suspension, Clock(OPEN), tracker.gate_decided)
    server = AgiServer("127.0.0.1", state.agi_port, {ROUTE: gate},
                       admit=SeenOnAmi(tracker.wait_seen, lambda: ami.connected))
    events = ami.subscribe(*INBOUND_EVENTS)
    follow = asyncio.create_task(tracker.run(events))
    await server.start()
    try:
        yield tracker
    finally:
        await server.stop()
        follow.cancel()
        ami.unsubscribe(events)


async def call_burst(state: SandboxState, dedicated: str, workdir: Path) -> sipp.SippRun:
    """The callers ring the dedicated number together, each hanging up after a while."""
    scenario = workdir / "burst.xml"
    scenario.write_text(sipp.CALLER.read_text().replace("WAIT_MS", str(CALLER_STAYS_MS)))
    numbers = workdir / "burst.csv"
    numbers.write_text("SEQUENTIAL\n" + "".join(f"{n};\n" for n in CALLERS))
    return await sipp.start(
        ["-sf", str(scenario), "-s", dedicated, "-inf", str(numbers), "-r", str(len(CALLERS)),
         "-rp", "1000", "-l", str(len(CALLERS)), f"127.0.0.1:{state.sip_port}"],
        state.callers_port, workdir, calls=len(CALLERS), trace=True, timeout_s=60)


@contextlib.asynccontextmanager
async def operators_ready(ami: AmiLink, state: SandboxState) -> AsyncIterator[OperatorPool]:
    """As many operators ready as the trunk has lines: enough to fill it (more seats would
    run the sandbox's Asterisk out of RTP ports: 40, two per SIP channel)."""
    sync = SeatSync(ami)
    await sync.reset(list(state.seats))
    pool, channels = OperatorPool(), []
    pool.on_change(sync.changed)
    syncing = asyncio.create_task(sync.run())
    for user_id, seat in enumerate(state.seats[:LINES.max_lines], start=1):
        pool.add(user_id, f"op{user_id}", seat)
        channels.append(await connect_seat(ami, seat))
        pool.connect(user_id, channels[-1], OPEN)
        await sync.apply(seat, "NOT_INUSE", channels[-1])
    try:
        yield pool
    finally:
        syncing.cancel()
        for channel in channels:
            await disconnect_seat(ami, channel)
        await sync.reset(list(state.seats))


async def test_outbound_keeps_the_reserve_and_every_caller_is_answered_and_queued(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, calendar: Calendar,
    tmp_path: Path,
) -> None:
    install_test_messages(sandbox_state.host_inner / "sounds")
    # Residents who answer and talk 20 s (...5), and who let it ring (...2): lines stay busy.
    numbers = [f"09066{n:05d}{'5' if n % 2 else '2'}" for n in range(1, 81)]
    store = MemoryStore([MemTarget(n, 21, [num]) for n, num in enumerate(numbers, 1)],
                        settings.classification)
    events = ami_wire.tap(ami)
    most_in_flight = 0
    async with sipp.running(["-sn", "uas"], sandbox_state.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], sandbox_state.carrier_port, tmp_path,
                         trace=True) as carrier, \
            callback_line(ami, sandbox_state, calendar) as tracker:
        async with operators_ready(ami, sandbox_state) as pool:
            runner = CampaignRunner(
                ami, store, pool, lambda: calendar, settings.classification,
                settings.centre.dedicated_number, Clock(OPEN), tick_s=0.05,
                inbound_waiting=tracker.waiting,
                line_budget=LineBudget(lambda: LINES, lambda: tracker.calls.values()))
            runner.open(Campaign(batch_id=21, debt_type="hoikuryo", ring_timeout_s=4,
                                 policy=PREDICTIVE))

            async def watch() -> None:
                nonlocal most_in_flight
                while True:
                    most_in_flight = max(most_in_flight, len(runner.in_flight))
                    await asyncio.sleep(0.01)

            async with running_runner(runner, pool):
                watching = asyncio.create_task(watch())
                assert await until(lambda: len(runner.in_flight) >= 4, 15), "never filled"
                await asyncio.sleep(2.0)
                callers = await call_burst(sandbox_state, settings.centre.dedicated_number,
                                           tmp_path)
                await callers.stop(grace_s=CALLER_STAYS_MS / 1000 + 20)
                await asyncio.sleep(3.0)  # outbound goes on after the callers hang up
                watching.cancel()
    seen = [events.get_nowait() for _ in range(events.qsize())]
    ami_wire.untap(ami, events)
    assert callers.process.returncode == 0, "a caller's call failed"
    assert callers.message_log is not None and carrier.message_log is not None
    inbound = traced(callers.message_log)
    responses = [m.splitlines()[0] for _at, m in inbound if m.startswith("SIP/2.0")]
    assert not [r for r in responses if re.match(r"SIP/2\.0 [3-6]", r)], responses
    assert sum(r.startswith("SIP/2.0 200") for r in responses) >= len(CALLERS)
    joined = [e for e in seen if e.get("Event") == "QueueCallerJoin"
              and e.get("Queue") == "callbacks"]
    assert sorted(e["CallerIDNum"] for e in joined) == sorted(CALLERS)
    outbound, callbacks = lines_held(traced(carrier.message_log)), lines_held(inbound)
    assert len(callbacks) == len(CALLERS) and len(outbound) > LINES.max_lines
    assert most_in_flight <= LINES.max_lines - LINES.reserve_min
    assert most_at_once(outbound) == LINES.max_lines - LINES.reserve_min  # filled to the cap
    assert most_at_once(outbound + callbacks) <= LINES.max_lines


class Ear(asyncio.DatagramProtocol):
    """The caller's ear: the RTP Asterisk sends the caller, each packet's tone classified by
    its zero crossings (the test messages are tones: congestion 440 Hz, hold audio 330 Hz)."""

    def __init__(self) -> None:
        self.heard: list[tuple[float, float]] = []  # (arrival, Hz) of packets with sound

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        samples = [ulaw(b) for b in data[12:]]  # after the RTP header; PCMU
        if len(samples) < 80 or max(map(abs, samples)) < 1000:
            return
        crossings = sum((a < 0) != (b < 0) for a, b in itertools.pairwise(samples))
        self.heard.append((time.time(), crossings / 2 / (len(samples) / 8000)))

    def first(self, low: float, high: float, after: float) -> float | None:
        return next((at for at, hz in self.heard if low <= hz <= high and at >= after), None)


def ulaw(byte: int) -> int:
    """One G.711 mu-law byte as a 16-bit sample."""
    b = ~byte & 0xFF
    sample = (((b & 0x0F) << 3) + 0x84) << ((b >> 4) & 7)
    return -(sample - 0x84) if b & 0x80 else sample - 0x84


async def test_a_waiting_caller_hears_the_congestion_message_within_the_start_delay(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, calendar: Calendar,
    tmp_path: Path,
) -> None:
    install_test_messages(sandbox_state.host_inner / "sounds")  # hold/ was there at boot
    await SeatSync(ami).reset(list(sandbox_state.seats))  # no operator free: the caller waits
    start_s = settings.asterisk.congestion_start_s
    assert start_s < settings.asterisk.congestion_every_s
    transport, ear = await asyncio.get_running_loop().create_datagram_endpoint(
        Ear, local_addr=("127.0.0.1", 0))
    media_port = transport.get_extra_info("sockname")[1]
    scenario = tmp_path / "listening.xml"  # the caller's SDP points at the ear
    scenario.write_text(sipp.CALLER.read_text().replace("WAIT_MS", str((start_s + 4) * 1000))
                        .replace("m=audio [media_port]", f"m=audio {media_port}"))
    numbers = tmp_path / "listening.csv"
    numbers.write_text(f"SEQUENTIAL\n{CALLERS[0]};\n")
    events = ami_wire.tap(ami)
    try:
        async with callback_line(ami, sandbox_state, calendar):
            caller = await sipp.start(
                ["-sf", str(scenario), "-s", settings.centre.dedicated_number, "-inf",
                 str(numbers), f"127.0.0.1:{sandbox_state.sip_port}"],
                sandbox_state.callers_port, tmp_path, calls=1, timeout_s=start_s + 30)
            await caller.stop(grace_s=start_s + 15)
            await asyncio.sleep(0.3)
    finally:
        transport.close()
        seen = [events.get_nowait() for _ in range(events.qsize())]
        ami_wire.untap(ami, events)
    [join] = [e for e in seen if e.get("Event") == "QueueCallerJoin"]
    joined_at = float(join["Timestamp"])  # Asterisk's clock: this host's
    hold = ear.first(300, 360, joined_at)
    congestion = ear.first(400, 480, joined_at)
    assert hold is not None, "the waiting caller hears the hold audio"
    assert congestion is not None, ear.heard[:50]
    assert congestion - joined_at <= start_s + 1.0, congestion - joined_at
    assert ear.first(300, 360, congestion) is not None, "hold audio again after the message"
    assert not [e for e in seen if e.get("Event") == "AgentConnect"]
