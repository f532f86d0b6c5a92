"""A real third-party softphone (baresip, Debian's ``baresip-core``) registered to seat01 of a
sandbox of its own, on the real service and console API: going ready calls it and it answers by
itself; a resident who talks is bridged to it and audio flows both ways; a phone frozen while
ready takes its operator out of ready; a phone killed, or hung up, mid-call ends the resident's
leg and leaves the call in wrap-up with its result saving."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer import config
from dialer.adapters.db.models import Attempt
from dialer.pbx import sandbox
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign
from dialer.services.console.sessions import HUNG_UP_IN_CALL
from tests.asterisk.centre import Centre
from tests.asterisk.kit import until
from tests.asterisk.recording_kit import write_voice
from tests.support import baresip
from tests.support.baresip import Baresip
from tests.support.console_client import record_shown

pytestmark = pytest.mark.asterisk

PASSWORD = "seat01-long-password"
QUALIFY_S = 2
RTP_TIMEOUT_S = 4
GONE_WITHIN_S = RTP_TIMEOUT_S + 4  # Asterisk's checks, then the service's reaction
SEATS = f"""
[[seats]]
name = "seat01"
password = "{PASSWORD}"
qualify_s = {QUALIFY_S}
rtp_timeout_s = {RTP_TIMEOUT_S}
"""
CENTRE_RESIDENTS = Path(__file__).with_name("sipp") / "resident_on_the_line.xml"
# " BridgeId ChannelId UpTime Codec  Receive: Count Lost Pct Jitter  Transmit: Count …"
CHANNEL_STATS = re.compile(r"(?P<channel>[\w-]+-[0-9a-f]{8})\s+\S+\s+\w+\s+(?P<received>\d+)"
                           r"\s+\d+\s+\d+\s+[\d.]+\s+(?P<sent>\d+)")
RESIDENT_TONES = (320, 440, 380, 520, 300, 460)  # recording_kit.write_voice's "speech"


@pytest.fixture(scope="module")
def sandbox_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxState]:
    """A sandbox whose seat01 is a registering phone's (a password, no contact) with short
    liveness checks."""
    folder = tmp_path_factory.mktemp("real-phone")
    (folder / "dialer.toml").write_text(SEATS)
    state = sandbox.up(config.load(folder / "dialer.toml"), folder / "sandbox")
    try:
        yield state
    finally:
        sandbox.down(folder / "sandbox")


@pytest.fixture(autouse=True)
def voice_file(tmp_path: Path) -> Path:
    """The resident's voice, written before the centre starts the residents' sipp."""
    return write_voice(tmp_path)


async def ready_and_bridged(centre: Centre, phone: Baresip) -> str:
    """op1 goes ready on seat01 (the phone answers the seat session by itself); the resident
    is dialed, answers and is bridged to the phone. Returns the call id."""
    operator, service = centre.operator, centre.service
    status, state = await operator.post("/api/console/ready", {"seat": "seat01"})
    assert status == 200 and state["state"] == "ready", state
    await phone.wait_for(r"[Cc]all (established|answered)", 5)
    service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=15))
    frame = await operator.frame(record_shown, timeout_s=30)
    service.runner.close(centre.batch)
    assert frame["state"] == "on_call"
    assert len(pstn_channels(centre.state)) == 1  # the resident's leg, up
    return str(frame["call"]["id"])


def pstn_channels(state: SandboxState) -> list[str]:
    """The residents' channels still up on the sandbox."""
    return [line for line in sandbox.asterisk_rx(state, "core show channels concise").splitlines()
            if line.startswith("PJSIP/pstn-")]


def channel_stats(state: SandboxState) -> dict[str, tuple[int, int]]:
    """``pjsip show channelstats``: per channel (its endpoint's name first) the RTP packets
    received and sent."""
    stats = {}
    for line in sandbox.asterisk_rx(state, "pjsip show channelstats").splitlines():
        found = CHANNEL_STATS.search(line)
        if found:
            stats[found["channel"]] = (int(found["received"]), int(found["sent"]))
    return stats


async def save_result(centre: Centre, call_id: str) -> None:
    status, state = await centre.operator.post("/api/console/result", {
        "code": "101", "note": "電話機の試験", "account_transfer": "recommended"})
    assert status == 200, state
    async with centre.service.database.engine.connect() as conn:
        code = (await conn.execute(select(Attempt.result_code)
                                   .where(Attempt.id == call_id))).scalar_one()
    assert code == "101"


def loudest_tone(path: Path, tones: tuple[int, ...]) -> float:
    """The highest share of any of ``tones`` in a 0.1 s window of the WAV."""
    samples, rate = baresip.read_samples(path)
    window = rate // 10
    return max((baresip.tone_level(samples[i:i + window], hz, rate)
                for i in range(0, len(samples) - window, window) for hz in tones), default=0.0)


async def test_a_real_phone_answers_the_seat_session_and_audio_flows_both_ways(
        centre: Centre, tmp_path: Path) -> None:
    async with baresip.registered(tmp_path / "phone", "seat01", PASSWORD,
                                  centre.state.sip_port) as phone:
        call_id = await ready_and_bridged(centre, phone)
        await asyncio.sleep(3)  # a few seconds of talk
        stats = channel_stats(centre.state)
        status, state = await centre.operator.post("/api/console/hangup")
        assert status == 200, state
        await centre.operator.frame(lambda f: f["state"] == "wrap_up", timeout_s=5,
                                    after=centre.operator.matched)
        await save_result(centre, call_id)
    seat = [v for k, v in stats.items() if k.startswith("seat01-")]
    resident = [v for k, v in stats.items() if k.startswith("pstn-")]
    assert seat and resident, stats
    assert seat[0][0] > 100, stats  # the phone's audio reached Asterisk (20 ms packets)
    assert resident[0][1] > 100, stats  # and went on to the resident
    heard = phone.heard()
    assert heard, phone.output[-20:]
    assert loudest_tone(heard[-1], RESIDENT_TONES) > 0.5  # the resident's voice, on the phone


async def test_a_frozen_phone_takes_its_operator_out_of_ready_and_nobody_is_bridged_to_it(
        centre: Centre, tmp_path: Path) -> None:
    operator, service = centre.operator, centre.service
    async with baresip.registered(tmp_path / "phone", "seat01", PASSWORD,
                                  centre.state.sip_port) as phone:
        status, state = await operator.post("/api/console/ready", {"seat": "seat01"})
        assert status == 200 and state["state"] == "ready", state
        await phone.wait_for(r"Call established", 5)
        phone.freeze()
        frozen_at = time.monotonic()
        frame = await operator.frame(lambda f: f["state"] == "offline",
                                     timeout_s=GONE_WITHIN_S, after=len(operator.frames))
        assert time.monotonic() - frozen_at < GONE_WITHIN_S
        assert frame["notice"] and frame["result_pending"] is False, frame
        assert service.pool.ready() == []

        service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=15))
        await asyncio.sleep(3)  # several dial ticks: nobody is ready, nothing is dialed
        service.runner.close(centre.batch)
        assert service.runner.in_flight == {}
        assert not any(f["state"] == "on_call" for f in operator.frames)
        assert pstn_channels(centre.state) == []


async def ended_for_the_resident_and_saved(centre: Centre, call_id: str, within_s: float
                                           ) -> float:
    """The operator is in wrap-up for ``call_id`` with its result owed, the resident's leg
    ends, the result saves; returns how long wrap-up took to come."""
    operator, service = centre.operator, centre.service
    since = time.monotonic()
    wrap = await operator.frame(lambda f: f["state"] == "wrap_up", timeout_s=within_s,
                                after=operator.matched)
    took = time.monotonic() - since
    assert wrap["result_pending"] is True and wrap["notice"] == HUNG_UP_IN_CALL, wrap
    assert wrap["call"]["id"] == call_id
    assert await until(lambda: call_id not in service.runner.in_flight, 3)
    assert await until(lambda: pstn_channels(centre.state) == [], 3)
    await save_result(centre, call_id)
    return took


async def test_a_phone_killed_mid_call_ends_the_residents_leg_and_the_result_saves(
        centre: Centre, tmp_path: Path) -> None:
    async with baresip.registered(tmp_path / "phone", "seat01", PASSWORD,
                                  centre.state.sip_port) as phone:
        call_id = await ready_and_bridged(centre, phone)
        await asyncio.sleep(1)
        phone.kill()
        took = await ended_for_the_resident_and_saved(centre, call_id, GONE_WITHIN_S)
    assert took < GONE_WITHIN_S, took


async def test_a_phone_hanging_up_mid_call_leaves_wrap_up_and_the_result_saves(
        centre: Centre, tmp_path: Path) -> None:
    async with baresip.registered(tmp_path / "phone", "seat01", PASSWORD,
                                  centre.state.sip_port) as phone:
        call_id = await ready_and_bridged(centre, phone)
        await asyncio.sleep(1)
        answer = await phone.command("hangup")
        assert answer.get("ok") is True, answer
        took = await ended_for_the_resident_and_saved(centre, call_id, 3)
    assert took < 3, took
