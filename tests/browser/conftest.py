"""Fixtures of the real-browser tier: one Debian Chromium per session, a fresh context per test.

Every test under tests/browser is marked ``browser``. A missing Chromium is a failure, never a
skip: ``make setup`` installs it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.browser.kit import CHROMIUM, CHROMIUM_ARGS

BROWSER_DIR = Path(__file__).parent
_launch: dict[str, str] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _launch:
        terminalreporter.write_line(
            "browser tier: Chromium {version} launched in {seconds} s".format(**_launch)
        )


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
            "Run `make setup` (it apt-installs the `chromium` package).",
            pytrace=False,
        )
    async with async_playwright() as playwright:
        started = time.perf_counter()
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            chromium_sandbox=False,
            args=CHROMIUM_ARGS,
        )
        _launch.update(version=browser.version, seconds=f"{time.perf_counter() - started:.2f}")
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A page in its own context (no cookies or storage shared between tests), in Japanese."""
    context = await browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(10_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()
