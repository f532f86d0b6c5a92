"""Real calls through the `pstn` trunk to sipp callees: caller ID on the wire, classification."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dialer.adapters.ami import AmiLink
from dialer.config import Settings
from dialer.domain.dial_outcome import DialOutcome
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.dial import place_call
from dialer.services.console.seats import connect_seat, disconnect_seat
from tests.asterisk.phones import header, sipp_uas

RESIDENT = "090-1234-5678"


async def test_answered_call_presents_the_dedicated_number_on_the_wire(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, workdir: Path
) -> None:
    dedicated = settings.centre.dedicated_number
    async with sipp.running(["-sn", "uas"], sandbox_state.phones_port, workdir):
        operator = await connect_seat(ami, sandbox_state.seats[0])
        try:
            async with sipp_uas("uas_answer", sandbox_state.carrier_port, workdir) as callee:
                report = await place_call(ami, RESIDENT, dedicated, ring_timeout_s=10,
                                          operator_channel=operator)
        finally:
            await disconnect_seat(ami, operator)
    assert report.outcome is DialOutcome.ANSWERED
    invites = callee.received("INVITE")
    assert len(invites) == 1
    invite = invites[0]
    assert invite.lstrip().startswith("INVITE sip:09012345678@")
    assert f"<sip:{dedicated}@" in (header(invite, "From") or "")
    assert f"<sip:{dedicated}@" in (header(invite, "P-Asserted-Identity") or "")
    assert "anonymous" not in invite.lower()
    assert "Privacy: id" not in invite
    assert callee.process.returncode == 0


async def test_busy_callee_is_classified_busy(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, workdir: Path
) -> None:
    async with sipp_uas("uas_busy", sandbox_state.carrier_port, workdir):
        report = await place_call(ami, RESIDENT, settings.centre.dedicated_number, 10)
    assert report.outcome is DialOutcome.BUSY
    assert report.facts.dial_status == "BUSY"
    assert report.facts.hangup_cause == 17


async def test_ringing_callee_that_never_answers_is_classified_no_answer(
    ami: AmiLink, sandbox_state: SandboxState, settings: Settings, workdir: Path
) -> None:
    async with sipp_uas("uas_noanswer", sandbox_state.carrier_port, workdir) as callee:
        started = asyncio.get_running_loop().time()
        report = await place_call(ami, RESIDENT, settings.centre.dedicated_number, 2)
        elapsed = asyncio.get_running_loop().time() - started
    assert report.outcome is DialOutcome.NO_ANSWER
    assert report.facts.originate_reason == 3
    assert 1.5 < elapsed < 8
    assert callee.received("CANCEL")
    assert callee.process.returncode == 0
