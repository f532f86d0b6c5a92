"""Who the callback gate answers, over a real TCP FastAGI server: only peers on the allowlist,
and only calls the service saw on the AMI (issue 19, item 12). A forged request leaves nothing
behind: no call on the board, no list of candidates in memory; a real call whose AMI event
arrives a little after its AGI request is still answered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dialer import config
from dialer.adapters.agi import AgiServer
from dialer.adapters.ami_events import translate
from dialer.domain.calendar import Suspension
from dialer.domain.call_events import CallEvent
from dialer.pbx import ports
from dialer.services.callbacks.admission import SeenOnAmi
from dialer.services.callbacks.gate import ROUTE, CallbackGate
from dialer.services.callbacks.tracker import InboundTracker

CALLER = "09055550001"
OPEN = datetime(2027, 1, 12, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # a Tuesday, a window open
PERIOD = ('[[periods]]\ndebt_type = "hoikuryo"\nmonth = "2027-01"\n'
          'calling = ["2027-01-04", "2027-01-29"]\ncallback = ["2027-01-04", "2027-02-05"]\n')
CANDIDATES = ("T001", "T002")


@dataclass
class Centre:
    """The service's callback line, wired as ``dialer.app`` wires it."""

    server: AgiServer
    port: int
    tracker: InboundTracker
    gate: CallbackGate
    ami: asyncio.Queue[CallEvent]  # the AMI events the tracker follows
    link: dict[str, bool]


async def lookup(_caller: str) -> Sequence[object]:
    return CANDIDATES


@pytest.fixture
async def centre(tmp_path: Path) -> AsyncIterator[Centre]:
    (tmp_path / "period.toml").write_text(PERIOD)
    calendar = config.calendar(config.load(tmp_path / "period.toml"))
    tracker = InboundTracker()
    gate = CallbackGate(lambda: calendar, Suspension, lambda: OPEN, tracker.gate_decided,
                        lookup)
    link = {"up": True}
    port = ports.free_tcp_port()
    server = AgiServer("127.0.0.1", port, {ROUTE: gate}, ("127.0.0.1",),
                       SeenOnAmi(tracker.wait_seen, lambda: link["up"]))
    events: asyncio.Queue[CallEvent] = asyncio.Queue()
    follow = asyncio.create_task(tracker.run(events))
    await server.start()
    try:
        yield Centre(server, port, tracker, gate, events, link)
    finally:
        await server.stop()
        follow.cancel()


async def ask(port: int, uniqueid: str, source: str = "127.0.0.1") -> list[str]:
    """Asterisk's side of one AGI request for the gate: the commands the service sent before it
    closed the connection (each answered ``200 result=1``)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    headers = {"agi_network_script": ROUTE, "agi_callerid": CALLER, "agi_uniqueid": uniqueid,
               "agi_channel": "PJSIP/pstn-00000001"}
    commands: list[str] = []
    try:
        writer.write("".join(f"{k}: {v}\n" for k, v in headers.items()).encode() + b"\n")
        await writer.drain()
        while line := await asyncio.wait_for(reader.readline(), 5):
            commands.append(line.decode().strip())
            writer.write(b"200 result=1\n")
            await writer.drain()
    except ConnectionError:
        pass  # the server closed first: what it sent is in ``commands``
    finally:
        writer.close()
    return commands


def call_enters_the_callback_line(centre: Centre, uniqueid: str) -> None:
    """The AMI reports the call's first step in the callback context."""
    event = translate({"Event": "Newexten", "Context": "callback", "Uniqueid": uniqueid,
                       "Application": "Answer", "Timestamp": "1800000000.0"})
    assert event is not None
    centre.ami.put_nowait(event)


async def test_a_connection_from_outside_the_allowlist_is_closed_unread(
        centre: Centre, caplog: pytest.LogCaptureFixture) -> None:
    call_enters_the_callback_line(centre, "1800000000.1")
    await asyncio.sleep(0.05)
    with caplog.at_level(logging.WARNING):
        assert await ask(centre.port, "1800000000.1", source="127.0.0.2") == []
    assert centre.server.refusals.peers == 1
    assert "connection from 127.0.0.2 refused" in caplog.text and CALLER not in caplog.text
    assert centre.gate.candidates == {}
    assert centre.tracker.calls["1800000000.1"].gate_state == ""  # the gate never ran


async def test_a_forged_request_is_refused_and_leaves_nothing(
        centre: Centre, caplog: pytest.LogCaptureFixture) -> None:
    before = centre.tracker.summary()
    with caplog.at_level(logging.WARNING):
        assert await ask(centre.port, "forged.1") == []  # CALLBACK_STATE never set
    assert centre.server.refusals.requests == 1
    assert centre.gate.candidates == {}
    assert centre.tracker.calls == {} and centre.tracker.summary() == before
    assert "'forged.1' not admitted" in caplog.text and CALLER not in caplog.text


async def test_a_call_that_ended_cannot_be_asked_about_again(centre: Centre) -> None:
    call_enters_the_callback_line(centre, "1800000000.2")
    hangup = translate({"Event": "Hangup", "Uniqueid": "1800000000.2", "Cause": "16"})
    assert hangup is not None
    centre.ami.put_nowait(hangup)
    await asyncio.sleep(0.05)
    assert await ask(centre.port, "1800000000.2") == []
    assert centre.server.refusals.requests == 1 and centre.gate.candidates == {}


async def test_a_call_the_ami_reports_100_ms_after_its_request_is_answered(
        centre: Centre) -> None:
    asking = asyncio.create_task(ask(centre.port, "1800000000.3"))
    await asyncio.sleep(0.1)
    assert not asking.done()
    call_enters_the_callback_line(centre, "1800000000.3")
    assert await asking == ['SET VARIABLE CALLBACK_STATE "OPEN"']
    assert centre.gate.candidates == {"1800000000.3": CANDIDATES}
    call = centre.tracker.calls["1800000000.3"]
    assert (call.gate_state, call.candidates) == ("OPEN", 2)
    assert centre.server.refusals.requests == 0


async def test_with_the_ami_link_down_a_request_is_answered_unchecked(
        centre: Centre, caplog: pytest.LogCaptureFixture) -> None:
    centre.link["up"] = False
    with caplog.at_level(logging.WARNING):
        assert await ask(centre.port, "1800000000.4") == ['SET VARIABLE CALLBACK_STATE "OPEN"']
    assert "answered unchecked: the AMI link is down" in caplog.text
    assert centre.server.refusals.requests == 0
