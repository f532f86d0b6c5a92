"""Talk scripts and Q&A from the admin pages: a version added from a file is a draft, the
city's approval is recorded, and operators only ever get the approved version."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from tests.component.web.admin_kit import post_form, upload
from tests.component.web.kit import login

QA_CSV = "質問,回答\r\n口座振替はできますか,はい、できます\r\n".encode("cp932")


async def _add(client: TestClient, csrf: str, kind: str, scope: str, title: str,
               name: str, data: bytes) -> tuple[int, str]:
    return await upload(client, "/admin/documents", csrf,
                        {"kind": kind, "scope": scope, "title": title}, name, data)


async def _documents(client: TestClient) -> dict[str, object]:
    response = await client.get("/api/console/documents?debt_type=hoikuryo")
    assert response.status == 200
    return dict(await response.json())


async def test_only_the_approved_version_reaches_operators(client: TestClient,
                                                            database: Database) -> None:
    csrf = await login(client, "kanri")
    status, _ = await _add(client, csrf, "script", "hoikuryo", "保育料 v1", "script.txt",
                           "こんにちは、第一版です。\n".encode())
    assert status == 302
    status, _ = await _add(client, csrf, "qa", "*", "共通Q&A", "qa.csv", QA_CSV)
    assert status == 302

    page = await (await client.get("/admin/documents")).text()
    assert page.count("下書き") >= 2 and "保育料 v1" in page
    ids = [int(i) for i in re.findall(r'href="/admin/documents/(\d+)"', page)]
    script_id, qa_id = sorted(set(ids))

    await login(client, "op1")
    assert await _documents(client) == {"script": None, "qa": None}

    csrf = await login(client, "kanri")
    view = await (await client.get(f"/admin/documents/{script_id}")).text()
    assert "こんにちは、第一版です。" in view and "承認を記録する" in view
    status, _, location = await post_form(
        client, f"/admin/documents/{script_id}/approve", csrf, approver="札幌市 納税課 山田",
        at="2027-01-10T10:00", ref="札納第123号")
    assert (status, location) == (302, f"/admin/documents/{script_id}")
    status, _, _ = await post_form(client, f"/admin/documents/{qa_id}/approve", csrf,
                                   approver="札幌市", ref="R-1", at="")
    assert status == 302
    # a second version stays a draft: operators keep the approved first one
    status, _ = await _add(client, csrf, "script", "hoikuryo", "保育料 v2", "script.txt",
                           "第二版（未承認）\n".encode())
    assert status == 302

    await login(client, "op1")
    docs = await _documents(client)
    assert docs["script"] == {"title": "保育料 v1", "version": 1,
                              "body": "こんにちは、第一版です。\n"}
    assert docs["qa"] == {"title": "共通Q&A", "version": 1, "entries": [
        {"question": "口座振替はできますか", "answer": "はい、できます"}]}
    async with database.engine.connect() as conn:
        actions = [(e.actor, e.action) for e in await audit.entries(conn, 50)]
    assert actions.count(("kanri", "document.approve")) == 2
    assert actions.count(("kanri", "document.add")) == 3


async def test_bad_files_and_approvals_are_a_clear_400(client: TestClient) -> None:
    csrf = await login(client, "kanri")
    status, page = await _add(client, csrf, "qa", "*", "Q&A", "qa.csv",
                              b"question,other\r\nx,y\r\n")
    assert status == 400 and "回答" in page
    status, page = await _add(client, csrf, "script", "nowhere", "t", "s.txt", b"text")
    assert status == 400 and "unknown debt type" in page
    status, page = await _add(client, csrf, "script", "*", "", "s.txt", b"text")
    assert status == 400 and "title" in page
    status, page = await _add(client, csrf, "script", "*", "t", "s.txt", b"\xff\xfe\x00")
    assert status == 400 and "UTF-8" in page
    status, _ = await _add(client, csrf, "script", "*", "ok", "s.txt", "本文".encode())
    assert status == 302
    page = await (await client.get("/admin/documents")).text()
    (doc_id,) = {int(i) for i in re.findall(r'href="/admin/documents/(\d+)"', page)}
    for fields, expected in (({"approver": "", "ref": "x"}, "approver"),
                             ({"approver": "x", "ref": "x", "at": "2030-01-01T00:00"},
                              "future"),
                             ({"approver": "x", "ref": "x", "at": "yesterday"},
                              "not a date")):
        status, page, _ = await post_form(client, f"/admin/documents/{doc_id}/approve", csrf,
                                          **fields)
        assert status == 400 and expected in page, fields
    status, _, _ = await post_form(client, "/admin/documents/999/approve", csrf,
                                   approver="x", ref="y")
    assert status == 404
    assert (await client.get("/admin/documents/999")).status == 404
    assert (await client.get("/admin/documents/abc")).status == 404


async def test_the_operator_endpoint_checks_the_debt_type_and_the_role(
        client: TestClient) -> None:
    await login(client, "op1")
    assert (await client.get("/api/console/documents")).status == 400
    assert (await client.get("/api/console/documents?debt_type=zzz")).status == 400
    await login(client, "kanri")  # managers take calls too: they read the script
    assert (await client.get("/api/console/documents?debt_type=hoikuryo")).status == 200
    await login(client, "sysadm")
    assert (await client.get("/api/console/documents?debt_type=hoikuryo")).status == 403


async def test_operators_read_the_approved_manual_from_the_console(
        client: TestClient, database: Database) -> None:
    csrf = await login(client, "kanri")
    status, _ = await _add(client, csrf, "manual", "hoikuryo", "保育料 業務マニュアル",
                           "manual.md", "# 業務マニュアル\n架電は窓口時間内のみ。\n".encode())
    assert status == 302
    page = await (await client.get("/admin/documents")).text()
    assert "業務マニュアル" in page
    [manual_id] = {int(i) for i in re.findall(r'href="/admin/documents/(\d+)"', page)}

    await login(client, "op1")
    console = await (await client.get("/console")).text()
    assert 'href="/console/manual"' in console
    page = await (await client.get("/console/manual?debt_type=hoikuryo")).text()
    assert "承認済みの業務マニュアルはありません" in page  # a draft is never shown
    assert "架電は窓口時間内のみ" not in page

    csrf = await login(client, "kanri")
    status, _, _ = await post_form(client, f"/admin/documents/{manual_id}/approve", csrf,
                                   approver="札幌市", ref="札納第9号", at="")
    assert status == 302
    # managers take calls too (issue 21): the manual is theirs to read as well
    assert (await client.get("/console/manual?debt_type=hoikuryo")).status == 200

    await login(client, "op1")
    response = await client.get("/console/manual?debt_type=hoikuryo")
    page = await response.text()
    assert response.status == 200 and "架電は窓口時間内のみ" in page and "札納第9号" in page
    assert "<form method=\"post\"" not in page.split("</header>")[1]  # read-only
    assert (await client.get("/console/manual?debt_type=zzz")).status == 400
    async with database.engine.connect() as conn:
        reads = [(e.actor, e.obj, e.detail.get("version")) for e in await audit.entries(conn)
                 if e.action == "document.read"]
    assert sorted(reads, key=str) == [("kanri", f"document:{manual_id}", 1),
                                      ("op1", f"document:{manual_id}", 1),
                                      ("op1", "manual:hoikuryo", None)]
