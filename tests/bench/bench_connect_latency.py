"""Answer -> operator-bridged latency on the real sandbox.

Run: `python -m tests.bench.bench_connect_latency` (part of `make bench`).

The chosen mechanism: each ready operator's seat phone stays connected (operator-session), and an
answered resident is bridged to it by the dialplan (`Bridge()`), with no ringing. Measured beside
it in the same run, the usual alternative: on answer, Dial() the operator's phone — here an
auto-answering sipp phone, so that figure is a lower bound (a real phone adds its ringing).
Latency is read from Asterisk's own event timestamps (Newstate Up -> BridgeEnter).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from dialer import config
from dialer.adapters.ami import AmiLink, Originate
from dialer.domain.call_events import CallEvent
from dialer.pbx import sandbox, sipp
from dialer.services.calls.dial import place_call
from dialer.services.console.seats import connect_seat, disconnect_seat
from tests.bench.results import merge, percentile
from tests.support.bridge_latency import EVENTS as BRIDGE_EVENTS
from tests.support.bridge_latency import answer_to_bridge_ms

CALLS = 120
SEATS = 6


async def persistent(link: AmiLink, state: sandbox.SandboxState, dedicated: str) -> list[float]:
    channels = await asyncio.gather(*(connect_seat(link, s) for s in state.seats[:SEATS]))
    latencies: list[float] = []
    try:
        for round_ in range(CALLS // SEATS):
            latencies += await _round(link, channels, dedicated, round_)
    finally:
        await asyncio.gather(*(disconnect_seat(link, c) for c in channels))
    return latencies


async def _round(link: AmiLink, channels: list[str], dedicated: str, round_: int) -> list[float]:
    events = link.subscribe(*BRIDGE_EVENTS)
    try:
        reports = await asyncio.gather(*(
            place_call(link, f"0901{round_:03d}{n:03d}4", dedicated, 10, channel)
            for n, channel in enumerate(channels)))
        seen: list[CallEvent] = [events.get_nowait() for _ in range(events.qsize())]
    finally:
        link.unsubscribe(events)
    values = [answer_to_bridge_ms(seen, r.channel_id) for r in reports]
    return [v for v in values if v is not None]


async def dial_on_answer(link: AmiLink, state: sandbox.SandboxState, dedicated: str
                         ) -> list[float]:
    latencies: list[float] = []
    for round_ in range(CALLS // SEATS):
        events = link.subscribe(*BRIDGE_EVENTS)
        calls = []
        for n in range(SEATS):
            channel_id = f"bench-{round_}-{n}-{time.monotonic_ns()}"
            link.originate(Originate(f"PJSIP/0902{round_:03d}{n:03d}4@pstn", 10000, dedicated,
                                     "bench-dial-seat", "answered",
                                     variables=(f"SEAT={state.seats[n]}",)), channel_id)
            calls.append(channel_id)
        await asyncio.sleep(4)
        seen = [events.get_nowait() for _ in range(events.qsize())]
        link.unsubscribe(events)
        latencies += [v for c in calls if (v := answer_to_bridge_ms(seen, c)) is not None]
    return latencies


async def measure(state: sandbox.SandboxState, workdir: Path) -> dict[str, float]:
    settings = sandbox.service_settings(config.load(None), state)
    link = AmiLink(state.ami())
    await link.connect()
    dedicated = settings.centre.dedicated_number
    try:
        async with sipp.running(["-sn", "uas"], state.phones_port, workdir), \
                sipp.running(["-sf", str(sipp.RESIDENTS)], state.carrier_port, workdir):
            chosen = await persistent(link, state, dedicated)
            baseline = await dial_on_answer(link, state, dedicated)
    finally:
        await link.close()
    return {
        "connect_latency_ms_p50": round(percentile(chosen, 50), 2),
        "connect_latency_ms_p99": round(percentile(chosen, 99), 2),
        "connect_latency_calls": len(chosen),
        "connect_latency_dial_on_answer_ms_p50": round(percentile(baseline, 50), 2),
        "connect_latency_dial_on_answer_ms_p99": round(percentile(baseline, 99), 2),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "sandbox"
        state = sandbox.up(config.load(None), directory)
        try:
            figures = asyncio.run(measure(state, Path(tmp)))
        finally:
            sandbox.down(directory)
    merge(figures)
    f = figures
    print("answer -> operator bridged (ms)        p50      p99")
    print(f"  persistent seat + Bridge()    {f['connect_latency_ms_p50']:8.1f} "
          f"{f['connect_latency_ms_p99']:8.1f}   ({f['connect_latency_calls']} calls)")
    print(f"  Dial() the seat on answer     {f['connect_latency_dial_on_answer_ms_p50']:8.1f} "
          f"{f['connect_latency_dial_on_answer_ms_p99']:8.1f}   (auto-answer phone: a lower bound)")


if __name__ == "__main__":
    main()
