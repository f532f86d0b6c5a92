"""Generating the reports from the admin page: a manager's form, the files listed for
download at once, the generation in the access log under the manager's name."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import AuditEntry
from tests.component.web.admin_kit import post_form
from tests.component.web.kit import login


async def test_a_manager_generates_the_daily_reports_now(
        client: TestClient, database: Database) -> None:
    csrf = await login(client, "kanri")
    page = await (await client.get("/admin/reports")).text()
    assert 'value="2027-01-11"' in page  # the clock's yesterday is offered
    status, _body, location = await post_form(client, "/admin/reports/generate", csrf,
                                              kind="daily", date="2027-01-11")
    assert (status, location) == (302, "/admin/reports?done=2027-01-11")
    page = await (await client.get(location)).text()
    assert "作成しました: 2027-01-11" in page
    assert "daily/20270111/20270111_業務日報.xlsx" in page
    status, _body, location = await post_form(client, "/admin/reports/generate", csrf,
                                              kind="monthly", month="2027-01")
    assert status == 302
    assert "monthly/202701_業務月報.csv" in await (await client.get(location)).text()
    async with database.engine.connect() as conn:
        logged = (await conn.execute(select(AuditEntry.actor, AuditEntry.object).where(
            AuditEntry.action == "report.generate"))).all()
    assert logged == [("kanri", "report:daily"), ("kanri", "report:monthly")]


async def test_a_bad_request_says_why(client: TestClient) -> None:
    csrf = await login(client, "kanri")
    for fields in ({"kind": "daily", "date": "yesterday"}, {"kind": "monthly", "month": "13"},
                   {"kind": "weekly"}):
        status, body, _location = await post_form(client, "/admin/reports/generate", csrf,
                                                  **fields)
        assert status == 400 and "作成できません" in body, fields
