"""An answered resident reaches the reserved operator at once (persistent seat connection)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dialer.adapters.ami import AmiLink
from dialer.config import Settings
from dialer.domain.dial_outcome import DialOutcome
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.dial import place_call
from dialer.services.console.seats import connect_seat, disconnect_seat
from tests.support.bridge_latency import EVENTS as BRIDGE_EVENTS
from tests.support.bridge_latency import answer_to_bridge_ms


@pytest.fixture
async def farms(sandbox_state: SandboxState, tmp_path: Path) -> AsyncIterator[None]:
    async with sipp.running(["-sn", "uas"], sandbox_state.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], sandbox_state.carrier_port, tmp_path):
        yield


async def test_answered_calls_are_bridged_to_their_operators_within_500_ms(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, farms: None
) -> None:
    seats = sandbox_state.seats[:4]
    channels = await asyncio.gather(*(connect_seat(ami, seat) for seat in seats))
    events = ami.subscribe(*BRIDGE_EVENTS)
    try:
        reports = await asyncio.gather(*(
            place_call(ami, f"090000000{n}4", settings.centre.dedicated_number, 10, channel)
            for n, channel in enumerate(channels)
        ))
        assert [r.outcome for r in reports] == [DialOutcome.ANSWERED] * 4
        seen = [events.get_nowait() for _ in range(events.qsize())]
        latencies = [answer_to_bridge_ms(seen, r.channel_id) for r in reports]
        assert all(ms is not None and 0 <= ms < 500 for ms in latencies), latencies
        # After the resident hung up, every operator is back in their session, still connected.
        live = await ami.live_channel_names()
        assert set(channels) <= live
    finally:
        ami.unsubscribe(events)
        await asyncio.gather(*(disconnect_seat(ami, c) for c in channels))
