"""The access-log page's investigation filters (target / batch / account), on screen and in
the CSV for the city."""

from __future__ import annotations

import csv
import io

from aiohttp.test_utils import TestClient

from dialer.adapters.db import audit, users
from dialer.adapters.db.engine import Database
from dialer.services.governance import audit_export
from tests.component.web.admin_kit import post_form
from tests.component.web.kit import login


async def test_the_page_and_the_csv_keep_only_the_rows_about_what_is_investigated(
        client: TestClient, database: Database) -> None:
    async with database.engine.begin() as conn:
        await audit.record(conn, "op1", "record.view", "target:41", batch=7, via="screenpop")
        await audit.record(conn, "op2", "record.view", "target:99", batch=8, via="screenpop")
        await audit.record(conn, "kanri", "calllist.assign", "batch:7", targets=2)
    csrf = await login(client, "kanri")
    page = await (await client.get("/admin/audit", params={"batch": "7"})).text()
    assert "target:41" in page and "batch:7" in page and "target:99" not in page
    assert 'name="batch" value="7"' in page  # the export form carries the filter
    page = await (await client.get("/admin/audit", params={"target": "x"})).text()
    assert "番号（数字）" in page

    response = await client.post("/admin/audit/export", data={
        "csrf": csrf, "from": "2020-01-01", "to": "2029-12-31", "user": "op2"})
    assert response.status == 200
    rows = list(csv.reader(io.StringIO((await response.read()).decode(audit_export.ENCODING))))
    async with database.engine.connect() as conn:
        op2 = await users.by_login(conn, "op2")
    assert op2 is not None  # its password was set by "setup": a row about the account
    assert [(r[2], r[4]) for r in rows[1:]] == [("setup", f"user:{op2.id}"),
                                                ("op2", "target:99")]
    status, body, _ = await post_form(client, "/admin/audit/export", csrf, **{
        "from": "2027-01-01", "to": "2027-01-31", "target": "1x"})
    assert status == 400 and "番号" in body
    async with database.engine.connect() as conn:
        exported = (await audit.entries(conn, 1))[0]
    assert (exported.action, exported.detail.get("user")) == ("audit.export", "op2")
