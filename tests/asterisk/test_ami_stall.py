"""A stalled AMI link (issue 12): a proxy between the service and Asterisk stops forwarding while
both sockets stay open. The service's own liveness check (a Ping every 2 s, 2 s to answer)
notices within 4 s, dialing stops, /api/health and the board say Asterisk is down; when the
proxy forwards again the service reconnects, reconciles the attempts it sent into the stall and
dials again — and no resident is called twice or behind the attempts' back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from dialer.domain.attempt import Phase
from dialer.domain.operators import SeatState
from dialer.domain.supervision import CampaignState
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign
from tests.asterisk.fault_kit import (
    attempt_rows,
    calls_received,
    piloting,
    seat_operators,
    serving,
)
from tests.asterisk.kit import until
from tests.asterisk.stall_proxy import stalling_proxy

# Residents who answer after a ring and hang up 2 s later (last digit 4).
NUMBERS = [f"0901110{n:03d}4" for n in range(1, 16)]
DETECTION_BOUND_S = 2.0 + 2.0 + 1.0  # liveness interval + Ping timeout + scheduling slack
RECONNECT_BOUND_S = 2.0 + 2.0  # panoramisk's reconnect delay + login and FullyBooted


async def health(url: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}api/health") as response:
        return response.status, await response.json()


async def test_a_stalled_ami_link_stops_dialing_until_it_flows_again(
        sandbox_state: SandboxState, tmp_path: Path) -> None:
    state = sandbox_state
    loop = asyncio.get_running_loop()
    async with sipp.running(["-sn", "uas"], state.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], state.carrier_port, tmp_path,
                         trace=True) as residents, \
            stalling_proxy(state.ami_port) as proxy, \
            serving(state, tmp_path, NUMBERS, ami_port=proxy.port) as served, \
            piloting(served.service) as pilot:
        service = served.service
        ops = await seat_operators(service, state.seats[:3])
        service.runner.open(Campaign(served.batch, "hoikuryo", ring_timeout_s=10))
        assert await until(lambda: len(pilot.saved) >= 3, 20), "dialing through the proxy"

        # Every operator in wrap-up (results held): nothing in flight.
        pilot.held = set(ops)
        assert await until(lambda: pilot.in_wrap_up(ops) and not service.runner.in_flight, 15)
        before = len(await attempt_rows(service.database, served.batch))
        stalled_at = loop.time()
        proxy.stall()
        pilot.held = {ops[2]}  # two operators ready: the service dials them into the stall
        assert await until(lambda: not service.ami.connected, DETECTION_BOUND_S + 1)
        detected_s = loop.time() - stalled_at
        into_stall = await attempt_rows(service.database, served.batch)
        assert len(into_stall) == before + 2, into_stall[before:]

        status, body = await health(service.url)
        assert status == 503 and body["ami_connected"] is False
        board = await service.board()
        assert not board.asterisk_up and not board.dialing
        assert [v.state for v in board.campaign_states] == [CampaignState.ASTERISK_DOWN]

        pilot.held = set()  # the third operator is ready too: nothing may be dialed now
        assert await until(lambda: service.pool.get(ops[2]).state is SeatState.READY, 2)
        await asyncio.sleep(2.5)
        assert len(await attempt_rows(service.database, served.batch)) == len(into_stall)
        assert not service.ami.connected

        saved_before = len(pilot.saved)
        resumed_at = loop.time()
        proxy.resume()
        assert await until(lambda: service.ami.connected, RECONNECT_BOUND_S + 1)
        reconnected_s = loop.time() - resumed_at
        assert await until(lambda: len(pilot.saved) >= saved_before + 3, 20), "dialing again"
        status, body = await health(service.url)
        assert status == 200 and body["ami_connected"] is True

        service.runner.close(served.batch)
        assert await until(lambda: not service.runner.in_flight and not any(
            op.attempt_id for op in service.pool.all()), 15)
        rows = await attempt_rows(service.database, served.batch)
    print(f"stall detected in {detected_s:.2f} s; reconnected {reconnected_s:.2f} s after the "
          f"proxy flowed again")
    assert detected_s <= DETECTION_BOUND_S
    calls = calls_received(residents)
    print("attempts:", [(r.number[-5:], r.phase, r.result_code) for r in rows])
    print("calls received:", dict(calls))
    assert not [r for r in rows if r.phase not in (Phase.DONE, Phase.WRAP_UP)]
    for number in NUMBERS:
        mine = [r for r in rows if r.number == number]
        talked = [r for r in mine if r.result_code == "101"]
        assert calls[number] <= 1, (number[-4:], mine)  # nobody is called twice
        assert calls[number] == len(talked), (number[-4:], mine)  # every call is an attempt's
