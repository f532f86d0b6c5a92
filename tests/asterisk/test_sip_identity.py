"""Only the carrier's address is the carrier: a request from anywhere else that writes ``pstn``
in its From user (and a resident's number in P-Asserted-Identity) is refused, never taken for
a resident calling back; a resident coming through the carrier's address still gets through.
Raw SIP over UDP from another loopback address (127.0.0.2), the sandbox's own Asterisk."""

from __future__ import annotations

import asyncio
import re
import secrets

import pytest

from dialer.config import Settings
from dialer.pbx.ports import free_udp_port
from dialer.pbx.sandbox import SandboxState

pytestmark = pytest.mark.asterisk

RESIDENT = "09055550001"


def invite(source: str, port: int, target_port: int, user: str, dedicated: str) -> bytes:
    call_id, tag, branch = (secrets.token_hex(8) for _ in range(3))
    sdp = (f"v=0\r\no=x 1 1 IN IP4 {source}\r\ns=-\r\nc=IN IP4 {source}\r\nt=0 0\r\n"
           "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
    head = (f"INVITE sip:{dedicated}@127.0.0.1:{target_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {source}:{port};branch=z9hG4bK{branch};rport\r\n"
            f"From: <sip:{user}@{source}:{port}>;tag={tag}\r\n"
            f"To: <sip:{dedicated}@127.0.0.1:{target_port}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:{user}@{source}:{port}>\r\n"
            f"P-Asserted-Identity: <sip:{RESIDENT}@{source}>\r\n"
            "Max-Forwards: 70\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n")
    return (head + sdp).encode()


class _Responses(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.codes: asyncio.Queue[int] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        match = re.match(rb"SIP/2\.0 (\d{3})", data)
        if match:
            self.codes.put_nowait(int(match.group(1)))


async def final_response(source: str, port: int, sip_port: int, user: str,
                         dedicated: str) -> int:
    """Send one INVITE from ``source:port``; the first final (>= 200) response code."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        _Responses, local_addr=(source, port))
    try:
        transport.sendto(invite(source, port, sip_port, user, dedicated), ("127.0.0.1", sip_port))
        while True:
            code = await asyncio.wait_for(protocol.codes.get(), 10)
            if code >= 200:
                return code
    finally:
        transport.close()


async def test_a_stranger_writing_pstn_in_from_is_not_the_carrier(
    sandbox_state: SandboxState, settings: Settings,
) -> None:
    code = await final_response("127.0.0.2", free_udp_port(), sandbox_state.sip_port, "pstn",
                                settings.centre.dedicated_number)
    assert code in (401, 403, 407), f"a spoofed carrier got {code}"


async def test_a_resident_through_the_carrier_s_address_still_gets_through(
    sandbox_state: SandboxState, settings: Settings,
) -> None:
    """The same request from the carrier's address (the sandbox's carrier is 127.0.0.1 on its
    callers' port) is identified and routed, not challenged: to a number the centre does not
    have, the dialplan's own 404 (no call is left up for the tests after this one)."""
    code = await final_response("127.0.0.1", sandbox_state.callers_port, sandbox_state.sip_port,
                                RESIDENT, "0000000")
    assert code == 404
