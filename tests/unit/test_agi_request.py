"""The FastAGI adapter hands the gate a typed request built from the ``agi_*`` headers, and
knows which peers may connect."""

from __future__ import annotations

from dialer.adapters.agi import AgiRequest, networks, peer_allowed
from tests.support.agi_channel import RecordingChannel


async def test_a_request_from_the_headers_names_the_caller_the_channel_and_the_arguments(
) -> None:
    channel = RecordingChannel()
    request = AgiRequest.from_headers({"agi_network_script": "gate", "agi_callerid": "0901",
                                       "agi_uniqueid": "1700000000.42",
                                       "agi_channel": "PJSIP/pstn-00000001",
                                       "agi_arg_1": "a", "agi_arg_2": "x"}, channel)
    assert (request.script, request.caller_id, request.args) == ("gate", "0901", ("a", "x"))
    assert (request.uniqueid, request.channel_name) == ("1700000000.42", "PJSIP/pstn-00000001")
    await request.set_variable("CALLBACK_STATE", "OPEN")
    assert channel.commands == ['SET VARIABLE CALLBACK_STATE "OPEN"']
    empty = AgiRequest.from_headers({}, channel)
    assert (empty.caller_id, empty.args, empty.uniqueid, empty.channel_name) == ("", (), "", "")


def test_without_an_allowlist_only_loopback_peers_may_connect() -> None:
    loopback = networks(())
    assert all(peer_allowed(a, loopback) for a in ("127.0.0.1", "127.0.0.2", "::1",
                                                   "::ffff:127.0.0.1"))
    assert not any(peer_allowed(a, loopback) for a in ("10.0.0.5", "::ffff:10.0.0.5",
                                                       "fe80::1%eth0", "", "/run/agi.sock"))


def test_an_allowlist_names_addresses_and_networks() -> None:
    allowed = networks(("127.0.0.1", "192.0.2.0/28"))
    assert peer_allowed("127.0.0.1", allowed) and peer_allowed("192.0.2.7", allowed)
    assert not peer_allowed("127.0.0.2", allowed) and not peer_allowed("192.0.2.16", allowed)
