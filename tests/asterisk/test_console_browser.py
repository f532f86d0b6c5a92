"""The console in a real browser (Debian Chromium) against the real service and sandbox: an
operator logs in and goes ready, a simulated resident answers, the screen-pop shows that
resident, the operator saves a result with the keyboard, and the manager's board shows the
contact rate change. Screenshots for the README land in var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from dialer.services.calls.runner import Campaign
from tests.asterisk.centre import PASSWORD, Centre
from tests.support.browser import log_in, new_page, screenshot

pytestmark = pytest.mark.browser


async def test_an_operator_takes_a_call_and_saves_its_result_in_the_browser(
        centre: Centre, browser: Browser) -> None:
    base = centre.service.url
    async with new_page(browser) as operator, new_page(browser) as manager:
        await log_in(operator, base, "op1", PASSWORD)
        await expect(operator).to_have_url(f"{base}console")
        await log_in(manager, base, "kanri", PASSWORD)
        await expect(manager).to_have_url(f"{base}board")
        rate = manager.locator("#contact-rate-hoikuryo")
        await expect(rate).to_have_text("—")

        await operator.select_option("#seat", "seat01")
        await operator.click("#ready")
        await expect(operator.locator("#state")).to_have_text("受付中")
        centre.service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=15))

        await expect(operator.locator("#rec-name")).to_have_text("電話　花子", timeout=30_000)
        await expect(operator.locator("#state")).to_have_text("通話中")
        await expect(operator.locator("#rec-ref")).to_have_text("T001")
        await expect(operator.locator("#rec-total")).to_contain_text("12,345")
        centre.service.runner.close(centre.batch)
        await screenshot(operator, "console-screen-pop")

        await operator.keyboard.press("1")  # shortcut: the first result code (101 納付約束)
        await expect(operator.locator("input[name=code][value='101']")).to_be_checked()
        await expect(operator.locator("#transfer")).to_be_visible()  # designated debt type
        await operator.check("input[name=account_transfer][value=recommended]")
        await operator.fill("textarea[name=note]", "月末に納付予定")
        await operator.keyboard.press("Control+Enter")
        await expect(operator.locator("#result-message")).to_have_text("保存しました")
        await expect(operator.locator("#state")).to_have_text("受付中")
        await expect(operator.locator("#rec-name")).to_have_text("")

        await expect(rate).to_have_text("100.0%", timeout=5_000)
        await screenshot(manager, "supervisor-board")
        await operator.click("#leave")
        await expect(operator.locator("#state")).to_have_text("未接続")


async def test_the_console_locks_hides_its_content_and_never_prints(
        centre: Centre, browser: Browser) -> None:
    base = centre.service.url
    async with new_page(browser) as operator:
        await log_in(operator, base, "op1", PASSWORD)
        await operator.click("#lock-now")
        await expect(operator.locator("#lock-screen")).to_be_visible()
        await expect(operator.locator("#content")).to_be_hidden()
        status = await operator.evaluate(
            "fetch('/api/console', {headers: {Accept: 'application/json'}}).then(r => r.status)")
        assert status == 423
        await operator.fill("#unlock-form input[name=password]", PASSWORD)
        await operator.click("#unlock-form button")
        await expect(operator.locator("#content")).to_be_visible()
        stored = await operator.evaluate("localStorage.length + sessionStorage.length")
        assert stored == 0  # nothing kept in the browser
        await operator.emulate_media(media="print")
        await expect(operator.locator("#content")).to_be_hidden()  # operators cannot print
