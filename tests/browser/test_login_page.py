"""Smoke test of the real-browser tier: Chromium opens the console's login page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer.config import Settings
from dialer.services.supervision.health import Health
from tests.support.browser import screenshot, serve

CENTRE = Settings().centre.name
HEALTHY = Health(CENTRE, "011-211-0000", True, "22.10.1", True)


@pytest.fixture
async def console() -> AsyncIterator[str]:
    async def health() -> Health:
        return HEALTHY

    async with serve(create_app(Backend(health))) as url:
        yield url


async def test_the_login_page_opens_is_never_cached_and_forbids_inline_script(
    page: Page, console: str
) -> None:
    response = await page.goto(f"{console}/login")
    assert response is not None and response.status == 200
    assert CENTRE in await page.title()
    assert await response.header_value("cache-control") == "no-store"
    csp = await response.header_value("content-security-policy")
    assert csp is not None and "script-src 'self'" in csp
    assert await page.locator("input[name=password]").count() == 1

    # The browser really enforces it: an inline <script> added to the page does not run.
    ran = await page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.__inline_ran = true';
            document.body.appendChild(script);
            return window.__inline_ran === true;
        }"""
    )
    assert ran is False

    await screenshot(page, "login-page")
