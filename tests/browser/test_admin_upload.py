"""admin.js in Chromium: a loaned-data file larger than the app's 1 MB body limit is uploaded
(token in a header, streamed to disk) and the result page replaces the form; a plain admin
form (user creation) works without any script."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Dialog, Page, expect

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer import config
from dialer.adapters.db import migrate, users
from dialer.adapters.db.engine import Database
from dialer.domain.login import LoginPolicy
from dialer.services.governance import accounts
from dialer.services.supervision.health import Health
from tests.support.browser import serve
from tests.support.web_parts import service_parts

PASSWORD = "manager-pass-42"  # the test account's password
HEADER = ["管理番号", "氏名", "氏名カナ", "電話番号", "携帯電話番号", "年度", "期別", "納期限",
          "金額"]


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[str]:
    path = tmp_path / "dialer.toml"
    path.write_text('[database]\nurl = "sqlite+aiosqlite:///centre.sqlite3"\n\n'
                    '[paths]\ndata_dir = "data"\n', encoding="utf-8")
    settings = config.load(path)
    database = Database(settings)
    await migrate.upgrade_database(database)
    async with database.engine.begin() as conn:
        await users.add(conn, "kanri", "管理 太郎", "manager")
    await accounts.set_password(database, "setup", "kanri", PASSWORD, LoginPolicy())

    async def health() -> Health:
        return Health(settings.centre.name, "011-211-0000", True, "22.10.1", True)

    backend = Backend(health, database=database, settings=lambda: settings)
    parts = await service_parts(settings, database, backend.clock)
    try:
        async with serve(parts.attach(create_app(backend))) as url:
            yield url
    finally:
        await database.close()


def _big_cp932(path: Path, rows: int) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(rows):
        number = f"011-{n % 900 + 100}-{n % 9000 + 1000}"
        writer.writerow([f"R{n:06d}", "札幌　太郎", "サッポロ タロウ", number, "", "令和5年度",
                         "第1期", "R5.4.30", "12,345"])
    path.write_bytes(out.getvalue().encode("cp932"))
    return path


async def _login(page: Page, url: str) -> None:
    await page.goto(f"{url}/login")
    await page.fill("input[name=login]", "kanri")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{url}/board")


async def test_a_file_over_one_megabyte_is_uploaded_by_the_script(
        page: Page, console: str, tmp_path: Path) -> None:
    data = _big_cp932(tmp_path / "保育所等保育料_202701.csv", 16000)
    assert data.stat().st_size > 1024**2
    await _login(page, console)
    await page.goto(f"{console}/admin/import")
    await page.set_input_files("input[name=file]", str(data))
    await page.select_option("select[name=debt_type]", "hoikuryo")
    await page.fill("input[name=month]", "2027-01")
    await page.click("form[data-upload] button[type=submit]")
    await page.wait_for_selector("text=バッチ 1 として取り込みました", timeout=60_000)
    assert "16000" in await page.inner_text("main")


async def test_a_plain_admin_form_needs_no_script(page: Page, console: str) -> None:
    await _login(page, console)
    await page.goto(f"{console}/admin/users")
    await page.fill("input[name=login]", "op7")
    await page.fill("input[name=display_name]", "オペ 七")
    await page.click("text=追加する")
    await page.wait_for_selector("code.secret")
    assert len(await page.inner_text("code.secret")) == 12


async def test_disabling_an_account_asks_first_and_a_no_changes_nothing(
        page: Page, console: str) -> None:
    await _login(page, console)
    await page.goto(f"{console}/admin/users")
    await page.fill("input[name=login]", "op8")
    await page.fill("input[name=display_name]", "オペ 八")
    await page.click("text=追加する")
    await page.wait_for_selector("code.secret")
    await page.goto(f"{console}/admin/users")
    asked: list[str] = []

    async def answer(dialog: Dialog, accept: bool) -> None:
        asked.append(dialog.message)
        await (dialog.accept() if accept else dialog.dismiss())

    page.once("dialog", lambda d: answer(d, accept=False))
    await page.click("button:has-text('無効にする')")
    await page.wait_for_timeout(300)
    await page.reload()
    await expect(page.locator("button:has-text('無効にする')")).to_have_count(1)  # still active
    assert asked and "op8 を無効にします" in asked[0]
    page.once("dialog", lambda d: answer(d, accept=True))
    await page.click("button:has-text('無効にする')")
    await expect(page.locator("button:has-text('有効にする')")).to_have_count(1)
    assert len(asked) == 2
