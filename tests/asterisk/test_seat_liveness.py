"""A seat phone that stops sending audio (frozen, unplugged) on the real service and sandbox:
Asterisk ends its session after the seat's ``rtp_timeout_s``, the operator leaves ready with a
notice, and no resident is dialed for or bridged to them. A seat kept for a registering phone
(a password, no contact) with no phone registered says so when its operator goes ready."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from dialer import config
from dialer.pbx import sandbox
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign
from dialer.services.console.sessions import HUNG_UP
from tests.asterisk.centre import Centre

RTP_TIMEOUT_S = 3
SEATS = f"""
[[seats]]
name = "seat01"
contact = "sip:seat01@192.0.2.1"
rtp_timeout_s = {RTP_TIMEOUT_S}

[[seats]]
name = "seat02"
password = "seat02-long-password"
"""


@pytest.fixture(scope="module")
def sandbox_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxState]:
    """A sandbox of its own whose seat01 has a short RTP timeout (the simulated phones,
    ``sipp -sn uas``, send no audio: like a phone frozen since it answered)."""
    folder = tmp_path_factory.mktemp("liveness")
    (folder / "dialer.toml").write_text(SEATS)
    state = sandbox.up(config.load(folder / "dialer.toml"), folder / "sandbox")
    try:
        yield state
    finally:
        sandbox.down(folder / "sandbox")


async def test_a_phone_sending_no_audio_leaves_ready_and_no_resident_is_bridged_to_it(
        centre: Centre) -> None:
    operator, service = centre.operator, centre.service
    pjsip = (centre.state.host_inner / "etc" / "pjsip.conf").read_text()
    assert f"rtp_timeout = {RTP_TIMEOUT_S}" in pjsip
    status, state = await operator.post("/api/console/ready", {"seat": "seat01"})
    assert status == 200 and state["state"] == "ready"
    ready_at = time.monotonic()
    frame = await operator.frame(lambda f: f["state"] == "offline",
                                 timeout_s=RTP_TIMEOUT_S + 5, after=len(operator.frames))
    left_after = time.monotonic() - ready_at
    assert RTP_TIMEOUT_S - 1 < left_after < RTP_TIMEOUT_S + 3, left_after
    assert frame["notice"] == HUNG_UP and frame["result_pending"] is False
    assert service.pool.ready() == []

    service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=15))
    await asyncio.sleep(3)  # several dial ticks: nobody is ready, nothing is dialed
    service.runner.close(centre.batch)
    assert service.runner.in_flight == {}
    assert not any(f["state"] == "on_call" for f in operator.frames)


async def test_going_ready_on_a_seat_with_no_phone_registered_says_so(centre: Centre) -> None:
    pjsip = (centre.state.host_inner / "etc" / "pjsip.conf").read_text()
    assert "[seat02-auth]" in pjsip  # the sandbox kept the password: a real phone may register
    status, answer = await centre.operator.post("/api/console/ready", {"seat": "seat02"})
    assert status == 409 and answer["error"].startswith("no phone registered on seat02"), answer
    assert centre.service.pool.ready() == []
