"""The FastAGI adapter hands the gate a typed request built from the ``agi_*`` headers."""

from __future__ import annotations

from dialer.adapters.agi import AgiRequest
from tests.support.agi_channel import RecordingChannel


async def test_a_request_from_the_headers_names_the_caller_and_the_arguments() -> None:
    channel = RecordingChannel()
    request = AgiRequest.from_headers({"agi_network_script": "gate", "agi_callerid": "0901",
                                       "agi_arg_1": "call-1", "agi_arg_2": "x"}, channel)
    assert (request.script, request.caller_id, request.args) == ("gate", "0901", ("call-1", "x"))
    assert (request.arg(1), request.arg(2), request.arg(3), request.arg(0)) == (
        "call-1", "x", "", "")
    await request.set_variable("CALLBACK_STATE", "OPEN")
    assert channel.commands == ['SET VARIABLE CALLBACK_STATE "OPEN"']
    empty = AgiRequest.from_headers({}, channel)
    assert (empty.caller_id, empty.args, empty.arg(1)) == ("", (), "")
