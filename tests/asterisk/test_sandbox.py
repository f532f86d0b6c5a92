"""The sandbox itself: boots a real Asterisk 22, serves the rendered config, stops cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.adapters.ami import AmiLink
from dialer.config import Settings
from dialer.pbx import sandbox
from dialer.pbx.sandbox import SandboxState


async def test_ami_reports_asterisk_22(ami: AmiLink) -> None:
    settings = await ami.core_settings()
    assert settings.asterisk_version.startswith("22.")


def test_rendered_trunk_and_dialplan_are_live(sandbox_state: SandboxState,
                                              settings: Settings) -> None:
    endpoints = sandbox.asterisk_rx(sandbox_state, "pjsip show endpoint pstn")
    assert f"127.0.0.1:{sandbox_state.carrier_port}" in endpoints
    dialplan = sandbox.asterisk_rx(sandbox_state, "dialplan show from-pstn")
    assert f"'{settings.centre.dedicated_number}'" in dialplan


def test_two_sandboxes_side_by_side_and_down_leaves_nothing(
    sandbox_state: SandboxState, settings: Settings, tmp_path: Path
) -> None:
    second = sandbox.up(settings, tmp_path / "second")
    try:
        assert second.pid != sandbox_state.pid
        assert second.ami_port != sandbox_state.ami_port
        assert sandbox.status(tmp_path / "second").running
        assert sandbox.status(Path(sandbox_state.dir)).running
    finally:
        assert sandbox.down(tmp_path / "second") is True
    assert not sandbox.is_alive(second.pid)
    assert not second.host_inner.exists()
    assert sandbox.status(tmp_path / "second").running is False
    assert sandbox.status(Path(sandbox_state.dir)).running  # the first one is untouched


def test_up_twice_returns_the_running_sandbox(sandbox_state: SandboxState,
                                              settings: Settings) -> None:
    again = sandbox.up(settings, Path(sandbox_state.dir))
    assert again.pid == sandbox_state.pid


@pytest.mark.parametrize("command", ["up", "status", "down"])
def test_cli_round_trip(command: str, tmp_path: Path) -> None:
    from dialer.cli import main

    directory = tmp_path / "cli"
    if command == "status":
        assert main(["sandbox", "status", "--dir", str(directory)]) == 3
    elif command == "up":
        try:
            assert main(["sandbox", "up", "--dir", str(directory)]) == 0
            assert main(["sandbox", "status", "--dir", str(directory)]) == 0
        finally:
            assert main(["sandbox", "down", "--dir", str(directory)]) == 0
        assert main(["sandbox", "status", "--dir", str(directory)]) == 3
    else:
        assert main(["sandbox", "down", "--dir", str(directory)]) == 0
