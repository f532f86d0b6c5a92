"""The sandbox's seats: a seat with a password and no contact is left for a real phone to
register with; every other seat is forced to the simulated phones, their liveness checks off
unless configured (sipp sends no audio and answers no OPTIONS)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from dialer import config
from dialer.pbx import sandbox
from dialer.pbx.sandbox import SandboxState


def test_a_seat_with_a_password_registers_and_the_others_are_simulated(tmp_path: Path) -> None:
    path = tmp_path / "dialer.toml"
    path.write_text('[[seats]]\nname = "seat01"\npassword = "pw-seat01-long"\n'
                    '[[seats]]\nname = "seat02"\ncontact = "sip:seat02@192.0.2.5"\n'
                    'rtp_timeout_s = 4\n')
    state = SandboxState(dir="", root="", inner="/i", pid=0, ami_port=1, ami_username="u",
                         ami_secret="s", sip_port=2, carrier_port=3, phones_port=5070,
                         callers_port=4, agi_port=5, seats=("seat01", "seat02", "seat03"),
                         rtp_start=6, rtp_end=7, version="")
    seats = {s.name: s for s in sandbox.service_settings(config.load(path), state).seats}
    assert dataclasses.astuple(seats["seat01"])[:3] == ("seat01", "pw-seat01-long", "")
    assert seats["seat01"].qualify_frequency == 10 and seats["seat01"].rtp_timeout == 30
    assert seats["seat02"].contact == "sip:seat02@127.0.0.1:5070"
    assert (seats["seat02"].rtp_timeout, seats["seat02"].qualify_frequency) == (4, 0)
    assert seats["seat03"].contact == "sip:seat03@127.0.0.1:5070"
    assert (seats["seat03"].rtp_timeout, seats["seat03"].qualify_frequency) == (0, 0)
