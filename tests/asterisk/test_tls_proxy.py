"""The console the way the city runs it: Debian's nginx with TLS in front (deploy's own site
file, a certificate from a CA this test makes, Chromium trusting exactly that key), the real
service on the sandbox behind it with ``[web] public_origin`` and ``trusted_proxies``. An
operator logs in over https, takes a screen-pop over ``wss://``, saves a result; the access log
names the browser's address, never the proxy's."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from dialer.adapters.db import audit
from dialer.pbx import ports, sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign
from tests.asterisk.centre import PASSWORD, running_centre
from tests.support import tls_proxy
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


async def test_login_screen_pop_and_result_through_nginx_with_tls(
        sandbox_state: SandboxState, tmp_path: Path) -> None:
    proxy_port, web_port = ports.free_tcp_port(), ports.free_tcp_port()
    origin = tls_proxy.origin(proxy_port)
    web = {"public_origin": origin, "trusted_proxies": (tls_proxy.PROXY_SOURCE,)}
    async with running_centre(sandbox_state, tmp_path, sipp.RESIDENTS, web=web,
                              web_port=web_port, console_user=False) as centre, \
            tls_proxy.running(tmp_path / "nginx", web_port, proxy_port) as proxy, \
            async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, chromium_sandbox=False,
            args=[*CHROMIUM_ARGS,
                  f"--ignore-certificate-errors-spki-list={proxy.certs.spki_sha256}"])
        context = await browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
        context.set_default_timeout(15_000)
        page = await context.new_page()
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        try:
            await page.goto(f"{origin}/login")
            await page.fill("input[name=login]", "op1")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(f"{origin}/console")
            await page.select_option("#seat", "seat01")
            await page.click("#ready")
            await expect(page.locator("#state")).to_have_text("受付中")
            centre.service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=15))
            await expect(page.locator("#rec-name")).to_have_text("電話　花子", timeout=30_000)
            centre.service.runner.close(centre.batch)
            await page.keyboard.press("1")
            await page.check("input[name=account_transfer][value=recommended]")
            await page.keyboard.press("Control+Enter")
            await expect(page.locator("#result-message")).to_have_text("保存しました")
        finally:
            await browser.close()
    assert sockets and all(url.startswith(f"wss://localhost:{proxy_port}/") for url in sockets)
    async with centre.service.database.connect() as conn:
        entries = await audit.entries(conn, 200)
    [login] = [e for e in entries if e.action == "login" and e.actor == "op1"]
    assert login.detail["address"] == "127.0.0.1"  # the browser's, never the proxy's
    assert tls_proxy.PROXY_SOURCE not in {str(e.detail.get("address")) for e in entries}
    assert any(e.action == "result.save" for e in entries)
    access_log = (tmp_path / "nginx" / "access.log").read_text()
    assert "POST /login" in access_log and "GET /console" in access_log
