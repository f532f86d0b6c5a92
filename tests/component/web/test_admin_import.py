"""Loaned-data intake through the console: the upload streamed to a private folder and deleted
afterwards, the counts, the masked error report, refusals that change nothing, the size limit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from agent_ui import admin_import
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from tests.component.intake.files import BAD_ROWS, GOOD_ROWS, HEADER, csv_bytes
from tests.component.web.admin_kit import upload, upload_form
from tests.component.web.kit import login

FIELDS = {"debt_type": "hoikuryo", "month": "2027-01", "encoding": ""}
NAME = "保育所等保育料_202701.csv"


async def _count(database: Database, table: str) -> int:
    async with database.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


def _uploads_left(settings: Settings) -> list[Path]:
    folder = settings.paths.data_dir / "uploads"
    return list(folder.rglob("*")) if folder.exists() else []


async def test_a_cp932_file_is_imported_and_the_upload_deleted(
        client: TestClient, database: Database, settings: Settings) -> None:
    csrf = await login(client, "kanri")
    page = await (await client.get("/admin/import")).text()
    assert "取込済みのバッチはありません" in page and "保育所等保育料" in page
    status, page = await upload(client, "/admin/import", csrf, FIELDS, NAME,
                                csv_bytes(GOOD_ROWS + BAD_ROWS, "cp932"))
    assert status == 200, page
    # a partial import is said as one, in amber: how many rows were left out
    assert '<p class="partial" role="alert">' in page and '<p class="notice"' not in page
    assert "バッチ 1 として 4 行を取り込みましたが、3 行は誤りのため取り込んでいません" in page
    assert "<dt>取込行</dt><dd>4</dd>" in page and "<dt>誤り行</dt><dd>3</dd>" in page
    assert "cp932" in page
    # the error report: row, column, masked value, reason — never the value itself
    assert "phone: " in page and "電話番号" in page and "***-***" in page
    assert "011-222" not in page and "小樽" not in page and "室蘭" not in page
    assert await _count(database, "targets") == 3
    async with database.engine.connect() as conn:
        (entry,) = [e for e in await audit.entries(conn) if e.action == "intake.import"]
    assert entry.actor == "kanri" and entry.obj == "batch:1"
    assert _uploads_left(settings) == []
    listing = await (await client.get("/admin/import")).text()
    assert NAME in listing and "kanri" in listing


async def test_without_the_script_the_form_field_token_works_for_small_files(
        client: TestClient, database: Database, settings: Settings) -> None:
    csrf = await login(client, "kanri")
    form = upload_form(FIELDS, NAME, csv_bytes(GOOD_ROWS, "cp932"), csrf_field=csrf)
    response = await client.post("/admin/import", data=form)
    page = await response.text()
    assert response.status == 200 and "バッチ 1 として取り込みました" in page
    assert '<p class="notice" role="status">' in page and "partial" not in page
    assert await _count(database, "targets") == 3
    assert _uploads_left(settings) == []


async def test_a_malformed_file_shows_its_report_and_changes_nothing(
        client: TestClient, database: Database, settings: Settings) -> None:
    csrf = await login(client, "kanri")
    status, page = await upload(client, "/admin/import", csrf, FIELDS | {"strict": "1"}, NAME,
                                csv_bytes(BAD_ROWS, "cp932"))
    assert status == 400
    assert "取り込みませんでした" in page and "bad rows" in page
    assert "<td class=\"num\">2</td>" in page  # the first bad row is line 2 of the file
    assert "小樽" not in page
    status, page = await upload(client, "/admin/import", csrf, FIELDS, NAME,
                                csv_bytes(GOOD_ROWS, "cp932", header=HEADER[:3]))
    assert status == 400 and "取り込みませんでした" in page
    assert await _count(database, "batches") == 0 and await _count(database, "targets") == 0
    assert _uploads_left(settings) == []


async def test_a_second_import_of_the_same_content_is_refused(client: TestClient) -> None:
    csrf = await login(client, "kanri")
    data = csv_bytes(GOOD_ROWS, "cp932")
    assert (await upload(client, "/admin/import", csrf, FIELDS, NAME, data))[0] == 200
    status, page = await upload(client, "/admin/import", csrf, FIELDS, NAME, data)
    assert status == 400 and "already imported" in page


@pytest.mark.parametrize(("fields", "name", "expected"), [
    (FIELDS | {"month": "2027-13"}, NAME, "YYYY-MM"),
    (FIELDS | {"debt_type": "nothing"}, NAME, "unknown debt type"),
    (FIELDS | {"debt_type": ""}, NAME, "債権の種類を選んでください"),
    (FIELDS, "list.exe", "ファイルの種類が違います"),
    (FIELDS | {"debt_type": "rojin"}, NAME, "names debt type hoikuryo"),
])
async def test_wrong_requests_are_a_clear_400(client: TestClient, database: Database,
                                              fields: dict[str, str], name: str,
                                              expected: str) -> None:
    csrf = await login(client, "kanri")
    status, page = await upload(client, "/admin/import", csrf, fields, name,
                                csv_bytes(GOOD_ROWS, "cp932"))
    assert status == 400 and expected in page and "Traceback" not in page
    assert await _count(database, "batches") == 0


async def test_an_upload_over_the_limit_is_413_and_leaves_nothing(
        client: TestClient, database: Database, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin_import, "MAX_IMPORT", 4096)
    csrf = await login(client, "kanri")
    big = csv_bytes(GOOD_ROWS * 200, "cp932")
    assert len(big) > 4096
    status, page = await upload(client, "/admin/import", csrf, FIELDS, NAME, big)
    assert status == 413 and "大きすぎます" in page
    # a body announced larger than the limit is refused before it is read
    response = await client.post("/admin/import", data=io.BytesIO(big * 40),
                                 headers={"X-CSRF-Token": csrf,
                                          "Content-Type": "multipart/form-data; boundary=x"})
    assert response.status == 413
    assert await _count(database, "batches") == 0
    assert _uploads_left(settings) == []


async def test_operators_cannot_import(client: TestClient) -> None:
    csrf = await login(client, "op1")
    status, _ = await upload(client, "/admin/import", csrf, FIELDS, NAME,
                             csv_bytes(GOOD_ROWS, "cp932"))
    assert status == 403


async def test_a_form_of_thousands_of_fields_is_refused(client: TestClient,
                                                         database: Database) -> None:
    """A body may be small and still hold thousands of fields: refused before anything is
    parsed or imported (the login form and an upload alike)."""
    many = "&".join(f"f{n}=" for n in range(5000))
    login_page = await client.post("/login", data=many.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert login_page.status == 400
    csrf = await login(client, "kanri")
    fields = {**FIELDS, **{f"extra{n}": "" for n in range(200)}}
    status, page = await upload(client, "/admin/import", csrf, fields, NAME, b"x")
    assert status == 400 and "at most 100 fields" in page
    assert await _count(database, "batches") == 0
