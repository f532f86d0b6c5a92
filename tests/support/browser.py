"""The real-browser tier: Debian's Chromium (one per session, a fresh context per test), the
console served in-process, screenshots. A missing Chromium is a failure, never a skip.

Playwright's own browser download does not work on the target machines (closed network), so the
pip package only provides the driver; the browser is Debian's ``chromium`` package, which
``make setup`` installs.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright

from dialer.pbx.ports import free_tcp_port

CHROMIUM = Path("/usr/bin/chromium")

# Headless, as root, with no sandbox and nothing that tries to reach Google (those connections
# are refused here and only slow the start down).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_launch: dict[str, str] = {}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on a free loopback port; yields its base URL (no trailing slash)."""
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_tcp_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as var/screenshots/<name>.png (for the README) and return its path."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"screenshot name must be a plain file name, got {name!r}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name.removesuffix('.png')}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path




def launch_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _launch:
        terminalreporter.write_line(
            "browser tier: Chromium {version} launched in {seconds} s".format(**_launch)
        )


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file():  # noqa: ASYNC240 - one stat at session start
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


@asynccontextmanager
async def new_page(browser: Browser) -> AsyncIterator[Page]:
    """A page in a context of its own (its own cookies): one user each."""
    context = await browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo",
                                        viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def log_in(page: Page, base: str, login: str, password: str) -> None:
    """Fill and send the console's login form (``base`` ends with a slash)."""
    await page.goto(f"{base}login")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
