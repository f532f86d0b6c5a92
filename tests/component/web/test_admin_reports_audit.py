"""Report downloads (inside the outbox only, audit-logged) and the access-log page: filters,
the chain's verification, the CP932 export (itself logged)."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient

from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.services.governance import audit_export
from tests.component.web.admin_kit import post_form
from tests.component.web.kit import login


async def test_an_empty_outbox_says_reports_come_later(client: TestClient) -> None:
    await login(client, "kanri")
    page = await (await client.get("/admin/reports")).text()
    assert "送付用のファイルはまだありません" in page


async def test_a_report_downloads_as_an_attachment_and_is_logged(
        client: TestClient, settings: Settings, database: Database) -> None:
    outbox = settings.paths.outbox_dir
    (outbox / "2027-01-12").mkdir(parents=True)
    (outbox / "2027-01-12" / "日報.csv").write_bytes("日付,件数\r\n".encode("cp932"))
    older = outbox / "old.txt"
    older.write_text("old")
    os.utime(older, (0, 0))
    secret = settings.paths.outbox_dir.parent / "secret.txt"
    secret.write_text("not for download")
    (outbox / "link.txt").symlink_to(secret)

    await login(client, "kanri")
    page = await (await client.get("/admin/reports")).text()
    assert page.index("2027-01-12/日報.csv") < page.index("old.txt")
    assert "link.txt" not in page
    response = await client.get("/admin/reports/download",
                                params={"name": "2027-01-12/日報.csv"})
    assert response.status == 200
    assert await response.read() == "日付,件数\r\n".encode("cp932")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E6%97%A5%E5%A0%B1.csv" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    async with database.engine.connect() as conn:
        (entry,) = [e for e in await audit.entries(conn) if e.action == "report.download"]
    assert entry.actor == "kanri" and entry.detail["name"] == "2027-01-12/日報.csv"
    assert entry.detail["bytes"] == len("日付,件数\r\n".encode("cp932"))


async def test_paths_leading_out_of_the_outbox_are_404(
        client: TestClient, settings: Settings, database: Database) -> None:
    settings.paths.outbox_dir.mkdir(parents=True)
    secret = settings.paths.outbox_dir.parent / "secret.txt"
    secret.write_text("not for download")
    (settings.paths.outbox_dir / "link.txt").symlink_to(secret)
    await login(client, "kanri")
    for name in ("../secret.txt", "../../dialer.toml", str(secret), "link.txt", "",
                 "2027/../../secret.txt", ".", "nothing.csv", "a\x00b"):
        response = await client.get("/admin/reports/download", params={"name": name})
        assert response.status == 404, name
    async with database.engine.connect() as conn:
        assert not [e for e in await audit.entries(conn) if e.action == "report.download"]


async def _log(database: Database) -> None:
    async with database.engine.begin() as conn:
        await audit.record(conn, "kanri", "calllist.assign", "batch:7", n=1, note="割当変更")
        await audit.record(conn, "op1", "console.result", "attempt:abc")
        await audit.record(conn, "kanri", "calllist.export", "batch:7")


async def test_the_audit_page_filters_and_verifies_the_chain(client: TestClient,
                                                             database: Database) -> None:
    await _log(database)
    await login(client, "kanri")
    page = await (await client.get("/admin/audit")).text()
    assert "正常:" in page and "calllist.assign" in page and "console.result" in page
    page = await (await client.get("/admin/audit", params={"action": "calllist."})).text()
    assert "calllist.assign" in page and "calllist.export" in page
    assert "console.result" not in page and "2 件" in page
    page = await (await client.get("/admin/audit", params={"actor": "op1"})).text()
    assert "console.result" in page and "calllist.assign" not in page
    page = await (await client.get("/admin/audit", params={"object": "batch:7",
                                                           "action": "calllist.e"})).text()
    assert "1 件" in page
    page = await (await client.get("/admin/audit", params={"from": "2000-01-01",
                                                           "to": "2000-01-02"})).text()
    assert "該当する記録はありません" in page
    page = await (await client.get("/admin/audit", params={"action": "%"})).text()
    assert "0 件" in page  # a LIKE wildcard is a plain character
    response = await client.get("/admin/audit", params={"from": "tomorrow"})
    assert response.status == 400


async def test_the_export_is_cp932_crlf_and_is_itself_logged(
        client: TestClient, database: Database, settings: Settings) -> None:
    await _log(database)
    csrf = await login(client, "kanri")
    today = datetime.now(UTC).astimezone(settings.tz).date().isoformat()
    response = await client.post("/admin/audit/export",
                                 data={"csrf": csrf, "from": "2020-01-01", "to": today})
    assert response.status == 200
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="access-log_2020-01-01_{today}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    data = await response.read()
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("cp932"), newline="")))
    assert tuple(rows[0]) == audit_export.HEADER
    assert ["kanri", "calllist.assign", "batch:7"] in [r[2:5] for r in rows[1:]]
    assert any("割当変更" in r[5] for r in rows[1:])
    async with database.engine.connect() as conn:
        (entry,) = [e for e in await audit.entries(conn) if e.action == "audit.export"]
        assert (await audit.verify(conn)).ok
    assert entry.actor == "kanri"
    assert entry.detail == {"first": "2020-01-01", "last": today, "rows": len(rows) - 1}


async def test_a_bad_export_range_is_400(client: TestClient) -> None:
    csrf = await login(client, "kanri")
    for fields in ({"from": "2027-02-01", "to": "2027-01-01"}, {"from": "x", "to": "y"}, {}):
        status, page, _ = await post_form(client, "/admin/audit/export", csrf, **fields)
        assert status == 400 and 'class="error"' in page, fields
