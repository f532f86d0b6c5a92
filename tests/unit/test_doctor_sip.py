"""`dialer doctor`'s SIP lines: Asterisk's listener on one named interface, never on every one,
and never on loopback while the carrier is elsewhere (the default until the admin sets it)."""

from __future__ import annotations

import dataclasses

import pytest

from dialer.config import Settings
from dialer.services.runtime import doctor


def sip_lines(settings: Settings, host: str, bind: str) -> list[doctor.Finding]:
    trunk = dataclasses.replace(settings.trunk, host=host, sip_bind_host=bind)
    return [f for f in doctor.offline(dataclasses.replace(settings, trunk=trunk), None)
            if f.topic == "sip"]


def test_the_default_listener_is_loopback() -> None:
    assert Settings().trunk.sip_bind_host == "127.0.0.1"


@pytest.mark.parametrize("bind", ["0.0.0.0", "::", ""])
def test_every_interface_is_a_fix(bind: str) -> None:
    [first, _carrier] = sip_lines(Settings(), "203.0.113.5", bind)
    assert first.level is doctor.Level.FIX and "every interface" in first.text


def test_loopback_with_a_carrier_elsewhere_is_a_fix() -> None:
    [first, _carrier] = sip_lines(Settings(), "203.0.113.5", "127.0.0.1")
    assert first.level is doctor.Level.FIX
    assert "cannot reach it" in first.text and "203.0.113.5" in first.text


@pytest.mark.parametrize(("host", "bind"), [("203.0.113.5", "192.0.2.10"),
                                            ("127.0.0.1", "127.0.0.1")])
def test_a_named_interface_is_ok(host: str, bind: str) -> None:
    [first, carrier] = sip_lines(Settings(), host, bind)
    assert first.level is doctor.Level.OK and bind in first.text
    assert carrier.level is doctor.Level.OK
