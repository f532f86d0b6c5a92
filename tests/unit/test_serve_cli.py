"""`dialer serve --sandbox DIR --at T`: refused with one clear line (exit 2) before anything
starts when there is no sandbox in DIR or T is not an instant."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.cli import main


def test_serve_without_a_running_sandbox_says_how_to_start_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--sandbox", str(tmp_path), "--at", "2027-01-12 12:00"]) == 2
    error = capsys.readouterr().err
    assert f"no sandbox running in {tmp_path}" in error
    assert f"dialer sandbox up --dir {tmp_path}" in error


def test_serve_refuses_an_at_that_is_not_an_instant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--at", "tomorrow noon"]) == 2
    assert "--at 'tomorrow noon': expected \"YYYY-MM-DD HH:MM\"" in capsys.readouterr().err


def test_serve_help_says_the_sandbox_options_are_for_sandboxes_demos_and_tests(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--sandbox DIR" in text and "--at" in text
    assert text.count("sandboxes, demos and tests") >= 2
