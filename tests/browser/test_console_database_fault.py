"""console.js in Chromium when the database cannot take the operator's result (the SQLite file
held by another writer): the page says so in words, keeps everything the operator typed, sends
it again by itself (or at once, on "今すぐ再送") and clears the form only once the save is
confirmed — recorded exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.support.browser import log_in, screenshot, serve
from tests.support.console_rig import PASSWORD, RESIDENT, RESULT, Rig, console_rig


@pytest.fixture
async def centre(tmp_path: Path) -> AsyncIterator[tuple[Rig, str]]:
    async with console_rig(tmp_path, tmp_path) as rig, serve(rig.app) as url:
        yield rig, url


async def fill_result(page: Page, url: str) -> list[str]:
    """op1 on the console, in wrap-up with the resident's record; the result form filled.
    The page's script errors and CSP violations are collected in the list returned."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    await log_in(page, f"{url}/", "op1", PASSWORD)
    await expect(page).to_have_url(f"{url}/console")
    await expect(page.locator("#state")).to_have_text("後処理")
    await expect(page.locator("#rec-name")).to_have_text(RESIDENT)
    await page.check("input[name=code][value='101']")
    await page.check("input[name=account_transfer][value=recommended]")
    await page.fill("textarea[name=note]", RESULT["note"])
    return problems


async def still_typed(page: Page) -> None:
    await expect(page.locator("textarea[name=note]")).to_have_value(RESULT["note"])
    await expect(page.locator("input[name=code][value='101']")).to_be_checked()
    await expect(page.locator("input[name=account_transfer][value=recommended]")).to_be_checked()


async def test_the_page_keeps_an_unsaved_result_and_its_automatic_retry_lands_it(
        centre: tuple[Rig, str], page: Page) -> None:
    rig, url = centre
    problems = await fill_result(page, url)
    message = page.locator("#result-message")
    with rig.hold_write_lock():
        await page.keyboard.press("Control+Enter")
        await expect(message).to_contain_text("データベースが一時的に使えません")
        await expect(message).to_contain_text("入力内容は保持しています")
        await expect(message).to_contain_text("秒後に自動で再送します")
        await expect(page.locator("#retry-now")).to_be_visible()
        await still_typed(page)
        assert await rig.recorded() == (0, None, 0)
        await screenshot(page, "console-database-unavailable")
    # the lock is gone: the page's own retry (2 s after the failure, then 4 s) lands it
    await expect(message).to_have_text("保存しました", timeout=15_000)
    await expect(page.locator("textarea[name=note]")).to_have_value("")
    await expect(page.locator("#retry-now")).to_be_hidden()
    await expect(page.locator("#state")).to_have_text("受付中")
    assert await rig.recorded() == (1, "101", 1)
    assert await rig.intact() == ("ok", True)
    assert problems == []


async def test_the_operator_can_send_a_kept_result_again_at_once(
        centre: tuple[Rig, str], page: Page) -> None:
    rig, url = centre
    problems = await fill_result(page, url)
    message = page.locator("#result-message")
    with rig.hold_write_lock():
        await page.click("#save")
        await expect(message).to_contain_text("2 秒後に自動で再送します")
        await page.click("#retry-now")  # still locked: kept, and the wait grows
        await expect(message).to_contain_text("4 秒後に自動で再送します")
        await still_typed(page)
    await page.click("#retry-now")
    await expect(message).to_have_text("保存しました", timeout=3_000)  # before the 4 s retry
    await expect(page.locator("textarea[name=note]")).to_have_value("")
    assert await rig.recorded() == (1, "101", 1)
    assert problems == []
