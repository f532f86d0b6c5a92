"""`dialer demo` as a newcomer runs it: started headless as its own process, a person logs in
through Chromium with the printed demo account, goes ready, gets a real screen-pop within
seconds, saves a result; Ctrl-C stops everything and leaves no process behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from dialer.demo.centre import DEMO_ACCOUNTS
from dialer.pbx import ports
from tests.support.browser import log_in, new_page, screenshot

pytestmark = pytest.mark.browser
BANNER = "demo running"


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that mention ``text`` (the demo's own folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline:
            found.append(cmdline)
    return found


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[str]:
    port = ports.free_tcp_port()
    (tmp_path / "dialer.toml").write_text(
        f'[web]\nport = {port}\n[paths]\ndata_dir = "var"\n[database]\n'
        f'url = "sqlite+aiosqlite:///var/demo.sqlite3"\n')
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dialer", "--config", str(tmp_path / "dialer.toml"), "demo",
        "--dir", str(tmp_path / "sandbox"), "--at", "2027-01-12 12:00",
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    lines: list[str] = []

    async def until_banner() -> None:
        assert process.stdout is not None
        while BANNER not in "".join(lines[-20:]):
            line = await process.stdout.readline()
            if not line:
                raise AssertionError("the demo ended early:\n" + "".join(lines[-40:]))
            lines.append(line.decode(errors="replace"))

    try:
        await asyncio.wait_for(until_banner(), 120)
        drain = asyncio.create_task(process.stdout.read())
        yield f"http://127.0.0.1:{port}/"
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert await asyncio.wait_for(process.wait(), 60) == 0
        assert "demo stopped" in (await drain).decode(errors="replace")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert processes_mentioning(str(tmp_path)) == []  # no Asterisk, sipp or service left


async def test_the_demo_gives_a_newcomer_a_screen_pop_and_stops_cleanly(
        demo: str, browser: Browser) -> None:
    login, _name, _role, password = DEMO_ACCOUNTS[0]
    async with new_page(browser) as page:
        await log_in(page, demo, login, password)
        await expect(page).to_have_url(f"{demo}console")
        await page.select_option("#seat", "seat01")
        await page.click("#ready")
        await expect(page.locator("#rec-name")).not_to_be_empty(timeout=60_000)
        await expect(page.locator("#script-body")).to_contain_text("本人確認")
        await screenshot(page, "demo-console")
        await page.keyboard.press("9")  # 201 本人不在: no extra answer needed
        await page.keyboard.press("Control+Enter")
        await expect(page.locator("#result-message")).to_have_text("保存しました",
                                                                   timeout=15_000)
    manager_login, _name, _role, manager_password = DEMO_ACCOUNTS[1]
    async with new_page(browser) as board:
        await log_in(board, demo, manager_login, manager_password)
        await expect(board).to_have_url(f"{demo}board")
        await expect(board.locator("#contact-rate-hoikuryo")).to_be_visible()
        await expect(board.locator("body")).to_contain_text("autopilot01")
        await screenshot(board, "demo-board")
