"""``[agi] allowed_peers``: checked when the file is read, and `dialer doctor` says whether
FastAGI is on loopback or behind an allowlist."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dialer import config
from dialer.config import ConfigError
from dialer.services.runtime import doctor


def test_a_peer_that_is_not_an_address_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dialer.toml"
    path.write_text('[agi]\nallowed_peers = ["127.0.0.1", "asterisk.local"]\n')
    with pytest.raises(ConfigError) as raised:
        config.load(path)
    assert raised.value.problems == [
        "agi.allowed_peers: 'asterisk.local' is not an address or a network"]
    path.write_text('[agi]\nallowed_peers = ["127.0.0.1", "10.1.2.0/24", "::1"]\n')
    assert config.load(path).agi.allowed_peers == ("127.0.0.1", "10.1.2.0/24", "::1")


def _agi_lines(agi: config.AgiSettings) -> list[str]:
    settings = dataclasses.replace(config.load(None), agi=agi)
    return [f.line() for f in doctor.offline(settings, None) if f.topic == "agi"]


def test_doctor_says_whether_fastagi_is_on_loopback_or_behind_an_allowlist() -> None:
    assert _agi_lines(config.AgiSettings()) == [
        "OK    agi         FastAGI on 127.0.0.1:4573, answering loopback only"]
    exposed = _agi_lines(config.AgiSettings(host="0.0.0.0"))
    assert len(exposed) == 1 and exposed[0].startswith(
        "FIX   agi         agi.host 0.0.0.0 is not loopback and agi.allowed_peers is empty")
    assert _agi_lines(config.AgiSettings(host="10.1.2.3", allowed_peers=("10.1.2.4",))) == [
        "OK    agi         FastAGI on 10.1.2.3:4573, answering only 10.1.2.4"]
