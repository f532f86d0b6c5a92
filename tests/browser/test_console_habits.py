"""console.js in Chromium, as an operator working for hours would meet it (issue 24 §1–3): the
time in state follows the service's clock (not the browser's: the demo's clock is shifted, a
PC's may be off), focus leaves the note once a result is saved (the next call's number keys
choose a result instead of typing into the note), and 「保存しました」 does not stay into the
next call."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.support.browser import log_in, serve
from tests.support.console_rig import NOW, PASSWORD, RESIDENT, Rig, console_rig


@pytest.fixture
async def centre(tmp_path: Path) -> AsyncIterator[tuple[Rig, str]]:
    async with console_rig(tmp_path, tmp_path) as rig, serve(rig.app) as url:
        yield rig, url


async def test_timer_focus_and_saved_message_follow_the_operator_s_day(
        centre: tuple[Rig, str], page: Page) -> None:
    rig, url = centre
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    await log_in(page, f"{url}/", "op1", PASSWORD)
    await expect(page.locator("#state")).to_have_text("後処理")
    await expect(page.locator("#rec-name")).to_have_text(RESIDENT)
    # in wrap-up for 20 s by the service's clock, which is in 2027: the browser's is not
    await expect(page.locator("#state-time")).to_have_text(re.compile(r"^0:(2\d|3\d)$"))

    await page.check("input[name=code][value='101']")
    await page.check("input[name=account_transfer][value=recommended]")
    await page.fill("textarea[name=note]", "次回は夕方に")
    await page.keyboard.press("Control+Enter")
    message = page.locator("#result-message")
    await expect(message).to_have_text("保存しました")
    await expect(page.locator("#state")).to_have_text("受付中")
    assert await page.evaluate("document.activeElement === document.body")
    await expect(page.locator("#state-time")).to_have_text(re.compile(r"^0:0\d$"))

    # the next call: the message of the call before is gone, and a number key picks a result
    rig.pool.reserve(rig.user_id, "att-next", NOW + timedelta(seconds=5))
    rig.pool.bridged("att-next", NOW + timedelta(seconds=6))
    await rig.console.changed(rig.pool.get(rig.user_id))
    await expect(page.locator("#state")).to_have_text("通話中")
    await expect(message).to_have_text("")
    await page.keyboard.press("1")
    await expect(page.locator("textarea[name=note]")).to_have_value("")
    await expect(page.locator("input[name=code][data-key='1']")).to_be_checked()
    assert problems == []
