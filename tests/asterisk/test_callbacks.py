"""Residents calling the dedicated number: the gate's state picks the message, OPEN callers wait
in the queue and reach an operator as soon as one is free, abandons are seen, and with the
service down the dialplan's own calendar still answers. The gate runs as the service runs it:
loopback peers only, answering only calls the inbound tracker saw on the AMI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from dialer.adapters.agi import AgiRefusals, AgiServer
from dialer.adapters.ami import AmiLink
from dialer.adapters.ami_events import translate
from dialer.config import Settings
from dialer.domain.calendar import Calendar, Suspension
from dialer.domain.inbound import InboundCall, InboundEnd
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.callbacks.admission import SeenOnAmi
from dialer.services.callbacks.gate import ROUTE, CallbackGate
from dialer.services.callbacks.tracker import EVENTS as INBOUND_EVENTS
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.console.seat_sync import SeatSync
from dialer.services.console.seats import connect_seat, disconnect_seat
from tests.asterisk.kit import OPEN, TOKYO, Clock, install_test_messages, until
from tests.support import ami_wire

CALLER = "09055550001"


@pytest.fixture(scope="module")
def messages(sandbox_state: SandboxState) -> None:
    install_test_messages(sandbox_state.host_inner / "sounds")


class Gate:
    def __init__(self, calendar: Calendar) -> None:
        self.clock = Clock(OPEN)
        self.suspension = Suspension()
        self.tracker = InboundTracker()
        self.gate = CallbackGate(lambda: calendar, lambda: self.suspension, self.clock,
                                 self.tracker.gate_decided)


@pytest.fixture
async def gate(sandbox_state: SandboxState, calendar: Calendar, ami: AmiLink
               ) -> AsyncIterator[Gate]:
    holder = Gate(calendar)
    server = AgiServer("127.0.0.1", sandbox_state.agi_port, {ROUTE: holder.gate},
                       admit=SeenOnAmi(holder.tracker.wait_seen, lambda: ami.connected))
    events = ami.subscribe(*INBOUND_EVENTS)
    follow = asyncio.create_task(holder.tracker.run(events))
    await server.start()
    try:
        yield holder
    finally:
        await server.stop()
        follow.cancel()
        ami.unsubscribe(events)
    assert server.refusals == AgiRefusals(), "a real call was refused by the FastAGI checks"
    assert all(c.gate_state for c in holder.tracker.calls.values()), "the gate answered"


async def call_and_collect(ami: AmiLink, state: SandboxState, settings: Settings, tmp: Path,
                           wait_ms: int = 8000) -> list[ami_wire.Raw]:
    events = ami_wire.tap(ami)
    try:
        caller = await sipp.call_in(state.sip_port, state.callers_port,
                                    settings.centre.dedicated_number, CALLER, tmp, wait_ms)
        await caller.stop(grace_s=wait_ms / 1000 + 10)
        await asyncio.sleep(0.2)
        return [events.get_nowait() for _ in range(events.qsize())]
    finally:
        ami_wire.untap(ami, events)


def tracked(events: list[ami_wire.Raw]) -> list[InboundCall]:
    tracker = InboundTracker()
    for raw in events:  # as the adapter types them for the service
        if (event := translate(raw)) is not None:
            tracker.handle(event)
    return list(tracker.calls.values())


def played(events: list[ami_wire.Raw]) -> list[str]:
    return [Path(e["AppData"]).name for e in events
            if e.get("Event") == "Newexten" and e.get("Application") == "Playback"]


@pytest.mark.parametrize(
    ("at", "suspended", "message"),
    [(datetime(2027, 1, 12, 14, 0, tzinfo=TOKYO), False, "out_of_hours"),
     (datetime(2027, 3, 2, 12, 0, tzinfo=TOKYO), False, "out_of_period"),
     (OPEN, True, "out_of_period")],
    ids=["out-of-hours", "out-of-period", "suspended"],
)
async def test_each_state_plays_its_message(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, gate: Gate, messages: None,
    tmp_path: Path, at: datetime, suspended: bool, message: str,
) -> None:
    gate.clock.now = at
    gate.suspension = Suspension(callbacks=suspended)
    events = await call_and_collect(ami, sandbox_state, settings, tmp_path)
    assert played(events) == [message]
    assert not [e for e in events if e.get("Event") == "QueueCallerJoin"]
    [call] = tracked(events)
    assert call.end is InboundEnd.MESSAGE and call.message == message
    assert not [e for e in events if e.get("UserEvent") == "DialerGateFallback"]
    [followed] = gate.tracker.calls.values()  # the service's own record: the gate's answer
    assert followed.gate_state == ("SUSPENDED" if suspended else message.upper())


async def test_with_the_service_down_the_dialplan_calendar_still_answers(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, messages: None,
    tmp_path: Path,
) -> None:
    events = await call_and_collect(ami, sandbox_state, settings, tmp_path)
    fallback = [e for e in events if e.get("UserEvent") == "DialerGateFallback"]
    assert fallback and fallback[0]["State"] == "OUT_OF_PERIOD"  # no period in the defaults
    assert played(events) == ["out_of_period"]


async def test_a_waiting_caller_reaches_the_operator_who_frees_up(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, gate: Gate, messages: None,
    tmp_path: Path,
) -> None:
    seat = sandbox_state.seats[0]
    sync = SeatSync(ami)
    await sync.reset(list(sandbox_state.seats))
    events = ami_wire.tap(ami)
    async with sipp.running(["-sn", "uas"], sandbox_state.phones_port, tmp_path):
        caller = await sipp.call_in(sandbox_state.sip_port, sandbox_state.callers_port,
                                    settings.centre.dedicated_number, CALLER, tmp_path, 6000)
        seen: list[ami_wire.Raw] = []

        def saw(name: str) -> bool:
            seen.extend(events.get_nowait() for _ in range(events.qsize()))
            return any(e.get("Event") == name for e in seen)

        assert await until(lambda: saw("QueueCallerJoin"), 5)
        await asyncio.sleep(1.0)
        assert not saw("AgentConnect")  # nobody free: the caller waits
        channel = await connect_seat(ami, seat)
        await sync.apply(seat, "NOT_INUSE", channel)
        assert await until(lambda: saw("AgentConnect"), 4)
        await caller.stop(grace_s=10)
        await disconnect_seat(ami, channel)
    ami_wire.untap(ami, events)
    connect = next(e for e in seen if e.get("Event") == "AgentConnect")
    assert connect["MemberName"] == seat
    [call] = tracked(seen)
    assert call.end is InboundEnd.CONNECTED and call.operator_seat == seat
    assert call.position == 1 and (call.wait_s or 0) >= 1


async def test_a_caller_who_gives_up_is_an_abandon(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, gate: Gate, messages: None,
    tmp_path: Path,
) -> None:
    await SeatSync(ami).reset(list(sandbox_state.seats))
    events = await call_and_collect(ami, sandbox_state, settings, tmp_path, wait_ms=2500)
    abandons = [e for e in events if e.get("Event") == "QueueCallerAbandon"]
    assert len(abandons) == 1
    assert int(abandons[0]["HoldTime"]) >= 1
    [call] = tracked(events)
    assert call.end is InboundEnd.ABANDONED and (call.wait_s or 0) >= 1
    # Asterisk keeps no queue_log: a caller's number is nowhere in its log folder
    logs = sandbox_state.host_inner / "log"
    assert not (logs / "queue_log").exists()
    assert all(CALLER.encode() not in p.read_bytes() for p in logs.rglob("*") if p.is_file())
