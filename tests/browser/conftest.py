"""Every test under tests/browser is marked ``browser``; the fixtures are in
tests/support/browser.py (shared with the real-Asterisk browser tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import browser, launch_summary, page

__all__ = ["browser", "page"]
BROWSER_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    launch_summary(terminalreporter)
