"""Shared test configuration: marks every test under tests/asterisk with `asterisk`; fixtures
every tier uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.public_dir import public_dir

__all__ = ["public_dir"]

ASTERISK_DIR = Path(__file__).parent / "asterisk"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if ASTERISK_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.asterisk)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly how many real-Asterisk tests ran, so a silent skip cannot pass unnoticed."""
    counts = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        reports = terminalreporter.stats.get(outcome, [])
        counts[outcome] = sum(1 for r in reports if "asterisk" in getattr(r, "keywords", {}))
    terminalreporter.write_line(
        "real-Asterisk tier (tests run against the sandbox Asterisk 22): "
        "passed {passed} / failed {failed} / errors {error} / skipped {skipped}".format(**counts)
    )
