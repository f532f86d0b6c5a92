"""Talk scripts and Q&A sets on a real SQLite file: versions, the city's approval, what
operators see, the audit log, and `dialer script …` as a manager types it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from dialer.adapters.db import audit
from dialer.adapters.db import documents as repo
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.demo.documents import seed_demo_documents
from dialer.domain.debt_types import DebtType, UnknownDebtType
from dialer.domain.documents import MANUAL, QA, SCRIPT, ApprovalRefused, QaEntry, QaFileError
from dialer.services.governance import documents
from dialer.services.governance.accounts import NotAllowed
from tests.component.conftest import Dialer
from tests.component.intake.conftest import count, snapshot

QA_CSV = "質問,回答\r\n納付書をなくした,再送付します\r\n支払い方法は,コンビニでも払えます\r\n"


async def audit_actions(database: Database) -> list[tuple[str, str, str]]:
    async with database.engine.connect() as conn:
        return [(e.actor, e.action, e.obj) for e in reversed(await audit.entries(conn))]


async def test_a_version_is_a_draft_until_the_citys_approval_is_recorded(
        database: Database, settings: Settings, manager: str) -> None:
    known = settings.debt_types
    first = await documents.add_version(database, known, SCRIPT, "保育所等保育料", " 台本 ",
                                        "# 台本\nこんにちは\n", (), manager)
    assert (first.version, first.scope, first.title, first.state) == (1, "hoikuryo", "台本",
                                                                      "draft")
    assert await documents.for_operator(database, SCRIPT, "hoikuryo") is None

    at = datetime.now(UTC) - timedelta(days=2)
    approved = await documents.approve(database, first.id, "札幌市 保育課 山田", at, "R6-123",
                                       manager)
    assert (approved.approved_by, approved.approval_ref, approved.recorded_by) == (
        "札幌市 保育課 山田", "R6-123", "kanri")
    seen = await documents.for_operator(database, SCRIPT, "hoikuryo")
    assert seen is not None and (seen.id, seen.body, seen.approved_at) == (
        first.id, "# 台本\nこんにちは\n", at)

    second = await documents.add_version(database, known, SCRIPT, "hoikuryo", "台本 改訂",
                                         "改訂版", (), manager)
    assert second.version == 2
    seen = await documents.for_operator(database, SCRIPT, "hoikuryo")
    assert seen is not None and seen.id == first.id  # the new draft is not shown
    await documents.approve(database, second.id, "札幌市", None, "R6-200", manager)
    seen = await documents.for_operator(database, SCRIPT, "hoikuryo")
    assert seen is not None and seen.id == second.id

    listed = await documents.list_versions(database, SCRIPT, "hoikuryo")
    assert [(d.version, d.state) for d in listed] == [(1, "approved"), (2, "approved")]
    assert await audit_actions(database) == [
        ("kanri", "document.add", f"document:{first.id}"),
        ("kanri", "document.approve", f"document:{first.id}"),
        ("kanri", "document.add", f"document:{second.id}"),
        ("kanri", "document.approve", f"document:{second.id}")]
    async with database.engine.connect() as conn:
        detail = (await audit.entries(conn, limit=1))[0].detail
    assert detail["ref"] == "R6-200" and detail["version"] == 2 and detail["scope"] == "hoikuryo"


async def test_qa_entries_kept_in_order_and_searched_by_operators(
        database: Database, settings: Settings, manager: str) -> None:
    common = await documents.add_from_source(database, settings.debt_types, QA, "*", "共通",
                                             QA_CSV.encode("cp932"), manager)
    assert common.entries == (QaEntry("納付書をなくした", "再送付します"),
                              QaEntry("支払い方法は", "コンビニでも払えます"))
    assert await documents.search_qa(database, "rojin", "ｺﾝﾋﾞﾆ") == []  # a draft: nothing
    await documents.approve(database, common.id, "札幌市", None, "R-1", manager)
    assert await documents.search_qa(database, "rojin", "ｺﾝﾋﾞﾆ") == [common.entries[1]]
    assert await documents.search_qa(database, "rojin", "") == list(common.entries)

    own = await documents.add_version(database, settings.debt_types, QA, "rojin", "老人",
                                      "", [QaEntry("施設について", "担当課へ")], manager)
    await documents.approve(database, own.id, "札幌市", None, "R-2", manager)
    assert [e.question for e in await documents.search_qa(database, "rojin", "")] == [
        "施設について"]
    assert [e.question for e in await documents.search_qa(database, "hoikuryo", "")] == [
        "納付書をなくした", "支払い方法は"]
    fetched = await documents.get(database, common.id)
    assert fetched.entries == common.entries
    assert await count(database, "qa_entries") == 3


async def test_refusals_change_nothing(database: Database, settings: Settings,
                                       manager: str) -> None:
    known = settings.debt_types
    draft = await documents.add_version(database, known, SCRIPT, "*", "台本", "本文", (),
                                        manager)
    await documents.approve(database, draft.id, "札幌市", None, "R-1", manager)
    before = await snapshot(database)
    with pytest.raises(ApprovalRefused, match="approved already"):
        await documents.approve(database, draft.id, "札幌市", None, "R-2", manager)
    with pytest.raises(documents.NoSuchDocument, match="no document 99"):
        await documents.approve(database, 99, "札幌市", None, "R-2", manager)
    with pytest.raises(documents.NoSuchDocument, match="no document 99"):
        await documents.get(database, 99)
    with pytest.raises(NotAllowed, match="'op1' is operator"):
        await documents.add_version(database, known, SCRIPT, "*", "台本", "本文", (), "op1")
    with pytest.raises(NotAllowed, match="--as LOGIN"):
        await documents.add_version(database, known, SCRIPT, "*", "台本", "本文", (), "")
    with pytest.raises(UnknownDebtType):
        await documents.add_version(database, known, SCRIPT, "nope", "台本", "本文", (),
                                    manager)
    with pytest.raises(QaFileError, match="row 2: 回答 empty"):
        await documents.add_from_source(database, known, QA, "*", "Q&A",
                                        "質問,回答\nq,\n".encode(), manager)
    second = await documents.add_version(database, known, SCRIPT, "*", "v2", "本文", (),
                                         manager)
    before = await snapshot(database)
    with pytest.raises(ApprovalRefused, match="in the future"):
        await documents.approve(database, second.id, "札幌市",
                                datetime.now(UTC) + timedelta(hours=1), "R-3", manager)
    with pytest.raises(ApprovalRefused, match="approver is required"):
        await documents.approve(database, second.id, " ", None, "R-3", manager)
    with pytest.raises(NotAllowed):
        await documents.approve(database, second.id, "札幌市", None, "R-3", "op1")
    assert await snapshot(database) == before


async def test_the_repository_approves_a_draft_once(database: Database) -> None:
    now = datetime.now(UTC)
    async with database.engine.begin() as conn:
        added = await repo.add_version(conn, QA, "*", "t", "", [QaEntry("q", "a")], "x")
        assert await repo.approve(conn, added.id, "市", now, "R", "x")
        assert not await repo.approve(conn, added.id, "市", now, "R", "x")
        found = await repo.approved_for(conn, QA, "hoikuryo")
        assert found is not None and found.entries == (QaEntry("q", "a"),)
        assert await repo.get(conn, added.id + 1) is None


@pytest.mark.parametrize("transfer", [True, False])
async def test_demo_documents_are_seeded_once_and_approved(database: Database,
                                                           transfer: bool) -> None:
    debt_type = DebtType("hoikuryo", "保育所等保育料", account_transfer=transfer)
    added = await seed_demo_documents(database, debt_type)
    assert [(d.kind, d.scope, d.version, d.approved_by, d.approval_ref) for d in added] == [
        (SCRIPT, "hoikuryo", 1, "札幌市 (デモ)", "DEMO-1"),
        (QA, "hoikuryo", 1, "札幌市 (デモ)", "DEMO-1"),
        (MANUAL, "hoikuryo", 1, "札幌市 (デモ)", "DEMO-1")]
    assert await seed_demo_documents(database, debt_type) == []
    manual = await documents.for_operator(database, MANUAL, "hoikuryo")
    assert manual is not None and "保育所等保育料" in manual.body and "${" not in manual.body
    script = await documents.for_operator(database, SCRIPT, "hoikuryo")
    assert script is not None
    for part in ("札幌市電話納付案内センター", "保育所等保育料", "本人", "生年月日", "管理番号",
                 "お支払い", "失礼いたします", "011-211-0000"):
        assert part in script.body, part
    assert ("口座振替" in script.body) is transfer
    assert "$" not in script.body and "${" not in script.title
    qa = await documents.for_operator(database, QA, "hoikuryo")
    assert qa is not None and len(qa.entries) >= 10
    assert await documents.search_qa(database, "hoikuryo", "ﾌﾞﾝｶﾂ") == []
    assert len(await documents.search_qa(database, "hoikuryo", "分割")) >= 1
    assert [a for _, a, _ in await audit_actions(database)] == [
        "document.add", "document.approve", "document.add", "document.approve",
        "document.add", "document.approve"]


# the command line



def test_script_commands_round_trip(dialer: Dialer, tmp_path: Path) -> None:
    assert dialer("user", "add", "kanri", "--name", "管理者", "--role", "manager")[0] == 0
    script = tmp_path / "script.md"
    script.write_text("# 台本\n\nお忙しいところ恐れ入ります。\n", encoding="utf-8")
    qa = tmp_path / "qa.csv"
    qa.write_bytes(QA_CSV.encode("cp932"))

    code, out, _ = dialer("script", "add", "--kind", "script", "--scope", "保育所等保育料",
                          "--title", "保育料 台本", str(script), "--as", "kanri", "--json")
    assert code == 0 and json.loads(out)["state"] == "draft"
    code, out, _ = dialer("script", "add", "--kind", "qa", "--scope", "*", "--title", "共通",
                          str(qa), "--as", "kanri")
    assert code == 0 and "#2: Q&A集 * v1 added as a draft (2 entries)" in out

    code, out, _ = dialer("script", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["id", "kind", "scope", "ver", "state"]
    assert "script hoikuryo" in lines[2] and "draft" in lines[2] and "保育料 台本" in lines[2]
    assert "qa" in lines[1] and "draft" in lines[1]

    code, out, _ = dialer("script", "approve", "1", "--approver", "札幌市 保育課",
                          "--ref", "R6-1", "--at", "2026-01-05 10:30", "--as", "kanri")
    assert code == 0 and "approved by 札幌市 保育課 (R6-1, 2026-01-05 10:30)" in out
    code, out, _ = dialer("script", "list", "--kind", "script", "--scope", "hoikuryo",
                          "--json")
    (listed,) = json.loads(out)
    assert (listed["state"], listed["approval_ref"], listed["approved_at"]) == (
        "approved", "R6-1", "2026-01-05 01:30:00+00:00")

    code, out, _ = dialer("script", "show", "1")
    assert code == 0 and "approved: 2026-01-05 10:30 by 札幌市 保育課 (ref R6-1)" in out
    assert "お忙しいところ恐れ入ります。" in out
    code, out, _ = dialer("script", "show", "2")
    assert code == 0 and "Q1. 納付書をなくした\nA1. 再送付します" in out

    code, out, err = dialer("script", "current", "--kind", "qa", "--debt-type", "hoikuryo")
    assert code == 2 and "no approved Q&A集 for hoikuryo" in err
    assert dialer("script", "approve", "2", "--approver", "札幌市", "--ref", "R6-2",
                  "--as", "kanri")[0] == 0
    code, out, _ = dialer("script", "search", "--debt-type", "hoikuryo", "こんびに")
    assert code == 0 and out == "Q. 支払い方法は\nA. コンビニでも払えます\n"


@pytest.mark.parametrize(("args", "message"), [
    (("script", "show", "9"), "no document 9"),
    (("script", "approve", "9", "--approver", "市", "--ref", "R", "--as", "kanri"),
     "no document 9"),
    (("script", "approve", "1", "--approver", "市", "--ref", "R", "--as", "kanri"),
     "approved already"),
    (("script", "approve", "2", "--approver", "市", "--ref", "R", "--at", "2999-01-01 09:00",
      "--as", "kanri"), "in the future"),
    (("script", "approve", "2", "--approver", "市", "--ref", "R", "--at", "yesterday",
      "--as", "kanri"), "--at: not"),
    (("script", "approve", "2", "--approver", "市", "--ref", "R"), "--as LOGIN"),
    (("script", "add", "--kind", "qa", "--scope", "*", "--title", "x", "BAD", "--as",
      "kanri"), "row 3: 質問 empty"),
    (("script", "add", "--kind", "script", "--scope", "nope", "--title", "x", "SCRIPT",
      "--as", "kanri"), "unknown debt type 'nope'"),
    (("script", "add", "--kind", "script", "--scope", "*", "--title", "x", "MISSING",
      "--as", "kanri"), "No such file"),
])
def test_user_errors_print_one_line_and_exit_2(dialer: Dialer, tmp_path: Path,
                                               args: tuple[str, ...], message: str) -> None:
    assert dialer("user", "add", "kanri", "--name", "管理者", "--role", "manager")[0] == 0
    script = tmp_path / "script.md"
    script.write_text("台本\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("質問,回答\nq,a\n,a\n", encoding="utf-8")
    files = {"SCRIPT": str(script), "BAD": str(bad), "MISSING": str(tmp_path / "none.md")}
    for _ in range(2):
        assert dialer("script", "add", "--kind", "script", "--scope", "*", "--title", "t",
                      str(script), "--as", "kanri")[0] == 0
    assert dialer("script", "approve", "1", "--approver", "市", "--ref", "R",
                  "--as", "kanri")[0] == 0
    code, out, err = dialer(*[files.get(a, a) for a in args])
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert "Traceback" not in err


async def test_versions_survive_as_rows(database: Database, settings: Settings,
                                        manager: str) -> None:
    for n in range(3):
        await documents.add_version(database, settings.debt_types, SCRIPT, "*", f"v{n}", "x",
                                    (), manager)
    async with database.engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT version, approved_at FROM documents ORDER BY version"))).all()
    assert [tuple(r) for r in rows] == [(1, None), (2, None), (3, None)]
